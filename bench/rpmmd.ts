/**
 * rpm-md metadata generation: bazaar's writer against `createrepo_c --no-database` on
 * the same packages in the same run, for repos/sample and for a generated set of
 * packages (default 5,000).
 *
 * What is timed:
 * - createrepo_c: the whole command, wall clock (and its CPU time when /usr/bin/time
 *   exists). It reads each .rpm (header + sha256 of the file) and writes the metadata;
 *   `--no-database` because bazaar writes no sqlite databases (createrepo_c's default
 *   also writes them; that run is printed too).
 * - bazaar: `writeRepository` from headers already parsed in memory, as the store has
 *   them (the file size, sha256 and header offsets are known from ingest), through
 *   to the published repodata/ with its fsyncs (createrepo_c does none), wall clock and
 *   process CPU time, with the
 *   default compressor (Node's zlib: the same XML as createrepo_c, other .gz bytes).
 *   The row "from header bytes" also parses each header from its bytes inside the
 *   timing; the row "gzipExact" writes createrepo_c's very .gz bytes (pako).
 *   The first run of a process includes V8's warm-up of the writer and is printed on
 *   its own; the figure used is the median of the later runs (a server regenerating
 *   channels is warm).
 *
 * The generated packages are written by test/helpers/make-rpm.ts (valid rpm headers,
 * empty payload) in a temp dir: about 0.6 ms each, where rpmbuild takes ~100 ms.
 *
 *   node dist/bench/rpmmd.js [--packages N] [--runs R]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RpmHeader } from '../src/rpm/header.js';
import { gzip, gzipExact } from '../src/rpmmd/write/compressor.js';
import type { Compressor } from '../src/rpmmd/write/compressor.js';
import type { RepoPackage } from '../src/rpmmd/write/repo-package.js';
import { writeRepository } from '../src/rpmmd/write/write-repository.js';
import { layOut, readRepodata, repoPackages } from '../test/helpers/createrepo.js';
import { makePackageRpm } from '../test/helpers/make-rpm.js';
import { filesUnder } from '../test/helpers/rpm-files.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const GOAL = 2;

export interface RpmmdBenchRow {
  input: string;
  packages: number;
  createrepoMs: number;
  createrepoCpuMs: number | null;
  createrepoWithDbMs: number;
  bazaarColdMs: number;
  bazaarMs: number;
  bazaarCpuMs: number;
  bazaarFromBytesMs: number;
  bazaarExactGzipMs: number;
  ratio: number;
  identicalDocuments: boolean;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** A varied but plausible package: 5-64 files, a few dependencies, 3-10 changelog entries. */
function generated(i: number, n: number): Buffer {
  const nf = 5 + ((i * 7) % 60);
  const files = Array.from({ length: nf }, (_, j) => (j % 10 === 0
    ? { path: `/usr/bin/tool${i}-${j}`, mode: 0o100755, size: 1000 + j }
    : { path: `/usr/share/pkg${i}/sub${j % 4}/file${j}.txt`, size: 100 * j }));
  files.push({ path: `/usr/share/pkg${i}`, mode: 0o40755, size: 0 });
  return makePackageRpm({
    name: `pkg${i}`, version: `1.${i % 10}`, release: 'alt1', arch: i % 3 ? 'x86_64' : 'noarch', epoch: i % 17 === 0 ? 1 : undefined,
    summary: `Package number ${i}`, description: `A package for the rpm-md benchmark, number ${i}.\nIt has ${nf} files & a few dependencies.`,
    license: 'GPL-2.0-or-later', group: 'Development/Other', url: `https://example.org/pkg${i}`, packager: 'Bench <bench@example.org>',
    requires: [
      { name: 'libc.so.6()(64bit)' }, { name: 'libc.so.6(GLIBC_2.14)(64bit)' }, { name: '/bin/sh', flags: 1 << 9 },
      { name: `pkg${(i + 1) % n}`, flags: 12, version: '1.0' }, { name: 'rpmlib(PayloadFilesHavePrefix)', flags: (1 << 24) | 10, version: '4.0-1' },
    ],
    provides: [{ name: `pkg${i}`, flags: 8, version: `1.${i % 10}-alt1` }, { name: `libpkg${i}.so.1()(64bit)` }],
    changelogs: Array.from({ length: 3 + (i % 8) }, (_, k) => ({
      time: 1700000000 - k * 86400, name: `Packager ${k} <p${k}@example.org> 1.${k}-alt1`, text: `- change number ${k}\n- and another line`,
    })),
  });
}

/**
 * Writes back everything dirty first: otherwise the next contender's fsync (ext4's
 * journal commit) would also pay for the previous contender's unwritten files.
 */
const settle = (): void => { spawnSync('sync'); };

function timed(cmd: string, args: string[]): { ms: number; cpuMs: number | null } {
  settle();
  const useTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } })
    : spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = useTime ? /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr) : null;
  return { ms, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : null };
}

