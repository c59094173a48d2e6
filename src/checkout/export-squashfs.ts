/**
 * An image, or one raw layer, as a squashfs file: a copy checkout in a temp directory
 * beside `out`, packed by `mksquashfs` (Debian package squashfs-tools) into a temp file
 * that is renamed to `out`. Owners, modes, times and extended attributes come from the
 * checkout; device nodes, which a checkout cannot make, are added as mksquashfs pseudo
 * definitions, so the squashfs holds them after all. `-mkfs-time 0` and a root time of 0
 * keep two exports of the same image identical.
 *
 * A raw layer (`layerSquashfs`, the net-boot layers of docs/netboot.md) keeps its
 * whiteouts and opaque directories as overlayfs writes them, so the kernel can stack it
 * over the layers below; it depends on nothing but the layer (owners from its own
 * passwd, else numeric), so a layer shared by many images packs to the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lutimesSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BazaarError } from '../errors.js';
import type { ObjectId } from '../store/index.js';
import type { CheckoutResult, CheckoutStore } from './checkout.js';
import { checkout, entryCounter } from './checkout.js';
import { checkOutputFile, findTool, outputFileError } from '../fs/index.js';
import { layerTree, lookupMergedPath, OwnerIds } from '../stack/index.js';
import { materialiseTree } from './materialise-tree.js';
import { TreeCache } from './tree-cache.js';
import { rdevMajor, rdevMinor } from '../archive/index.js';

export interface SquashfsExport { bytes: number; checkout: CheckoutResult; devices: number; notes: string[] }

/** A pseudo-file path mksquashfs 4.5 reads unambiguously: printable ASCII, no space, quote or backslash. */
const PSEUDO_SAFE = /^[\x21-\x7e]+$/;

export async function exportSquashfs(store: CheckoutStore, layerRoots: readonly ObjectId[], out: string, signal?: AbortSignal, onProgress?: (entries: number) => void): Promise<SquashfsExport> {
  return packSquashfs(store, layerRoots, out, signal, (tree) => checkout(store, layerRoots, tree, { mode: 'copy', signal, onProgress: entryCounter(onProgress) }));
}

/** One layer's own tree (not merged with any below), whiteouts kept, as a squashfs. Needs root (whiteouts are devices). */
export async function layerSquashfs(store: CheckoutStore, layerRoot: ObjectId, out: string, signal?: AbortSignal): Promise<SquashfsExport> {
  const owners = new OwnerIds(store, [layerRoot]);
  const trees = new TreeCache(store, store.dir);
  return packSquashfs(store, [layerRoot], out, signal, (tree) => materialiseTree({ objects: store, storeDir: store.dir, owners }, layerTree(store, layerRoot, { trees }), tree, { mode: 'copy', overlay: true, signal }));
}

async function packSquashfs(store: CheckoutStore, layerRoots: readonly ObjectId[], out: string, signal: AbortSignal | undefined, materialise: (tree: string) => Promise<CheckoutResult>): Promise<SquashfsExport> {
  const tool = findTool('mksquashfs');
  if (!tool) throw new BazaarError('ERR_USAGE', 'exporting squashfs needs mksquashfs, which is not installed (Debian: apt-get install squashfs-tools)');
  checkOutputFile(out);
  const final = resolve(out);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tree = join(dirname(final), `.${basename(final)}.tree-${tag}`);
  const tmp = join(dirname(final), `.${basename(final)}.tmp-${tag}`);
  const pseudo = join(dirname(final), `.${basename(final)}.pseudo-${tag}`);
  try {
    const result = await materialise(tree).catch((err: unknown) => {
      // the tree is our temp directory beside `out`: a failure to make it is a failure to write `out`
      throw err instanceof BazaarError && err.data.dir === tree ? new BazaarError(err.code, err.message.replace(`cannot check out into ${tree}`, `cannot write ${out}`), { data: { out }, cause: err }) : err;
    });
    lutimesSync(tree, 0, 0);
    const notes = result.notes.filter((n) => !n.includes('device nodes'));
    // Devices go in as pseudo definitions: "path type mode uid gid major minor".
    const owners = new OwnerIds(store, layerRoots);
    const lines: string[] = [];
    for (const s of result.skipped) {
      if (s.kind === 'socket') { notes.push(`socket ${s.path} left out (squashfs could hold it, a checkout cannot make it)`); continue; }
      if (!PSEUDO_SAFE.test(s.path)) { notes.push(`device ${JSON.stringify(s.path)} left out: its name cannot be written in a mksquashfs pseudo file`); continue; }
      const e = (await lookupMergedPath(store, layerRoots, s.path))!;
      if (!owners.loaded && (OwnerIds.isName(e.user) || OwnerIds.isName(e.group))) await owners.load();
      const { uid, gid } = owners.ids(e.user, e.group);
      lines.push(`${s.path} ${s.kind === 'char' ? 'c' : 'b'} ${(e.mode & 0o7777).toString(8)} ${uid} ${gid} ${rdevMajor(e.rdev ?? 0)} ${rdevMinor(e.rdev ?? 0)}`);
    }
    const args = [tree, tmp, '-noappend', '-quiet', '-no-progress', '-comp', 'zstd', '-mkfs-time', '0'];
    if (lines.length) {
      writeFileSync(pseudo, `${lines.join('\n')}\n`, { flag: 'wx' });
      args.push('-pf', pseudo);
    }
    signal?.throwIfAborted();
    const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error || r.status !== 0) {
      const why = r.error?.message ?? (r.stderr.split('\n').find(Boolean) || `exit status ${r.status}`);
      throw new BazaarError('ERR_BAD_INPUT', `mksquashfs failed: ${why}`);
    }
    try { renameSync(tmp, final); } catch (err) { throw outputFileError(out, err); }
    return { bytes: statSync(final).size, checkout: result, devices: lines.length, notes };
  } finally {
    for (const p of [tree, tmp, pseudo]) rmSync(p, { recursive: true, force: true });
  }
}
