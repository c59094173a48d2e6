/**
 * The repository server's download speed against nginx serving the same files from disk,
 * in one run, with the same client (wrk) on loopback:
 *
 * - bazaar: `bazaar serve` (a child process, its request log to /dev/null) on a store of
 *   repos/sample's x86_64 and noarch packages in the channel `sample`, and (with rpmbuild)
 *   one package of 50 MB of random bytes, which the store keeps raw; repomd.xml and the
 *   small .rpm are answered from memory, the large .rpm from its object file.
 * - bazaar twice: with one process (`--workers 1`) and with its default number of
 *   workers (one per core, at most 4: `bazaar serve`'s default).
 * - nginx: the same repodata/ and the same .rpm bytes (downloaded from bazaar) under a
 *   temp root, with as many worker processes as the bazaar it is compared with
 *   (`worker_processes 1`, then N), sendfile on, access log off, started as a child with
 *   a config written to a temp dir.
 *
 * - with `BAZAAR_BENCH_BEFORE=<another build's dist/bin/bazaar.js>`: that build too, on
 *   the same store with as many workers, for a before/after against the same nginx in one run.
 *
 * Each URL gets `wrk -t1 -c<connections> -d<seconds>s --latency`, bazaar and nginx
 * interleaved; printed: requests/s, MB/s, mean and p99 latency, each server's CPU
 * (user + system, its workers included) per request, and the ratio
 * bazaar/nginx of requests/s (the issue's goal: at least 0.5; for the large file, of MB/s,
 * with -c4: a few clients filling the line, as dnf's parallel downloads do). Timing output only.
 *
 *   node dist/bench/server.js [--seconds 5] [--connections 32] [--packages 5000] [--runs 3] [--generation-only | --downloads-only]
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rpmmdCacheDir } from '../src/store/caches/paths.js';
import { addToChannel, createChannel } from '../src/store/channels.js';
import { Store } from '../src/store/store.js';
import { filesUnder } from '../test/helpers/rpm-files.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(root, 'dist/bin/bazaar.js');
const GOAL = 0.5;
/** Connections for the large file: a few clients saturating the line, not 32 queued behind each other. */
const LARGE_CONNECTIONS = 4;

/**
 * A 50 MB .rpm of random bytes (a gzip payload at level 1 cannot shrink them, as with real
 * packages' compressed payloads), built with rpmbuild; null (the row is left out, saying
 * so) without it.
 */
