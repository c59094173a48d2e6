/**
 * An image as overlayfs directories: each layer's own tree (not merged) in
 * `<out>/layers/<name>`, whiteouts written as overlayfs writes them (character devices
 * 0/0) and opaque directories marked `trusted.overlay.opaque=y`, the layer's own
 * `trusted.overlay.*` attributes escaped as the kernel expects (overlay-xattrs.ts); plus
 * empty `upper`, `work` and `merged` directories and the mount command that stacks them.
 * Writing whiteouts and trusted.* attributes needs root.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import type { ObjectId, ObjectReader } from '../store/index.js';
import type { CheckoutStore } from './checkout.js';
import { clearTarget, finishTarget, openTarget, targetError } from './checkout-target.js';
import { layerTree, lookupMergedPath, OwnerIds } from '../stack/index.js';
import { materialiseTree } from './materialise-tree.js';
import type { CheckoutResult } from './materialise-tree.js';
import type { MergedEntry } from '../stack/index.js';
import { TreeCache } from './tree-cache.js';

export interface OverlayExport {
  /** Layer directories, lowest first. */
  layers: string[];
  upper: string;
  work: string;
  merged: string;
  /** `mount -t overlay overlay -o lowerdir=TOP:...:LOWEST,upperdir=...,workdir=... MERGED` */
  mount: string;
  results: CheckoutResult[];
}

/** Quotes a word for a POSIX shell when it needs quoting. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** A layer directory name: one plain component, usable in a mount option. */
function checkName(name: string): void {
  if (!/^[A-Za-z0-9_@+.-]+$/.test(name) || name === '.' || name === '..') {
    throw new BazaarError('ERR_USAGE', `layer directory name ${JSON.stringify(name)} is not usable in an overlay mount option (letters, digits, _ @ + . -)`);
  }
}

/**
 * An implicit directory (a parent the layer has no entry for) gets the metadata the merged
 * view shows for it (merged-tree.ts): overlayfs shows the topmost directory's own inode.
 */
async function* withShownImplicitDirs(objects: ObjectReader, stack: readonly ObjectId[], entries: AsyncIterable<MergedEntry>): AsyncGenerator<MergedEntry> {
  for await (const m of entries) {
    if (m.entry.kind !== 'dir' || !m.entry.implicit) { yield m; continue; }
    const shown = await lookupMergedPath(objects, stack, m.path);
    yield shown && shown !== m.entry ? { ...m, entry: { ...shown, name: m.entry.name, id: m.entry.id, opaque: m.entry.opaque } } : m;
  }
}

export async function exportOverlay(store: CheckoutStore, layerRoots: readonly ObjectId[], out: string, names: readonly string[] | undefined, signal?: AbortSignal, onProgress?: (entries: number) => void): Promise<OverlayExport> {
  const dirNames = names ? [...names] : layerRoots.map((_, i) => String(i));
  if (layerRoots.length === 0) throw new BazaarError('ERR_USAGE', 'an overlay needs at least one layer');
  if (dirNames.length !== layerRoots.length) throw new BazaarError('ERR_USAGE', `names has ${dirNames.length} entries for ${layerRoots.length} layers`);
  dirNames.forEach(checkName);
  if (new Set(dirNames).size !== dirNames.length) throw new BazaarError('ERR_USAGE', 'layer directory names must differ');
  const target = openTarget(out);
  if (/[,:\\]/.test(target.dir)) throw new BazaarError('ERR_BAD_INPUT', `cannot export overlay directories to ${out}: ',', ':' and '\\' separate overlay mount options`);
  const owners = new OwnerIds(store, layerRoots);
  const trees = new TreeCache(store, store.dir);
  const layers = dirNames.map((n) => join(target.dir, 'layers', n));
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => join(target.dir, d));
  const results: CheckoutResult[] = [];
  try {
    mkdirSync(join(target.dir, 'layers'));
    let before = 0, inLayer = 0;
    for (let i = 0; i < layerRoots.length; i++) {
      before += inLayer; inLayer = 0;
      const base = before;
      const entries = withShownImplicitDirs(store, layerRoots.slice(0, i + 1), layerTree(store, layerRoots[i], { trees }));
      results.push(await materialiseTree({ objects: store, storeDir: store.dir, owners }, entries, layers[i], { mode: 'copy', overlay: true, signal, onProgress: (p) => { inLayer = p.entries; onProgress?.(base + p.entries); } }));
    }
    for (const d of [upper, work, merged]) mkdirSync(d, 0o755);
    finishTarget(target);
  } catch (err) {
    clearTarget(target);
    throw targetError(target, err);
  }
  // redirect_dir and metacopy off: the upper dir stays importable as a layer (docs/overlay-import.md).
  const options = `lowerdir=${[...layers].reverse().join(':')},upperdir=${upper},workdir=${work},redirect_dir=off,metacopy=off`;
  return { layers, upper, work, merged, mount: `mount -t overlay overlay -o ${shellWord(options)} ${shellWord(merged)}`, results };
}
