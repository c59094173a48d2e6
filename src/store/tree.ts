/**
 * Tree objects: one per directory, entries sorted by name, like git's trees but with
 * the metadata a filesystem image needs (mode, owner names, size, symlink target).
 * A package's files become a tree; later, layers are trees too.
 */
import type { ObjectId } from './layout.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface TreeEntry {
  name: string;
  kind: EntryKind;
  mode: number;
  user: string;
  group: string;
  /** Regular files: content size. */
  size?: number;
  /** Symlinks: the target. */
  target?: string;
  /** Regular files: the blob; directories: the subtree. */
  id?: ObjectId;
  /** Device files: rdev. */
  rdev?: number;
  /** A parent directory the package does not own (e.g. /usr in most packages). */
  implicit?: boolean;
}

export interface TreeObject { type: 'tree'; entries: TreeEntry[] }

const KIND_BY_TYPE: Record<number, EntryKind> = {
  0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink', 0o020000: 'char', 0o060000: 'block', 0o010000: 'fifo', 0o140000: 'socket',
};

export function kindOfMode(mode: number): EntryKind | undefined {
  return KIND_BY_TYPE[mode & 0o170000];
}

/** A path's entry before trees are written: `children` for directories. */
export interface PathNode { entry: Omit<TreeEntry, 'name' | 'id'> & { id?: ObjectId }; children?: Map<string, PathNode> }

const IMPLICIT_DIR = { kind: 'dir' as const, mode: 0o040755, user: 'root', group: 'root', implicit: true };

/** Inserts `path` (slash-separated, no leading slash) into a directory node, creating parents. */
export function insertPath(root: Map<string, PathNode>, path: string, entry: PathNode['entry']): void {
  const parts = path.split('/').filter(Boolean);
  let dir = root;
  for (let i = 0; i < parts.length - 1; i++) {
    let node = dir.get(parts[i]);
    if (!node) {
      node = { entry: { ...IMPLICIT_DIR }, children: new Map() };
      dir.set(parts[i], node);
    }
    node.children ??= new Map();
    dir = node.children;
  }
  const name = parts[parts.length - 1];
  const existing = dir.get(name);
  dir.set(name, { entry, children: entry.kind === 'dir' ? existing?.children ?? new Map() : undefined });
}

/**
 * Writes the trees bottom-up through `put` (which stores one canonical tree object and
 * returns its id) and returns the root tree's id.
 */
export async function writeTrees(root: Map<string, PathNode>, put: (tree: TreeObject) => Promise<ObjectId>): Promise<ObjectId> {
  const entries: TreeEntry[] = [];
  for (const name of [...root.keys()].sort()) {
    const node = root.get(name)!;
    const entry: TreeEntry = { name, ...node.entry };
    if (node.children) entry.id = await writeTrees(node.children, put);
    entries.push(entry);
  }
  return put({ type: 'tree', entries });
}
