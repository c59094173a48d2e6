/**
 * Composes one tree from several (a layer from its packages' trees, its snippets and its
 * whiteouts), as `rpm -i` of those packages would lay them out: directories merge, and a
 * path two parts both hold must be the same file (same kind, content, mode, owner, link
 * target), else it is a file conflict, refused naming both parts (rpm's "file X from
 * install of A conflicts with file from package B").
 *
 * A subtree only one part has is reused as it is (the same object, not a copy), so a
 * layer of many packages costs the trees where they overlap, not all of them again.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId, ObjectReader, TreeEntry, TreeObject } from '../store/index.js';

/** A tree and what it stands for in messages ("package bash-5.2-alt1.x86_64"). */
export interface TreePart { id: ObjectId; label: string }

/** Stores one tree object and returns its id (the caller stages it). */
export type PutTree = (tree: TreeObject) => Promise<ObjectId>;

/** Reads tree objects, each once. */
export type GetTree = (id: ObjectId) => Promise<TreeObject>;

function sameFile(a: TreeEntry, b: TreeEntry): boolean {
  return a.kind === b.kind && a.mode === b.mode && a.id === b.id && a.target === b.target && a.user === b.user && a.group === b.group
    && a.rdev === b.rdev && a.whiteout === b.whiteout;
}

/** Composes `parts` into one tree; ERR_FILE_CONFLICT names the path and both parts. */
export async function composeTrees(parts: readonly TreePart[], get: GetTree, put: PutTree, prefix = ''): Promise<ObjectId> {
  if (parts.length === 1) return parts[0].id;
  const byName = new Map<string, Array<{ entry: TreeEntry; label: string }>>();
  for (const p of parts) {
    for (const entry of (await get(p.id)).entries) {
      const list = byName.get(entry.name);
      if (list) list.push({ entry, label: p.label }); else byName.set(entry.name, [{ entry, label: p.label }]);
    }
  }
  const entries: TreeEntry[] = [];
  for (const name of [...byName.keys()].sort()) {
    const list = byName.get(name) as Array<{ entry: TreeEntry; label: string }>;
    const path = `${prefix}/${name}`;
    const dirs = list.filter((x) => x.entry.kind === 'dir');
    if (dirs.length === list.length) {
      // metadata from a part that owns the directory, not one that only passes through it
      const owner = dirs.find((d) => !d.entry.implicit) ?? dirs[0];
      const subs = dirs.filter((d) => d.entry.id !== undefined).map((d) => ({ id: d.entry.id as ObjectId, label: d.label }));
      const entry: TreeEntry = { ...owner.entry };
      if (subs.length) entry.id = await composeTrees(subs, get, put, path);
      entries.push(entry);
      continue;
    }
    const first = list.find((x) => x.entry.kind !== 'dir') as { entry: TreeEntry; label: string };
    const clash = list.find((x) => !sameFile(x.entry, first.entry));
    if (clash) {
      throw new BazaarError('ERR_FILE_CONFLICT', `file ${path} from ${clash.label} conflicts with the one from ${first.label}`, { data: { path, a: first.label, b: clash.label } });
    }
    entries.push(first.entry);
  }
  return put({ kind: 'tree', v: 1, entries });
}

/** A GetTree over the store that reads each tree once. */
export function treeReader(objects: ObjectReader): GetTree {
  const cache = new Map<ObjectId, Promise<TreeObject>>();
  return (id) => {
    let t = cache.get(id);
    if (!t) { t = objects.readKind(id, 'tree'); cache.set(id, t); }
    return t;
  };
}
