/**
 * An image's merged filesystem as the rpm query engine reads files (its InstallTree):
 * what `rpm -V` inside the image, or `rpm --root` on a checkout of it, would find, read
 * from the stored layers and never from this machine. Upper layers win and whiteouts
 * delete (merged-tree.ts); owners are the checkout's (names through the image's own
 * /etc/passwd and /etc/group, unknown ones root: owner-ids.ts); times, modes, link
 * targets, device numbers and capabilities (the `security.capability` attribute) as
 * stored. Unlike a checkout, device nodes are there, as the layers hold them.
 *
 * The entries' metadata is read once, up front (one walk of the merged tree); file
 * content only when a digest needs it: a sha256 digest is the blob's id itself.
 */
import { createHash } from 'node:crypto';
import { errnoError, resolveInRoot } from './install-tree.js';
import type { FileStat, InstallTree } from './install-tree.js';
import type { ObjectId, ObjectReader, TreeEntry } from '../store/index.js';
import { TYPE_BITS } from '../archive/index.js';
import { mergedTree, OwnerIds } from '../stack/index.js';
import { encodePathBytes } from '../fs/index.js';

/** A tree path (`a/b`, text with escaped bytes) as the engine's byte string (`/a/b`). */
const bytePath = (path: string): string => `/${encodePathBytes(path).toString('latin1')}`;

const ROOT: TreeEntry = { name: '', kind: 'dir', mode: 0o040755, user: '0', group: '0' };

export class ImageTree implements InstallTree {
  /** Byte path to entry and its inode number (its position in the walk). */
  private constructor(private readonly objects: ObjectReader, private readonly entries: Map<string, { entry: TreeEntry; ino: bigint }>, private readonly owners: OwnerIds) {}

  /** Reads the metadata of every entry of the layers (lowest first). */
  static async open(objects: ObjectReader, layerRoots: readonly ObjectId[]): Promise<ImageTree> {
    const entries = new Map<string, { entry: TreeEntry; ino: bigint }>([['/', { entry: ROOT, ino: 1n }]]);
    let names = false;
    for await (const m of mergedTree(objects, layerRoots)) {
      entries.set(bytePath(m.path), { entry: m.entry, ino: BigInt(entries.size + 1) });
      if (OwnerIds.isName(m.entry.user) || OwnerIds.isName(m.entry.group)) names = true;
    }
    const owners = new OwnerIds(objects, layerRoots);
    if (names) await owners.load();
    return new ImageTree(objects, entries, owners);
  }

  private canonical(path: string, followLast: boolean): string {
    return resolveInRoot(path, followLast, (p) => {
      const e = this.entries.get(p)?.entry;
      if (!e) return null;
      if (e.kind === 'symlink') return { kind: 'symlink', target: encodePathBytes(e.target ?? '').toString('latin1') };
      return { kind: e.kind === 'dir' ? 'dir' : 'other' };
    });
  }

  private entry(path: string, followLast: boolean): { entry: TreeEntry; ino: bigint } {
    const found = this.entries.get(this.canonical(path, followLast));
    if (!found) throw errnoError('ENOENT', path);
    return found;
  }

  private statOf({ entry: e, ino }: { entry: TreeEntry; ino: bigint }): FileStat {
    const { uid, gid } = this.owners.ids(e.user, e.group);
    const perm = e.kind === 'symlink' ? 0o777 : e.mode & 0o7777;
    const size = e.kind === 'file' ? e.size ?? 0 : e.kind === 'symlink' ? encodePathBytes(e.target ?? '').length : 0;
    return {
      mode: BigInt(TYPE_BITS[e.kind] | perm), uid: BigInt(uid), gid: BigInt(gid), size: BigInt(size),
      rdev: BigInt(e.rdev ?? 0), mtimeMs: BigInt(e.mtime ?? 0) * 1000n, dev: 1n, ino,
    };
  }

  lstat(path: string): FileStat { return this.statOf(this.entry(path, false)); }

  stat(path: string): FileStat { return this.statOf(this.entry(path, true)); }

  readlink(path: string): string {
    const { entry } = this.entry(path, false);
    if (entry.kind !== 'symlink') throw errnoError('EINVAL', path);
    return encodePathBytes(entry.target ?? '').toString('latin1');
  }

  realpath(path: string): string {
    const canonical = this.canonical(path, true);
    if (!this.entries.has(canonical)) throw errnoError('ENOENT', path);
    return canonical;
  }

  async digest(path: string, algo: string): Promise<string> {
    const { entry } = this.entry(path, true);
    if (entry.kind !== 'file') throw errnoError(entry.kind === 'dir' ? 'EISDIR' : 'EINVAL', path);
    // A blob's id is the sha256 of its bytes, verified whenever the store reads it.
    if (algo === 'sha256' && entry.id) return entry.id.slice('sha256:'.length);
    const hash = createHash(algo);
    if (entry.id) for await (const chunk of this.objects.stream(entry.id)) hash.update(chunk);
    return hash.digest('hex');
  }

  async readText(path: string): Promise<string | null> {
    let found;
    try { found = this.entry(path, true); } catch { return null; }
    if (found.entry.kind !== 'file') return null;
    return found.entry.id ? (await this.objects.readBytes(found.entry.id)).toString('latin1') : '';
  }

  capability(path: string): Buffer | null {
    const value = this.entry(path, false).entry.xattrs?.['security.capability'];
    return value === undefined ? null : Buffer.from(value, 'base64');
  }
}
