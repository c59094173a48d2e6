/**
 * Objects on the local disk, the embedded default. Large objects are files of their own,
 * `objects/ab/<62 hex>` ("loose"); small ones are written together, one pack per commit,
 * under `objects/pack/` (object-packs.ts), so that thousands of small objects cost one
 * file, not a disk block and a rename each. Loose slots are temp files in the store's
 * `tmp/` (same filesystem, so the final rename is atomic); small slots wait in memory
 * until their commit writes the pack there. A commit makes the staged bytes durable with
 * one syncfs, renames them into place and fsyncs the directories it touched, so an object
 * under its final name always has durable content. A read looks for a loose copy first
 * (a repair writes loose), then in the packs.
 */
import { openSync, closeSync, readFileSync, readdirSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { fsPromises } from '../lazy-builtins.js';
import { PackSet, packsDir, readAt } from './object-packs.js';
import { IdTable } from './id-table.js';
import type { PackFile, PackedLocation } from './object-packs.js';
import { objectIdFromPath, objectPath, objectsDir } from './layout.js';
import { RANGE_MAGIC, RANGE_RECORD_SIZE, asRawStored, isRangeRecord, parseRangeRecord, rangeContent } from './range-records.js';
import type { RangeRecord, RangeSource } from './range-records.js';
import { RAW_HEADER_SIZE, TRAILER_BYTES, decodeFirstFrames, storedLayout } from '../compress/stored.js';
import type { ObjectId } from './layout.js';
import type { ListedObject, ObjectBackend, StagedObject, WriteSlot } from './object-backend.js';
import type { FsObjectWrites } from './fs-object-writes.js';

/** Encoded bytes above this are streamed rather than read whole. */
const WHOLE_READ_MAX = 4 << 20;

/** Encoded objects up to this size go into packs. */
export const PACK_OBJECT_MAX = 64 << 10;

/** Bytes [offset, offset + length) of a file; null when it is gone. */
function readPart(path: string, offset: number, length: number): Buffer | null {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (err) { if (isErrno(err, 'ENOENT')) return null; throw err; }
  try { return readAt(fd, offset, length); } finally { closeSync(fd); }
}

/** One buffer as an async iterable. */
async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }

export class FsObjectBackend implements ObjectBackend {
  readonly kind = 'files';
  readonly holdsRanges = true;
  readonly label: string;
  readonly packs: PackSet;
  /** The write half, loaded by the first write (fs-object-writes.ts). */
  private writes: Promise<FsObjectWrites> | null = null;

  /** `stagingMemory`: bytes of small staged objects held before they spill into a pack in tmp/. */
  constructor(readonly root: string, private readonly options: { stagingMemory?: number } = {}) {
    this.label = objectsDir(root);
    this.packs = new PackSet(packsDir(objectsDir(root)));
  }

  /**
   * Staging, commits, pack rewrites and deletes live in fs-object-writes.ts, imported
   * here on the first write: a read-only command (`show`) neither loads nor caches them.
   */
  private writer(): Promise<FsObjectWrites> {
    return this.writes ??= import('./fs-object-writes.js').then(({ FsObjectWrites }) => new FsObjectWrites(this, this.options.stagingMemory));
  }

  async createSlot(options: { loose?: boolean; id?: ObjectId } = {}): Promise<WriteSlot> { return (await this.writer()).createSlot(options); }

  async commit(staged: readonly StagedObject[]): Promise<boolean> { return (await this.writer()).commit(staged); }

  async discard(staged: readonly StagedObject[]): Promise<void> { return (await this.writer()).discard(staged); }

  /** Loose objects are unlinked; each pack holding some is rewritten without them. */
  async deleteAll(ids: readonly ObjectId[]): Promise<void> { return (await this.writer()).deleteAll(ids); }

  /** Packs whose index is damaged: each is rewritten from its entries (fsck --repair). */
  async repairPacks(): Promise<string[]> { return (await this.writer()).repairPacks(); }

  path(id: ObjectId): string { return objectPath(this.root, id); }

  /** The loose ids listed for a walk (holdListing), or null: every read looks for a loose copy. */
  private looseListing: IdTable | null = null;
  private listingHolds = 0;

