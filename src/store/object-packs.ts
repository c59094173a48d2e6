/**
 * Packs: many small objects in one file, as git packs loose objects. A store of packages
 * is mostly objects under 4 KiB (headers, manifests, trees, small files); one file each
 * cost a disk block each (most of the space) and a create, rename and fsync each (most
 * of the ingest time).
 *
 *   <store>/objects/pack/<sha256 of the index>.pack
 *
 *   "BZPK" u32 version
 *   per object:  id (32 bytes) u32 length, then its encoded bytes (codec.ts: zstd frames,
 *                or the raw marker and content, and the CRC trailer, exactly as a loose
 *                object file holds them)
 *   index:       per object, sorted by id: id (32) u64 offset u32 length
 *   footer:      u64 index offset, u32 count, sha256 of the index (32), "BZPK"
 *
 * A pack is written whole in tmp/ and renamed into place, so it appears complete or not
 * at all; it is never changed after. Reading verifies every object as a loose one is
 * verified (CRC, then sha256 of the content). A pack whose index does not match its
 * checksum is damage: its objects are still found by walking the entries (each names
 * itself), and `fsck --repair` or the next gc rewrites it.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, readdirSync, statSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isErrno } from '../errors.js';
import { RAW_MAGIC, ZSTD_MAGIC } from '../compress/stored.js';
import { fsEvent, noSpaceError, removeFile } from '../fs/ops.js';
import type { ObjectId } from './layout.js';
import { compareIdAt } from './id-table.js';
import { RANGE_MAGIC } from './range-records.js';

const MAGIC = Buffer.from('BZPK');
const VERSION = 1;
const HEADER_SIZE = 8;
const ENTRY_HEADER = 36;
const RECORD = 44;
const FOOTER = 48;
/** readMany reads places at most this far apart in one read, of at most RUN_MAX bytes. */
const RUN_GAP_MAX = 16 << 10;
const RUN_MAX = 1 << 20;
/** A pack writer hands its bytes to the file in writes of this size. */
const WRITE_BUFFER = 1 << 20;

export function packsDir(objectsDir: string): string { return join(objectsDir, 'pack'); }

const PACK_NAME = /^[0-9a-f]{64}\.pack$/;

const idBytes = (id: ObjectId): Buffer => Buffer.from(id.slice(7), 'hex');
const idOf = (bytes: Buffer): ObjectId => `sha256:${bytes.toString('hex')}`;
/** The id of a pack's 32 id bytes (eachObject's `key`). */
export const idOfKey = idOf;

/** Writes one index record (id, offset, length) at record number `i`. */
function putRecord(index: Buffer, i: number, id: Buffer, offset: number, length: number): void {
  id.copy(index, i * RECORD, 0, 32);
  index.writeBigUInt64LE(BigInt(offset), i * RECORD + 32);
  index.writeUInt32LE(length, i * RECORD + 40);
}

/** The u64 offset of record number `i`, read as two u32 (a BigInt per lookup was garbage in a batch of thousands). */
function offsetAt(index: Buffer, i: number): number {
  return index.readUInt32LE(i * RECORD + 32) + index.readUInt32LE(i * RECORD + 36) * 2 ** 32;
}

/** Where record number `i` says its object lies. */
function recordAt(index: Buffer, i: number): { offset: number; length: number } {
  return { offset: offsetAt(index, i), length: index.readUInt32LE(i * RECORD + 40) };
}

/** Where an object's encoded bytes lie in a pack. */
export interface PackedLocation { pack: PackFile; offset: number; length: number }

/**
 * Writes a new pack in tmp/ entry by entry, for the caller to make durable and rename
 * into the pack directory. Memory holds only the index records, 44 bytes an object in one
 * growing buffer (a JS object and id string per entry cost ~250 bytes: a merge of a
 * million objects took a quarter of a GB). A duplicate id is written twice and indexed
 * once (both copies are the object's bytes).
 */
export class PackWriter {
  private readonly fd: number;
  private records = Buffer.allocUnsafe(1024 * RECORD);
  private written = 0;
  private offset = 0;
  private unique = -1;
  /** Bytes written but not yet handed to the file (see write). */
  private readonly pending = Buffer.allocUnsafe(WRITE_BUFFER);
  private used = 0;

