/**
 * rpm's BerkeleyDB backend (rpm < 4.16, still ALT, CentOS 7/8, Amazon Linux 2): a hash
 * database `Packages` whose keys are header numbers (4 bytes, in the database's byte
 * order) and whose values are exported headers. Key 0 holds rpm's next-number counter.
 *
 * Read the way rpm's own reader lib/backend/bdb_ro.c reads it: the metadata page gives
 * the page size, the byte order (the magic reads 0x061561 in one order or the other),
 * the last page and the bucket → page map (spares); each bucket is a chain of hash pages
 * whose items are key/value pairs, each either on the page (H_KEYDATA) or in a chain of
 * overflow pages (H_OFFPAGE). Layouts from Berkeley DB's dbinc/db_page.h.
 *
 * All buckets are walked first, keeping only where each value lives (no page stays in
 * memory), so that headers are yielded in hnum order and any page reached twice (a loop, or two chains sharing pages)
 * is reported before a header is handed out.
 */
import type { DbRecord } from './db-record.js';
import { BLOB_MAX } from './db-record.js';
import { DbFile, dataView } from './db-file.js';

const HASH_MAGIC = 0x061561;
/** Hash versions rpm's bdb_ro accepts (Berkeley DB 4.x–6.x write 8 or 9). */
const HASH_VERSION_MIN = 8;
const HASH_VERSION_MAX = 10;
const META_SIZE = 512;
/** db_page.h: page sizes are powers of two from 512 to 64 KiB. */
const PAGE_SIZE_MIN = 512;
const PAGE_SIZE_MAX = 65536;
/** db_page.h SIZEOF_PAGE: the generic page header. */
const PAGE_HEADER = 26;
const P_INVALID = 0;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
/** HOFFPAGE: type, 3 unused bytes, page number, total length. */
const HOFFPAGE_SIZE = 12;
/** DBMETA_CHKSUM: pages carry checksums, which moves their layout; rpm never sets it. */
const DBMETA_CHKSUM = 0x01;
/** A Packages key is a 4-byte header number; anything larger is not rpm's. */
const KEY_MAX = 64;

interface Page { bytes: Uint8Array; view: DataView; base: number }

interface ValueRef {
  hnum: number;
  /**
   * Where an on-page value's bytes are in the file (re-read when yielded, so that the
   * walk keeps no page in memory), or the overflow chain's first page and total length.
   */
  inline?: { at: number; length: number };
  overflow?: { page: number; length: number };
  offset: number;
}

class BdbHash {
  readonly seen = new Set<number>();

  constructor(
    readonly file: DbFile,
    readonly little: boolean,
    readonly pageSize: number,
    readonly lastPage: number,
  ) {}

  u16(v: DataView, at: number): number { return v.getUint16(at, this.little); }
  u32(v: DataView, at: number): number { return v.getUint32(at, this.little); }

  /**
   * Page `n`, checked to be in range, unvisited, numbered `n` and of one of `types`. With
   * `maybeUnused`, a page never initialised (page number 0, type P_INVALID: Berkeley DB
   * hands such a bucket page out as empty) gives null; rpm's bdb_ro refuses it instead.
   */
  async page(n: number, from: number, types: number[], what: string, maybeUnused: true): Promise<Page | null>;
  async page(n: number, from: number, types: number[], what: string): Promise<Page>;
  async page(n: number, from: number, types: number[], what: string, maybeUnused = false): Promise<Page | null> {
    if (n < 1 || n > this.lastPage) throw this.file.corrupt(from, `${what} points to page ${n}, outside pages 1..${this.lastPage}`, { page: n });
    if (this.seen.has(n)) throw this.file.corrupt(from, `${what} reaches page ${n} a second time (a loop or a shared page)`, { page: n });
    this.seen.add(n);
    const base = n * this.pageSize;
    const bytes = await this.file.read(base, this.pageSize, `page ${n}`);
    const view = dataView(bytes);
    if (maybeUnused && this.u32(view, 8) === 0 && bytes[25] === P_INVALID) return null;
    if (this.u32(view, 8) !== n) throw this.file.corrupt(base + 8, `page ${n} says it is page ${this.u32(view, 8)}`, { page: n });
    if (!types.includes(bytes[25])) throw this.file.corrupt(base + 25, `page ${n} has type ${bytes[25]}, expected ${types.join(' or ')} for ${what}`, { page: n });
    return { bytes, view, base };
  }

