/**
 * Store ingest against ostree, side by side on the same input in one run:
 *
 *   1. a directory tree: `bazaar import-tree` vs `ostree commit` into an `archive` repo
 *      (compressed) and a `bare-user` repo (uncompressed);
 *   2. the same files packed as RPMs: `bazaar add` of the packages vs ostree committing
 *      the unpacked files (ostree cannot read RPMs; this is what it would store).
 *
 * Wall time of each whole command on a fresh repository (median of `runs`), and the bytes
 * each repository's objects take (apparent size and disk blocks). Ratios > 1 mean
 * bazaar is faster or smaller. Each is printed against the goals of issue 12: at least
 * as fast as bare-user, 6x faster than archive, 15% smaller on disk than archive; and
 * 3. storing packages costs at most 1.1x their .rpm files on disk (the repository's
 *    sample packages and the corpus, small packages as a distribution has most of).
 * A missing peer (ostree, rpmbuild) fails the benchmark: no ratio is better than a
 * silently missing one.
 *
 * With `BAZAAR_BENCH_BEFORE=<another build's dist/bin/bazaar.js>`, that build's command runs
 * on the same input in the same run, each row printing it against the same ostree figure.
 *
 *   node dist/bench/store.js [TREE...]   (default /usr/lib/python3, /usr/lib/gcc and /usr/lib/python3.11)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageMeta } from '../src/rpm/package-meta.js';
import { readRpmFile } from '../src/rpm/read-rpm.js';
import { corpusRpms, sampleRpms } from '../test/helpers/rpm-files.js';

const CLI = fileURLToPath(new URL('../bin/bazaar.js', import.meta.url));

export interface StoreBenchRow {
  input: string; files: number; bytes: number;
  bazaarMs: number; archiveMs: number; bareUserMs: number;
  bazaarSize: number; archiveSize: number; bareUserSize: number;
  bazaarBlocks: number; archiveBlocks: number; bareUserBlocks: number;
  bazaarFiles: number; archiveFiles: number; bareUserFiles: number;
}

function rowOf(input: string, files: number, bytes: number, ours: ReturnType<typeof measure>, archive: ReturnType<typeof measure>, bare: ReturnType<typeof measure>): StoreBenchRow {
  return {
    input, files, bytes, bazaarMs: ours.ms, archiveMs: archive.ms, bareUserMs: bare.ms,
    bazaarSize: ours.size, archiveSize: archive.size, bareUserSize: bare.size,
    bazaarBlocks: ours.blocks, archiveBlocks: archive.blocks, bareUserBlocks: bare.blocks,
    bazaarFiles: ours.files, archiveFiles: archive.files, bareUserFiles: bare.files,
  };
}

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t0;
}

/** Apparent bytes, allocated bytes and the number of files under `dir`. */
function sizes(dir: string): { bytes: number; blocks: number; files: number } {
  let bytes = 0;
  let blocks = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) { const s = sizes(p); bytes += s.bytes; blocks += s.blocks; files += s.files; } else { bytes += st.size; blocks += st.blocks * 512; files++; }
  }
  return { bytes, blocks, files };
}

