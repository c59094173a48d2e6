/**
 * Random access to one database file, with every read bounds-checked against the file's
 * size and every problem reported as ERR_BAD_INPUT naming the file, the format and the
 * byte offset. Reads go through a small read-ahead window, so walking consecutive pages
 * (overflow chains are usually consecutive) costs one system call per window, while a
 * multi-hundred-MB database is never held in memory at once.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BazaarError } from '../../errors.js';

/** The three on-disk formats rpm has used for its package database. */
export type RpmdbFormat = 'sqlite' | 'bdb' | 'ndb';

const FORMAT_NAMES: Record<RpmdbFormat, string> = { sqlite: 'sqlite', bdb: 'BerkeleyDB', ndb: 'ndb' };

/** Bytes read at once around a requested range; a multiple of every page size used here. */
export const READ_WINDOW = 256 * 1024;

export class DbFile {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly format: RpmdbFormat,
    readonly size: number,
  ) {}

  /** Opens `path` for reading; a missing or unreadable file is ERR_BAD_INPUT. */
  static async open(path: string, format: RpmdbFormat): Promise<DbFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw new BazaarError('ERR_BAD_INPUT', `${path}: cannot open the rpm database: ${(err as Error).message}`, { cause: err, data: { path } });
    }
    try {
      const info = await fh.stat();
      if (!info.isFile()) throw new BazaarError('ERR_BAD_INPUT', `${path}: the rpm database is not a regular file`, { data: { path } });
      return new DbFile(fh, path, format, info.size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** ERR_BAD_INPUT for structural damage at `offset`, in one line. */
  corrupt(offset: number, message: string, data: Record<string, unknown> = {}): BazaarError {
    return new BazaarError('ERR_BAD_INPUT', `${this.path}: corrupt ${FORMAT_NAMES[this.format]} database at offset ${offset}: ${message}`,
      { data: { path: this.path, format: this.format, offset, ...data } });
  }

  /**
   * Exactly `length` bytes at `offset`. The result may share memory with later reads'
   * windows only as long as the caller keeps it: windows are never reused or overwritten.
   */
  async read(offset: number, length: number, what: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new BazaarError('ERR_BAD_INPUT',
        `${this.path}: truncated ${FORMAT_NAMES[this.format]} database: the ${what} at offset ${offset} needs ${length} bytes, the file has ${this.size}`,
        { data: { path: this.path, format: this.format, offset, length, size: this.size } });
    }
    const inWindow = offset >= this.windowStart && offset + length <= this.windowStart + this.window.length;
    if (!inWindow) {
      if (length > READ_WINDOW) return this.readExact(offset, length);
      const start = offset - (offset % READ_WINDOW);
      const end = Math.min(this.size, Math.max(start + READ_WINDOW, offset + length));
      this.window = await this.readExact(start, end - start);
      this.windowStart = start;
    }
    const from = offset - this.windowStart;
    return this.window.subarray(from, from + length);
  }

  private async readExact(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      // the file shrank under us: report it as the truncation it is
      if (bytesRead === 0) throw this.corrupt(offset + done, `the file ended while reading (it changed during the read?)`);
      done += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** A big-endian or little-endian view over bytes, as a format's byte order demands. */
export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
