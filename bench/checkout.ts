/**
 * Checkout against ostree, side by side on the same files in one run:
 *
 *   1. hardlink checkouts: `ostree checkout -U` from a bare-user repo vs bazaar's
 *      hardlink mode with a warm checkout cache (and, once, with a cold one: what the
 *      first checkout of new content costs, the cache being filled);
 *   2. copy checkouts: `ostree checkout -U --disable-cache` from an archive repo (without
 *      --disable-cache ostree fills and links its own uncompressed-objects cache, which is
 *      a hardlink checkout again) vs bazaar's copy mode, twice: with the checkout cache's
 *      entries there (copied in the kernel, docs/checkout.md#the-checkout-cache) and with
 *      none (every file decoded from the store).
 *
 * bazaar runs as a user runs it: the bundled executable (`bazaar image checkout`, its V8
 * code cache warm), the images made with `layer import`'s code; the checkout alone, in a
 * process that opened the store already, is printed beside it. `BAZAAR_BENCH_BEFORE=
 * /other/dist/bin/bazaar.js` times another build on the same store, interleaved.
 *
 * Each for a single-layer image and a 3-layer image (the tree, then a layer replacing
 * every 20th file, then one whiting out every 50th); ostree, which has no layers, checks
 * out the merged result. Every checkout is a whole process (wall time, median of `runs`,
 * the commands interleaved, page cache warm for both) whose peak RSS is reported too: memory must stay bounded.
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
import { checkoutCacheDir, checkoutFilesDir } from '../src/store/caches/paths.js';
import { publishEntries } from '../src/layer/publish-entries.js';
import { createImage } from '../src/library/images.js';
import { whiteoutEntry } from '../src/archive/layer-entry.js';
import type { LayerEntry } from '../src/archive/layer-entry.js';
import { readLayerDirectory } from '../src/archive/read-layer.js';
import type { ObjectId } from '../src/store/layout.js';
import { Store } from '../src/store/store.js';

const SELF = new URL(import.meta.url).pathname;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

interface Run { ms: number; rssMB: number | null; cpuMs: number | null }
type Cmd = [cmd: string, args: string[], env?: NodeJS.ProcessEnv];

/**
 * Runs each command `runs` times into a fresh `out`, interleaved (a, b, c, a, b, c, ...:
 * other load on the machine falls on all of them alike); per command its wall time
 * (median), CPU time (user + system, median: what a loaded machine's waiting does not
 * inflate) and largest peak RSS (GNU time's %U, %S, %M).
 */
function timed(runs: number, out: string, cmds: Cmd[], before?: () => void): Run[] {
  const times: number[][] = cmds.map(() => []);
  const rss: Array<number | null> = cmds.map(() => null);
  const cpu: number[][] = cmds.map(() => []);
  const gnuTime = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    cmds.forEach(([cmd, args, env], c) => {
      rmSync(out, { recursive: true, force: true });
      before?.();
      spawnSync('sync');
      const t0 = performance.now();
      const r = gnuTime ? spawnSync('/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', cmd, ...args], { encoding: 'utf8', env }) : spawnSync(cmd, args, { encoding: 'utf8', env });
      times[c].push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
      const m = /maxrss=(\d+)/.exec(r.stderr);
      if (m) rss[c] = Math.max(rss[c] ?? 0, Number(m[1]) / 1024);
      const u = /cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr);
      if (u) cpu[c].push((Number(u[1]) + Number(u[2])) * 1000);
    });
  }
  rmSync(out, { recursive: true, force: true });
  return cmds.map((_, c) => ({ ms: median(times[c]), rssMB: rss[c], cpuMs: cpu[c].length ? median(cpu[c]) : null }));
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

/** Publishes `entries` as layer `ref` (as `bazaar layer import` does); its tree. */
async function importLayer(store: Store, ref: string, entries: () => AsyncIterable<LayerEntry>): Promise<ObjectId> {
  return (await publishEntries(store, ref, 'overlay', entries, {})).tree;
}

/**
 * The bench's store: the single-layer image `one` and the 3-layer image `three` (their
 * private layers are empty), as `bazaar image checkout` finds them. Also used alone to
 * profile a checkout (`node dist/bench/checkout.js --setup DIR [TREE...]`).
 */
