/**
 * A file's content from the store, written to an open file: read through ObjectReader's
 * verified stream (any byte that does not hash to the object's id fails the read), and
 * checked against the size the tree entry states.
 */
import { writeSync } from 'node:fs';
import { BazaarError } from '../errors.js';
import { EMPTY_BLOB } from '../store/index.js';
import type { ObjectId, ObjectReader } from '../store/index.js';
import { quotePath } from '../fs/index.js';


function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

/** Writes object `id` (which the tree says holds `size` bytes) to `fd`; `path` names the file in messages. */
export async function writeBlobFile(objects: ObjectReader, fd: number, id: ObjectId | undefined, size: number, path: string): Promise<void> {
  if (id === undefined) {
    if (size === 0) return;
    throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `tree entry ${quotePath(path)} is a file of ${size} bytes without a content object`, { data: { path } });
  }
  if (size === 0 && id === EMPTY_BLOB) return;
  let written = 0;
  for await (const chunk of objects.stream(id)) {
    written += chunk.length;
    if (written > size) break;
    writeAll(fd, chunk);
  }
  if (written !== size) {
    throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `tree entry ${quotePath(path)} says ${size} bytes, but object ${id} holds ${written > size ? 'more' : written}`, { data: { path, id } });
  }
}
