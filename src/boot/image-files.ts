/**
 * An image's merged filesystem as the boot-set builder reads it: paths resolved as the
 * booted system would resolve them (symlinks followed, so `/lib` → `usr/lib` works), one
 * directory's names, and every regular file under a directory. Read-only, through the
 * stack's merge rules (upper layers win, whiteouts delete).
 */
import { posix } from 'node:path';
import { BazaarError } from '../errors.js';
import type { ObjectId, ObjectReader, TreeEntry } from '../store/index.js';
import { lookupMergedPath, mergedDir, treeReader } from '../stack/index.js';
import type { GetTree } from '../stack/index.js';

/** Symlinks followed in one lookup before giving up, as the kernel's ELOOP limit. */
const MAX_LINKS = 40;

export interface ImageFile { path: string; entry: TreeEntry }

export class ImageFiles {
  private readonly get: GetTree;
  constructor(readonly objects: ObjectReader, readonly layers: readonly ObjectId[]) { this.get = treeReader(objects); }

  /** The entry at absolute `path` with every symlink on the way followed (null if absent). */
  async resolve(path: string): Promise<ImageFile | null> {
    let pending = path.split('/').filter(Boolean);
    let done: string[] = [];
    for (let hops = 0; pending.length;) {
      const part = pending.shift()!;
      if (part === '.') continue;
      if (part === '..') { done.pop(); continue; }
      const entry = await lookupMergedPath(this.objects, this.layers, [...done, part].join('/'));
      if (!entry) return null;
      if (entry.kind === 'symlink') {
        if (++hops > MAX_LINKS) throw new BazaarError('ERR_BAD_INPUT', `too many symbolic links resolving ${path} in the image`);
        const target = entry.target ?? '';
        pending = [...target.split('/').filter(Boolean), ...pending];
        if (target.startsWith('/')) done = [];
        continue;
      }
      done.push(part);
      if (!pending.length) return { path: `/${done.join('/')}`, entry };
      if (entry.kind !== 'dir') return null;
    }
    const root = await lookupMergedPath(this.objects, this.layers, '');
    return root ? { path: '/', entry: root } : null;
  }

  /** The names in directory `path` (resolved), sorted; empty if it is not a directory. */
  async list(path: string): Promise<Array<{ name: string; entry: TreeEntry }>> {
    const dir = await this.resolve(path);
    if (!dir || dir.entry.kind !== 'dir') return [];
    const merged = await mergedDir(this.layers, dir.path.slice(1), this.get);
    return [...merged].filter(([, m]) => !m.entry.whiteout).map(([name, m]) => ({ name, entry: m.entry })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every regular file under directory `path` (resolved), with its path, depth first. */
  async *files(path: string): AsyncGenerator<ImageFile> {
    const dir = await this.resolve(path);
    if (!dir || dir.entry.kind !== 'dir') return;
    const walk = async function* (self: ImageFiles, at: string): AsyncGenerator<ImageFile> {
      for (const { name, entry } of await self.list(at)) {
        const p = posix.join(at, name);
        if (entry.kind === 'dir') yield* walk(self, p);
        else if (entry.kind === 'file') yield { path: p, entry };
      }
    };
    yield* walk(this, dir.path);
  }

  /** The bytes of the regular file at `path` (resolved), verified by the store. */
  async read(path: string): Promise<Buffer | null> {
    const f = await this.resolve(path);
    if (!f || f.entry.kind !== 'file') return null;
    return f.entry.id ? this.objects.readBytes(f.entry.id) : Buffer.alloc(0);
  }
}