export async function setupCheckoutStore(dir: string, trees: string[]): Promise<{ store: Store; single: ObjectId[]; stacked: ObjectId[] }> {
  const store = await Store.init(dir);
  const single = [await importLayer(store, 'tree@1.0.0', () => allTrees(trees))];
  const stacked = [single[0], await importLayer(store, 'rewrites@1.0.0', () => rewrites(trees)), await importLayer(store, 'whiteouts@1.0.0', () => whiteouts(trees))];
  await createImage(store, { image: 'one@1.0.0', layers: ['tree@1.0.0'] });
  await createImage(store, { image: 'three@1.0.0', layers: ['tree@1.0.0', 'rewrites@1.0.0', 'whiteouts@1.0.0'] });
  return { store, single, stacked };
}

function ostreeRepo(dir: string, mode: 'bare-user' | 'archive', tree: string): string {
  execFileSync('ostree', ['init', `--repo=${dir}`, `--mode=${mode}`]);
  execFileSync('ostree', ['commit', `--repo=${dir}`, '--branch=bench', '--no-xattrs', '--tree=dir=' + tree], { stdio: 'ignore' });
  return dir;
}

/** Child mode: one checkout in this process (the store already open); prints its time. */
async function child(args: string[]): Promise<void> {
  const [mode, storeDir, out, ...roots] = args;
  const store = await Store.open(storeDir);
  const t0 = performance.now();
  const r = await checkout(store, roots as ObjectId[], out, { mode: mode as 'hardlink' | 'copy' });
  console.log(JSON.stringify({ ms: performance.now() - t0, files: r.files, cache: r.cache }));
}

/** Runs the in-process child `runs` times: the median of the times it reports. */
function inProcess(runs: number, out: string, cmd: Cmd): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(out, { recursive: true, force: true });
    const r = spawnSync(cmd[0], cmd[1], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`checkout child failed: ${r.stderr}`);
    times.push((JSON.parse(r.stdout) as { ms: number }).ms);
  }
  rmSync(out, { recursive: true, force: true });
  return median(times);
}

/**
 * `before`: another build's bazaar executable (e.g. main's dist/bin/bazaar.js), timed
 * interleaved with this one on the same store, for a before/after in one run
 * (`BAZAAR_BENCH_BEFORE=/path/to/dist/bin/bazaar.js`).
 */
