/**
 * Tree objects kept uncompressed in the checkout cache (`<store>/cache/checkout/v1/trees/`,
 * checkout-cache.ts), so that walking an image again costs a file read and a sha256 per
 * directory instead of a round trip to the zstd decoder: measured by bench/checkout.ts,
 * that is half of a warm hardlink checkout's walk. Derived data: a missing entry is read
 * from the store (verified there) and written atomically (temp + rename); a cached entry
 * is verified on every read (its bytes must hash to its id), and one that does not is read
 * from the store again and replaced, so the cache can never make a walk see a wrong tree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { isErrno } from '../errors.js';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../fs/index.js';
import type { ObjectId, ObjectReader, TreeObject } from '../store/index.js';
import { CACHE_TMP_PREFIX, checkoutTreesDir, decodeKind } from '../store/index.js';

export class TreeCache {
  private readonly dir: string;
  private readonly dirsMade = new Set<string>();

  constructor(private readonly objects: ObjectReader, storeDir: string) {
    this.dir = checkoutTreesDir(storeDir);
  }

  /** The only builder of these paths. */
  private pathOf(id: ObjectId): string {
    const hex = id.slice(7);
    return `${this.dir}/${hex.slice(0, 2)}/${hex.slice(2)}`;
  }

  /** The tree `id`, verified, from the cache or else from the store (then cached). */
  async read(id: ObjectId): Promise<TreeObject> {
    const path = this.pathOf(id);
    let bytes: Buffer | null = null;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (bytes !== null && `sha256:${createHash('sha256').update(bytes).digest('hex')}` === id) return decodeKind(bytes, id, 'tree');
    bytes = await this.objects.readBytes(id);
    const tree = decodeKind(bytes, id, 'tree'); // only a valid tree is cached
    this.store(path, bytes);
    return tree;
  }

  private store(path: string, bytes: Buffer): void {
    const dir = dirname(path);
    const tmp = join(dir, `${CACHE_TMP_PREFIX}${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`);
    try {
      if (!this.dirsMade.has(dir)) { makeDir(dir); this.dirsMade.add(dir); }
      createFile(tmp, bytes);
      renameFile(tmp, path);
    } catch (err) {
      removeFile(tmp);
      // A read-only or full cache only costs speed: the walk goes on from the store.
      if (unwritableCode(err) === null) throw err;
    }
  }
}
