/**
 * A layer entry stream (an overlay upper dir or a layer archive, read-layer.ts) into
 * store objects: file content as blobs, each directory as a tree, whiteouts and opaque
 * directories as flagged entries. docs/checkout.md#importing-a-layer says what is kept.
 *
 * - Owners are numeric ids in text ("0"), as import-tree.ts stores them; tar's
 *   uname/gname are dropped: the id is what the file system holds and what an overlay
 *   mount shows, and mapping names through the importing host's passwd (GNU tar's
 *   default as root) is wrong for an image.
 * - The root entry's own metadata is not kept (a tree has no entry for itself); an
 *   opaque root is reported as `rootOpaque`, for the caller to record.
 * - Hardlinks become complete entries sharing the blob, grouped by `linkTo`
 *   (kinds/tree.ts), the group's first name in tree order.
 *
 * Memory: file content is streamed through an object writer (one zstd frame at a time);
 * what grows with the layer is one small record per path, since a tree can only be
 * written once every entry of its directory is known.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId, ObjectStager, ObjectWriter, PathNode, StagedObject } from '../store/index.js';
import { compareTreePaths, isEntryName, stageJson, TaskPool, writeTrees } from '../store/index.js';
import type { LayerEntry } from '../archive/index.js';
import { quotePath } from '../fs/index.js';

/** Object writes in flight (each holds at most one zstd frame). */
const PARALLEL = 16;

export interface ImportLayerOptions {
  /** Called with each entry's path once it is taken in. */
  onEntry?: (path: string) => void;
  signal?: AbortSignal;
  /** Objects to write even though the store has them: damaged copies this content replaces. */
  rewrite?: ReadonlySet<ObjectId>;
}

export interface ImportedLayer {
  root: ObjectId;
  /** Every object written; the caller commits them with its refs, or discards them. */
  staged: StagedObject[];
  files: number;
  bytes: number;
  /** The layer's root directory was opaque: nothing of the layers below it shows. */
  rootOpaque: boolean;
}

const IMPLICIT_DIR: PathNode['entry'] = { kind: 'dir', mode: 0o040755, user: '0', group: '0', implicit: true };

function bad(path: string, why: string): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `layer entry ${quotePath(path)}: ${why}`, { data: { path } });
}

/** The node at `path`, creating implicit parents; refuses a path beneath a non-directory. */
function parentOf(root: Map<string, PathNode>, parts: string[], path: string): Map<string, PathNode> {
  let dir = root;
  for (let i = 0; i < parts.length - 1; i++) {
    let node = dir.get(parts[i]);
    if (!node) {
      node = { entry: { ...IMPLICIT_DIR }, children: new Map() };
      dir.set(parts[i], node);
    } else if (!node.children) {
      throw bad(path, `lies beneath ${quotePath(parts.slice(0, i + 1).join('/'))}, which is not a directory`);
    }
    dir = node.children!;
  }
  return dir;
}

function splitPath(path: string): string[] {
  const parts = path.split('/');
  if (!parts.every(isEntryName)) throw bad(path, 'not a normalised layer path');
  return parts;
}

/**
 * Stages a layer entry stream as a store tree in a transaction; the caller commits
 * `staged` with its refs or discards it. On any error, what was staged is discarded before
 * the error is rethrown.
 *
 * @example
 *   await store.write(async (tx) => {
 *     const layer = await importLayerEntries(tx, readLayerArchive('va1-rw.tar.zst'));
 *     tx.stageAll(layer.staged);
 *     await tx.update(...);
 *   });
 */
