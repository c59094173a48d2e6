/**
 * Content-addressed objects on the local disk: sha256 of the uncompressed bytes names
 * the object, zstd frames hold it (codec.ts). Writes are staged in the store's tmp/ and
 * made visible by an atomic rename once durable; every read re-hashes and fails, naming
 * the object, on any mismatch.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { FRAME_SIZE, FrameEncoder, decompressFrames } from './codec.js';
import { fileChunks } from './file-chunks.js';
import { objectIdFromPath, objectPath, objectsDir, tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';

/** An object written to tmp/ but not yet visible; `tmp` is null when it already existed. */
export interface StagedObject { id: ObjectId; tmp: string | null; size: number }

/** Receives an object's bytes; `finish` stages it and tells its id. */
export interface ObjectWriter {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<StagedObject>;
  abort(): Promise<void>;
}

function notFound(id: ObjectId): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${id} is not in the store`, { data: { id } });
}

function damaged(id: ObjectId, why: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is damaged: ${why}; run 'bazaar fsck' to list all damage`, { data: { id }, cause });
}

/**
 * syncfs(2) of the filesystem holding `root`, through coreutils' `sync -f` (node has no
 * binding); where that fails, an fsync of every staged file.
 */
async function syncFilesystem(root: string, staged: StagedObject[]): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    execFile('sync', ['-f', root], (err) => resolve(err === null));
  });
  if (ok) return;
  for (const s of staged) {
    if (s.tmp === null) continue;
    const fh = await open(s.tmp, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Writes frames to a temp file as they fill, hashing the uncompressed bytes. */
class StagingWriter implements ObjectWriter {
  private readonly hash: Hash = createHash('sha256');
  private frame: Buffer[] = [];
  private frameBytes = 0;
  private size = 0;
  private file: FileHandle | null = null;
  private readonly encoder = new FrameEncoder();
  private readonly tmp: string;

  constructor(private readonly store: ObjectStore, root: string, private readonly knownExisting: boolean) {
    this.tmp = tmpPath(root);
  }

  async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.knownExisting) return;
    this.frame.push(chunk);
    this.frameBytes += chunk.length;
    while (this.frameBytes >= FRAME_SIZE) {
      const all = Buffer.concat(this.frame);
      await this.flushFrame(all.subarray(0, FRAME_SIZE));
      const rest = all.subarray(FRAME_SIZE);
      this.frame = rest.length ? [rest] : [];
      this.frameBytes = rest.length;
    }
  }

  private async flushFrame(data: Buffer): Promise<void> {
    this.file ??= await open(this.tmp, 'wx');
    await this.file.write(await this.encoder.frame(data));
  }

  async finish(): Promise<StagedObject> {
    const id = `sha256:${this.hash.digest('hex')}` as ObjectId;
    if (this.knownExisting || (this.file === null && (await this.store.has(id)))) {
      return { id, tmp: null, size: this.size };
    }
    try {
      if (this.file === null) {
        // Small object, one frame: a single write call instead of open/write/write/close.
        const frame = await this.encoder.frame(Buffer.concat(this.frame));
        // Synchronous on purpose: for small files a thread-pool round trip costs more
        // than the write itself, and compression keeps the pool busy meanwhile.
        writeFileSync(this.tmp, Buffer.concat([frame, this.encoder.trailer()]), { flag: 'wx' });
      } else {
        if (this.frameBytes > 0) await this.flushFrame(Buffer.concat(this.frame));
        await this.file.write(this.encoder.trailer());
        await this.file.close();
        this.file = null;
      }
    } catch (err) {
      await this.abort();
      throw err;
    }
    return { id, tmp: this.tmp, size: this.size };
  }

  async abort(): Promise<void> {
    await this.file?.close().catch(() => {});
    this.file = null;
    await rm(this.tmp, { force: true });
  }
}

export class ObjectStore {
  constructor(readonly root: string) {}

  path(id: ObjectId): string { return objectPath(this.root, id); }