async function ours(pkgs: RepoPackage[], out: string, compressor: Compressor, fromBytes = false): Promise<{ ms: number; cpuMs: number }> {
  rmSync(out, { recursive: true, force: true });
  settle();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const input = fromBytes ? pkgs.map((p) => ({ ...p, header: new RpmHeader(p.header.bytes, p.href) })) : pkgs;
  await writeRepository(input, out, { compressor });
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

async function benchOne(input: string, repo: string, work: string, runs: number, log: (l: string) => void): Promise<RpmmdBenchRow> {
  const pkgs = await repoPackages(repo);
  const out = join(work, 'ours');
  const cr: number[] = [];
  const crCpu: number[] = [];
  const mine: number[] = [];
  const mineCpu: number[] = [];
  const bytes: number[] = [];
  const exact: number[] = [];
  let cold = 0;
  for (let r = 0; r <= runs; r++) {
    // interleaved, so that a busy moment on the machine hits every contender alike
    rmSync(join(repo, 'repodata'), { recursive: true, force: true });
    const c = timed('createrepo_c', ['-q', '--no-database', repo]);
    const a = await ours(pkgs, out, gzip);
    const b = await ours(pkgs, out, gzip, true);
    const n = await ours(pkgs, out, gzipExact);
    if (r === 0) { cold = a.ms; continue; }
    cr.push(c.ms); if (c.cpuMs !== null) crCpu.push(c.cpuMs);
    mine.push(a.ms); mineCpu.push(a.cpuMs); bytes.push(b.ms); exact.push(n.ms);
  }
  await ours(pkgs, out, gzipExact);
  rmSync(join(repo, 'repodata'), { recursive: true, force: true });
  timed('createrepo_c', ['-q', '--no-database', repo]);
  const theirs = readRepodata(repo);
  const mineDocs = readRepodata(out);
  const identicalDocuments = (['primary', 'filelists', 'other'] as const).every((t) => theirs.docs[t].open.equals(mineDocs.docs[t].open) && theirs.docs[t].stored.equals(mineDocs.docs[t].stored));
  rmSync(join(repo, 'repodata'), { recursive: true, force: true });
  const withDb = timed('createrepo_c', ['-q', repo]).ms;
  const row: RpmmdBenchRow = {
    input, packages: pkgs.length, createrepoMs: median(cr), createrepoCpuMs: crCpu.length ? median(crCpu) : null, createrepoWithDbMs: withDb,
    bazaarColdMs: cold, bazaarMs: median(mine), bazaarCpuMs: median(mineCpu), bazaarFromBytesMs: median(bytes), bazaarExactGzipMs: median(exact),
    ratio: median(cr) / median(mine), identicalDocuments,
  };
  const f = (x: number): string => `${x.toFixed(0).padStart(6)} ms`;
  log(`${input}: ${row.packages} packages (median of ${runs} interleaved runs)`);
  log(`  createrepo_c --no-database   ${f(row.createrepoMs)}${row.createrepoCpuMs !== null ? `   (cpu ${f(row.createrepoCpuMs)})` : ''}`);
  log(`  createrepo_c (with sqlite)   ${f(row.createrepoWithDbMs)}   (its default; bazaar writes no databases)`);
  log(`  bazaar, headers in memory    ${f(row.bazaarMs)}   (cpu ${f(row.bazaarCpuMs)}; first run in this process ${f(row.bazaarColdMs)})`);
  log(`  bazaar, from header bytes    ${f(row.bazaarFromBytesMs)}`);
  log(`  bazaar, gzipExact            ${f(row.bazaarExactGzipMs)}   (createrepo_c's very .gz bytes; ratio ${(row.createrepoMs / row.bazaarExactGzipMs).toFixed(2)}x)`);
  log(`  ratio createrepo_c/bazaar: ${row.ratio.toFixed(2)}x (goal >= ${GOAL}x: ${row.ratio >= GOAL ? 'met' : 'NOT met'}); cpu ratio ${row.createrepoCpuMs !== null ? (row.createrepoCpuMs / row.bazaarCpuMs).toFixed(2) : '?'}x; documents identical to createrepo_c's (gzipExact): ${identicalDocuments ? 'yes' : 'NO'}`);
  return row;
}

export async function benchRpmmd(options: { packages?: number; runs?: number; log?: (l: string) => void } = {}): Promise<RpmmdBenchRow[]> {
  const log = options.log ?? console.log;
  const n = options.packages ?? 5000;
  const runs = options.runs ?? 5;
  if (spawnSync('sh', ['-c', 'command -v createrepo_c']).status !== 0) {
    throw new Error('bench rpmmd: createrepo_c is not installed (Debian: apt-get install createrepo-c); it is the peer this benchmark measures against');
  }
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-rpmmd-'));
  const rows: RpmmdBenchRow[] = [];
  try {
    log(`machine: ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cpus, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const sample = join(work, 'sample');
    layOut(sample, filesUnder(join(root, 'repos/sample'), (f) => f.endsWith('.rpm')), join(root, 'repos/sample'));
    rows.push(await benchOne('repos/sample', sample, work, runs, log));
    const gen = join(work, 'generated');
    mkdirSync(gen);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) writeFileSync(join(gen, `pkg${i}.rpm`), generated(i, n));
    log(`(generated ${n} packages in ${(performance.now() - t0).toFixed(0)} ms with test/helpers/make-rpm.ts)`);
    rows.push(await benchOne(`${n} generated packages`, gen, work, runs, log));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): number | undefined => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : undefined; };
  benchRpmmd({ packages: arg('--packages'), runs: arg('--runs') }).catch((err: unknown) => { console.error(err); process.exitCode = 1; });
}