  constructor(readonly tmpPath: string) {
    try {
      fsEvent();
      this.fd = openSync(tmpPath, 'wx', 0o644);
    } catch (err) {
      throw noSpaceError(err, dirname(tmpPath));
    }
    try {
      this.write(Buffer.concat([MAGIC, u32(VERSION)]));
    } catch (err) {
      this.discard();
      throw err;
    }
  }

  /** Objects written (distinct ids, once finished). */
  get count(): number { return this.unique >= 0 ? this.unique : this.written; }

  /** Bytes written so far. */
  get size(): number { return this.offset; }

  /**
   * Appends through `pending`: two write calls an object were 900,000 calls for a merge
   * of a 50,000-build store. A failed write surfaces at a later add or at finish, which
   * the caller handles as it handles any failed write (discard).
   */
  private write(buf: Buffer): void {
    if (this.used + buf.length > this.pending.length) this.flush();
    if (buf.length >= this.pending.length) this.writeOut(buf);
    else { buf.copy(this.pending, this.used); this.used += buf.length; }
    this.offset += buf.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeOut(this.pending.subarray(0, this.used));
    this.used = 0;
  }

  private writeOut(buf: Buffer): void {
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      throw noSpaceError(err, dirname(this.tmpPath));
    }
  }

  /** Appends an object; returns where its encoded bytes lie in the pack. */
  add(id: ObjectId, encoded: Buffer): number { return this.addKey(idBytes(id), encoded); }

  /** `add` by the id's 32 bytes (as eachObject gives them). */
  addKey(key: Buffer, encoded: Buffer): number {
    if (this.used + ENTRY_HEADER > this.pending.length) this.flush();
    key.copy(this.pending, this.used, 0, 32);
    this.pending.writeUInt32LE(encoded.length, this.used + 32);
    this.used += ENTRY_HEADER;
    this.offset += ENTRY_HEADER;
    if ((this.written + 1) * RECORD > this.records.length) {
      const grown = Buffer.allocUnsafe(this.records.length * 2);
      this.records.copy(grown, 0, 0, this.written * RECORD);
      this.records = grown;
    }
    putRecord(this.records, this.written++, key, this.offset, encoded.length);
    const at = this.offset;
    this.write(encoded);
    return at;
  }

  /** Writes the index and footer, optionally fsyncs, closes; returns the pack's file name. */
  finish(options: { sync?: boolean } = {}): string {
    try {
      const recs = this.records;
      const order = new Uint32Array(this.written);
      for (let i = 0; i < order.length; i++) order[i] = i;
      // by each id's first 4 bytes, then the rest: a Buffer.compare per step was most of
      // a merge's sort, when its objects come in file order rather than by id
      const head = new Uint32Array(this.written);
      for (let i = 0; i < head.length; i++) head[i] = recs.readUInt32BE(i * RECORD);
      order.sort((a, b) => (head[a] !== head[b] ? head[a] - head[b] : recs.compare(recs, b * RECORD, b * RECORD + 32, a * RECORD, a * RECORD + 32) || a - b));
      const hash = createHash('sha256');
      const indexAt = this.offset;
      const chunk = Buffer.allocUnsafe(4096 * RECORD);
      let used = 0;
      let count = 0;
      const flush = (): void => { const part = chunk.subarray(0, used); hash.update(part); this.write(part); used = 0; };
      for (let i = 0; i < order.length; i++) {
        const r = order[i] * RECORD;
        // equal ids sort together: the first copy is indexed
        if (i > 0 && recs.compare(recs, order[i - 1] * RECORD, order[i - 1] * RECORD + 32, r, r + 32) === 0) continue;
        recs.copy(chunk, used, r, r + RECORD);
        used += RECORD;
        count++;
        if (used === chunk.length) flush();
      }
      flush();
      this.unique = count;
      const digest = hash.digest();
      const footer = Buffer.alloc(FOOTER);
      footer.writeBigUInt64LE(BigInt(indexAt), 0);
      footer.writeUInt32LE(count, 8);
      digest.copy(footer, 12);
      MAGIC.copy(footer, 44);
      this.write(footer);
      this.flush();
      if (options.sync) { fsEvent(false); try { fsyncSync(this.fd); } catch (err) { throw noSpaceError(err, dirname(this.tmpPath)); } }
      return `${digest.toString('hex')}.pack`;
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes without finishing and removes the temp file. */
  discard(): void {
    try { closeSync(this.fd); } catch { /* already closed */ }
    removeFile(this.tmpPath);
  }
}

function u32(n: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; }

/** Up to `length` bytes of open file `fd` from `position`: fewer only where the file ends. */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/**
 * Lookups a pack answers by probing its index on disk before it reads the index whole:
 * enough for a short-lived reader (show, cat: a few objects), few enough that a server
 * soon holds each index in memory.
 */
const PROBE_LOOKUPS = 32;
/** Ids at least this many are looked up through the checked indexes read whole (PackSet.findMany). */
const FIND_MANY_MIN = PROBE_LOOKUPS;

/** One pack file: its index, read on first lookup (or probed on disk for the first few). */
export class PackFile {
  private index: Buffer | null = null;
  /** Where the records of each leading-bits prefix start in `index` (fanoutOf); null for a small index. */
  private fanout: { table: Uint32Array; shift: number } | null = null;
  /** The first 4 bytes of each record's id as a number: a search step compares these, whole ids only where they are equal. */
  private heads: Uint32Array = new Uint32Array(0);
  private probes = 0;
  /** The footer's index place and count, kept after the first probe (a pack is never changed after it is renamed in); null when it is not a pack's. */
  private footer: { at: number; count: number } | null | undefined;
  /** Why the index cannot be trusted (the entries were walked instead); null when sound. */
  damage: string | null = null;
  size = 0;

  constructor(readonly path: string) {}

  private load(): Buffer {
    if (this.index) return this.index;
    const fd = openSync(this.path, 'r');
    try {
      this.size = fstatSync(fd).size;
      this.index = this.readIndex(fd) ?? this.walkEntries(fd);
      this.fanout = fanoutOf(this.index);
      this.heads = headsOf(this.index);
    } finally {
      closeSync(fd);
    }
    return this.index;
  }

  private readIndex(fd: number): Buffer | null {
    if (this.size < HEADER_SIZE + FOOTER) { this.damage = 'the file is shorter than a pack'; return null; }
    const head = readAt(fd, 0, HEADER_SIZE);
    const footer = readAt(fd, this.size - FOOTER, FOOTER);
    if (!head.subarray(0, 4).equals(MAGIC) || head.readUInt32LE(4) !== VERSION || !footer.subarray(44).equals(MAGIC)) {
      this.damage = 'its header or footer is not a bazaar pack\'s';
      return null;
    }
    const at = Number(footer.readBigUInt64LE(0));
    const count = footer.readUInt32LE(8);
    if (at + count * RECORD + FOOTER !== this.size) { this.damage = 'its footer does not match its size'; return null; }
    const index = readAt(fd, at, count * RECORD);
    if (!createHash('sha256').update(index).digest().equals(footer.subarray(12, 44))) {
      this.damage = 'its index does not match its checksum';
      return null;
    }
    return index;
  }

  /** Rebuilds an index from the self-naming entries (a damaged index or footer). */
  private walkEntries(fd: number): Buffer {
    const records: Buffer[] = [];
    let pos = HEADER_SIZE;
    while (pos + ENTRY_HEADER <= this.size) {
      const h = readAt(fd, pos, ENTRY_HEADER);
      const length = h.readUInt32LE(32);
      if (pos + ENTRY_HEADER + length > this.size) break;
      const r = Buffer.alloc(RECORD);
      putRecord(r, 0, h, pos + ENTRY_HEADER, length);
      records.push(r);
      pos += ENTRY_HEADER + length;
      // every object starts with a zstd frame, the raw marker or a range record's magic; what does not is the
      // index: stop there (a garbage entry that slips through is rejected by its hash when read)
      const magic = length < 4 ? 0 : readAt(fd, pos - length, 4).readUInt32LE(0);
      if (magic !== ZSTD_MAGIC && magic !== RAW_MAGIC && magic !== RANGE_MAGIC) { records.pop(); break; }
    }
    records.sort((a, b) => Buffer.compare(a.subarray(0, 32), b.subarray(0, 32)));
    return Buffer.concat(records);
  }

  /** Objects in the pack. */
  records(): number { return this.load().length / RECORD; }

  /** Where `id` lies in this pack, or null. */
  find(id: ObjectId): PackedLocation | null { return this.findKey(idBytes(id)); }

  /** Where the object of id bytes `key` lies in this pack, or null. */
  findKey(key: Buffer): PackedLocation | null {
    const index = this.load();
    const i = this.recordOf(index, key, 0, key.readUInt32BE(0));
    return i < 0 ? null : { pack: this, ...recordAt(index, i) };
  }

  /** The record number of the id at `keyAt` in `keys` (whose first 4 bytes read as `head`: the fan-out's prefix) in the loaded `index`, or -1. */
  private recordOf(index: Buffer, keys: Buffer, keyAt: number, head: number): number {
    let lo = 0;
    let hi = index.length / RECORD - 1;
    if (this.fanout !== null) {
      const prefix = head >>> this.fanout.shift;
      lo = this.fanout.table[prefix];
      hi = this.fanout.table[prefix + 1] - 1;
    }
    const heads = this.heads;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      // compared in place: a subarray per step was a tenth of an fsck
      const h = heads[mid];
      const c = h !== head ? (h < head ? -1 : 1) : compareIdAt(index, mid * RECORD, keys, keyAt);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  /**
   * findKey for the ids numbered `wanted` in `keys` (32 bytes each; `heads` their first 4 as numbers), from the checked
   * index (read whole): sets `out[k]` for each this pack holds; returns those it does not.
   */
  findEach(keys: Buffer, heads: Uint32Array, wanted: readonly number[], out: Array<PackedLocation | null>): number[] {
    const index = this.load();
    const missing: number[] = [];
    for (const k of wanted) {
      const i = this.recordOf(index, keys, k * 32, heads[k]);
      if (i >= 0) out[k] = { pack: this, offset: offsetAt(index, i), length: index.readUInt32LE(i * RECORD + 40) };
      else missing.push(k);
    }
    return missing;
  }

  /**
   * Where `key` lies, found by reading a slice of the index instead of the whole index: a
   * cold `show` in a store of 20,000 builds read and hashed 3 MB of pack indexes to find
   * one manifest. Ids are SHA-256 digests, spread evenly, so a key's record lies within a
   * few sqrt(n) records of `n * key / 2^256`: one read of that window finds it (a binary
   * search of 44-byte reads took 12 to 16 reads a pack), and a key outside it is searched
   * for beyond the window read by read. The index is not checked against its checksum this
   * way, so only a hit is an answer: the entry there must name the same id and length (and
   * the object's bytes are verified when read). Anything else is 'unsure': the caller asks
   * the checked index before it says an object is absent (PackSet.find).
   */
  probe(key: Buffer): PackedLocation | 'unsure' {
    // an index in memory, or one to be read whole now, is the checked loop's (PackSet.find),
    // which also looks again when the pack is gone
    if (this.index !== null || this.probes >= PROBE_LOOKUPS) return 'unsure';
    this.probes++;
    let fd: number;
    try { fd = openSync(this.path, 'r'); } catch { return 'unsure'; }
    try {
      if (this.footer === undefined) this.footer = this.probeFooter(fd);
      const footer = this.footer;
      if (footer === null) return 'unsure';
      const { at, count } = footer;
      if (count === 0) return 'unsure';
      const expected = Math.floor((key.readUInt32BE(0) / 2 ** 32) * count);
      const reach = 16 + 2 * Math.ceil(Math.sqrt(count));
      const first = Math.max(0, expected - reach);
      const last = Math.min(count - 1, expected + reach);
      const window = readAt(fd, at + first * RECORD, (last - first + 1) * RECORD);
      if (window.length !== (last - first + 1) * RECORD) return 'unsure';
      let found = -1;
      if (compareIdAt(window, 0, key) > 0) found = this.probeRecords(fd, at, key, 0, first - 1);
      else if (compareIdAt(window, (last - first) * RECORD, key) < 0) found = this.probeRecords(fd, at, key, last + 1, count - 1);
      else {
        let lo = 0;
        let hi = last - first;
        while (lo <= hi && found < 0) {
          const mid = (lo + hi) >> 1;
          const c = compareIdAt(window, mid * RECORD, key);
          if (c === 0) found = first + mid;
          else if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
      }
      if (found < 0) return 'unsure';
      const inWindow = found >= first && found <= last;
      const { offset, length } = inWindow ? recordAt(window, found - first) : recordAt(readAt(fd, at + found * RECORD, RECORD), 0);
      if (offset < HEADER_SIZE + ENTRY_HEADER || offset + length > at) return 'unsure';
      const entry = readAt(fd, offset - ENTRY_HEADER, ENTRY_HEADER);
      return compareIdAt(entry, 0, key) === 0 && entry.readUInt32LE(32) === length ? { pack: this, offset, length } : 'unsure';
    } catch {
      return 'unsure';
    } finally {
      closeSync(fd);
    }
  }

  /** Where the index lies and how many records it holds, from the footer (unchecked); null when it is not a pack's. */
  private probeFooter(fd: number): { at: number; count: number } | null {
    const size = fstatSync(fd).size;
    if (size < HEADER_SIZE + FOOTER) return null;
    const footer = readAt(fd, size - FOOTER, FOOTER);
    const at = Number(footer.readBigUInt64LE(0));
    const count = footer.readUInt32LE(8);
    return footer.subarray(44).equals(MAGIC) && at + count * RECORD + FOOTER === size ? { at, count } : null;
  }

  /** The record number of `key` between records `lo` and `hi`, a read per step; -1 if absent. */
  private probeRecords(fd: number, at: number, key: Buffer, lo: number, hi: number): number {
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareIdAt(readAt(fd, at + mid * RECORD, RECORD), 0, key);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  /** Every object in the pack, with where it lies. */
  *entries(): Generator<{ id: ObjectId; offset: number; length: number }> {
    const index = this.load();
    for (let i = 0; i < index.length / RECORD; i++) yield { id: idOf(index.subarray(i * RECORD, i * RECORD + 32)), ...recordAt(index, i) };
  }

  /**
   * Calls `visit` with every object's id (its 32 bytes: idOfKey) and encoded bytes, in
   * the order they lie in the file (one commit's objects together, as they were written),
   * reading runs of up to RUN_MAX bytes through one open of the file: a merge that opened,
   * read and closed the pack for each object, in id order, was a fifth of the add of
   * 10,000 builds to 40,000 that merged the whole store (docs/store.md). Returns false
   * when the pack file is gone, or was removed (or cut short) before all of it was read:
   * a concurrent rewrite, whose dropped objects must not come back through a copy.
   */
  eachObject(visit: (key: Buffer, bytes: Buffer) => void): boolean {
    const index = this.load();
    const n = index.length / RECORD;
    const offsets = new Float64Array(n);
    for (let i = 0; i < n; i++) offsets[i] = offsetAt(index, i);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => offsets[a] - offsets[b]);
    let fd: number;
    try { fd = openSync(this.path, 'r'); } catch (err) { if (isErrno(err, 'ENOENT')) return false; throw err; }
    try {
      for (let i = 0; i < n;) {
        const from = offsets[order[i]];
        let end = from + index.readUInt32LE(order[i] * RECORD + 40);
        let j = i + 1;
        for (; j < n; j++) {
          const next = offsets[order[j]] + index.readUInt32LE(order[j] * RECORD + 40);
          if (offsets[order[j]] - end > RUN_GAP_MAX || next - from > RUN_MAX) break;
          end = Math.max(end, next);
        }
        const run = readAt(fd, from, end - from);
        if (run.length !== end - from || fstatSync(fd).nlink === 0) return false;
        for (; i < j; i++) {
          const r = order[i] * RECORD;
          const at = offsets[order[i]] - from;
          visit(index.subarray(r, r + 32), run.subarray(at, at + index.readUInt32LE(r + 40)));
        }
      }
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** Loads the index now; false when the file is gone. */
  exists(): boolean {
    try { this.load(); return true; } catch (err) { if (isErrno(err, 'ENOENT')) return false; throw err; }
  }

  /**
   * The encoded bytes at many locations, sorted by offset, with one open of the file and
   * one read for each run of places that lie close together (objects written by one
   * commit do); null when the pack file is gone.
   */
  readMany(places: ReadonlyArray<{ offset: number; length: number }>): Buffer[] | null {
    let fd: number;
    try { fd = openSync(this.path, 'r'); } catch (err) { if (isErrno(err, 'ENOENT')) return null; throw err; }
    try {
      const out: Buffer[] = [];
      for (let i = 0; i < places.length;) {
        const from = places[i].offset;
        let end = from + places[i].length;
        let j = i + 1;
        for (; j < places.length; j++) {
          const next = places[j].offset + places[j].length;
          if (places[j].offset - end > RUN_GAP_MAX || next - from > RUN_MAX) break;
          end = Math.max(end, next);
        }
        const run = readAt(fd, from, end - from);
        for (; i < j; i++) out.push(run.subarray(places[i].offset - from, places[i].offset - from + places[i].length));
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }

  /** The encoded bytes at a location; null when the pack file is gone. */
  read(offset: number, length: number): Buffer | null {
    let fd: number;
    try { fd = openSync(this.path, 'r'); } catch (err) { if (isErrno(err, 'ENOENT')) return null; throw err; }
    try { return readAt(fd, offset, length); } finally { closeSync(fd); }
  }
}

/**
 * The packs of one object area, listed when first needed and again whenever the pack
 * directory changes (a writer added a pack, gc replaced one): a lookup that misses checks
 * the directory's mtime before saying "absent".
 */
export class PackSet {
  private packs: PackFile[] = [];
  private seenMtime = -1;
  /** The pack the last probe found an object in (find). */
  private lastHit: PackFile | null = null;
  /** The packs as `find` probes them, largest first (probeOrder); null until needed after a listing. */
  private probing: PackFile[] | null = null;

  constructor(readonly dir: string) {}

  /** Re-lists the packs if the directory changed; true when it did. */
  refresh(): boolean {
    let mtime: number;
    try { mtime = statSync(this.dir).mtimeMs; } catch (err) { if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) mtime = 0; else throw err; }
    if (mtime === this.seenMtime) return false;
    this.seenMtime = mtime;
    const byPath = new Map(this.packs.map((p) => [p.path, p]));
    let names: string[] = [];
    try { names = readdirSync(this.dir); } catch (err) { if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err; }
    // concatenated, not path.join: `dir` is normalised, and a join per pack made path's loop hot
    // enough for V8 to optimise it on a background thread in a cold `show`; a damaged pack is
    // read afresh: a repair in another process may have put its undamaged self under the same name
    const known = (path: string): PackFile | undefined => { const p = byPath.get(path); return p?.damage === null ? p : undefined; };
    this.packs = names.filter((n) => PACK_NAME.test(n)).sort().map((n) => { const path = `${this.dir}/${n}`; return known(path) ?? new PackFile(path); });
    this.probing = null;
    return true;
  }

  /**
   * The packs, largest first: a pack holds a share of the objects about its share of the
   * bytes, so that is the order with the fewest probes expected (a probe that misses costs
   * an open and two reads; at 20,000 builds a cold `show` missed in 7 of 11 packs by name
   * order before it found its build in the one merged pack). One stat per pack per listing;
   * a pack gone meanwhile goes last (its probe is unsure).
   */
  private probeOrder(): PackFile[] {
    const packs = this.list();
    if (this.probing !== null) return this.probing;
    if (packs.length < 3) return (this.probing = packs);
    const size = new Map(packs.map((p) => [p, statSync(p.path, { throwIfNoEntry: false })?.size ?? -1]));
    return (this.probing = [...packs].sort((a, b) => (size.get(b) as number) - (size.get(a) as number)));
  }

  /** The packs as last listed (listing them if never done). */
  list(): PackFile[] {
    if (this.seenMtime === -1) this.refresh();
    return this.packs;
  }

  /** Names in the pack directory that are not packs (reported as strays). */
  strays(): string[] {
    try { return readdirSync(this.dir).filter((n) => !PACK_NAME.test(n)).map((n) => join(this.dir, n)); } catch { return []; }
  }

  /** Where `id` is packed, or null; a pack deleted since it was listed is skipped. */
  find(id: ObjectId): PackedLocation | null {
    const key = idBytes(id);
    // a probe's hit is certain; without one, the checked indexes decide. The pack of the
    // last hit first: one commit's objects share a pack (a manifest and its build's)
    const last = this.lastHit;
    if (last !== null && this.list().includes(last)) {
      const at = last.probe(key);
      if (at !== 'unsure') return at;
    }
    for (const p of this.probeOrder()) {
      if (p === last) continue;
      const at = p.probe(key);
      if (at !== 'unsure') { this.lastHit = p; return at; }
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const p of this.list()) {
        try {
          const at = p.findKey(key);
          if (at) return at;
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
        }
      }
      if (!this.refresh()) return null;
    }
    return null;
  }

  /**
   * `find` for many ids at once, in the order of `ids`: a batch (a channel's thousands of
   * records) reads each pack's checked index whole, as `find` does after a few probes,
   * and looks every id up in it from one buffer of id bytes, without the probes, a Buffer
   * per id or a walk of the pack list per id (a third of a first `resolve --channel`'s
   * reads at 20,000 builds). A miss everywhere re-lists the packs once, as `find` does.
   */
  findMany(ids: readonly ObjectId[]): Array<PackedLocation | null> {
    if (ids.length < FIND_MANY_MIN) return ids.map((id) => this.find(id));
    return this.lookUp(ids, true);
  }

  /** Whether a pack as listed holds each of `ids`; a miss does not re-list (a walk's files are mostly absent). */
  holds(ids: readonly ObjectId[]): boolean[] { return this.lookUp(ids, false).map((at) => at !== null); }

  /** Objects in the packs as listed. */
  records(): number {
    let n = 0;
    for (const p of this.list()) { try { n += p.records(); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; } }
    return n;
  }

  private lookUp(ids: readonly ObjectId[], relist: boolean): Array<PackedLocation | null> {
    const out = new Array<PackedLocation | null>(ids.length).fill(null);
    const keys = Buffer.allocUnsafe(ids.length * 32);
    let wanted: number[] = [];
    // an id that is not 64 hex digits (not one the store made) is looked up alone, as find does it
    for (let k = 0; k < ids.length; k++) if (ids[k].length === 71 && keys.write(ids[k].slice(7), k * 32, 32, 'hex') === 32) wanted.push(k); else out[k] = this.find(ids[k]);
    const heads = new Uint32Array(ids.length);
    for (const k of wanted) heads[k] = headAt(keys, k * 32);
    for (let attempt = 0; attempt < 2; attempt++) {
      // in the order of find's checked lookups: an object packed twice is read from the same copy
      for (const p of this.list()) {
        if (wanted.length === 0) break;
        try { wanted = p.findEach(keys, heads, wanted, out); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
      }
      if (wanted.length === 0 || !relist || !this.refresh()) break;
    }
    return out;
  }

  /**
   * Records a pack this process just renamed into place. One of the same name is read
   * afresh: a damaged pack rewritten in its own order is its undamaged self, same name.
   */
  added(path: string): void {
    this.packs = this.list().filter((p) => p.path !== path);
    this.packs.push(new PackFile(path));
    this.probing = null;
  }

  /** Forgets a pack this process just deleted. */
  removed(path: string): void { this.packs = this.packs.filter((p) => p.path !== path); this.probing = null; }
}

/** The first 4 bytes of each record's id, as numbers (PackFile.heads). */
function headsOf(index: Buffer): Uint32Array {
  const heads = new Uint32Array(index.length / RECORD);
  for (let i = 0; i < heads.length; i++) heads[i] = headAt(index, i * RECORD);
  return heads;
}

/** The 4 bytes at `at` as a big-endian number, by element reads (readUInt32BE's checks were most of a batch lookup's time before V8 optimised it). */
function headAt(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/**
 * A fan-out table over a sorted index, as git's .idx has: the records whose ids begin
 * with each prefix of `32 - shift` bits, about four a prefix. A lookup then compares
 * about 2 ids instead of log2(n): an fsck of 10,000 builds made 1.5 million compares in
 * its binary searches. Costs about a byte per record (44 in the index itself).
 */
function fanoutOf(index: Buffer): { table: Uint32Array; shift: number } | null {
  const n = index.length / RECORD;
  const bits = Math.min(16, Math.floor(Math.log2(n / 4)));
  if (!(bits >= 4)) return null;
  const shift = 32 - bits;
  const table = new Uint32Array((1 << bits) + 1);
  for (let i = 0; i < n; i++) table[(index.readUInt32BE(i * RECORD) >>> shift) + 1]++;
  for (let b = 1; b < table.length; b++) table[b] += table[b - 1];
  return { table, shift };
}