  async has(id: ObjectId): Promise<boolean> {
    // A stat is cheaper than the thread-pool hop an async one would take.
    try {
      statSync(this.path(id));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /**
   * A writer that stages a new object. With `expect`, an id the caller already knows
   * (e.g. a sha256 file digest from an rpm header): if that object exists, nothing is
   * compressed or written, and the bytes are only hashed.
   */
  async writer(expect?: ObjectId): Promise<ObjectWriter> {
    return new StagingWriter(this, this.root, expect !== undefined && (await this.has(expect)));
  }

  /** Stages a file's content as one object (see `writer` for `expect`). */
  async stageFile(path: string, size: number, expect?: ObjectId): Promise<StagedObject> {
    const w = await this.writer(expect);
    try {
      for await (const chunk of fileChunks(path, size)) await w.write(chunk);
      return await w.finish();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  /** Stages `data` as one object. */
  async stage(data: Buffer): Promise<StagedObject> {
    const w = await this.writer();
    await w.write(data);
    return w.finish();
  }

  /**
   * Makes staged objects visible. First their bytes are made durable with one syncfs
   * of the store's filesystem (as ostree does per transaction, instead of an fsync per
   * object), then each is renamed into place, then the directories are fsynced. So an
   * object under its final name always has durable content.
   */
  async commit(staged: Iterable<StagedObject>): Promise<void> {
    const list = [...staged];
    if (list.some((s) => s.tmp !== null)) await syncFilesystem(this.root, list);
    const dirs = new Set<string>();
    for (const s of list) {
      if (s.tmp === null) continue;
      const final = this.path(s.id);
      const dir = dirname(final);
      if (!dirs.has(dir)) mkdirSync(dir, { recursive: true });
      // Renaming over an existing copy is safe: same name, same bytes. Synchronous: a
      // commit renames thousands of small files, and each async call is a pool round trip.
      renameSync(s.tmp, final);
      dirs.add(dir);
    }
    for (const dir of dirs) await fsyncDir(dir);
  }

  /** Removes staged temp files (the objects never became visible). */
  async discard(staged: Iterable<StagedObject>): Promise<void> {
    for (const s of staged) if (s.tmp) await rm(s.tmp, { force: true });
  }

  /** Writes one object and makes it visible at once. */
  async put(data: Buffer): Promise<ObjectId> {
    const s = await this.stage(data);
    await this.commit([s]);
    return s.id;
  }

  /** Streams an object's bytes; throws (naming it) if it is missing or its bytes do not hash to its id. */
  async *stream(id: ObjectId): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let source: ReadStream;
    try {
      const fh = await open(this.path(id), 'r');
      source = fh.createReadStream({ highWaterMark: 1 << 20 });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(id);
      throw err;
    }
    try {
      for await (const frame of decompressFrames(source as AsyncIterable<Buffer>)) {
        hash.update(frame);
        yield frame;
      }
    } catch (err) {
      throw err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_CORRUPT' && !('id' in err.data)
        ? damaged(id, 'it is not a valid zstd stream', err)
        : err instanceof BazaarError ? err : damaged(id, 'it cannot be decompressed', err);
    } finally {
      source.destroy();
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== id) throw damaged(id, `its content hashes to ${got}`);
  }

  /** The whole object, verified. For large objects prefer `stream`. */
  async read(id: ObjectId): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of this.stream(id)) parts.push(part);
    return Buffer.concat(parts);
  }

  /** null when the object is intact, else what is wrong with it. */
  async check(id: ObjectId): Promise<string | null> {
    try {
      for await (const _ of this.stream(id)) { /* hash only */ }
      return null;
    } catch (err) {
      if (err instanceof BazaarError) return err.message;
      throw err;
    }
  }

  async delete(id: ObjectId): Promise<void> {
    try { await unlink(this.path(id)); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
  }

  /** Every object id on disk, in no particular order. */
  async *list(): AsyncGenerator<ObjectId> {
    let dirs: string[];
    try { dirs = await readdir(objectsDir(this.root)); } catch (err) { if (isErrno(err, 'ENOENT')) return; throw err; }
    for (const dir of dirs.sort()) {
      for (const name of (await readdir(join(objectsDir(this.root), dir))).sort()) {
        const id = objectIdFromPath(dir, name);
        if (id) yield id;
      }
    }
  }

  /** Size of the compressed file on disk. */
  async diskSize(id: ObjectId): Promise<number> {
    return (await stat(this.path(id))).size;
  }
}

