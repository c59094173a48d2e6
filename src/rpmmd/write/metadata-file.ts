/**
 * One compressed metadata document on disk, written as a stream: text goes in as byte
 * strings (or bytes), is copied into ~1 MiB buffers, hashed (the open checksum),
 * compressed, hashed again and written. Memory holds a few buffers (at most QUEUED bytes
 * waiting for the compressor) and the compressor's window, whatever the document's size.
 * The file is created exclusively and synced before `close` returns.
 *
 * The writer goes on filling buffers while the compressor (zlib, on libuv's thread pool)
 * works on the ones queued: waiting for each 1 MiB to be compressed before reading the
 * next fragments left one of the two cores idle most of a generation. The output does
 * not depend on this timing: zlib's deflate gives the same bytes however its input is
 * split, and the buffers are cut at the same places whatever the timing.
 *
 * Each piece of text is copied into the buffer as it comes (Buffer#write) rather
 * than concatenated first: turning a megabyte-long concatenation back into bytes made V8
 * flatten it, which was a fifth of the whole writer's time.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compressor } from './compressor.js';
import type { ByteString } from './header-view.js';

/** What repomd.xml says about a document. */
export interface MetadataFileInfo {
  path: string;
  /** sha256 of the file as written. */
  checksum: string;
  size: number;
  /** sha256 and size of the uncompressed document. */
  openChecksum: string;
  openSize: number;
}

const CHUNK = 1 << 20;
/** Bytes queued for the compressor before `write` makes its caller wait. */
const QUEUED = 4 * CHUNK;

class Counter extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

export class MetadataFile {
  private buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private readonly openHash = createHash('sha256');
  private openSize = 0;
  private readonly input: Transform;
  private readonly counter = new Counter();
  private readonly done: Promise<void>;

  constructor(readonly path: string, compressor: Compressor) {
    this.input = compressor.compress();
    this.done = pipeline(this.input, this.counter, createWriteStream(path, { flags: 'wx' }));
    this.done.catch(() => { /* reported by close() or abort() */ });
  }

  /** Appends text (or its bytes); returns a promise only when the compressor wants the caller to wait. */
  write(text: ByteString | Uint8Array): Promise<void> | void {
    if (this.used + text.length <= CHUNK) {
      this.copyIn(text);
      return;
    }
    return this.flush().then(() => {
      if (text.length > CHUNK) return this.push(typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text));
      this.copyIn(text);
    });
  }

  private copyIn(text: ByteString | Uint8Array): void {
    if (typeof text === 'string') this.used += this.buf.write(text, this.used, 'latin1');
    else { this.buf.set(text, this.used); this.used += text.length; }
  }

  /** Appends bytes as they are. */
  async writeBytes(bytes: Buffer): Promise<void> {
    await this.flush();
    await this.push(bytes);
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
    await this.push(full);
  }

  private async push(buf: Buffer): Promise<void> {
    this.openHash.update(buf);
    this.openSize += buf.length;
    if (!this.input.write(buf) && this.input.writableLength > QUEUED) await Promise.race([once(this.input, 'drain'), this.done]);
  }

  /** Finishes the document, syncs the file and returns its checksums and sizes. */
  async close(): Promise<MetadataFileInfo> {
    await this.flush();
    this.input.end();
    await this.done;
    const fh = await open(this.path, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
    return {
      path: this.path,
      checksum: this.counter.hash.digest('hex'),
      size: this.counter.size,
      openChecksum: this.openHash.digest('hex'),
      openSize: this.openSize,
    };
  }

  /** Stops writing and removes the partial file. */
  async abort(): Promise<void> {
    this.input.destroy();
    await this.done.catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
