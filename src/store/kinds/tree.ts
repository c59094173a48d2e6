/**
 * Tree objects: one per directory, entries sorted by name, like git's trees but with the
 * metadata a filesystem image needs (mode, owner, size, symlink target, xattrs). A
 * package's files become a tree; layers are trees too, and may carry overlay whiteouts
 * (`whiteout`: the name is deleted in the layers below) and opaque directories (`opaque`:
 * nothing below shows through).
 *
 *   {"kind":"tree","v":1,"entries":[{"name":"bin","kind":"dir","mode":16877,"user":"root","group":"root","id":"sha256:..."}, ...]}
 */
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';
import type { ObjectId } from '../layout.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
const ENTRY_KINDS: ReadonlySet<string> = new Set(['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket']);

export interface TreeEntry {
  name: string;
  kind: EntryKind;
  mode: number;
  /** Owner names (from rpm headers) or numeric ids in text (from a directory or tar). */
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
  /** Modification time, seconds since the epoch (layers keep it; packages take it from the header). */
  mtime?: number;
  /** Extended attributes, values base64. */
  xattrs?: Record<string, string>;
  /** Overlay whiteout: this name is deleted from the layers below. */
  whiteout?: boolean;
  /** Overlay opaque directory: nothing of the layers below shows through it. */
  opaque?: boolean;
  /**
   * Hardlinks within one layer (non-directories): every name of the inode carries the
   * layer-root-relative path of its first name in tree order (the first one its own), and
   * each is a complete entry with the same blob and metadata, so a reader that ignores
   * this field gets copies. docs/checkout.md#hardlinks.
   */
  linkTo?: string;
}

export interface TreeObject { kind: 'tree'; v: number; entries: TreeEntry[] }

const KIND_BY_TYPE: Record<number, EntryKind> = {
  0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink', 0o020000: 'char', 0o060000: 'block', 0o010000: 'fifo', 0o140000: 'socket',
};

export function kindOfMode(mode: number): EntryKind | undefined {
  return KIND_BY_TYPE[mode & 0o170000];
}

/** Whether a name may appear in a tree: one path component, never `.`, `..` or empty. */
export function isEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\u0000');
}

export const treeKind: Kind<TreeObject> = {
  name: 'tree',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'tree');
    const entries = f.array('entries');
    let prev: string | null = null;
    for (const e of entries) {
      const entry = e as Partial<TreeEntry> | null;
      if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string' || !isEntryName(entry.name)) throw invalid(id, 'tree', 'an entry has no valid name');
      if (typeof entry.kind !== 'string' || !ENTRY_KINDS.has(entry.kind)) throw invalid(id, 'tree', `entry ${entry.name} has no valid kind`);
      if (prev !== null && !(prev < entry.name)) throw invalid(id, 'tree', `entries are not sorted (${entry.name})`);
      if ((entry.kind === 'file' || entry.kind === 'dir') && entry.id !== undefined && typeof entry.id !== 'string') throw invalid(id, 'tree', `entry ${entry.name} has a bad id`);
      if (entry.linkTo !== undefined && (entry.kind === 'dir' || typeof entry.linkTo !== 'string' || !entry.linkTo.split('/').every(isEntryName))) throw invalid(id, 'tree', `entry ${entry.name} has a bad linkTo`);
      prev = entry.name;
    }
    return { kind: 'tree', v: typeof value.v === 'number' ? value.v : 0, entries: entries as TreeEntry[] };
  },
  refs(value) {
    const out: KindRef[] = [];
    for (const e of value.entries) {
      if (e.id === undefined) continue;
      if (e.kind === 'dir') out.push({ id: e.id, kind: 'tree', label: e.name, segment: true });
      else if (e.kind === 'file') out.push({ id: e.id, kind: 'blob', label: e.name, segment: true });
    }
    return out;
  },
};

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
  return put({ kind: 'tree', v: 1, entries });
}