function largeRpm(work: string, log: (line: string) => void): string | null {
  if (spawnSync('sh', ['-c', 'command -v rpmbuild']).status !== 0) { log('large-file rows skipped: rpmbuild is not installed'); return null; }
  const top = join(work, 'rpmbuild');
  for (const d of ['SPECS', 'BUILD', 'RPMS', 'BUILDROOT']) mkdirSync(join(top, d), { recursive: true });
  const spec = join(top, 'SPECS', 'largepkg.spec');
  writeFileSync(spec, [
    'Name: largepkg', 'Version: 1.0', 'Release: alt1', 'Summary: 50 MB of random bytes', 'License: GPL', 'BuildArch: noarch',
    '%description', 'Random bytes.', '%install', 'mkdir -p %{buildroot}/usr/share/largepkg',
    'head -c 52428800 /dev/urandom > %{buildroot}/usr/share/largepkg/blob', '%files', '/usr/share/largepkg', '',
  ].join('\n'));
  const defines = [`_topdir ${top}`, 'debug_package %{nil}', '_build_id_links none', '_binary_payload w1.gzdio'];
  const r = spawnSync('rpmbuild', ['-bb', '--nodeps', '--quiet', ...defines.flatMap((d) => ['--define', d]), spec], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rpmbuild largepkg: ${r.stderr}`);
  return filesUnder(join(top, 'RPMS'), (f) => f.endsWith('.rpm'))[0];
}

export interface ServerBenchRow { url: string; server: 'bazaar' | 'nginx' | 'before'; workers: number; rps: number; mbps: number; meanMs: number; p99Ms: number; errors: number; cpuUs: number }

/**
 * CPU seconds (user + system) used so far by process `pid` and its descendants (a
 * server's workers). Under load from other processes requests/s moves with the share of
 * the cores a server gets; its CPU per request does not, so the rows print both.
 */
function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  const visit = (p: number): void => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(' ').filter(Boolean)) visit(Number(c));
    } catch { /* gone, or no /proc: counted as nothing */ }
  };
  visit(pid);
  return ticks / 100; // USER_HZ
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

/** wrk's time with unit ('812.00us', '1.20ms', '2.01s', '1.00m') in milliseconds. */
function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[m[2]];
}

function bytesOf(text: string): number {
  const m = /^([\d.]+)(B|KB|MB|GB)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * ({ B: 1, KB: 1 << 10, MB: 1 << 20, GB: 1 << 30 } as Record<string, number>)[m[2]];
}

function wrk(url: string, seconds: number, connections: number, pid: number): Omit<ServerBenchRow, 'url' | 'server' | 'workers'> {
  const cpu0 = treeCpuSeconds(pid);
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk ${url}: ${r.stderr}`);
  const out = r.stdout;
  const latency = /Latency\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out);
  const p99 = /99%\s+(\S+)/.exec(out);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  return {
    rps,
    cpuUs: ((treeCpuSeconds(pid) - cpu0) * 1e6) / (rps * seconds),
    mbps: bytesOf(/Transfer\/sec:\s+(\S+)/.exec(out)?.[1] ?? '') / (1 << 20),
    meanMs: ms(latency?.[1] ?? ''),
    p99Ms: ms(p99?.[1] ?? ''),
    errors: Number(errors?.[1] ?? 0) + (socket ? socket.slice(1).reduce((s, x) => s + Number(x), 0) : 0),
  };
}