  /** An overflow chain's bytes (db_page.h: OV_LEN in hf_offset, chained by next_pgno). */
  async overflow(first: number, length: number, from: number, hnum: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    let next = first;
    let at = from;
    while (filled < length) {
      if (next === 0) throw this.file.corrupt(at, `the overflow chain of header #${hnum} ends after ${filled} of ${length} bytes`, { hnum });
      const { bytes, view, base } = await this.page(next, at, [P_OVERFLOW], `the overflow chain of header #${hnum}`);
      const len = this.u16(view, 22);
      if (len > this.pageSize - PAGE_HEADER || len > length - filled) {
        throw this.file.corrupt(base + 22, `overflow page ${next} of header #${hnum} holds ${len} bytes, more than ${len > length - filled ? 'the value has left' : 'fit'}`, { hnum, page: next });
      }
      out.set(bytes.subarray(PAGE_HEADER, PAGE_HEADER + len), filled);
      filled += len;
      at = base;
      next = this.u32(view, 16);
      if (len === 0 && filled < length) throw this.file.corrupt(base + 22, `overflow page of header #${hnum} is empty`, { hnum, page: next });
    }
    return out;
  }
}

/** bdb_ro.c hash_bucket_to_page: a bucket's first page is bucket + spares[bits(bucket)]. */
function bucketPage(bucket: number, spares: number[]): number {
  let bits = 0;
  for (let b = bucket; b > 0; b = Math.floor(b / 2)) bits++;
  return bucket + spares[bits];
}

async function openHash(path: string): Promise<{ db: BdbHash; maxBucket: number; spares: number[] }> {
  const file = await DbFile.open(path, 'bdb');
  try {
    if (file.size < META_SIZE) throw file.size === 0 ? file.corrupt(0, 'the file is empty') : file.corrupt(0, `the file is ${file.size} bytes, shorter than a metadata page`);
    const meta = dataView(await file.read(0, META_SIZE, 'metadata page'));
    let little: boolean;
    if (meta.getUint32(12, true) === HASH_MAGIC) little = true;
    else if (meta.getUint32(12, false) === HASH_MAGIC) little = false;
    else if (meta.getUint32(12, true) === 0x053162 || meta.getUint32(12, false) === 0x053162) throw file.corrupt(12, 'a B-tree database, but rpm keeps Packages as a hash database');
    else throw file.corrupt(12, 'not a Berkeley DB hash database (bad magic)');
    const version = meta.getUint32(16, little);
    if (version < HASH_VERSION_MIN || version > HASH_VERSION_MAX) throw file.corrupt(16, `hash version ${version} is not supported`);
    const pageSize = meta.getUint32(20, little);
    if (pageSize < PAGE_SIZE_MIN || pageSize > PAGE_SIZE_MAX || (pageSize & (pageSize - 1)) !== 0) throw file.corrupt(20, `page size ${pageSize} is invalid`);
    if (meta.getUint8(24) !== 0) throw file.corrupt(24, 'the database is encrypted');
    if (meta.getUint8(25) !== P_HASHMETA) throw file.corrupt(25, `page 0 has type ${meta.getUint8(25)}, not a hash metadata page`);
    if (meta.getUint8(26) & DBMETA_CHKSUM) throw file.corrupt(26, 'the database has page checksums, which rpm never writes');
    const lastPage = meta.getUint32(32, little);
    const maxBucket = meta.getUint32(72, little);
    // every bucket has a page of its own, so there cannot be more buckets than pages
    if (maxBucket >= lastPage + 1) throw file.corrupt(72, `${maxBucket + 1} buckets cannot fit in ${lastPage + 1} pages`);
    const spares: number[] = [];
    for (let i = 0; i < 32; i++) spares.push(meta.getUint32(96 + 4 * i, little));
    return { db: new BdbHash(file, little, pageSize, lastPage), maxBucket, spares };
  } catch (err) {
    await file.close();
    throw err;
  }
}