  /**
   * A walk's batch reads (fsck, gc) take the loose ids from one listing of the fan-out
   * directories instead of a stat per object: for a store of packed objects that was
   * 120,000 failed stats in an fsck of 10,000 builds, a tenth of its CPU. Stale only
   * towards what appears during the walk, and then safe: an id the listing lacks is still
   * looked for loose when no pack holds it, and one that a pack holds is read from the
   * pack and hashed; if that fails, the caller reads it alone, by the usual loose-first path.
   */
  holdListing(): () => void {
    if (this.listingHolds++ === 0) {
      const listed = new IdTable();
      for (const name of this.looseNames()) if ('id' in name) listed.add(name.id);
      this.looseListing = listed;
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.listingHolds === 0) this.looseListing = null;
    };
  }

  private looseSize(id: ObjectId): number | null {
    try {
      // no exception for the usual miss (a packed object): building one per object was a
      // tenth of an fsck
      return statSync(this.path(id), { throwIfNoEntry: false })?.size ?? null;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
  }

  /** Where an object is: its loose file, or its place in a pack; null when absent. */
  locate(id: ObjectId): { path: string; offset: number; length: number } | null {
    const size = this.looseSize(id);
    if (size !== null) return { path: this.path(id), offset: 0, length: size };
    const at = this.packs.find(id);
    return at ? { path: at.pack.path, offset: at.offset, length: at.length } : null;
  }

  /**
   * Where a pack holds `id`, when a held listing (holdListing) says it has no loose copy:
   * found without a stat. Null otherwise (no listing, a loose copy listed, or no pack
   * holds it): the caller looks loose first, as without a listing.
   */
  private packedUnlisted(id: ObjectId): PackedLocation | null {
    return this.looseListing !== null && !this.looseListing.has(id) ? this.packs.find(id) : null;
  }

  /** `locate`, a pack's copy taken without a stat where a held listing allows (packedUnlisted). */
  private locateListed(id: ObjectId): { path: string; offset: number; length: number } | null {
    const at = this.packedUnlisted(id);
    return at !== null ? { path: at.pack.path, offset: at.offset, length: at.length } : this.locate(id);
  }

  /**
   * Where packs hold each of `ids` that is to be read packed first (all with `packedFirst`,
   * else those a held listing says have no loose copy: packedUnlisted), looked up together
   * (PackSet.findMany); null for the rest, which are looked for loose first.
   */
  private packedMany(ids: readonly ObjectId[], packedFirst: boolean): Array<PackedLocation | null> {
    if (packedFirst) return this.packs.findMany(ids);
    const listing = this.looseListing;
    if (listing === null) return new Array<PackedLocation | null>(ids.length).fill(null);
    const unlisted: number[] = [];
    for (let i = 0; i < ids.length; i++) if (!listing.has(ids[i])) unlisted.push(i);
    const at = this.packs.findMany(unlisted.map((i) => ids[i]));
    const out = new Array<PackedLocation | null>(ids.length).fill(null);
    unlisted.forEach((i, k) => { out[i] = at[k]; });
    return out;
  }

  async has(id: ObjectId): Promise<boolean> { return this.locateListed(id) !== null; }

  countAsListed(): number | null { return this.looseListing === null ? null : this.looseListing.size + this.packs.records(); }

  storedAsListed(ids: readonly ObjectId[]): boolean[] | null {
    const listing = this.looseListing;
    if (listing === null) return null;
    const packed = this.packs.holds(ids);
    return listing.size === 0 ? packed : packed.map((held, k) => held || listing.has(ids[k]));
  }

  /** A packed object's stored bytes, a range record resolved (range-records.ts). */
  private async readPacked(id: ObjectId): Promise<Buffer | null> {
    const bytes = this.readPackedAsIs(id);
    return bytes !== null && isRangeRecord(bytes) ? asRawStored(await this.rangeOf(id, bytes)) : bytes;
  }

  /** The content a range record names (unverified: readers hash it against the id; fs-object-writes.ts too). */
  async rangeOf(id: ObjectId, record: Buffer): Promise<Buffer> {
    const r = parseRangeRecord(id, record);
    const at = this.locate(r.source);
    let source: RangeSource | null = null;
    if (at !== null) {
      const head = readPart(at.path, at.offset, 4);
      // a record's source is stored whole: one that is a record itself is damage, never followed
      if (head !== null && head.length === 4 && head.readUInt32LE(0) === RANGE_MAGIC) throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is damaged: it is stored as a range of ${r.source}, which is not stored whole`, { data: { id } });
      source = {
        length: at.length,
        read: (offset, length) => (offset + length > at.length ? null : readPart(at.path, at.offset + offset, length)),
        stream: () => this.readStream(r.source),
      };
    }
    return rangeContent(id, r, source);
  }

  private readPackedAsIs(id: ObjectId): Buffer | null {
    // a gc may replace the pack between lookup and read: look again once
    for (let attempt = 0; attempt < 2; attempt++) {
      const at: PackedLocation | null = this.packs.find(id);
      if (at === null) return null;
      const bytes = at.pack.read(at.offset, at.length);
      if (bytes !== null) return bytes;
      this.packs.refresh();
    }
    return null;
  }

  async readWhole(id: ObjectId): Promise<Buffer | null> { return this.readWholeNow(id); }

  private async readWholeNow(id: ObjectId): Promise<Buffer | null> {
    // a packed object (the usual case) is looked for without an exception for the loose miss
    if (this.looseSize(id) === null) return this.readPacked(id);
    try {
      return readFileSync(this.path(id));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return this.readPacked(id);
      throw err;
    }
  }

  async readWholeMany(ids: readonly ObjectId[], maxStored: number, options: { packedFirst?: boolean } = {}): Promise<Array<Buffer | null>> {
    const out = new Array<Buffer | null>(ids.length).fill(null);
    const byPack = new Map<PackFile, Array<{ at: number; offset: number; length: number }>>();
    const found = this.packedMany(ids, options.packedFirst === true);
    for (let i = 0; i < ids.length; i++) {
      let packed = found[i];
      const size = packed === null ? this.looseSize(ids[i]) : null;
      if (size !== null) {
        if (size <= maxStored) out[i] = await this.readWholeNow(ids[i]);
        continue;
      }
      packed ??= this.packs.find(ids[i]);
      if (packed === null || packed.length > maxStored) continue;
      let list = byPack.get(packed.pack);
      if (!list) byPack.set(packed.pack, (list = []));
      list.push({ at: i, offset: packed.offset, length: packed.length });
    }
    const ranges: Array<{ at: number; record: RangeRecord }> = [];
    for (const [pack, list] of byPack) {
      // in the order they lie: one open of the pack, reads that go forward
      list.sort((a, b) => a.offset - b.offset);
      const bytes = pack.readMany(list);
      for (let k = 0; k < list.length; k++) {
        const i = list[k].at;
        // a pack gone since (a gc replaced it): read as one object, which looks again
        const b = bytes === null ? this.readPackedAsIs(ids[i]) : bytes[k];
        if (b === null || !isRangeRecord(b)) { out[i] = b; continue; }
        try { ranges.push({ at: i, record: parseRangeRecord(ids[i], b) }); } catch { /* left to the one-object read, which names the damage */ }
      }
    }
    if (ranges.length === 0) return out;
    const contents = await this.rangesOf(ranges.map((r) => r.record), maxStored);
    ranges.forEach((r, k) => { const c = contents[k]; if (c !== null) out[r.at] = asRawStored(c); });
    return out;
  }

  /**
   * The bytes range records name, for a batch read: each source's stored bytes are read
   * from its start only as far as its range needs (sources in one pack in one open), a
   * raw source's range taken in place and a compressed one's first frame decoded
   * (decodeFirstFrames: an .rpm's header has a frame of its own), as rangeContent reads
   * one record; its payload is not decoded again for its header. Unverified: the caller
   * hashes each against its id. Null where this path does not resolve it (the source not
   * a whole object stored in at most `maxStored` bytes, the range past its first frame, a
   * failed check): the one-object read (rangeOf) reads it, and names any damage.
   */
  private async rangesOf(records: readonly RangeRecord[], maxStored: number): Promise<Array<Buffer | null>> {
    const heads = new Array<Buffer | null>(records.length).fill(null);
    const sizes: number[] = [];
    const byPack = new Map<PackFile, Array<{ at: number; offset: number; length: number }>>();
    records.forEach((r, k) => {
      // where locateListed looks, a pack's place kept to read each pack's sources together
      const packed = this.packedUnlisted(r.source);
      const file = packed === null ? this.locate(r.source) : null;
      const size = packed?.length ?? file?.length ?? 0;
      sizes.push(size);
      if ((packed === null && file === null) || size > maxStored) return;
      // a compressed frame of n bytes takes at most about n + n/128 + a block header per 128 KiB
      const length = Math.min(size, RAW_HEADER_SIZE + r.offset + r.length + ((r.offset + r.length) >> 6) + 4096);
      if (packed === null) { if (file !== null) heads[k] = readPart(file.path, file.offset, length); return; }
      let list = byPack.get(packed.pack);
      if (!list) byPack.set(packed.pack, (list = []));
      list.push({ at: k, offset: packed.offset, length });
    });
    for (const [pack, list] of byPack) {
      list.sort((a, b) => a.offset - b.offset);
      const bytes = pack.readMany(list);
      if (bytes !== null) list.forEach((p, j) => { heads[p.at] = bytes[j]; });
    }
    const out = new Array<Buffer | null>(records.length).fill(null);
    const compressed: number[] = [];
    records.forEach((r, k) => {
      const head = heads[k];
      // a source that is a record itself is damage, never followed (rangeOf)
      if (head === null || head.length < RAW_HEADER_SIZE || head.readUInt32LE(0) === RANGE_MAGIC) return;
      if (storedLayout(head) !== 'raw') { compressed.push(k); return; }
      const from = RAW_HEADER_SIZE + r.offset;
      if (from + r.length <= sizes[k] - TRAILER_BYTES && from + r.length <= head.length) out[k] = head.subarray(from, from + r.length);
    });
    const decoded = await decodeFirstFrames(compressed.map((k) => heads[k]));
    compressed.forEach((k, j) => {
      const c = decoded[j];
      const r = records[k];
      if (c !== null && r.offset + r.length <= c.length) out[k] = c.subarray(r.offset, r.offset + r.length);
    });
    return out;
  }

  async readStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null> {
    const size = this.looseSize(id);
    if (size === null) {
      const packed = await this.readPacked(id);
      return packed === null ? null : once(packed);
    }
    if (size <= WHOLE_READ_MAX) {
      const whole = await this.readWholeNow(id);
      return whole === null ? null : once(whole);
    }
    let fh: FileHandle;
    try {
      fh = await fsPromises().open(this.path(id), 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    return fh.createReadStream({ highWaterMark: 256 << 10 }) as AsyncIterable<Buffer>;
  }

  async storedSize(id: ObjectId): Promise<number | null> {
    const at = this.locate(id);
    if (at === null || at.length !== RANGE_RECORD_SIZE) return at?.length ?? null;
    // a range record is handed on as its content stored raw (readWhole): that is its size
    const bytes = readPart(at.path, at.offset, at.length);
    return bytes !== null && isRangeRecord(bytes) ? RAW_HEADER_SIZE + parseRangeRecord(id, bytes).length + TRAILER_BYTES : at.length;
  }

  /** The loose objects' ids, and what else is in the fan-out directories (strays), in sorted order. */
  private *looseNames(): Generator<{ id: ObjectId } | { stray: string }> {
    const top = objectsDir(this.root);
    let dirs: string[];
    try { dirs = readdirSync(top); } catch (err) { if (isErrno(err, 'ENOENT')) return; throw err; }
    for (const dir of dirs.sort()) {
      if (dir === 'pack') continue;
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

  /**
   * Every object once, in id order: the loose ids (listed in sorted order) merged with
   * each pack's index (sorted by id), so an id in two places (loose and packed, two packs)
   * is met twice in a row and listed once, with nothing held per object. The table of
   * listed ids this replaces cost ~50 bytes an object (80 MB at 1.6 million). Damaged
   * packs come first; strays as the loose listing meets them, the pack directory's last.
   */
  async *list(): AsyncGenerator<ListedObject> {
    const loose = this.looseNames();
    this.packs.refresh();
    const sources: Array<Iterator<{ id: ObjectId }>> = [];
    for (const p of this.packs.list()) {
      if (!p.exists()) continue; // loads its index, which may find the pack damaged
      if (p.damage !== null) yield { damagedPack: p.path, problem: p.damage };
      sources.push(p.entries());
    }
    const strays: string[] = [];
    sources.push((function* () {
      for (const entry of loose) if ('id' in entry) yield entry; else strays.push(entry.stray);
    })());
    for (const id of mergedIds(sources)) {
      while (strays.length > 0) yield { stray: strays.shift() as string };
      yield { id };
    }
    yield* strays.map((stray) => ({ stray }));
    for (const stray of this.packs.strays()) yield { stray };
  }
}

/**
 * The ids of sorted sources in one sorted sequence, each id once. An id not above the
 * last listed (a source out of order, which a sound pack index never is) is skipped
 * rather than listed twice: gc would count it twice among what it deletes.
 */
export function* mergedIds(sources: ReadonlyArray<Iterator<{ id: ObjectId }>>): Generator<ObjectId> {
  const heads: Array<ObjectId | null> = sources.map((s) => { const n = s.next(); return n.done ? null : n.value.id; });
  let last: ObjectId | null = null;
  for (; ;) {
    let min = -1;
    for (let k = 0; k < heads.length; k++) if (heads[k] !== null && (min < 0 || (heads[k] as ObjectId) < (heads[min] as ObjectId))) min = k;
    if (min < 0) return;
    const id = heads[min] as ObjectId;
    const n = sources[min].next();
    heads[min] = n.done ? null : n.value.id;
    if (last !== null && id <= last) continue;
    last = id;
    yield id;
  }
}
