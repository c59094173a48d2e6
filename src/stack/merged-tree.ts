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
import type { ObjectId, ObjectReader, TreeEntry, TreeObject } from '../store/index.js';
import { isEntryName, joinTreePath } from '../store/index.js';
import { quotePath } from '../fs/index.js';

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

/** Where the walk reads tree objects from, when not straight from the store (tree-cache.ts). */
export interface TreeSource { read(id: ObjectId): Promise<TreeObject> }

export interface WalkOptions {
  /** Read trees through this (verified) cache instead of decoding each from the store. */
  trees?: TreeSource;
}
/** A directory being walked: each name's stack of entries (topmost first), in tree order. */
interface Frame { path: string; depth: number; stacks: Source[][]; next: number; ahead: number }

/** Subdirectories whose trees are read ahead of the walk, per directory being walked. */
const READ_AHEAD = 16;

/**
 * Tree objects, read ahead: decoding one is a round trip to the native zstd decoder on the
 * thread pool, so the next few subdirectories of each open directory are requested before
 * the walk reaches them. A tree is dropped once the walk took it; at most READ_AHEAD per
 * directory on the current path are held.
 */
class TreeReader {
  private readonly ahead = new Map<ObjectId, Promise<TreeObject>>();
  private readonly load: (id: ObjectId) => Promise<TreeObject>;

  constructor(objects: ObjectReader, cache?: TreeSource) {
    this.load = cache ? (id) => cache.read(id) : (id) => objects.readKind(id, 'tree');
  }

  prefetch(id: ObjectId): void {
    if (this.ahead.has(id)) return;
    const p = this.load(id);
    p.catch(() => { /* reported when the walk reads it */ });
    this.ahead.set(id, p);
  }

  read(id: ObjectId): Promise<TreeObject> {
    const p = this.ahead.get(id);
    if (!p) return this.load(id);
    this.ahead.delete(id);
    return p;
  }
}

/** Refuses a name a hand-made tree could carry past validation; checkout relies on it. */
function checkName(parent: string, name: string): void {
  if (!isEntryName(name)) {
    throw new BazaarError('ERR_BAD_INPUT', `tree entry ${quotePath(name)} in ${quotePath(parent || '/')} is not a single path component; refused, it could escape the root`, { data: { parent, name } });
  }
}

/** The entries of the directories `sources` (topmost first), grouped by name, topmost first. */
async function openFrame(trees: TreeReader, path: string, depth: number, sources: Source[]): Promise<Frame> {
  const read = await Promise.all(sources.map((s) => (s.entry.id ? trees.read(s.entry.id) : { entries: [] as TreeEntry[] })));
  let stacks: Source[][];
  if (sources.length === 1) {
    const layer = sources[0].layer;
    stacks = read[0].entries.map((entry) => { checkName(path, entry.name); return [{ layer, entry }]; });
  } else {
    const byName = new Map<string, Source[]>();
    read.forEach((tree, i) => {
      for (const entry of tree.entries) {
        checkName(path, entry.name);
        const list = byName.get(entry.name);
        if (list) list.push({ layer: sources[i].layer, entry });
        else byName.set(entry.name, [{ layer: sources[i].layer, entry }]);
      }
    });
    stacks = [...byName.keys()].sort().map((name) => byName.get(name)!);
  }
  return { path, depth, stacks, next: 0, ahead: 0 };
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

/** The directories the walk descends into for a name, or null when it does not descend. */
function descent(stack: Source[], raw: boolean): Source[] | null {
  const top = stack[0];
  if (top.entry.kind !== 'dir' || top.entry.whiteout) return null;
  return raw ? [top] : mergingDirs(stack);
}

/** Requests the trees of the frame's next subdirectories, up to READ_AHEAD names past the walk. */
function readAhead(trees: TreeReader, frame: Frame, raw: boolean): void {
  const until = Math.min(frame.stacks.length, frame.next + READ_AHEAD);
  for (frame.ahead = Math.max(frame.ahead, frame.next); frame.ahead < until; frame.ahead++) {
    for (const d of descent(frame.stacks[frame.ahead], raw) ?? []) if (d.entry.id) trees.prefetch(d.entry.id);
  }
}

async function* walk(objects: ObjectReader, roots: Source[], raw: boolean, options: WalkOptions): AsyncGenerator<MergedEntry> {
  const trees = new TreeReader(objects, options.trees);
  const frames: Frame[] = [await openFrame(trees, '', 0, roots)];
  while (frames.length) {
    const frame = frames[frames.length - 1];
    if (frame.next >= frame.stacks.length) { frames.pop(); continue; }
    if (frame.ahead < frame.stacks.length) readAhead(trees, frame, raw);
    const stack = frame.stacks[frame.next++];
    const top = stack[0];
    const name = top.entry.name;
    const path = joinTreePath(frame.path, name);
    if (top.entry.kind !== 'dir' && top.entry.kind !== 'file' && top.entry.id !== undefined && !top.entry.whiteout) {
      throw new BazaarError('ERR_BAD_INPUT', `tree entry ${quotePath(path)} is a ${top.entry.kind} with content beneath it; refused, a path through it would leave the tree`, { data: { path } });
    }
    const below = descent(stack, raw);
    if (raw || below === null) {
      if (raw || !top.entry.whiteout) yield { path, depth: frame.depth, entry: top.entry, layer: top.layer };
    } else {
      const shown = top.entry.implicit ? below.find((d) => !d.entry.implicit) ?? top : top;
      const { opaque: _opaque, ...meta } = shown.entry;
      yield { path, depth: frame.depth, entry: { ...meta, name, id: top.entry.id }, layer: shown.layer };
    }
    if (below !== null) frames.push(await openFrame(trees, path, frame.depth + 1, below));
  }
}

/**
 * Walks the merged filesystem of `layerRoots` (lowest layer first), depth first in tree
 * order; whiteouts and opaque markers are applied, never shown.
 *
 * @example
 *   for await (const e of mergedTree(store, [base, runtime, app])) console.log(e.path, e.entry.kind);
 */
export function mergedTree(objects: ObjectReader, layerRoots: readonly ObjectId[], options: WalkOptions = {}): AsyncGenerator<MergedEntry> {
  const roots = layerRoots.map((id, layer) => ({ layer, entry: { name: '', kind: 'dir', mode: 0o040755, user: '0', group: '0', id } as TreeEntry }));
  return walk(objects, roots.reverse(), false, options);
}

/** One layer's own tree as stored, whiteouts and opaque flags included, in the same order. */
export function layerTree(objects: ObjectReader, root: ObjectId, options: WalkOptions = {}): AsyncGenerator<MergedEntry> {
  return walk(objects, [{ layer: 0, entry: { name: '', kind: 'dir', mode: 0o040755, user: '0', group: '0', id: root } }], true, options);
}