/** The items of one hash page: key/value pairs, each [offset, length] within the page. */
function pageItems(db: BdbHash, view: DataView, base: number, n: number): Array<[number, number]> {
  const count = db.u16(view, 20);
  if (count % 2 !== 0) throw db.file.corrupt(base + 20, `hash page ${n} has an odd number of items (${count})`, { page: n });
  const first = PAGE_HEADER + 2 * count;
  if (first > db.pageSize) throw db.file.corrupt(base + 20, `hash page ${n} claims ${count} items, more than fit`, { page: n });
  const items: Array<[number, number]> = [];
  let end = db.pageSize;
  for (let i = 0; i < count; i++) {
    const off = db.u16(view, PAGE_HEADER + 2 * i);
    // items are laid out downwards from the end of the page: each ends where the previous starts
    if (off < first || off >= end) throw db.file.corrupt(base + PAGE_HEADER + 2 * i, `item ${i} of hash page ${n} lies outside its space`, { page: n });
    items.push([off, end - off]);
    end = off;
  }
  return items;
}

/** Where each value of the hash lives, from walking every bucket chain. */
async function collectValues(db: BdbHash, maxBucket: number, spares: number[]): Promise<ValueRef[]> {
  const refs: ValueRef[] = [];
  const hnums = new Set<number>();
  for (let bucket = 0; bucket <= maxBucket; bucket++) {
    const head = bucketPage(bucket, spares);
    let next = head;
    if (!Number.isSafeInteger(next)) throw db.file.corrupt(96, `bucket ${bucket} has no page in the spares table`);
    let from = 96;
    while (next !== 0) {
      const n = next;
      const page = n === head
        ? await db.page(n, from, [P_HASH, P_HASH_UNSORTED], `bucket ${bucket}`, true)
        : await db.page(n, from, [P_HASH, P_HASH_UNSORTED], `bucket ${bucket}`);
      if (page === null) break;
      const { bytes, view, base } = page;
      const items = pageItems(db, view, base, n);
      for (let i = 0; i < items.length; i += 2) {
        const [koff, klen] = items[i];
        const [voff, vlen] = items[i + 1];
        if (bytes[koff] !== H_KEYDATA || klen - 1 > KEY_MAX) throw db.file.corrupt(base + koff, `key ${i / 2} of hash page ${n} is not an on-page key of at most ${KEY_MAX} bytes`, { page: n });
        if (klen - 1 !== 4) throw db.file.corrupt(base + koff, `key ${i / 2} of hash page ${n} is ${klen - 1} bytes, not a 4-byte header number`, { page: n });
        const hnum = db.u32(view, koff + 1);
        if (hnum === 0) continue; // rpm's counter record
        if (hnums.has(hnum)) throw db.file.corrupt(base + koff, `header number ${hnum} appears twice`, { page: n, hnum });
        hnums.add(hnum);
        if (bytes[voff] === H_KEYDATA) {
          refs.push({ hnum, inline: { at: base + voff + 1, length: vlen - 1 }, offset: base + voff });
        } else if (bytes[voff] === H_OFFPAGE && vlen === HOFFPAGE_SIZE) {
          const length = db.u32(view, voff + 8);
          if (length > BLOB_MAX || length > db.file.size) throw db.file.corrupt(base + voff, `header #${hnum} claims ${length} bytes, more than ${length > BLOB_MAX ? `the limit of ${BLOB_MAX}` : 'the file holds'}`, { hnum });
          refs.push({ hnum, overflow: { page: db.u32(view, voff + 4), length }, offset: base + voff });
        } else {
          throw db.file.corrupt(base + voff, `the value of header #${hnum} has item type ${bytes[voff]}, not an on-page or overflow value`, { page: n, hnum });
        }
      }
      from = base + 16;
      next = db.u32(view, 16);
    }
  }
  return refs.sort((a, b) => a.hnum - b.hnum);
}

/** Yields every header of a BerkeleyDB Packages file, in hnum order. */
export async function* bdbPackages(path: string): AsyncGenerator<DbRecord> {
  const { db, maxBucket, spares } = await openHash(path);
  try {
    const refs = await collectValues(db, maxBucket, spares);
    for (const ref of refs) {
      const blob = ref.inline
        ? await db.file.read(ref.inline.at, ref.inline.length, `value of header #${ref.hnum}`)
        : await db.overflow(ref.overflow!.page, ref.overflow!.length, ref.offset, ref.hnum);
      yield { hnum: ref.hnum, blob, offset: ref.offset };
    }
  } finally {
    await db.file.close();
  }
}
