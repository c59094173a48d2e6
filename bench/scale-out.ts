/**
 * `npm run bench -- scale-out` (issue 22): several `bazaar serve` over one attached store
 * (objects in Ceph's S3 gateway, state and history in PostgreSQL, both started here by
 * scripts/engines/), each on a directory of its own as another host would be.
 *
 * - requests/s and p99 of a repository's repomd.xml with 1, 2 and 3 servers, one wrk per
 *   server at once (goal: 2 servers at least 1.7x one; on a machine with fewer cores than
 *   servers plus clients this measures the cores, and says so);
 * - `bazaar add` of the sample packages into an attached store against a local one (goal:
 *   within 2x);
 * - a cold `bazaar show` (a new directory: no caches) on the attached store against the
 *   local one: what PostgreSQL and S3 add.
 *
 * Skipped by name when the engines are not installed.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { enginesMissing } from '../test/helpers/engines.js';
import { attachedSite, startServer } from '../test/helpers/attached-servers.js';
import type { ServerProcess } from '../test/helpers/attached-servers.js';
import { CLI, tempDir } from '../test/helpers/cli.js';
import { sampleRpms } from '../test/helpers/rpm-files.js';

interface WrkResult { rps: number; p99Ms: number; errors: number }

const ms = (t: string): number => { const m = /^([\d.]+)(us|ms|s|m)$/.exec(t); if (!m) return NaN; return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 } as Record<string, number>)[m[2]]; };

function wrk(url: string, seconds: number, connections: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`wrk ${url} exited ${code}`)); return; }
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p99Ms: ms(/99%\s+(\S+)/.exec(out)?.[1] ?? ''),
        errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + (socket ? socket.slice(1).reduce((s, x) => s + Number(x), 0) : 0),
      });
    });
  });
}

/** Wall time of one CLI command (ms); throws when it fails. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`bazaar ${args[0]}: ${err}`))));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const verdict = (ok: boolean): string => (ok ? 'meets the goal' : 'MISSES the goal');

export async function benchScaleOut(options: { seconds?: number; connections?: number; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const missing = enginesMissing(['postgres', 'ceph']);
  if (missing.length) { log(`scale-out: skipped (not installed: ${missing.join('; ')})`); return; }
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 8;
  const site = await attachedSite(`bench${process.pid}`, 'bazaar-bench');
  const rpms = sampleRpms();

  // add: attached against local, the same files
  const local = join(tempDir('bench-local'), 'store');
  await timed(['init', local], site.env);
  const attachedDirs = [site.attach()];
  const addLocal = await timed(['add', '--store', local, ...rpms], site.env);
  const addAttached = await timed(['add', '--store', attachedDirs[0], ...rpms], site.env);
  log(`add ${rpms.length} packages: local ${addLocal.toFixed(0)} ms, attached ${addAttached.toFixed(0)} ms: ${(addAttached / addLocal).toFixed(2)}x (goal within 2x: ${verdict(addAttached <= 2 * addLocal)})`);

  // cold show: a new directory each time (no caches)
  const nevra = basename(rpms[0], '.rpm');
  const showLocal: number[] = [];
  const showAttached: number[] = [];
  for (let i = 0; i < 3; i++) {
    showLocal.push(await timed(['show', nevra, '--store', local], site.env));
    showAttached.push(await timed(['show', nevra, '--store', site.attach()], site.env));
  }
  log(`cold show (median of 3, a fresh directory each time for attached): local ${median(showLocal).toFixed(0)} ms, attached ${median(showAttached).toFixed(0)} ms: PostgreSQL and S3 add ${(median(showAttached) - median(showLocal)).toFixed(0)} ms`);

  // 1, 2, 3 servers
  site.run(['channel', 'create', 'bench', '--store', attachedDirs[0]]);
  site.run(['channel', 'add', 'bench', '--store', attachedDirs[0], ...rpms.map((r) => basename(r, '.rpm'))]);
  attachedDirs.push(site.attach(), site.attach());
  const servers: ServerProcess[] = [];
  try {
    for (const d of attachedDirs) servers.push(await startServer(d, site.env));
    const path = 'repo/bench/repodata/repomd.xml';
    for (const s of servers) await fetch(`${s.url}${path}`); // warm: the repository is built once per server
    log(`wrk -t1 -c${connections} -d${seconds}s per server on loopback, ${path}; ${cpus().length} cores for servers, wrk and the engines`);
    let one = 0;
    for (let n = 1; n <= servers.length; n++) {
      const rs = await Promise.all(servers.slice(0, n).map((s) => wrk(`${s.url}${path}`, seconds, connections)));
      const rps = rs.reduce((s, r) => s + r.rps, 0);
      const p99 = Math.max(...rs.map((r) => r.p99Ms));
      const errors = rs.reduce((s, r) => s + r.errors, 0);
      if (n === 1) one = rps;
      const goal = n === 2 ? ` (goal 2 servers at least 1.7x one: ${(rps / one).toFixed(2)}x, ${verdict(rps >= 1.7 * one)})` : n > 1 ? ` (${(rps / one).toFixed(2)}x one)` : '';
      log(`${n} server${n > 1 ? 's' : ''}: ${rps.toFixed(0)} requests/s, p99 ${p99.toFixed(1)} ms, ${errors} errors${goal}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
