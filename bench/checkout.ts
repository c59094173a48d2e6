/**
 * Checkout against ostree, side by side on the same files in one run:
 *
 *   1. hardlink checkouts: `ostree checkout -U` from a bare-user repo vs bazaar's
 *      hardlink mode with a warm checkout cache (and, once, with a cold one: what the
 *      first checkout of new content costs, the cache being filled);
 *   2. copy checkouts: `ostree checkout -U --disable-cache` from an archive repo (without
 *      --disable-cache ostree fills and links its own uncompressed-objects cache, which is
 *      a hardlink checkout again) vs bazaar's copy mode.
 *
 * Each for a single-layer image and a 3-layer image (the tree, then a layer replacing
 * every 20th file, then one whiting out every 50th); ostree, which has no layers, checks
 * out the merged result. Every checkout is a whole process (wall time, median of `runs`,
 * page cache warm for both) whose peak RSS is reported too: memory must stay bounded.
 * Goals: hardlink within 1.5x of ostree, copy at least as fast as ostree.
 *
 *   node dist/bench/checkout.js [TREE...]   (default /usr/lib/python3, /usr/lib/gcc, /usr/lib/python3.11)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkout } from '../src/checkout/checkout.js';
import { checkoutCacheDir } from '../src/store/caches/paths.js';
import { importLayerEntries } from '../src/layer/import-layer-entries.js';
import { whiteoutEntry } from '../src/archive/layer-entry.js';
import type { LayerEntry } from '../src/archive/layer-entry.js';
import { readLayerDirectory } from '../src/archive/read-layer.js';
import type { ObjectId } from '../src/store/layout.js';
import { Store, internals } from '../src/store/store.js';

const SELF = new URL(import.meta.url).pathname;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

interface Run { ms: number; rssMB: number | null }

/** Runs a command `runs` times into a fresh `out`; wall time (median) and the largest peak RSS (GNU time's %M). */
function timed(runs: number, out: string, cmd: string, args: string[], before?: () => void): Run {
  const times: number[] = [];
  let rss: number | null = null;
  const gnuTime = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    rmSync(out, { recursive: true, force: true });
    before?.();
    spawnSync('sync');
    const t0 = performance.now();
    const r = gnuTime ? spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    const m = /maxrss=(\d+)/.exec(r.stderr);
    if (m) rss = Math.max(rss ?? 0, Number(m[1]) / 1024);
  }
  rmSync(out, { recursive: true, force: true });
  return { ms: median(times), rssMB: rss };
}

/** The entries of `dir` moved under `prefix` (its root becomes the directory `prefix`). */
async function* under(prefix: string, entries: AsyncIterable<LayerEntry>): AsyncGenerator<LayerEntry> {
  const move = (p: string): string => (p === '.' ? prefix : `${prefix}/${p}`);
  for await (const e of entries) yield { ...e, path: move(e.path), ...(e.linkTo !== undefined ? { linkTo: move(e.linkTo) } : {}) };
}

/** Every input tree as usr/lib/<name>, one stream. */
async function* allTrees(trees: string[]): AsyncGenerator<LayerEntry> {
  for (const t of trees) yield* under(`usr/lib/${basename(t)}`, readLayerDirectory(t, { xattrs: 'none' }));
}

/** Layer 2 of the 3-layer image: every 20th regular file rewritten (same path, new content). */
async function* rewrites(trees: string[]): AsyncGenerator<LayerEntry> {
  let n = 0;
  for await (const e of allTrees(trees)) {
    if (e.kind !== 'file' || n++ % 20 !== 0) continue;
    const extra = Buffer.from('\n# layer 2\n');
    const content = e.content!;
    yield { ...e, size: e.size + extra.length, content: async function* () { yield* content(); yield extra; } };
  }
}

/** Layer 3: every 50th regular file whited out. */
async function* whiteouts(trees: string[]): AsyncGenerator<LayerEntry> {
  let n = 0;
  const out: string[] = [];
  for await (const e of allTrees(trees)) if (e.kind === 'file' && n++ % 50 === 1) out.push(e.path);
  for (const p of out) yield whiteoutEntry(p);
}

async function importLayer(store: Store, entries: AsyncIterable<LayerEntry>): Promise<ObjectId> {
  const { objects } = internals(store);
  const layer = await importLayerEntries(objects, entries);
  await objects.commit(layer.staged);
  return layer.root;
}

function ostreeRepo(dir: string, mode: 'bare-user' | 'archive', tree: string): string {
  execFileSync('ostree', ['init', `--repo=${dir}`, `--mode=${mode}`]);
  execFileSync('ostree', ['commit', `--repo=${dir}`, '--branch=bench', '--no-xattrs', '--tree=dir=' + tree], { stdio: 'ignore' });
  return dir;
}

