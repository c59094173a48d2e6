/**
 * Distribution scale (issue 21, item 6): a store of many generated builds, each figure
 * printed against its peer in the same run and the issue's goal:
 *
 *   - `bazaar add` CPU per package, batch after batch, vs `createrepo_c --update` over the
 *     same files (the packages so far), and the peak RSS of each add;
 *   - the store's bytes on disk (allocated blocks) vs the .rpm files' (goal <= 1.2x);
 *   - `bazaar fsck` vs `sha256sum` over the same .rpm files (goal <= 10x; judged on CPU
 *     time, as wall time on a shared machine varies), and
 *     fsck's and gc's peak RSS (goal: bounded by a constant, not by the store's size;
 *     printed per build so two sizes can be compared).
 *
 * The packages are real: each has a gzip'd cpio payload whose files match the header
 * (sizes, sha256 digests), so `add` reads and checks every file; 5-50 files each, names
 * varied from one template (test/helpers/make-rpm.ts).
 *
 *   BAZAAR_BENCH_SCALE=N        packages (default 10,000: a few minutes here; 60,000
 *                               takes about half an hour on 2 cores)
 *   BAZAAR_BENCH_SCALE_BATCH=B  packages per add (default 10,000)
 *   BAZAAR_BENCH_SCALE_BEFORE=dist/bin/bazaar.js of another build (e.g. main's, built
 *                               in a worktree): measured too, on the same packages in
 *                               the same run, for before/after figures
 *   npm run bench -- scale
 *
 * On a loaded shared machine one add's CPU can swing 2-4x (every function alike in its
 * profile, GC and zstd included): a single batch's rise is not growth until the same add
 * on copies of the same store, interleaved, shows it. The 5th add of 10,000 merges every
 * pack (objects/ ends in one), so it pays a copy of the whole store (docs/store.md).
 *
 * Every child runs under /usr/bin/time (GNU time) for its CPU and maxRSS; a missing peer
 * (createrepo_c, sha256sum, GNU time) fails the benchmark.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeCpio } from '../src/boot/cpio-writer.js';
import type { CpioEntry } from '../src/boot/cpio-writer.js';
import { makePackageRpm } from '../test/helpers/make-rpm.js';
import type { FileSpec } from '../test/helpers/make-rpm.js';
import { TagType } from '../src/rpm/tags.js';

const CLI = fileURLToPath(new URL('../bin/bazaar.js', import.meta.url));

/** Bytes every file's content is cut from: text-like, so gzip and zstd gain what they gain on real files. */
const POOL = Buffer.from(Array.from({ length: 4096 }, (_, i) => `line ${i} ${createHash('sha256').update(String(i)).digest('base64')}\n`).join(''));

/** Package `i`: 5-50 files with real content, a few dependencies, a changelog. */
export function scalePackage(i: number, n: number): Buffer {
  const nf = 5 + ((i * 7919) % 46);
  const entries: CpioEntry[] = [{ path: `./usr/share/pkg${i}`, kind: 'dir', mode: 0o755 }];
  const files: FileSpec[] = [{ path: `/usr/share/pkg${i}`, mode: 0o40755, size: 0 }];
  const digests: string[] = [''];
  for (let j = 0; j < nf; j++) {
    const bin = j % 10 === 0;
    const path = bin ? `/usr/bin/tool${i}-${j}` : `/usr/share/pkg${i}/file${j}.txt`;
    const start = ((i * 131 + j * 977) * 61) % (POOL.length - 4096);
    const data = Buffer.concat([Buffer.from(`${path} of package ${i}\n`), POOL.subarray(start, start + (bin ? 1500 : 60 + ((i + j * 37) % 700)))]);
    entries.push({ path: `.${path}`, kind: 'file', mode: bin ? 0o755 : 0o644, data });
    files.push({ path, mode: bin ? 0o100755 : 0o100644, size: data.length });
    digests.push(createHash('sha256').update(data).digest('hex'));
  }
  const spec = {
    name: `pkg${i}`, version: `1.${i % 10}`, release: 'alt1', arch: i % 3 ? 'x86_64' : 'noarch',
    summary: `Package number ${i}`, description: `A package of the scale benchmark, number ${i}, with ${nf} files.`,
    license: 'GPL-2.0-or-later', group: 'Development/Other', url: `https://example.org/pkg${i}`,
    files,
    requires: [{ name: 'libc.so.6()(64bit)' }, { name: '/bin/sh' }, { name: `pkg${(i + 1) % n}`, flags: 12, version: '1.0' }],
    provides: [{ name: `pkg${i}`, flags: 8, version: `1.${i % 10}-alt1` }, { name: `libpkg${i}.so.1()(64bit)` }],
    changelogs: Array.from({ length: 1 + (i % 4) }, (_, k) => ({ time: 1700000000 - k * 86400, name: `Packager <p@example.org> 1.${k}-alt1`, text: `- change ${k}` })),
  };
  // `extra` replaces the empty digests makePackageRpm writes, and gives each file its inode
  const extra = [
    { tag: 1035, type: TagType.STRING_ARRAY, value: digests },
    { tag: 1095, type: TagType.INT32, value: files.map(() => 1) },
    { tag: 1096, type: TagType.INT32, value: files.map((_, k) => k + 1) },
  ];
  return makePackageRpm({ ...spec, extra }, { cpio: writeCpio(entries) });
}