function countFiles(dir: string): { files: number; bytes: number } {
  const out = execFileSync('find', [dir, '-type', 'f', '-printf', '%s\\n'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const sizesList = out.split('\n').filter(Boolean).map(Number);
  return { files: sizesList.length, bytes: sizesList.reduce((a, b) => a + b, 0) };
}

/** Runs `ingest(repoDir)` on a fresh repo `runs` times; returns the median time and the last repo's size. */
function measure(runs: number, fresh: () => string, ingest: (repo: string) => number, objectsOf: (repo: string) => string): { ms: number; size: number; blocks: number; files: number } {
  const times: number[] = [];
  let last = '';
  for (let i = 0; i < runs; i++) {
    if (last) rmSync(last, { recursive: true, force: true });
    spawnSync('sync');
    last = fresh();
    times.push(ingest(last));
  }
  const s = sizes(objectsOf(last));
  rmSync(last, { recursive: true, force: true });
  return { ms: median(times), size: s.bytes, blocks: s.blocks, files: s.files };
}

function ostreeRow(work: string, mode: 'archive' | 'bare-user', tree: string, runs: number): { ms: number; size: number; blocks: number; files: number } {
  return measure(runs, () => {
    const repo = mkdtempSync(join(work, `ostree-${mode}-`));
    execFileSync('ostree', ['init', `--repo=${repo}`, `--mode=${mode}`]);
    return repo;
  }, (repo) => timed('ostree', ['commit', `--repo=${repo}`, '--branch=bench', '--no-xattrs', tree]), (repo) => join(repo, 'objects'));
}

function freshStore(work: string, cli = CLI): string {
  const dir = join(mkdtempSync(join(work, 'bazaar-')), 'store');
  execFileSync(process.execPath, [cli, 'init', '--store', dir]);
  return dir;
}

/** Packs each top-level entry of `tree` into one RPM (payload as rpmbuild's default), for scenario 2. */
function packAsRpms(tree: string, work: string): string[] {
  const top = join(work, 'rpmbuild');
  for (const d of ['SPECS', 'RPMS', 'BUILD', 'BUILDROOT', 'SOURCES', 'SRPMS']) mkdirSync(join(top, d), { recursive: true });
  // Second-level entries, so a tree with one top directory still makes many packages.
  const parts = readdirSync(tree).filter((n) => /^[A-Za-z0-9._+-]+$/.test(n)).flatMap((n) =>
    statSync(join(tree, n)).isDirectory() ? readdirSync(join(tree, n)).filter((m) => /^[A-Za-z0-9._+-]+$/.test(m)).map((m) => join(n, m)) : [n]);
  const groups: string[][] = Array.from({ length: Math.min(20, parts.length) }, () => []);
  parts.forEach((p, i) => groups[i % groups.length].push(p));
  groups.forEach((g, i) => {
    const spec = join(top, 'SPECS', `pack${i}.spec`);
    const copies = g.map((p) => `mkdir -p %{buildroot}/pack/${join(p, '..')} && cp -a ${join(tree, p)} %{buildroot}/pack/${p}`).join('\n');
    writeFileSync(spec, `Name: benchpack${i}\nVersion: 1\nRelease: 1\nSummary: bench\nLicense: none\nBuildArch: noarch\nAutoReqProv: no\n%description\nbench\n%install\n${copies}\n%files\n/pack\n`);
    execFileSync('rpmbuild', ['-bb', '--quiet', '--nodeps', '--define', `_topdir ${top}`, '--define', 'debug_package %{nil}', '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', '--define', '_binaries_in_noarch_packages_terminate_build 0', spec], { stdio: 'ignore' });
  });
  const out: string[] = [];
  for (const d of readdirSync(join(top, 'RPMS'))) for (const f of readdirSync(join(top, 'RPMS', d))) out.push(join(top, 'RPMS', d, f));
  return out;
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

function printRow(log: (l: string) => void, r: StoreBenchRow): void {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  log(`${r.input}: ${r.files} files, ${mb(r.bytes)}`);
  log(`  bazaar                  ${r.bazaarMs.toFixed(0).padStart(7)} ms   ${mb(r.bazaarSize).padStart(10)} (${mb(r.bazaarBlocks)} on disk)`);
  log(`  ostree commit archive   ${r.archiveMs.toFixed(0).padStart(7)} ms   ${mb(r.archiveSize).padStart(10)} (${mb(r.archiveBlocks)} on disk)`);
  log(`  ostree commit bare-user ${r.bareUserMs.toFixed(0).padStart(7)} ms   ${mb(r.bareUserSize).padStart(10)} (${mb(r.bareUserBlocks)} on disk)`);
  const vsBare = r.bareUserMs! / r.bazaarMs;
  const vsArchive = r.archiveMs! / r.bazaarMs;
  const diskVsArchive = r.bazaarBlocks / r.archiveBlocks!;
  log(`  speed vs bare-user: ${vsBare.toFixed(2)}x (ostree time / bazaar time; goal >= 1: ${verdict(vsBare >= 1)})`);
  log(`  speed vs archive:   ${vsArchive.toFixed(2)}x (goal >= 6: ${verdict(vsArchive >= 6)})`);
  log(`  disk vs archive:    ${diskVsArchive.toFixed(2)}x (bazaar blocks / archive blocks; goal <= 0.85: ${verdict(diskVsArchive <= 0.85)})`);
  log(`  files in the object area: bazaar ${r.bazaarFiles}, archive ${r.archiveFiles}, bare-user ${r.bareUserFiles}`);
}

/** Storing packages against their .rpm files, both as allocated on disk (issue 12: <= 1.1x). */
function packageSpace(log: (l: string) => void, work: string, label: string, rpms: string[]): { rpmBlocks: number; storeBlocks: number; ratio: number } {
  const store = freshStore(work);
  const t0 = performance.now();
  execFileSync(process.execPath, [CLI, 'add', '--store', store, ...rpms], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const rpmBlocks = rpms.reduce((n, f) => n + statSync(f).blocks * 512, 0);
  const ours = sizes(join(store, 'objects'));
  const ratio = ours.blocks / rpmBlocks;
  log(`${label}: ${rpms.length} packages, ${(rpmBlocks / 1e6).toFixed(1)} MB of .rpm on disk; add ${ms.toFixed(0)} ms`);
  log(`  store objects ${(ours.blocks / 1e6).toFixed(1)} MB on disk in ${ours.files} files (${(ours.files / rpms.length).toFixed(1)} per package): ${ratio.toFixed(2)}x the .rpm files (goal <= 1.1: ${verdict(ratio <= 1.1)})`);
  rmSync(join(store, '..'), { recursive: true, force: true });
  return { rpmBlocks, storeBlocks: ours.blocks, ratio };
}

/** The before build's figure for one row: its time, and its speed against the row's bare-user time. */
function printBefore(log: (l: string) => void, before: string, ms: number, row: StoreBenchRow): void {
  log(`  before (${before}) ${ms.toFixed(0).padStart(7)} ms: speed vs bare-user ${(row.bareUserMs / ms).toFixed(2)}x; after / before ${(row.bazaarMs / ms).toFixed(2)}x`);
}

export async function benchStore(options: { trees?: string[]; runs?: number; log?: (l: string) => void; before?: string } = {}): Promise<StoreBenchRow[]> {
  const log = options.log ?? console.log;
  const before = options.before ?? process.env.BAZAAR_BENCH_BEFORE;
  const runs = options.runs ?? 3;
  const trees = options.trees ?? ['/usr/lib/python3', '/usr/lib/gcc', '/usr/lib/python3.11']; // python3.11: issue 21's row of a whole import-tree process
  for (const tool of ['ostree', 'rpmbuild']) if (!has(tool)) throw new Error(`the store benchmark compares against ${tool}, which is not installed (apt-get install ${tool === 'ostree' ? 'ostree' : 'rpm'})`);
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-'));
  // the same command through either build, on a fresh store of that build's own making
  const ingestBy = (cli: string, args: (store: string) => string[]): ReturnType<typeof measure> =>
    measure(runs, () => freshStore(work, cli), (store) => timed(process.execPath, [cli, ...args(store)]), (store) => join(store, 'objects'));
  const rows: StoreBenchRow[] = [];
  try {
    for (const tree of trees) {
      const { files, bytes } = countFiles(tree);
      const args = (store: string): string[] => ['import-tree', tree, '--name', basename(tree), '--store', store];
      const ours = ingestBy(CLI, args);
      const prior = before ? ingestBy(before, args) : null;
      const row = rowOf(`import-tree ${tree}`, files, bytes, ours, ostreeRow(work, 'archive', tree, runs), ostreeRow(work, 'bare-user', tree, runs));
      printRow(log, row);
      if (before && prior) printBefore(log, before, prior.ms, row);
      rows.push(row);
    }
    const tree = trees[0];
    const rpms = packAsRpms(tree, work);
    const { files, bytes } = countFiles(tree);
    const addArgs = (store: string): string[] => ['add', '--store', store, ...rpms];
    const ours = ingestBy(CLI, addArgs);
    const prior = before ? ingestBy(before, addArgs) : null;
    const row = rowOf(`add ${rpms.length} RPMs packing ${tree} (bazaar also keeps each .rpm)`, files, bytes, ours, ostreeRow(work, 'archive', tree, runs), ostreeRow(work, 'bare-user', tree, runs));
    printRow(log, row);
    if (before && prior) printBefore(log, before, prior.ms, row);
    rows.push(row);
    packageSpace(log, work, `space: the ${rpms.length} RPMs packing ${tree}`, rpms);
    // one file per NEVRA: the corpus holds the same NEVRA built by several rpm versions
    const byNevra = new Map<string, string>();
    for (const f of [...sampleRpms(), ...corpusRpms()]) {
      const rpm = await readRpmFile(f);
      byNevra.set(packageMeta(rpm.header, f).nevra, f);
    }
    const small = [...byNevra.values()];
    packageSpace(log, work, `space: repos/sample${corpusRpms().length ? ' and the corpus RPMs' : ' (corpus absent)'}`, small);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const trees = process.argv.slice(2);
  benchStore({ trees: trees.length ? trees : undefined }).catch((err: unknown) => { console.error(err); process.exitCode = 1; });
}
