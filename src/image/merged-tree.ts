/**
 * The merged filesystem of a layer stack, as overlayfs shows it, walked as a stream
 * (docs/checkout.md#merge-semantics). For each name, the topmost layer that has it
 * decides:
 *
 * - a whiteout: the name is absent, with everything beneath it in lower layers;
 * - a non-directory: it is the entry; whatever lower layers have there is hidden
 *   (a lower directory's whole content included);
 * - a directory: it merges with the directories of the same name directly below it, down
 *   to the first layer where that name is a whiteout or a non-directory, or where one of
 *   those directories is opaque (which still takes part, the ones below it do not). This
 *   is overlayfs' lookup: a non-directory or a whiteout in a lower layer ends the merge.
 *
 * A merged directory shows the metadata of its topmost layer, unless that one is
 * `implicit` (the layer only needed it as a parent: a tar without a directory entry, or a
 * package's /usr); then the first non-implicit one below speaks for it.
 *
 * Order: depth first, each directory's names in tree order (tree-order.ts). Memory: for
 * each directory on the current path, the tree objects of the layers that take part in it.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from '../store/layout.js';
import type { ObjectStore } from '../store/objects.js';
import { readKind } from '../store/kinds/index.js';
import { isEntryName } from '../store/kinds/tree.js';
import type { TreeEntry } from '../store/kinds/tree.js';
import { quotePath } from './path-bytes.js';
import { joinTreePath } from './tree-order.js';

export interface MergedEntry {
  /** Root-relative, `/`-joined; the root itself is not an entry. */
  path: string;
  /** Components above this one: 0 for a top-level name. */
  depth: number;
  /**
   * The entry as the merged view shows it: never a whiteout, never opaque (unless walking
   * one layer raw); a directory's `id` is its topmost layer's subtree.
   */
  entry: TreeEntry;
  /** The layer the entry comes from (index into the stack, lowest first); for a directory, the one whose metadata it shows. */
  layer: number;
}

export interface Source { layer: number; entry: TreeEntry }
interface Frame { path: string; depth: number; names: string[]; byName: Map<string, Source[]>; next: number }

/** Refuses a name a hand-made tree could carry past validation; checkout relies on it. */
function checkName(parent: string, name: string): void {
  if (!isEntryName(name)) {
    throw new BazaarError('ERR_BAD_INPUT', `tree entry ${quotePath(name)} in ${quotePath(parent || '/')} is not a single path component; refused, it could escape the root`, { data: { parent, name } });
  }
}

/** The entries of the directories `sources` (topmost first), grouped by name, topmost first. */
async function openFrame(objects: ObjectStore, path: string, depth: number, sources: Source[]): Promise<Frame> {
  const trees = await Promise.all(sources.map((s) => (s.entry.id ? readKind(objects, s.entry.id, 'tree') : { entries: [] as TreeEntry[] })));
  const byName = new Map<string, Source[]>();
  trees.forEach((tree, i) => {
    for (const entry of tree.entries) {
      checkName(path, entry.name);
      const list = byName.get(entry.name);
      if (list) list.push({ layer: sources[i].layer, entry });
      else byName.set(entry.name, [{ layer: sources[i].layer, entry }]);
    }
  });
  const names = sources.length === 1 ? trees[0].entries.map((e) => e.name) : [...byName.keys()].sort();
  return { path, depth, names, byName, next: 0 };
}

/** The directories that merge into one, topmost first (see the module comment). */
export function mergingDirs(stack: Source[]): Source[] {
  const out = [stack[0]];
  if (stack[0].entry.opaque) return out;
  for (let i = 1; i < stack.length; i++) {
    const s = stack[i];
    if (s.entry.whiteout || s.entry.kind !== 'dir') break;
    out.push(s);
    if (s.entry.opaque) break;
  }
  return out;
}

async function* walk(objects: ObjectStore, roots: Source[], raw: boolean): AsyncGenerator<MergedEntry> {
  const frames: Frame[] = [await openFrame(objects, '', 0, roots)];
  while (frames.length) {
    const frame = frames[frames.length - 1];
    if (frame.next >= frame.names.length) { frames.pop(); continue; }
    const name = frame.names[frame.next++];
    const stack = frame.byName.get(name)!;
    const top = stack[0];
    const path = joinTreePath(frame.path, name);
    if (top.entry.kind !== 'dir' && top.entry.kind !== 'file' && top.entry.id !== undefined && !top.entry.whiteout) {
      throw new BazaarError('ERR_BAD_INPUT', `tree entry ${quotePath(path)} is a ${top.entry.kind} with content beneath it; refused, a path through it would leave the tree`, { data: { path } });
    }
    if (raw) {
      yield { path, depth: frame.depth, entry: top.entry, layer: top.layer };
      if (top.entry.kind === 'dir' && !top.entry.whiteout) frames.push(await openFrame(objects, path, frame.depth + 1, [top]));
      continue;
    }
    if (top.entry.whiteout) continue;
    if (top.entry.kind !== 'dir') {
      yield { path, depth: frame.depth, entry: top.entry, layer: top.layer };
      continue;
    }
    const dirs = mergingDirs(stack);
    const shown = top.entry.implicit ? dirs.find((d) => !d.entry.implicit) ?? top : top;
    const { opaque: _opaque, ...meta } = shown.entry;
    yield { path, depth: frame.depth, entry: { ...meta, name, id: top.entry.id }, layer: shown.layer };
    frames.push(await openFrame(objects, path, frame.depth + 1, dirs));
  }
}

/**
 * Walks the merged filesystem of `layerRoots` (lowest layer first), depth first in tree
 * order; whiteouts and opaque markers are applied, never shown.
 *
 * @example
 *   for await (const e of mergedTree(store.objects, [base, runtime, app])) console.log(e.path, e.entry.kind);
 */
export function mergedTree(objects: ObjectStore, layerRoots: readonly ObjectId[]): AsyncGenerator<MergedEntry> {
  const roots = layerRoots.map((id, layer) => ({ layer, entry: { name: '', kind: 'dir', mode: 0o040755, user: '0', group: '0', id } as TreeEntry }));
  return walk(objects, roots.reverse(), false);
}

/** One layer's own tree as stored, whiteouts and opaque flags included, in the same order. */
export function layerTree(objects: ObjectStore, root: ObjectId): AsyncGenerator<MergedEntry> {
  return walk(objects, [{ layer: 0, entry: { name: '', kind: 'dir', mode: 0o040755, user: '0', group: '0', id: root } }], true);
}