interface Run { wallMs: number; cpuMs: number; maxRssMb: number; out: string }

/** Runs a command under GNU time: wall, user+sys CPU, peak RSS. */
function timed(cmd: string, args: string[], options: { input?: string } = {}): Run {
  const report = join(tmpdir(), `bazaar-bench-time-${process.pid}`);
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', report, cmd, ...args], { input: options.input, encoding: 'utf8', maxBuffer: 256 << 20 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} ... failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [user, sys, rss] = readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(report, { force: true });
  return { wallMs, cpuMs: (user + sys) * 1000, maxRssMb: rss / 1024, out: r.stdout };
}

/** Allocated bytes and files under `dir`. */
function du(dir: string): { blocks: number; files: number } {
  let blocks = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) { const s = du(p); blocks += s.blocks; files += s.files; } else { blocks += st.blocks * 512; files++; }
  }
  return { blocks, files };
}

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export interface ScaleFigures {
  packages: number; rpmBlocks: number; storeBlocks: number; objectsBlocks: number; objectFiles: number; gcStoreBlocks: number;
  addCpuPerPkg: number[]; createrepoCpuPerPkg: number[]; addRssMb: number[];
  fsckMs: number; fsckRssMb: number; sha256Ms: number; gcMs: number; gcRssMb: number;
  /** The same figures from BAZAAR_BENCH_SCALE_BEFORE's bazaar, when given. */
  before?: ScaleFigures;
}

