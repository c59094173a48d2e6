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
 * bazaar is faster or smaller.
 *
 *   node dist/bench/store.js [TREE...]   (default /usr/lib/python3 and /usr/lib/gcc)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface StoreBenchRow { input: string; files: number; bytes: number; bazaarMs: number; archiveMs: number | null; bareUserMs: number | null; bazaarSize: number; archiveSize: number | null; bareUserSize: number | null; bazaarBlocks: number; archiveBlocks: number | null; bareUserBlocks: number | null }

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t0;
}

/** Apparent bytes and allocated bytes of every file under `dir`. */
function sizes(dir: string): { bytes: number; blocks: number } {
  let bytes = 0;
  let blocks = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) { const s = sizes(p); bytes += s.bytes; blocks += s.blocks; } else { bytes += st.size; blocks += st.blocks * 512; }
  }
  return { bytes, blocks };
}

function countFiles(dir: string): { files: number; bytes: number } {
  const out = execFileSync('find', [dir, '-type', 'f', '-printf', '%s\\n'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const sizesList = out.split('\n').filter(Boolean).map(Number);
  return { files: sizesList.length, bytes: sizesList.reduce((a, b) => a + b, 0) };
}

/** Runs `ingest(repoDir)` on a fresh repo `runs` times; returns the median time and the last repo's size. */
function measure(runs: number, fresh: () => string, ingest: (repo: string) => number, objectsOf: (repo: string) => string): { ms: number; size: number; blocks: number } {
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
  return { ms: median(times), size: s.bytes, blocks: s.blocks };
}

function ostreeRow(work: string, mode: 'archive' | 'bare-user', tree: string, runs: number): { ms: number; size: number; blocks: number } | null {
  if (!has('ostree')) return null;
  return measure(runs, () => {
    const repo = mkdtempSync(join(work, `ostree-${mode}-`));
    execFileSync('ostree', ['init', `--repo=${repo}`, `--mode=${mode}`]);
    return repo;
  }, (repo) => timed('ostree', ['commit', `--repo=${repo}`, '--branch=bench', '--no-xattrs', tree]), (repo) => join(repo, 'objects'));
}

function freshStore(work: string): string {
  const dir = join(mkdtempSync(join(work, 'bazaar-')), 'store');
  execFileSync(process.execPath, [CLI, 'init', '--store', dir]);
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
    execFileSync('rpmbuild', ['-bb', '--quiet', '--nodeps', '--define', `_topdir ${top}`, '--define', 'debug_package %{nil}', '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', spec], { stdio: 'ignore' });
  });
  const out: string[] = [];
  for (const d of readdirSync(join(top, 'RPMS'))) for (const f of readdirSync(join(top, 'RPMS', d))) out.push(join(top, 'RPMS', d, f));
  return out;
}

function printRow(log: (l: string) => void, r: StoreBenchRow): void {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  log(`${r.input}: ${r.files} files, ${mb(r.bytes)}`);
  log(`  bazaar                  ${r.bazaarMs.toFixed(0).padStart(7)} ms   ${mb(r.bazaarSize).padStart(10)} (${mb(r.bazaarBlocks)} on disk)`);
  if (r.archiveMs !== null) log(`  ostree commit archive   ${r.archiveMs.toFixed(0).padStart(7)} ms   ${mb(r.archiveSize!).padStart(10)} (${mb(r.archiveBlocks!)} on disk)`);
  if (r.bareUserMs !== null) log(`  ostree commit bare-user ${r.bareUserMs.toFixed(0).padStart(7)} ms   ${mb(r.bareUserSize!).padStart(10)} (${mb(r.bareUserBlocks!)} on disk)`);
  if (r.archiveMs === null) { log('  (ostree not installed: no ratios)'); return; }
  log(`  speed: ${(r.archiveMs / r.bazaarMs).toFixed(2)}x ostree archive, ${(r.bareUserMs! / r.bazaarMs).toFixed(2)}x bare-user (time ratio ostree/bazaar; goal >1 vs archive, >=0.67 vs bare-user)`);
  log(`  size:  ${(r.archiveSize! / r.bazaarSize).toFixed(2)}x archive, ${(r.bareUserSize! / r.bazaarSize).toFixed(2)}x bare-user (bytes ostree/bazaar; on disk ${(r.archiveBlocks! / r.bazaarBlocks).toFixed(2)}x, ${(r.bareUserBlocks! / r.bazaarBlocks).toFixed(2)}x)`);
}

export async function benchStore(options: { trees?: string[]; runs?: number; log?: (l: string) => void } = {}): Promise<StoreBenchRow[]> {
  const log = options.log ?? console.log;
  const runs = options.runs ?? 3;
  const trees = options.trees ?? ['/usr/lib/python3', '/usr/lib/gcc'];
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-'));
  const rows: StoreBenchRow[] = [];
  try {
    for (const tree of trees) {
      const { files, bytes } = countFiles(tree);
      const ours = measure(runs, () => freshStore(work), (store) => timed(process.execPath, [CLI, 'import-tree', tree, '--name', basename(tree), '--store', store]), (store) => join(store, 'objects'));
      const archive = ostreeRow(work, 'archive', tree, runs);
      const bare = ostreeRow(work, 'bare-user', tree, runs);
      const row: StoreBenchRow = { input: `import-tree ${tree}`, files, bytes, bazaarMs: ours.ms, bazaarSize: ours.size, bazaarBlocks: ours.blocks,
        archiveMs: archive?.ms ?? null, archiveSize: archive?.size ?? null, archiveBlocks: archive?.blocks ?? null,
        bareUserMs: bare?.ms ?? null, bareUserSize: bare?.size ?? null, bareUserBlocks: bare?.blocks ?? null };
      printRow(log, row);
      rows.push(row);
    }
    if (has('rpmbuild')) {
      const tree = trees[0];
      const rpms = packAsRpms(tree, work);
      const { files, bytes } = countFiles(tree);
      const ours = measure(runs, () => freshStore(work), (store) => timed(process.execPath, [CLI, 'add', '--store', store, ...rpms]), (store) => join(store, 'objects'));
      const archive = ostreeRow(work, 'archive', tree, runs);
      const bare = ostreeRow(work, 'bare-user', tree, runs);
      const row: StoreBenchRow = { input: `add ${rpms.length} RPMs packing ${tree} (bazaar also keeps each .rpm)`, files, bytes, bazaarMs: ours.ms, bazaarSize: ours.size, bazaarBlocks: ours.blocks,
        archiveMs: archive?.ms ?? null, archiveSize: archive?.size ?? null, archiveBlocks: archive?.blocks ?? null,
        bareUserMs: bare?.ms ?? null, bareUserSize: bare?.size ?? null, bareUserBlocks: bare?.blocks ?? null };
      printRow(log, row);
      rows.push(row);
    } else {
      log('(rpmbuild not installed: the RPM scenario is skipped)');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const trees = process.argv.slice(2);
  benchStore({ trees: trees.length ? trees : undefined }).catch((err: unknown) => { console.error(err); process.exitCode = 1; });
}
