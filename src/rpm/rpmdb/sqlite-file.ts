/**
 * The page layer of an SQLite 3 database file (https://www.sqlite.org/fileformat2.html):
 * the 100-byte file header, page access by number, and the write-ahead log. rpm ≥ 4.16
 * keeps rpmdb.sqlite in WAL mode; a copy of a live system may carry committed pages in
 * `rpmdb.sqlite-wal` that were never checkpointed into the main file, so the newest
 * committed version of each page is read from the WAL exactly as SQLite's recovery would
 * choose it (salts match the WAL header, cumulative checksums hold, up to the last commit).
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BazaarError, isErrno } from '../../errors.js';
import { DbFile, dataView } from './db-file.js';

const MAGIC = 'SQLite format 3\0';
export const SQLITE_HEADER_SIZE = 100;
/** fileformat2.html §1.3.2: a power of two from 512 to 65536 (stored as 1 for 65536). */
const PAGE_SIZE_MIN = 512;
const PAGE_SIZE_MAX = 65536;
/** fileformat2.html §1.3.4: the usable size may not be less than 480. */
const USABLE_MIN = 480;
const WAL_HEADER_SIZE = 32;
const WAL_FRAME_HEADER_SIZE = 24;
const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;
const WAL_VERSION = 3007000;
const JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export class SqliteFile {
  private constructor(
    readonly file: DbFile,
    readonly pageSize: number,
    readonly usableSize: number,
    readonly pageCount: number,
    readonly encoding: TextEncoding,
    private readonly wal: WalOverlay | null,
  ) {}

  /** Reads and checks the file header, then the WAL beside the file when it has frames. */
  static async open(path: string): Promise<SqliteFile> {
    const file = await DbFile.open(path, 'sqlite');
    try {
      if (file.size < SQLITE_HEADER_SIZE) {
        throw file.size === 0 ? file.corrupt(0, 'the file is empty') : file.corrupt(0, `the file is ${file.size} bytes, shorter than SQLite's 100-byte header`);
      }
      const head = await file.read(0, SQLITE_HEADER_SIZE, 'file header');
      if (Buffer.from(head.subarray(0, 16)).toString('latin1') !== MAGIC) throw file.corrupt(0, 'not an SQLite 3 database (bad magic)');
      const view = dataView(head);
      const rawPageSize = view.getUint16(16);
      const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
      if (pageSize < PAGE_SIZE_MIN || pageSize > PAGE_SIZE_MAX || (pageSize & (pageSize - 1)) !== 0) throw file.corrupt(16, `page size ${rawPageSize} is invalid`);
      const usableSize = pageSize - head[20];
      if (usableSize < USABLE_MIN) throw file.corrupt(20, `${head[20]} reserved bytes per page leave fewer than ${USABLE_MIN} usable`);
      const encoding = ({ 1: 'utf-8', 2: 'utf-16le', 3: 'utf-16be' } as const)[view.getUint32(56) as 1 | 2 | 3];
      if (encoding === undefined) throw file.corrupt(56, `text encoding ${view.getUint32(56)} is invalid`);
      // §1.3.9: the in-header size is valid only when the change counter matches version-valid-for
      const headerCount = view.getUint32(28);
      const filePages = Math.floor(file.size / pageSize);
      const counted = headerCount !== 0 && view.getUint32(24) === view.getUint32(92) ? headerCount : filePages;
      await refuseHotJournal(`${path}-journal`, path);
      const wal = await WalOverlay.read(`${path}-wal`, pageSize);
      return new SqliteFile(file, pageSize, usableSize, wal?.pageCount ?? counted, encoding, wal);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** File offset of page `n` (1-based) in the main file. */
  offsetOf(n: number): number { return (n - 1) * this.pageSize; }

  /** Page `n` as the newest committed version (WAL first), bounds-checked. */
  async page(n: number, from: number): Promise<Uint8Array> {
    if (!Number.isInteger(n) || n < 1 || n > this.pageCount) {
      throw this.file.corrupt(from, `page number ${n} is out of range (the database has ${this.pageCount} pages)`, { page: n });
    }
    const fromWal = this.wal ? await this.wal.page(n) : undefined;
    if (fromWal) return fromWal;
    return this.file.read(this.offsetOf(n), this.pageSize, `page ${n}`);
  }

  async close(): Promise<void> {
    await this.wal?.close();
    await this.file.close();
  }
}

/**
 * A non-empty rollback journal with a valid header is "hot": the main file holds half of
 * an interrupted write that SQLite would roll back before reading. We do not roll back.
 */
async function refuseHotJournal(journal: string, path: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(journal, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead === 8 && JOURNAL_MAGIC.every((b, i) => head[i] === b)) {
      throw new BazaarError('ERR_BAD_INPUT', `${path}: the database has a hot rollback journal (${journal}) from an interrupted write; open it once with rpm to roll it back`, { data: { path, journal } });
    }
  } finally {
    await fh.close();
  }
}

/** The committed frames of a WAL file: page number → offset of its newest committed copy. */
class WalOverlay {
  private constructor(private readonly file: DbFile, private readonly frames: Map<number, number>, readonly pageCount: number, private readonly pageSize: number) {}

  static async read(path: string, pageSize: number): Promise<WalOverlay | null> {
    let file: DbFile;
    try {
      file = await DbFile.open(path, 'sqlite');
    } catch (err) {
      if (err instanceof BazaarError && isErrno(err.cause, 'ENOENT')) return null;
      throw err;
    }
    try {
      const overlay = await WalOverlay.scan(file, pageSize);
      if (overlay) return overlay;
      await file.close();
      return null;
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** SQLite's recovery walk; null when the WAL holds no committed frame (empty, or stale). */
  private static async scan(file: DbFile, pageSize: number): Promise<WalOverlay | null> {
    if (file.size < WAL_HEADER_SIZE) return null;
    const head = dataView(await file.read(0, WAL_HEADER_SIZE, 'WAL header'));
    const magic = head.getUint32(0);
    if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) throw file.corrupt(0, 'the WAL file has a bad magic number');
    if (head.getUint32(4) !== WAL_VERSION) throw file.corrupt(4, `WAL format version ${head.getUint32(4)} is not supported`);
    if (head.getUint32(8) !== pageSize) throw file.corrupt(8, `the WAL page size ${head.getUint32(8)} differs from the database's ${pageSize}`);
    const bigEndian = magic === WAL_MAGIC_BE;
    let sum = walChecksum(new Uint8Array(head.buffer, head.byteOffset, 24), bigEndian, [0, 0]);
    if (sum[0] !== head.getUint32(24) || sum[1] !== head.getUint32(28)) return null; // a header never completed: SQLite ignores the WAL
    const salt1 = head.getUint32(16);
    const salt2 = head.getUint32(20);
    const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
    const pending = new Map<number, number>();
    const committed = new Map<number, number>();
    let pageCount = 0;
    for (let at = WAL_HEADER_SIZE; at + frameSize <= file.size; at += frameSize) {
      const frame = await file.read(at, frameSize, 'WAL frame');
      const fv = dataView(frame);
      if (fv.getUint32(8) !== salt1 || fv.getUint32(12) !== salt2) break;
      sum = walChecksum(frame.subarray(0, 8), bigEndian, sum);
      sum = walChecksum(frame.subarray(WAL_FRAME_HEADER_SIZE), bigEndian, sum);
      if (sum[0] !== fv.getUint32(16) || sum[1] !== fv.getUint32(20)) break;
      const pgno = fv.getUint32(0);
      if (pgno === 0) break;
      pending.set(pgno, at + WAL_FRAME_HEADER_SIZE);
      const dbSize = fv.getUint32(4);
      if (dbSize !== 0) { // a commit frame: everything pending so far is committed
        for (const [p, o] of pending) committed.set(p, o);
        pending.clear();
        pageCount = dbSize;
      }
    }
    if (committed.size === 0) return null;
    return new WalOverlay(file, committed, pageCount, pageSize);
  }

  async page(n: number): Promise<Uint8Array | undefined> {
    const at = this.frames.get(n);
    return at === undefined ? undefined : this.file.read(at, this.pageSize, `WAL copy of page ${n}`);
  }

  async close(): Promise<void> { await this.file.close(); }
}

/** fileformat2.html §4.1: the running checksum over 32-bit word pairs of the WAL. */
function walChecksum(bytes: Uint8Array, bigEndian: boolean, [s0In, s1In]: [number, number]): [number, number] {
  const view = dataView(bytes);
  let s0 = s0In;
  let s1 = s1In;
  for (let i = 0; i + 8 <= bytes.length; i += 8) {
    s0 = (s0 + view.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}
