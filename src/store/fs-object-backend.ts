/**
 * Objects on the local disk, the embedded default: `objects/ab/<62 hex>`. Slots are temp
 * files in the store's `tmp/` (same filesystem, so the final rename is atomic). A commit
 * makes the staged bytes durable with one syncfs, renames them into place and fsyncs the
 * directories it touched, so an object under its final name always has durable content.
 */
import { fsyncSync, openSync, closeSync, readFileSync, readdirSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isErrno } from '../errors.js';
import { createFile, fsEvent, fsyncPath, makeDir, removeFile, renameFile, syncFilesystem } from './fs-ops.js';
import { objectIdFromPath, objectPath, objectsDir, tmpDir, tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';
import type { ListedObject, ObjectBackend, StagedObject, WriteSlot } from './object-backend.js';

/** Encoded bytes above this are streamed rather than read whole. */
const WHOLE_READ_MAX = 4 << 20;

/** One buffer as an async iterable. */
async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }

class FileSlot implements WriteSlot {
  private file: FileHandle | null = null;

  constructor(readonly token: string) {}

  async append(chunk: Uint8Array): Promise<void> {
    if (this.file === null) { fsEvent(); this.file = await open(this.token, 'wx'); }
    await this.file.write(chunk);
  }

  writeWhole(chunk: Uint8Array): void { createFile(this.token, chunk); }

  async close(): Promise<void> {
    await this.file?.close();
    this.file = null;
  }

  async abort(): Promise<void> {
    await this.file?.close().catch(() => { /* already failing: the close error adds nothing */ });
    this.file = null;
    removeFile(this.token);
  }
}

export class FsObjectBackend implements ObjectBackend {
  readonly label: string;

  constructor(readonly root: string) { this.label = objectsDir(root); }

  path(id: ObjectId): string { return objectPath(this.root, id); }

  has(id: ObjectId): boolean {
    try {
      statSync(this.path(id));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
      throw err;
    }
  }

  readWhole(id: ObjectId): Buffer | null {
    try {
      return readFileSync(this.path(id));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
  }

  async readStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null> {
    const size = this.storedSize(id);
    if (size === null) return null;
    if (size <= WHOLE_READ_MAX) {
      const whole = this.readWhole(id);
      return whole === null ? null : once(whole);
    }
    let fh: FileHandle;
    try {
      fh = await open(this.path(id), 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    return fh.createReadStream({ highWaterMark: 256 << 10 }) as AsyncIterable<Buffer>;
  }

  storedSize(id: ObjectId): number | null {
    try {
      return statSync(this.path(id)).size;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
  }

  async createSlot(): Promise<WriteSlot> {
    // A deleted tmp/ is re-created rather than failing every write.
    try { statSync(tmpDir(this.root)); } catch (err) { if (isErrno(err, 'ENOENT')) makeDir(tmpDir(this.root)); else throw err; }
    return new FileSlot(tmpPath(this.root));
  }

  async commit(staged: readonly StagedObject[]): Promise<void> {
    const fresh = staged.filter((s) => s.slot !== null);
    if (fresh.length === 0) return;
    await syncFilesystem(this.root, () => {
      for (const s of fresh) {
        const fd = openSync(s.slot as string, 'r+');
        try { fsyncSync(fd); } finally { closeSync(fd); }
      }
    });
    const dirs = new Set<string>();
    for (const s of fresh) {
      const final = this.path(s.id);
      const dir = dirname(final);
      if (!dirs.has(dir)) { makeDir(dir); dirs.add(dir); }
      // Renaming over an existing copy is safe (same name, same bytes) and is how a
      // repair replaces a damaged object.
      renameFile(s.slot as string, final);
    }
    for (const dir of dirs) fsyncPath(dir);
  }

  async discard(staged: readonly StagedObject[]): Promise<void> {
    for (const s of staged) if (s.slot) removeFile(s.slot);
  }

  async delete(id: ObjectId): Promise<void> { removeFile(this.path(id)); }

  async *list(): AsyncGenerator<ListedObject> {
    const top = objectsDir(this.root);
    let dirs: string[];
    try { dirs = readdirSync(top); } catch (err) { if (isErrno(err, 'ENOENT')) return; throw err; }
    for (const dir of dirs.sort()) {
      const sub = join(top, dir);
      let names: string[];
      try {
        names = readdirSync(sub);
      } catch (err) {
        // A stray file among the fan-out directories is reported, never fatal.
        if (isErrno(err, 'ENOTDIR')) { yield { stray: sub }; continue; }
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      for (const name of names.sort()) {
        const id = /^[0-9a-f]{2}$/.test(dir) ? objectIdFromPath(dir, name) : null;
        yield id ? { id } : { stray: join(sub, name) };
      }
    }
  }
}
