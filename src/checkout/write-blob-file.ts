/**
 * A file's content from the store, written to an open file: read through ObjectReader's
 * verified stream (any byte that does not hash to the object's id fails the read), and
 * checked against the size the tree entry states. Or, in copy mode, a copy of a
 * checkout-cache entry made by the kernel (`copyCacheEntry`).
 */
import { chmod, closeSync, constants, copyFile, fchmodSync, fchownSync, futimesSync, lchown, lutimes, openSync, write, writeSync } from 'node:fs';
import { BazaarError } from '../errors.js';
import { EMPTY_BLOB } from '../store/index.js';
import type { ObjectId, ObjectReader } from '../store/index.js';
import { quotePath } from '../fs/index.js';

/** A node callback as a promise, without util.promisify's per-call wrapper objects. */
function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Creates `path` (O_EXCL: never an existing file, never through a symlink), mode 0600 unless given. */
export function openNew(path: string | Buffer, mode = 0o600): number {
  return openSync(path, 'wx', mode);
}

export function closeFile(fd: number): void {
  closeSync(fd);
}

/** Owner (when `chown`), then mode (chown clears setuid/setgid), then time, as checkouts set them. */
export function setFileAttributes(fd: number, a: { uid: number; gid: number; perm: number; mtime: number }, chown: boolean): void {
  if (chown) fchownSync(fd, a.uid, a.gid);
  fchmodSync(fd, a.perm);
  futimesSync(fd, a.mtime, a.mtime);
}

/**
 * Writes `content` (verified, of the size the tree entry says) as the new file `path`,
 * with its attributes: as `openNew`, `writeAll`, `setFileAttributes`. `modeAtCreation`:
 * the caller found that the file can be made with its final mode at once (no owner to
 * set, no setuid/setgid/sticky bit, untouched by the umask), so no chmod follows.
 */
export function writeNewFile(path: string | Buffer, content: Buffer, a: { uid: number; gid: number; perm: number; mtime: number }, how: { chown: boolean; modeAtCreation: boolean }): void {
  const fd = openNew(path, how.modeAtCreation ? a.perm : 0o600);
  try {
    writeAll(fd, content);
    if (how.chown) fchownSync(fd, a.uid, a.gid);
    if (!how.modeAtCreation) fchmodSync(fd, a.perm);
    futimesSync(fd, a.mtime, a.mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * A copy of a checkout-cache entry (`source`, checked by the caller) as the new file
 * `path`: a reflink where the file system has them (btrfs, XFS: no data is copied), else
 * copy_file_range in the kernel (libuv's copyfile); O_EXCL, as `openNew`. Then the
 * attributes as `setFileAttributes` sets them, by path: the file was just made in a
 * directory of the checkout, which nobody else enters while it is being written.
 */
export async function copyCacheEntry(source: string, path: string | Buffer, a: { uid: number; gid: number; perm: number; mtime: number }, chown: boolean): Promise<void> {
  await call<void>((cb) => copyFile(source, path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE, cb));
  if (chown) await call<void>((cb) => lchown(path, a.uid, a.gid, cb));
  // copyfile gave it the entry's mode, which is `perm`; a chown cleared setuid/setgid
  if (chown && (a.perm & 0o6000) !== 0) await call<void>((cb) => chmod(path, a.perm, cb));
  await call<void>((cb) => lutimes(path, a.mtime, a.mtime, cb));
}

/**
 * Files up to this size (one zstd frame) are read whole, the rest streamed (bounded
 * memory): a whole read is decoded and hashed on libuv's thread pool (store/objects.ts)
 * and written there too, so the main thread only walks the tree.
 */
const WHOLE_MAX = 1 << 20;

/** `chunk` written at the file's offset 0 by libuv's pool. */
async function writeAllAsync(fd: number, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += await call<number>((cb) => write(fd, chunk, off, chunk.length - off, off, cb));
}

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
  // read whole: decoded and hashed on the thread pool, checked before a byte is written
  const bytes = size <= WHOLE_MAX ? await objects.readSmall(id, size) : null;
  if (bytes !== null) {
    if (bytes.length !== size) throw sizeMismatch(path, id, size, bytes.length);
    await writeAllAsync(fd, bytes);
    return;
  }
  let written = 0;
  for await (const chunk of objects.stream(id)) {
    written += chunk.length;
    if (written > size) break;
    writeAll(fd, chunk);
  }
  if (written !== size) throw sizeMismatch(path, id, size, written);
}

export function sizeMismatch(path: string, id: ObjectId, size: number, held: number): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_CORRUPT', `tree entry ${quotePath(path)} says ${size} bytes, but object ${id} holds ${held > size ? 'more' : held}`, { data: { path, id } });
}