export async function benchCheckout(options: { trees?: string[]; runs?: number; before?: string; log?: (l: string) => void } = {}): Promise<void> {
  if (!has('ostree')) throw new Error('the checkout benchmark compares against ostree, which is not installed (Debian: apt-get install ostree)');
  const log = options.log ?? console.log;
  const runs = options.runs ?? 5;
  const trees = options.trees ?? ['/usr/lib/python3', '/usr/lib/gcc', '/usr/lib/python3.11'];
  const before = options.before ?? process.env.BAZAAR_BENCH_BEFORE;
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-co-'));
  try {
    // The in-process figure: the checkout alone, in a bundled child that opened the store already.
    const { bundleFiles } = (await import(new URL('../../scripts/bundle.mjs', import.meta.url).href)) as { bundleFiles(entries: Record<string, string>, outdir: string): Promise<void> };
    // Inside the project, so that it finds node_modules (the native zstd and xattr addons).
    const binDir = new URL('../bench-bin', import.meta.url).pathname;
    await bundleFiles({ 'checkout-child': SELF }, binDir);
    const child = join(binDir, 'checkout-child.js');
    // The command as a user runs it: the bundled executable with its V8 code cache (kept in the work dir).
    const bazaar = new URL('../bin/bazaar.js', import.meta.url).pathname;
    const { store, single, stacked } = await setupCheckoutStore(join(work, 'store'), trees);
    const env = { ...process.env, BAZAAR_STORE: store.dir, BAZAAR_CODE_CACHE: join(work, 'v8-code') };
    const cache = checkoutCacheDir(store.dir);
    const out = join(work, 'out');
    const mb = (n: number | null): string => (n === null ? '?' : `${n.toFixed(0)} MB`);
    const cpuOf = (r: Run): string => (r.cpuMs === null ? '' : `   cpu ${r.cpuMs.toFixed(0).padStart(5)} ms`);
    const row = (label: string, r: Run, peer: Run, goal: number): string => `            ${label.padEnd(38)} ${r.ms.toFixed(0).padStart(6)} ms${cpuOf(r)}   peak RSS ${mb(r.rssMB)}   ratio ${(r.ms / peer.ms).toFixed(2)}x ostree (goal <= ${goal}x: ${r.ms <= goal * peer.ms ? 'met' : 'NOT met'})`;
    for (const [label, image, roots] of [['1 layer', 'one', single], ['3 layers', 'three', stacked]] as const) {
      // ostree gets what the stack merges to, as one directory.
      const merged = join(work, `merged-${roots.length}`);
      const made = await checkout(store, roots, merged, { mode: 'copy' });
      const bare = ostreeRepo(join(work, `ostree-bare-user-${roots.length}`), 'bare-user', merged);
      const archive = ostreeRepo(join(work, `ostree-archive-${roots.length}`), 'archive', merged);
      rmSync(merged, { recursive: true, force: true });
      const cli = (bin: string, mode: 'hardlink' | 'copy'): Cmd => [process.execPath, [bin, 'image', 'checkout', image, out, ...(mode === 'hardlink' ? ['--hardlink'] : [])], env];
      const inproc = (mode: string): Cmd => [process.execPath, [child, '--child', mode, store.dir, out, ...roots]];
      // the first start of a build compiles and writes its code cache: not what a user waits for again
      timed(1, out, [cli(bazaar, 'copy'), ...(before ? [cli(before, 'copy')] : [])]);

      const oHardCmd: Cmd = ['ostree', ['checkout', `--repo=${bare}`, '-U', 'bench', out]];
      const oCopyCmd: Cmd = ['ostree', ['checkout', `--repo=${archive}`, '-U', '--disable-cache', 'bench', out]];
      const [cold] = timed(1, out, [cli(bazaar, 'hardlink')], () => rmSync(cache, { recursive: true, force: true }));
      const [oHard, warm, prevHard] = timed(runs, out, [oHardCmd, cli(bazaar, 'hardlink'), ...(before ? [cli(before, 'hardlink')] : [])]);
      const [oCopy, copy, prevCopy] = timed(runs, out, [oCopyCmd, cli(bazaar, 'copy'), ...(before ? [cli(before, 'copy')] : [])]);
      // copy mode with no checkout-cache entries to copy: every file decoded from the store
      const [oCopy2, copyDecoded, prevDecoded] = timed(runs, out, [oCopyCmd, cli(bazaar, 'copy'), ...(before ? [cli(before, 'copy')] : [])], () => rmSync(checkoutFilesDir(store.dir), { recursive: true, force: true }));
      timed(1, out, [cli(bazaar, 'hardlink')]); // the cache again, for the in-process figures
      const hardIn = inProcess(runs, out, inproc('hardlink'));
      const copyIn = inProcess(runs, out, inproc('copy'));

      log(`${label}: ${made.files} files, ${(made.bytes / 1e6).toFixed(0)} MB, ${made.dirs} directories (inputs: ${trees.join(' ')}); medians of ${runs}, interleaved`);
      log(`  hardlink  ostree checkout -U (bare-user)        ${oHard.ms.toFixed(0).padStart(6)} ms${cpuOf(oHard)}   peak RSS ${mb(oHard.rssMB)}`);
      log(row(`bazaar image checkout --hardlink`, warm, oHard, 1.5));
      if (prevHard) log(row(`  before (${before})`, prevHard, oHard, 1.5));
      log(`              (the checkout alone, in-process: ${hardIn.toFixed(0)} ms; with a cold checkout cache, filling it: ${cold.ms.toFixed(0)} ms, ${(cold.ms / oCopy.ms).toFixed(2)}x ostree's copy)`);
      log(`  copy      ostree checkout -U --disable-cache (archive) ${oCopy.ms.toFixed(0).padStart(6)} ms${cpuOf(oCopy)}   peak RSS ${mb(oCopy.rssMB)}`);
      log(row(`bazaar image checkout (cache entries)`, copy, oCopy, 1));
      if (prevCopy) log(row(`  before (${before})`, prevCopy, oCopy, 1));
      log(`  copy      ostree, again (interleaved with the next row) ${oCopy2.ms.toFixed(0).padStart(6)} ms${cpuOf(oCopy2)}`);
      log(row(`bazaar image checkout (no cache entry)`, copyDecoded, oCopy2, 1));
      if (prevDecoded) log(row(`  before (${before})`, prevDecoded, oCopy2, 1));
      log(`              (the checkout alone, in-process: ${copyIn.toFixed(0)} ms)`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--child') {
    await child(process.argv.slice(3));
  } else if (process.argv[2] === '--setup') {
    const t = process.argv.slice(4);
    await setupCheckoutStore(process.argv[3], t.length ? t : ['/usr/lib/python3', '/usr/lib/gcc', '/usr/lib/python3.11']);
  } else {
    const trees = process.argv.slice(2);
    benchCheckout({ trees: trees.length ? trees : undefined }).catch((err: unknown) => { console.error(err); process.exitCode = 1; });
  }
}