/** Adds the packages batch by batch with the bazaar at `cli`, then measures disk, fsck and gc. */
async function measureStore(cli: string, label: string, work: string, paths: string[], rpmDir: string, rpmBlocks: number, batch: number, log: (l: string) => void, peers: Record<string, { cpuPerPkg: number[] }>): Promise<ScaleFigures> {
  const n = paths.length;
  const store = join(work, `store-${label}`);
  rmSync(store, { recursive: true, force: true });
  execFileSync(process.execPath, [cli, 'init', '--store', store]);
  const repo = join(work, 'createrepo');
  const f: ScaleFigures = { packages: n, rpmBlocks, storeBlocks: 0, objectsBlocks: 0, objectFiles: 0, gcStoreBlocks: 0, addCpuPerPkg: [], createrepoCpuPerPkg: [], addRssMb: [], fsckMs: 0, fsckRssMb: 0, sha256Ms: 0, gcMs: 0, gcRssMb: 0 };
  // createrepo_c runs once per batch, the first time through
  const peer = peers.createrepo ??= { cpuPerPkg: [] };
  const first = peer.cpuPerPkg.length === 0;
  if (first) mkdirSync(repo, { recursive: true });
  log('  batch      add CPU/pkg  add peak RSS   createrepo_c --update CPU/pkg   ratio');
  for (let from = 0, k = 0; from < n; from += batch, k++) {
    const files = paths.slice(from, from + batch);
    const add = timed(process.execPath, [cli, 'add', '--store', store, ...files]);
    if (first) {
      // createrepo_c's input: the packages so far, in one directory it updates in place
      for (const p of files) linkSync(p, join(repo, p.slice(rpmDir.length + 1)));
      peer.cpuPerPkg.push(timed('createrepo_c', ['--update', '--quiet', repo]).cpuMs / files.length);
    }
    const ours = add.cpuMs / files.length;
    const theirs = peer.cpuPerPkg[k];
    f.addCpuPerPkg.push(ours); f.createrepoCpuPerPkg.push(theirs); f.addRssMb.push(add.maxRssMb);
    log(`  ${String(from + files.length).padStart(6)}   ${ours.toFixed(2).padStart(8)} ms  ${add.maxRssMb.toFixed(0).padStart(8)} MB   ${theirs.toFixed(2).padStart(20)} ms   ${(ours / theirs).toFixed(2)}x (goal: flat as the store grows)`);
  }
  const st = du(store);
  const obj = du(join(store, 'objects'));
  f.storeBlocks = st.blocks; f.objectsBlocks = obj.blocks; f.objectFiles = obj.files;
  log(`  disk: store ${mb(st.blocks)} in ${st.files} files = ${(st.blocks / rpmBlocks).toFixed(2)}x the .rpm bytes (goal <= 1.2: ${verdict(st.blocks <= 1.2 * rpmBlocks)}); objects/ ${mb(obj.blocks)} in ${obj.files} files = ${(obj.blocks / rpmBlocks).toFixed(2)}x`);
  for (const sub of readdirSync(store)) {
    const p = join(store, sub);
    if (statSync(p).isDirectory() && sub !== 'objects') { const s = du(p); if (s.blocks > 0.01 * rpmBlocks) log(`        ${sub}/ ${mb(s.blocks)} in ${s.files} files`); }
  }

  spawnSync('sync');
  const sha = timed('sh', ['-c', `find ${rpmDir} -name '*.rpm' -print0 | xargs -0 sha256sum > /dev/null`]);
  f.sha256Ms = sha.wallMs;
  const fsck = timed(process.execPath, [cli, 'fsck', '--store', store]);
  f.fsckMs = fsck.wallMs; f.fsckRssMb = fsck.maxRssMb;
  // judged on CPU time: on a shared machine the wall times of a 1 s and a 15 s run vary apart
  log(`  fsck: ${(fsck.wallMs / 1000).toFixed(1)} s (${(fsck.cpuMs / 1000).toFixed(1)} s CPU), peak RSS ${fsck.maxRssMb.toFixed(0)} MB (${((fsck.maxRssMb * 1024) / n).toFixed(1)} KB per build); sha256sum of the .rpm files ${(sha.wallMs / 1000).toFixed(1)} s (${(sha.cpuMs / 1000).toFixed(1)} s CPU): ${(fsck.cpuMs / sha.cpuMs).toFixed(1)}x in CPU, ${(fsck.wallMs / sha.wallMs).toFixed(1)}x in wall time (goal <= 10: ${verdict(fsck.cpuMs <= 10 * sha.cpuMs)})`);
  const gc = timed(process.execPath, [cli, 'gc', '--store', store]);
  f.gcMs = gc.wallMs; f.gcRssMb = gc.maxRssMb;
  f.gcStoreBlocks = du(store).blocks;
  log(`  gc:   ${(gc.wallMs / 1000).toFixed(1)} s (${(gc.cpuMs / 1000).toFixed(1)} s CPU), peak RSS ${gc.maxRssMb.toFixed(0)} MB (${((gc.maxRssMb * 1024) / n).toFixed(1)} KB per build); the store after it: ${mb(f.gcStoreBlocks)} = ${(f.gcStoreBlocks / rpmBlocks).toFixed(2)}x the .rpm bytes (goal <= 1.2: ${verdict(f.gcStoreBlocks <= 1.2 * rpmBlocks)})`);
  log(`  memory goal: fsck, gc and add bounded by a constant (compare KB per build across BAZAAR_BENCH_SCALE sizes; node alone is ~45 MB)`);
  rmSync(store, { recursive: true, force: true });
  return f;
}

export async function benchScale(options: { packages?: number; batch?: number; log?: (l: string) => void } = {}): Promise<ScaleFigures> {
  const log = options.log ?? console.log;
  const n = options.packages ?? Number(process.env.BAZAAR_BENCH_SCALE ?? 10_000);
  const batch = options.batch ?? Number(process.env.BAZAAR_BENCH_SCALE_BATCH ?? 10_000);
  for (const tool of ['createrepo_c', 'sha256sum', '/usr/bin/time']) if (!has(tool)) throw new Error(`the scale benchmark needs ${tool}, which is not installed`);
  const work = mkdtempSync(join(tmpdir(), 'bazaar-scale-'));
  try {
    const rpmDir = join(work, 'rpms');
    mkdirSync(rpmDir);
    const t0 = performance.now();
    const paths: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = join(rpmDir, `pkg${i}.rpm`);
      writeFileSync(p, scalePackage(i, n));
      paths.push(p);
    }
    const rpmBlocks = du(rpmDir).blocks;
    log(`${n} generated packages (5-50 files each, real payloads), ${mb(rpmBlocks)} of .rpm on disk, made in ${((performance.now() - t0) / 1000).toFixed(1)} s; adds of ${batch}`);

    const peers: Record<string, { cpuPerPkg: number[] }> = {};
    log('this build:');
    const f = await measureStore(CLI, 'bazaar', work, paths, rpmDir, rpmBlocks, batch, log, peers);
    const before = process.env.BAZAAR_BENCH_SCALE_BEFORE;
    if (before) {
      log(`before (${before}), same packages, same run:`);
      f.before = await measureStore(before, 'before', work, paths, rpmDir, rpmBlocks, batch, log, peers);
    }
    return f;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchScale().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
}