export async function importLayerEntries(objects: ObjectStager, entries: AsyncIterable<LayerEntry>, options: ImportLayerOptions = {}): Promise<ImportedLayer> {
  const staged: StagedObject[] = [];
  const pool = new TaskPool(PARALLEL);
  const root = new Map<string, PathNode>();
  /** Path of each non-directory node, and the first path of every hardlinked inode's group. */
  const nodeAt = new Map<string, PathNode>();
  const groups = new Map<string, string[]>();
  const groupOf = new Map<string, string>();
  let files = 0;
  let bytes = 0;
  let rootOpaque = false;
  let writer: ObjectWriter | null = null;

  try {
    for await (const e of entries) {
      options.signal?.throwIfAborted();
      if (e.path === '.') {
        if (e.kind !== 'dir') throw bad(e.path, 'the layer root is not a directory');
        rootOpaque ||= e.opaque === true;
        continue;
      }
      const parts = splitPath(e.path);
      const dir = parentOf(root, parts, e.path);
      const name = parts[parts.length - 1];
      const prev = dir.get(name);
      if (prev && !(prev.entry.implicit && e.kind === 'dir' && !e.whiteout)) throw bad(e.path, 'appears twice in the layer');

      if (e.whiteout) {
        dir.set(name, { entry: { kind: 'char', mode: 0o020000, user: '0', group: '0', rdev: 0, whiteout: true } });
      } else if (e.kind === 'hardlink') {
        const to = e.linkTo ?? '';
        const first = groupOf.get(to) ?? to;
        const target = nodeAt.get(first);
        if (!target || target.entry.whiteout) throw bad(e.path, `hardlink to ${quotePath(to)}, which is not an earlier file of the layer`);
        const node: PathNode = { entry: { ...target.entry } }; // completed once the target's blob id is known
        dir.set(name, node);
        nodeAt.set(e.path, node);
        groupOf.set(e.path, first);
        const members = groups.get(first) ?? [first];
        members.push(e.path);
        groups.set(first, members);
      } else {
        const entry: PathNode['entry'] = { kind: e.kind, mode: e.mode, user: String(e.uid), group: String(e.gid), mtime: e.mtime };
        const names = Object.keys(e.xattrs);
        if (names.length) entry.xattrs = Object.fromEntries(names.map((k) => [k, e.xattrs[k].toString('base64')]));
        if (e.kind === 'symlink') entry.target = e.target;
        if (e.kind === 'char' || e.kind === 'block') entry.rdev = e.rdev ?? 0;
        if (e.kind === 'dir') {
          if (e.opaque) entry.opaque = true;
          dir.set(name, { entry, children: prev?.children ?? new Map() });
        } else {
          const node: PathNode = { entry };
          dir.set(name, node);
          nodeAt.set(e.path, node);
        }
        if (e.kind === 'file') {
          entry.size = e.size;
          files++;
          bytes += e.size;
          // Content is read now (an archive's is gone once the next entry is asked for);
          // compressing the last frame and writing the object overlap with what follows.
          const w: ObjectWriter = await objects.writer(options.rewrite ? { rewrite: options.rewrite } : {});
          writer = w;
          let got = 0;
          if (e.size > 0 && !e.content) throw bad(e.path, `${e.size} bytes of content, but nothing to read them from`);
          if (e.content) {
            for await (const chunk of e.content()) {
              got += chunk.length;
              if (got > e.size) break;
              await w.write(chunk);
            }
          }
          if (got !== e.size) throw bad(e.path, `content is ${got > e.size ? 'longer than' : `${got} bytes, not`} the ${e.size} bytes the entry says`);
          writer = null;
          await pool.add(async () => { const s = await w.finish(); staged.push(s); entry.id = s.id; });
        }
      }
      options.onEntry?.(e.path);
    }
    await pool.drain();

    // Every name of an inode becomes a full copy of the first one's entry, all naming the
    // group's first member in tree order (a walk meets it first).
    for (const [first, members] of groups) {
      const origin = nodeAt.get(first)!.entry;
      const leader = [...members].sort(compareTreePaths)[0];
      for (const p of members) Object.assign(nodeAt.get(p)!.entry, origin, { linkTo: leader });
    }

    const rootId = await writeTrees(root, (tree) => stageJson(objects, pool, staged, tree, options.rewrite));
    await pool.drain();
    return { root: rootId, staged, files, bytes, rootOpaque };
  } catch (err) {
    await (writer as ObjectWriter | null)?.abort();
    await pool.settle();
    await objects.discard(staged);
    throw err;
  }
}