/** Child mode: one checkout in this process; prints its in-process time. */
async function child(args: string[]): Promise<void> {
  const [mode, storeDir, out, ...roots] = args;
  const store = await Store.open(storeDir);
  const t0 = performance.now();
  const r = await checkout(store, roots as ObjectId[], out, { mode: mode as 'hardlink' | 'copy' });
  console.log(JSON.stringify({ ms: performance.now() - t0, files: r.files, cache: r.cache }));
}

export async function benchCheckout(options: { trees?: string[]; runs?: number; log?: (l: string) => void } = {}): Promise<void> {
  if (!has('ostree')) throw new Error('the checkout benchmark compares against ostree, which is not installed (Debian: apt-get install ostree)');
  const log = options.log ?? console.log;
  const runs = options.runs ?? 3;
  const trees = options.trees ?? ['/usr/lib/python3', '/usr/lib/gcc', '/usr/lib/python3.11'];
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-co-'));
  try {
    // The child runs bundled, as the bazaar executable does (scripts/bundle.mjs).
    const { bundleFiles } = (await import(new URL('../../scripts/bundle.mjs', import.meta.url).href)) as { bundleFiles(entries: Record<string, string>, outdir: string): Promise<void> };
    // Inside the project, so that it finds node_modules (the native zstd and xattr addons).
    const bin = new URL('../bench-bin', import.meta.url).pathname;
    await bundleFiles({ 'checkout-child': SELF }, bin);
    const child = join(bin, 'checkout-child.js');
    const store = await Store.init(join(work, 'store'));
    const single = [await importLayer(store, allTrees(trees))];
    const stacked = [single[0], await importLayer(store, rewrites(trees)), await importLayer(store, whiteouts(trees))];
    const cache = checkoutCacheDir(store.dir);
    const out = join(work, 'out');
    const mb = (n: number | null): string => (n === null ? '?' : `${n.toFixed(0)} MB`);
    for (const [label, roots] of [['1 layer', single], ['3 layers', stacked]] as const) {
      // ostree gets what the stack merges to, as one directory.
      const merged = join(work, `merged-${roots.length}`);
      const made = await checkout(store, roots, merged, { mode: 'copy' });
      const bare = ostreeRepo(join(work, `ostree-bare-user-${roots.length}`), 'bare-user', merged);
      const archive = ostreeRepo(join(work, `ostree-archive-${roots.length}`), 'archive', merged);
      rmSync(merged, { recursive: true, force: true });
      const ours = (mode: string): [string, string[]] => [process.execPath, [child, '--child', mode, store.dir, out, ...roots]];

      const oHard = timed(runs, out, 'ostree', ['checkout', `--repo=${bare}`, '-U', 'bench', out]);
      const cold = timed(1, out, ...ours('hardlink'), () => rmSync(cache, { recursive: true, force: true }));
      const warm = timed(runs, out, ...ours('hardlink'));
      const oCopy = timed(runs, out, 'ostree', ['checkout', `--repo=${archive}`, '-U', '--disable-cache', 'bench', out]);
      const copy = timed(runs, out, ...ours('copy'));

      log(`${label}: ${made.files} files, ${(made.bytes / 1e6).toFixed(0)} MB, ${made.dirs} directories (inputs: ${trees.join(' ')})`);
      log(`  hardlink  ostree checkout -U (bare-user)        ${oHard.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(oHard.rssMB)}`);
      log(`            bazaar, warm checkout cache            ${warm.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(warm.rssMB)}   ratio ${(warm.ms / oHard.ms).toFixed(2)}x ostree (goal <= 1.5x: ${warm.ms <= 1.5 * oHard.ms ? 'met' : 'NOT met'})`);
      log(`            bazaar, cold cache (fills it)          ${cold.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(cold.rssMB)}   (${(cold.ms / oHard.ms).toFixed(2)}x ostree's hardlink, ${(cold.ms / oCopy.ms).toFixed(2)}x its copy)`);
      log(`  copy      ostree checkout -U --disable-cache (archive) ${oCopy.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(oCopy.rssMB)}`);
      log(`            bazaar copy mode                       ${copy.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(copy.rssMB)}   ratio ${(copy.ms / oCopy.ms).toFixed(2)}x ostree (goal <= 1x: ${copy.ms <= oCopy.ms ? 'met' : 'NOT met'})`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--child') {
    await child(process.argv.slice(3));
  } else {
    const trees = process.argv.slice(2);
    benchCheckout({ trees: trees.length ? trees : undefined }).catch((err: unknown) => { console.error(err); process.exitCode = 1; });
  }
}