async function waitFor(url: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer ${url}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    child.once('close', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function benchServer(options: { seconds?: number; connections?: number; before?: string; log?: (line: string) => void } = {}): Promise<ServerBenchRow[]> {
  const before = options.before ?? process.env.BAZAAR_BENCH_BEFORE;
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 32;
  const log = options.log ?? ((l: string) => console.log(l));
  for (const tool of ['wrk', 'nginx']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) { log(`server bench skipped: ${tool} is not installed`); return []; }
  }
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-server-'));
  const children: ChildProcess[] = [];
  try {
    const storeDir = join(work, 'store');
    const store = await Store.init(storeDir);
    const files = filesUnder(join(root, 'repos/sample/RPMS'), (f) => f.endsWith('.rpm')).filter((f) => /\/(x86_64|noarch)\//.test(f));
    const large = largeRpm(work, log);
    const added = await store.add(large ? [...files, large] : files);
    await createChannel(store, 'sample');
    await addToChannel(store, 'sample', added.map((a) => a.nevra));

    // bazaar with one process, and with its default number of workers (bazaar serve --workers)
    const { DEFAULT_WORKERS } = await import('../src/cli/commands/serve.js');
    const counts = DEFAULT_WORKERS > 1 ? [1, DEFAULT_WORKERS] : [1];
    const bazaarUrls = new Map<number, string>();
    const beforeUrls = new Map<number, string>();
    /** Each server's process (with its workers as children), by its URL: whose CPU a row counts. */
    const pids = new Map<string, number>();
    for (const n of counts) {
      for (const [urls, cli] of before ? [[bazaarUrls, CLI], [beforeUrls, before]] as const : [[bazaarUrls, CLI]] as const) {
        const port = await freePort();
        const args = [cli, 'serve', '--port', String(port), '--store', storeDir, ...(n === 1 ? ['--workers', '1'] : [])];
        const bazaar = spawn(process.execPath, args, { stdio: 'ignore' });
        children.push(bazaar);
        urls.set(n, `http://127.0.0.1:${port}/repo/sample/`);
        pids.set(urls.get(n) as string, bazaar.pid as number);
        await waitFor(`${urls.get(n)}repodata/repomd.xml`, bazaar, `bazaar serve (${cli})`);
      }
    }
    const bazaarUrl = bazaarUrls.get(1) as string;

    // nginx's root: the very repodata/ bazaar serves and the .rpm bytes bazaar sends.
    const www = join(work, 'www');
    const repo = join(www, 'repo', 'sample');
    const [commit] = readdirSync(rpmmdCacheDir(storeDir, 'sample')).filter((n) => !n.startsWith('.'));
    cpSync(join(rpmmdCacheDir(storeDir, 'sample'), commit, 'repodata'), join(repo, 'repodata'), { recursive: true });
    mkdirSync(join(repo, 'Packages'));
    const rpm = 'Packages/webserver-1.24.0-alt1.x86_64.rpm';
    const largeHref = large ? `Packages/${basename(large)}` : null;
    for (const href of largeHref ? [rpm, largeHref] : [rpm]) writeFileSync(join(repo, href), Buffer.from(await (await fetch(`${bazaarUrl}${href}`)).arrayBuffer()));
    for (const d of [work, www, join(www, 'repo'), repo, join(repo, 'repodata'), join(repo, 'Packages')]) chmodSync(d, 0o755);
    // nginx as bazaar: one worker process, then as many as bazaar's default (worker_processes N)
    const nginxUrls = new Map<number, string>();
    for (const n of counts) {
      const nginxPort = await freePort();
      const conf = join(work, `nginx-${n}.conf`);
      writeFileSync(conf, [
        `worker_processes ${n};`, `pid ${join(work, `nginx-${n}.pid`)};`, `error_log ${join(work, 'nginx-error.log')};`,
        'events { worker_connections 1024; }',
        'http {',
        '  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;',
        `  client_body_temp_path ${work}/ngx-body; proxy_temp_path ${work}/ngx-proxy; fastcgi_temp_path ${work}/ngx-fcgi; uwsgi_temp_path ${work}/ngx-uwsgi; scgi_temp_path ${work}/ngx-scgi;`,
        '  types { application/xml xml; application/x-rpm rpm; application/gzip gz; }',
        `  server { listen 127.0.0.1:${nginxPort}; root ${www}; }`,
        '}', '',
      ].join('\n'));
      const nginx = spawn('nginx', ['-c', conf, '-p', work, '-g', 'daemon off;'], { stdio: 'ignore' });
      children.push(nginx);
      nginxUrls.set(n, `http://127.0.0.1:${nginxPort}/repo/sample/`);
      pids.set(nginxUrls.get(n) as string, nginx.pid as number);
      await waitFor(`${nginxUrls.get(n)}repodata/repomd.xml`, nginx, 'nginx');
    }

    log(`machine: ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cpus, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    log(`wrk -t1 -c${connections} -d${seconds}s on loopback (-c${LARGE_CONNECTIONS} for the large file); each bazaar row against nginx with as many worker processes`);
    if (before) log(`before: ${before}, on the same store, interleaved`);
    const rows: ServerBenchRow[] = [];
    const runs: Array<[string, number]> = [['repodata/repomd.xml', connections], [rpm, connections]];
    if (largeHref) runs.push([largeHref, LARGE_CONNECTIONS]);
    for (const [path, c] of runs) {
      for (const n of counts) {
        // interleaved, nginx first so that neither always runs on a warmer machine
        const servers = [['nginx', nginxUrls.get(n)], ...(before ? [['before', beforeUrls.get(n)]] as const : []), ['bazaar', bazaarUrls.get(n)]] as const;
        for (const [server, url] of servers) {
          rows.push({ url: path, server, workers: n, ...wrk(`${url}${path}`, seconds, c, pids.get(url as string) as number) });
        }
      }
    }
    log(`${'url'.padEnd(44)} ${'server'.padEnd(7)} ${'workers'.padStart(7)} ${'req/s'.padStart(9)} ${'MB/s'.padStart(7)} ${'mean ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU µs/req'.padStart(10)} errors`);
    for (const r of rows) {
      log(`${r.url.padEnd(44)} ${r.server.padEnd(7)} ${String(r.workers).padStart(7)} ${r.rps.toFixed(0).padStart(9)} ${r.mbps.toFixed(1).padStart(7)} ${r.meanMs.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${r.cpuUs.toFixed(1).padStart(10)} ${r.errors}`);
    }
    for (const [path] of runs) {
      for (const n of counts) {
        const at = (server: string): ServerBenchRow => rows.find((r) => r.url === path && r.server === server && r.workers === n) as ServerBenchRow;
        const ng = at('nginx');
        const bytes = path === largeHref;
        for (const server of before ? ['before', 'bazaar'] : ['bazaar']) {
          const b = at(server);
          const ratio = bytes ? b.mbps / ng.mbps : b.rps / ng.rps;
          const what = bytes ? `MB/s (${b.mbps.toFixed(0)} against ${ng.mbps.toFixed(0)})` : `requests/s (${b.rps.toFixed(0)} against ${ng.rps.toFixed(0)})`;
          log(`${path}, ${n} worker${n > 1 ? `s (bazaar's default)` : ''}: ${server}/nginx = ${ratio.toFixed(2)} of the ${what} (goal ${GOAL}: ${ratio >= GOAL ? 'met' : 'not met'}); CPU per request ${(b.cpuUs / ng.cpuUs).toFixed(2)}x nginx's`);
        }
      }
    }
    return rows;
  } finally {
    await Promise.all(children.map(stop));
    rmSync(work, { recursive: true, force: true });
  }
}


/**
 * rpm-md generation by the server (RepoCache: headers read from the store, the writer,
 * the publish with its fsyncs) against `createrepo_c --no-database` on the same .rpm
 * files, for repos/sample and for `packages` generated ones (test/helpers/make-rpm.ts;
 * no files, since they carry no payload, but dependencies, provides and changelogs).
 * "cold": the first request of a fresh server process after the publish (the fragments
 * were formatted by the add, as `bazaar add` does, and are read from their packs);
 * "warm": a running server regenerating after a commit (one package changed).
 *
 * With `BAZAAR_BENCH_BEFORE=<another build's dist/bin/bazaar.js>` (or `before`): that
 * build's store and server modules too (the dist beside that bazaar.js), on a store of
 * their own with the same packages and the same publishes, each run timed right after
 * this build's (in turn first), against the same createrepo_c run.
 */
export async function benchGeneration(options: { packages?: number; runs?: number; before?: string; log?: (line: string) => void } = {}): Promise<GenerationRow[]> {
  const n = options.packages ?? 5000;
  const runs = options.runs ?? 3;
  const log = options.log ?? ((l: string) => console.log(l));
  const before = options.before ?? process.env.BAZAAR_BENCH_BEFORE;
  if (spawnSync('sh', ['-c', 'command -v createrepo_c']).status !== 0) { log('generation bench skipped: createrepo_c is not installed'); return []; }
  const builds: GenerationBuild[] = [await generationBuild('bazaar', join(root, 'dist'))];
  if (before) builds.push(await generationBuild('before', join(dirname(before), '..')));
  const { makePackageRpm } = await import('../test/helpers/make-rpm.js');
  const { layOut } = await import('../test/helpers/createrepo.js');
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-gen-'));
  const rows: GenerationRow[] = [];
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  try {
    const inputs: Array<[string, string[]]> = [['repos/sample', filesUnder(join(root, 'repos/sample'), (f) => f.endsWith('.rpm'))]];
    const gen = join(work, 'generated');
    mkdirSync(gen);
    const files: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = join(gen, `pkg${i}-1.${i % 10}-alt1.rpm`);
      writeFileSync(f, makePackageRpm({
        name: `pkg${i}`, version: `1.${i % 10}`, release: 'alt1', arch: i % 3 ? 'x86_64' : 'noarch', summary: `Package number ${i}`,
        description: `A package for the generation benchmark, number ${i}.`, license: 'GPL-2.0-or-later', group: 'Development/Other',
        requires: [{ name: 'libc.so.6()(64bit)' }, { name: `pkg${(i + 1) % n}`, flags: 12, version: '1.0' }],
        provides: [{ name: `libpkg${i}.so.1()(64bit)` }],
        changelogs: Array.from({ length: 3 + (i % 8) }, (_, k) => ({ time: 1700000000 - k * 86400, name: `Packager ${k} <p${k}@example.org> 1.${k}-alt1`, text: `- change ${k}` })),
      }));
      files.push(f);
    }
    inputs.push([`${n} generated packages`, files]);
    for (const [input, rpms] of inputs) {
      const at = rows.length;
      // each build its own store of the same packages and channel `c` (a generation found on disk would not be generated)
      const stores = [];
      for (const b of builds) {
        const t0 = performance.now();
        const s = await b.store(join(work, `store-${at}-${b.label}`), rpms);
        log(`(${input}: ${s.keys.length} packages added to a store in ${(performance.now() - t0).toFixed(0)} ms${builds.length > 1 ? `, ${b.label}` : ''})`);
        stores.push(s);
      }
      const keys = stores[0].keys;
      // createrepo_c on the same files, laid out as a repository
      const repo = join(work, `repo-${at}`);
      mkdirSync(repo);
      layOut(repo, rpms, rpms.length && rpms[0].startsWith(gen) ? gen : join(root, 'repos/sample'));
      const crTimes: number[] = [];
      const times = stores.map(() => ({ cold: 0, warm: [] as number[], restarted: [] as number[] }));
      const running = stores.map((s) => s.cache());
      for (let r = 0; r < runs + 1; r++) {
        spawnSync('sync');
        rmSync(join(repo, 'repodata'), { recursive: true, force: true });
        const c0 = performance.now();
        const cr = spawnSync('createrepo_c', ['-q', '--no-database', repo], { env: { ...process.env, LC_ALL: 'C' } });
        crTimes.push(performance.now() - c0);
        if (cr.status !== 0) throw new Error(`createrepo_c: ${cr.stderr}`);
        // a fresh process's cache on the first run; afterwards a new commit of the channel, as after a publish
        const published = r % 2 ? keys.slice(1) : keys;
        for (let k = 0; k < stores.length; k++) {
          const i = (k + r) % stores.length; // each build first in turn
          const s = stores[i];
          spawnSync('sync');
          if (r > 0) await s.publish(published);
          const g0 = performance.now();
          await s.generate(r === 0 ? s.cache() : running[i]);
          const ms = performance.now() - g0;
          if (r === 0) { times[i].cold = ms; continue; }
          times[i].warm.push(ms);
          // the same republish in a process that did not write the previous generation
          // (a restarted server, another worker): a fresh cache, the runs from runs.json
          await s.publish(published.filter((key) => key !== keys[r + 1])); // one package fewer
          const f0 = performance.now();
          await s.generate(s.cache());
          times[i].restarted.push(performance.now() - f0);
        }
      }
      for (let i = 0; i < builds.length; i++) {
        const t = times[i];
        const row = { input, build: builds[i].label, packages: keys.length, createrepoMs: median(crTimes), coldMs: t.cold, warmMs: median(t.warm.length ? t.warm : [t.cold]), restartedMs: median(t.restarted.length ? t.restarted : [t.cold]), ratio: 0 };
        row.ratio = row.createrepoMs / row.warmMs;
        rows.push(row);
      }
    }
    // issue 21's goals: the first request after a publish within createrepo_c's time, warm at least twice as fast
    log(`machine: load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}${before ? `; before: ${before}, interleaved` : ''}`);
    log(`${'input'.padEnd(26)} ${before ? `${'build'.padEnd(7)} ` : ''}${'packages'.padStart(8)} ${'createrepo_c'.padStart(12)} ${'bazaar cold'.padStart(11)} ${'bazaar warm'.padStart(11)} ${'warm, new process'.padStart(17)} cold/createrepo_c, createrepo_c/warm`);
    for (const r of rows) {
      const cold = r.coldMs / r.createrepoMs;
      const fresh = r.createrepoMs / r.restartedMs;
      log(`${r.input.padEnd(26)} ${before ? `${r.build.padEnd(7)} ` : ''}${String(r.packages).padStart(8)} ${r.createrepoMs.toFixed(0).padStart(9)} ms ${r.coldMs.toFixed(0).padStart(8)} ms ${r.warmMs.toFixed(0).padStart(8)} ms ${r.restartedMs.toFixed(0).padStart(14)} ms `
        + `cold ${cold.toFixed(2)}x (goal <= 1x: ${cold <= 1 ? 'met' : 'not met'}), warm ${r.ratio.toFixed(2)}x faster (goal >= 2x: ${r.ratio >= 2 ? 'met' : 'not met'}), `
        + `warm in a new process ${fresh.toFixed(2)}x faster (goal >= 2x: ${fresh >= 2 ? 'met' : 'not met'})`);
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface GenerationRow { input: string; build: string; packages: number; createrepoMs: number; coldMs: number; warmMs: number; restartedMs: number; ratio: number }

/** One build's store with the packages in channel `c`: publish to it, and generate with a cache (a running server's, or a new one). */
interface GenerationStore {
  keys: string[];
  publish: (keys: string[]) => Promise<void>;
  cache: () => unknown;
  generate: (cache: unknown) => Promise<void>;
}

interface GenerationBuild { label: string; store: (dir: string, rpms: string[]) => Promise<GenerationStore> }

/**
 * The store and server modules of the build whose dist is `dist` (this one's, or a
 * "before" build's), loaded by path: each build's own Store with its own RepoCache.
 */
async function generationBuild(label: string, dist: string): Promise<GenerationBuild> {
  const url = (rel: string): string => pathToFileURL(join(dist, rel)).href;
  const [{ Store: S }, channels, { RepoCache }, fragments] = await Promise.all([
    import(url('src/store/store.js')) as Promise<typeof import('../src/store/store.js')>,
    import(url('src/store/channels.js')) as Promise<typeof import('../src/store/channels.js')>,
    import(url('src/server/repo-cache.js')) as Promise<typeof import('../src/server/repo-cache.js')>,
    // src/rpmmd/fragments.js since this stop; a before build has it in src/server/
    (import(url('src/rpmmd/fragments.js')).catch(() => import(url('src/server/rpmmd-fragments.js')))) as Promise<typeof import('../src/rpmmd/fragments.js')>,
  ]);
  return {
    label,
    store: async (dir, rpms) => {
      const store = await S.init(dir);
      const added = await store.add(rpms);
      // as bazaar add does (a build before the rename calls it prepareAddedFragments)
      const prepare = fragments.prepareRpmmdFragments ?? (fragments as unknown as { prepareAddedFragments: typeof fragments.prepareRpmmdFragments }).prepareAddedFragments;
      await prepare(store, added);
      await channels.createChannel(store, 'c');
      const keys = added.map((a) => a.nevra);
      await channels.publishChannel(store, 'c', keys);
      return {
        keys,
        publish: async (refs) => { await channels.publishChannel(store, 'c', refs); },
        cache: () => new RepoCache(store),
        generate: async (cache) => { await store.read((view) => (cache as InstanceType<typeof RepoCache>).generation(view, 'c')); },
      };
    },
  };
}


if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): number | undefined => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : undefined; };
  // --generation-only: the rpm-md rows alone (no wrk/nginx part); --downloads-only: the wrk rows alone
  (process.argv.includes('--generation-only') ? Promise.resolve([]) : benchServer({ seconds: arg('--seconds'), connections: arg('--connections') }))
    .then(async () => { if (!process.argv.includes('--downloads-only')) await benchGeneration({ packages: arg('--packages'), runs: arg('--runs') }); })
    .catch((err: unknown) => { console.error(err); process.exitCode = 1; });
}
