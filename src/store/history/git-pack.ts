/**
 * Git packfiles for the store's history: a writer (gc packs the loose objects, so 100,000
 * commits, trees and value blobs are two files, not 100,000) and a reader of the packs it
 * writes. Format: git's pack v2 and index v2 (gitformat-pack(5)), objects stored whole
 * (no deltas: the bodies are small and a pack stays readable without a base lookup), so
 * stock git reads, verifies (`git verify-pack`, `git fsck`) and can repack them.
 *
 * The reader verifies as the loose reader does: an index whose checksum is wrong, an
 * entry that does not inflate to its declared size, or a body that does not hash to its
 * id is damage (ERR_STORE_DAMAGED naming the pack), never a different answer. Objects in
 * a pack this reader does not take (deltas from a `git gc` run by hand) answer null, and
 * the caller asks isomorphic-git.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { BazaarError, isErrno } from '../../errors.js';
import { createFile, removeFile, renameFile } from '../../fs/ops.js';
import { tmpPath } from '../layout.js';
import { readAt } from '../object-packs.js';
import { compact } from './git-object.js';

export type PackedType = 'commit' | 'tree' | 'blob' | 'tag';
const TYPE_CODE: Record<PackedType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const CODE_TYPE: Record<number, PackedType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const IDX_MAGIC = Buffer.from([0xff, 0x74, 0x4f, 0x63]);

function packDamage(pack: string, problem: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_STORE_DAMAGED', `history pack ${pack} ${problem}`, { data: { pack, problem }, cause });
}

/** The entry header: type and size, 4 bits then 7 per byte. */
function entryHeader(type: PackedType, size: number): Buffer {
  const bytes: number[] = [];
  let c = (TYPE_CODE[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) { bytes.push(c | 0x80); c = rest & 0x7f; rest = Math.floor(rest / 128); }
  bytes.push(c);
  return Buffer.from(bytes);
}

export interface PackInput { oid: string; type: PackedType; body: Buffer }

/** A pack's entries are built in memory and written whole: packs are cut at this size. */
export const PACK_LIMIT = 64 << 20;

/**
 * Writes `objects` as one pack and its index into `packDir` (temp files in `tmpRoot`,
 * fsynced, then renamed: the .pack first and the .idx last, since git and this reader
 * see a pack only through its index). Returns the pack's name (`pack-<sha1>`).
 */
export function writePack(packDir: string, tmpRoot: string, objects: readonly PackInput[]): string {
  const entries: Array<{ oid: Buffer; offset: number; crc: number }> = [];
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1'); head.writeUInt32BE(2, 4); head.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [head];
  let offset = head.length;
  for (const o of objects) {
    const entry = Buffer.concat([entryHeader(o.type, o.body.length), deflateSync(o.body, { level: 1 })]);
    entries.push({ oid: Buffer.from(o.oid, 'hex'), offset, crc: crc32(entry) });
    parts.push(entry);
    offset += entry.length;
  }
  const packSum = createHash('sha1');
  for (const b of parts) packSum.update(b);
  const sum = packSum.digest();
  parts.push(sum);
  entries.sort((a, b) => Buffer.compare(a.oid, b.oid));
  const name = `pack-${sum.toString('hex')}`;
  const packTmp = tmpPath(tmpRoot);
  const idxTmp = tmpPath(tmpRoot);
  try {
    createFile(packTmp, Buffer.concat(parts), { sync: true, mode: 0o444 });
    createFile(idxTmp, indexBytes(entries, sum), { sync: true, mode: 0o444 });
    renameFile(packTmp, join(packDir, `${name}.pack`));
    renameFile(idxTmp, join(packDir, `${name}.idx`));
  } finally {
    removeFile(packTmp);
    removeFile(idxTmp);
  }
  return name;
}

function indexBytes(entries: ReadonlyArray<{ oid: Buffer; offset: number; crc: number }>, packSum: Buffer): Buffer {
  const n = entries.length;
  const large = entries.filter((e) => e.offset >= 0x80000000);
  const buf = Buffer.alloc(8 + 1024 + n * 28 + large.length * 8 + 40);
  IDX_MAGIC.copy(buf, 0); buf.writeUInt32BE(2, 4);
  let pos = 8;
  for (let b = 0, k = 0; b < 256; b++) {
    while (k < n && entries[k].oid[0] <= b) k++;
    buf.writeUInt32BE(k, pos); pos += 4;
  }
  for (const e of entries) { e.oid.copy(buf, pos); pos += 20; }
  for (const e of entries) { buf.writeUInt32BE(e.crc >>> 0, pos); pos += 4; }
  let li = 0;
  for (const e of entries) { buf.writeUInt32BE(e.offset < 0x80000000 ? e.offset : (0x80000000 | li++) >>> 0, pos); pos += 4; }
  for (const e of large) { buf.writeBigUInt64BE(BigInt(e.offset), pos); pos += 8; }
  packSum.copy(buf, pos); pos += 20;
  createHash('sha1').update(buf.subarray(0, pos)).digest().copy(buf, pos);
  return buf;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The index's header: magic, version and the fan-out table (256 counts). */
const IDX_HEAD = 8 + 1024;
/**
 * Lookups a pack's index answers by reading only the ids it needs before it is read whole
 * and checked: enough for a short-lived reader (`show`: a few objects), few enough that a
 * walk of the history soon holds each index in memory.
 */
const PROBE_LOOKUPS = 32;

/**
 * One pack's index. Read whole and checked against its own SHA-1 by fsck, a merge and a
 * reader past PROBE_LOOKUPS lookups; before that a lookup reads its fan-out table (1 KB,
 * once) and the ids of one fan-out bucket: a cold `show` in a store of 20,000 builds read
 * and hashed 20 indexes, 1.1 MB, to read five objects. An index not checked can only miss
 * an object or point at the wrong bytes, and every object read is checked against its id
 * (readEntry): damage there is an error, never a different answer (docs/store.md).
 */
class PackIndex {
  /** Made on the first read from this pack: a lookup that reads one object sorts one pack's offsets, not every pack's. */
  private sorted: Uint32Array | Float64Array | null = null;
  /** The whole index, checked; null while it is probed. */
  private idx: Buffer | null;
  /** The 32-bit offsets table, read on the first read from a probed pack. */
  private offsets: Buffer | null = null;
  private lookups = 0;

  private constructor(
    readonly name: string,
    readonly packPath: string,
    private readonly head: Buffer,
    readonly count: number,
    whole: Buffer | null,
    private idxFd: number | null,
    /** The .pack's size: from a stat when loaded whole, else from the open pack (openFd). */
    public packSize: number,
  ) {
    this.idx = whole;
  }

  /** Checks the header and size of an index of `size` bytes; returns its object count. */
  private static checkHead(name: string, head: Buffer, size: number): number {
    if (size < IDX_HEAD + 40 || head.length < IDX_HEAD || !head.subarray(0, 4).equals(IDX_MAGIC) || head.readUInt32BE(4) !== 2) throw packDamage(name, 'has an index that is not a git v2 pack index');
    const n = head.readUInt32BE(8 + 255 * 4);
    if (size < IDX_HEAD + n * 28 + 40) throw packDamage(name, 'has a truncated index');
    return n;
  }

  private static checkSum(name: string, idx: Buffer): void {
    if (!createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest().equals(idx.subarray(idx.length - 20))) throw packDamage(name, 'has a damaged index (its checksum does not match)');
  }

  /** The pack's index, read whole and checked (fsck, a merge); null when a merge removed the pack since it was listed. */
  static load(dir: string, name: string): PackIndex | null {
    let idx: Buffer;
    try { idx = readFileSync(join(dir, `${name}.idx`)); } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    const packPath = join(dir, `${name}.pack`);
    let packSize: number;
    try { packSize = statSync(packPath).size; } catch (err) {
      if (isErrno(err, 'ENOENT')) { if (!existsSync(join(dir, `${name}.idx`))) return null; throw packDamage(name, 'has an index but no .pack'); }
      throw err;
    }
    const n = PackIndex.checkHead(name, idx, idx.length);
    PackIndex.checkSum(name, idx);
    return new PackIndex(name, packPath, idx, n, idx, null, packSize);
  }

  /**
   * The pack's index open for probing (a reader): its header checked, its checksum not yet;
   * null when a merge removed it since it was listed.
   */
  static open(dir: string, name: string): PackIndex | null {
    // `dir` is join()'s (normalised) and `name` a file name: concatenated, as path.join over
    // 40 paths got hot enough for V8 to optimise it on a background thread (~2 ms of a cold `show`)
    const at = `${dir}/${name}`;
    let fd: number;
    try { fd = openSync(`${at}.idx`, 'r'); } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    try {
      const head = readAt(fd, 0, IDX_HEAD);
      const n = PackIndex.checkHead(name, head, fstatSync(fd).size);
      return new PackIndex(name, `${at}.pack`, head, n, null, fd, -1);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The index whole, checked (past PROBE_LOOKUPS lookups, or for fsck and a merge). */
  private whole(): Buffer {
    if (this.idx !== null) return this.idx;
    const fd = this.idxFd as number;
    const idx = readAt(fd, 0, fstatSync(fd).size);
    PackIndex.checkSum(this.name, idx);
    if (!idx.subarray(0, IDX_HEAD).equals(this.head)) throw packDamage(this.name, 'changed while it was read');
    this.idx = idx;
    return idx;
  }

  /** `length` bytes of the index at `at`: from memory once read whole, else from the file. */
  private bytes(at: number, length: number): Buffer {
    if (this.idx !== null) return this.idx.subarray(at, at + length);
    const b = readAt(this.idxFd as number, at, length);
    if (b.length !== length) throw packDamage(this.name, 'has a truncated index');
    return b;
  }

  /**
   * Every entry's offset, ascending (endOf). Sorted natively: a JS sort of 40,000 offsets
   * (a 3,000-build history) cost a cold `bazaar show` 8-28 ms, the copy, byte swap and
   * typed-array sort under 1 ms. Offsets past 2 GiB (the 64-bit table) take the slow path.
   */
  private sortedOffsets(): Uint32Array | Float64Array {
    const small = new Uint32Array(this.count);
    const bytes = Buffer.from(small.buffer, 0, this.count * 4);
    this.offsetTable().copy(bytes);
    if (LITTLE_ENDIAN) bytes.swap32();
    small.sort();
    if (this.count === 0 || !(small[this.count - 1] & 0x80000000)) return small;
    return Float64Array.from({ length: this.count }, (_, i) => this.offsetAt(i)).sort();
  }

  private offsetTable(): Buffer {
    return (this.offsets ??= this.bytes(IDX_HEAD + this.count * 24, this.count * 4));
  }

  private offsetAt(i: number): number {
    const small = this.offsetTable().readUInt32BE(i * 4);
    if (!(small & 0x80000000)) return small;
    return Number(this.bytes(IDX_HEAD + this.count * 28 + (small & 0x7fffffff) * 8, 8).readBigUInt64BE(0));
  }

  /**
   * The pack, open for reads while GitPacks lists it (closed when it lists the packs
   * again): a read is one pread, not an open, fstat, read and close (a walk of the history
   * reads thousands). Its size is checked against the index once; each object read is
   * verified by its sha1 all the same.
   */
  private fd: number | null = null;

  openFd(): number {
    if (this.fd !== null) return this.fd;
    let fd: number;
    try { fd = openSync(this.packPath, 'r'); } catch (err) {
      // a merge removes the index first, then the pack: with the index gone too, the pack was merged away (ENOENT: look again)
      if (isErrno(err, 'ENOENT') && existsSync(`${this.packPath.slice(0, -5)}.idx`)) throw packDamage(this.name, 'has an index but no .pack');
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (this.packSize < 0) this.packSize = size;
      else if (size !== this.packSize) throw packDamage(this.name, 'changed size while it was read');
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    return fd;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    if (this.idxFd !== null) closeSync(this.idxFd);
    this.fd = null;
    this.idxFd = null;
  }

  /** The object's offset in the pack, or -1; `checked`: from the index read whole and checked (damage throws). */
  find(oid: Buffer, checked = false): number {
    const at = this.position(oid, checked);
    return at < 0 ? -1 : this.offsetAt(at);
  }

  /** The object's place in the index (ids sorted), or -1; `checked` as for find. */
  position(oid: Buffer, checked = false): number {
    if (this.idx === null && (checked || ++this.lookups > PROBE_LOOKUPS)) this.whole();
    const first = oid[0];
    const lo = first === 0 ? 0 : this.head.readUInt32BE(8 + (first - 1) * 4);
    const hi = this.head.readUInt32BE(8 + first * 4);
    if (hi <= lo) return -1;
    // the bucket's ids: about count/256 of them (one read of a few hundred bytes)
    const ids = this.bytes(IDX_HEAD + lo * 20, (hi - lo) * 20);
    let a = 0, b = hi - lo;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const c = ids.compare(oid, 0, 20, mid * 20, mid * 20 + 20);
      if (c === 0) return lo + mid;
      if (c > 0) b = mid; else a = mid + 1;
    }
    return -1;
  }

  /** Every object id in the pack. */
  *oids(): Generator<string> {
    for (let i = 0; i < this.count; i++) yield this.oidAt(i);
  }

  /** The id at place `i` of the index (read whole and checked). */
  oidAt(i: number): string { return this.whole().toString('hex', IDX_HEAD + i * 20, IDX_HEAD + i * 20 + 20); }

  /** The offset of the object at place `i` of the index. */
  offsetOf(i: number): number { return this.offsetAt(i); }

  /** The pack's checksum as the index records it, once the index was read whole and checked; null while it is probed. */
  checkedSum(): string | null { return this.idx === null ? null : this.packSum().toString('hex'); }

  /** The pack checksum the index records. */
  packSum(): Buffer { const idx = this.whole(); return idx.subarray(idx.length - 40, idx.length - 20); }

  /** Where the entry at `offset` ends: the next entry, or the pack's trailer. */
  endOf(offset: number): number {
    const sorted = (this.sorted ??= this.sortedOffsets());
    let lo = 0, hi = sorted.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (sorted[mid] <= offset) lo = mid + 1; else hi = mid; }
    return lo < sorted.length ? sorted[lo] : this.packSize - 20;
  }
}

/**
 * Removes a pack a merge replaced: its index first (git and this reader see a pack only
 * through it), then the pack. A reader that still holds the index finds the pack gone and
 * looks again.
 */
export function removePack(packDir: string, name: string): void {
  removeFile(join(packDir, `${name}.idx`));
  removeFile(join(packDir, `${name}.pack`));
}

/** The packs of one repository, their indexes loaded when the pack directory changes. */
export class GitPacks {
  private packs: PackIndex[] = [];
  private seen = '';
  /**
   * The objects read and verified (inflated, sized, hashed to their id), per pack listed,
   * as a bit per place in its index, with the pack checksum its checked index records:
   * `check` does not inflate and hash them again. fsck's walk reads every tree and value
   * blob of the kept history, then checks every pack whole: each object was verified
   * twice. A bit per object (2.5 KB for a pack of 20,000); dropped with its pack.
   */
  private readonly verified = new Map<string, { sum: string; bits: Uint8Array }>();

  constructor(private readonly dir: string) {}

  /** The packs git and this reader see: those with an index (`pack-<sha1>`). */
  private indexNames(): string[] {
    return readdirSync(this.dir).filter((f) => f.endsWith('.idx')).map((f) => f.slice(0, -4)).sort();
  }

  private refresh(): void {
    let stamp: string;
    try { const s = statSync(this.dir); stamp = `${s.ino}:${s.mtimeMs}`; } catch (err) {
      if (isErrno(err, 'ENOENT')) { for (const p of this.packs) p.close(); this.packs = []; this.verified.clear(); this.seen = ''; return; }
      throw err;
    }
    if (stamp === this.seen) return;
    for (const p of this.packs) p.close();
    this.packs = this.indexNames().flatMap((n) => PackIndex.open(this.dir, n) ?? []);
    for (const name of this.verified.keys()) if (!this.packs.some((p) => p.name === name)) this.verified.delete(name);
    this.seen = stamp;
  }

  /** Whether a pack holds `oid` (not verified). */
  has(oid: string): boolean {
    this.refresh();
    const key = Buffer.from(oid, 'hex');
    return this.packs.some((p) => p.find(key) >= 0);
  }

  /**
   * The object, verified; undefined when no pack holds it; null when a pack holds it in a
   * form this reader does not take (a delta).
   */
  read(oid: string): { type: PackedType; body: Buffer } | null | undefined {
    const key = Buffer.from(oid, 'hex');
    // Twice: a directory's mtime is coarse, so a pack renamed in within the same tick as
    // the last look is only seen by looking again (gc deletes the loose copy just after).
    // The second look asks the checked indexes: a probe's miss may be a damaged index's,
    // which is then reported as such, not as a missing object.
    for (const again of [false, true]) {
      if (again) this.seen = '';
      this.refresh();
      for (const p of this.packs) {
        const at = p.position(key, again);
        if (at < 0) continue;
        try { return this.verifiedEntry(p, at, oid); } catch (err) {
          // merged away since the index was read: look again (the object is in the merged pack)
          if (isErrno(err, 'ENOENT') && !again) break;
          throw err;
        }
      }
    }
    return undefined;
  }

  /**
   * The object from the packs already loaded, without looking at the directory again;
   * undefined when none of them holds it or its pack is gone, null for a delta (as `read`).
   * Damage throws, as in `read`.
   */
  readLoaded(oid: string): { type: PackedType; body: Buffer } | null | undefined {
    if (this.packs.length === 0) return undefined;
    const key = Buffer.from(oid, 'hex');
    for (const p of this.packs) {
      const at = p.position(key);
      if (at < 0) continue;
      try { return this.verifiedEntry(p, at, oid); } catch (err) {
        if (isErrno(err, 'ENOENT')) return undefined;
        throw err;
      }
    }
    return undefined;
  }

  /** The object at place `at` of pack `p`'s index, read and verified (readEntry), and noted as verified (see `verified`). */
  private verifiedEntry(p: PackIndex, at: number, oid: string): { type: PackedType; body: Buffer } | null {
    const o = readEntry(p, p.offsetOf(at), oid);
    if (o !== null) this.noteVerified(p, at);
    return o;
  }

  private noteVerified(p: PackIndex, at: number): void {
    const sum = p.checkedSum();
    if (sum === null) return;
    let v = this.verified.get(p.name);
    if (v?.sum !== sum) this.verified.set(p.name, (v = { sum, bits: new Uint8Array((p.count + 7) >> 3) }));
    v.bits[at >> 3] |= 1 << (at & 7);
  }

  /**
   * Many objects from the packs already loaded (as readLoaded), read together: each
   * pack's entries in the order they lie, exactly (to the next entry), places close
   * together in one read, where readLoaded reads each alone (a walk's thousands of small
   * trees and value blobs, a pread and a 4 KiB window each). Each is verified as
   * readLoaded verifies it; one not held, a delta or damage is left out (read alone, it
   * answers or throws as before).
   */
  readManyLoaded(oids: readonly string[]): Map<string, { type: PackedType; body: Buffer }> {
    const out = new Map<string, { type: PackedType; body: Buffer }>();
    const byPack = new Map<PackIndex, Array<{ oid: string; at: number }>>();
    for (const oid of oids) {
      const key = Buffer.from(oid, 'hex');
      for (const p of this.packs) {
        const at = p.position(key);
        if (at < 0) continue;
        let list = byPack.get(p);
        if (!list) byPack.set(p, (list = []));
        list.push({ oid, at });
        break;
      }
    }
    for (const [p, found] of byPack) {
      let fd: number;
      try { fd = p.openFd(); } catch { continue; } // first: a probed index learns the pack's size here (endOf)
      const list: Array<{ oid: string; at: number; offset: number; end: number }> = [];
      for (const { oid, at } of found) {
        const offset = p.offsetOf(at);
        const end = p.endOf(offset);
        if (offset >= 12 && end > offset && end - offset <= MANY_ENTRY_MAX) list.push({ oid, at, offset, end });
      }
      list.sort((a, b) => a.offset - b.offset);
      for (let i = 0; i < list.length;) {
        const from = list[i].offset;
        let end = list[i].end;
        let j = i + 1;
        while (j < list.length && list[j].offset - end <= MANY_GAP_MAX && list[j].end - from <= MANY_RUN_MAX) end = Math.max(end, list[j++].end);
        const run = readAt(fd, from, end - from);
        for (; i < j; i++) {
          const e = list[i];
          try {
            const o = decodeEntry(p, e.oid, run.subarray(e.offset - from, e.end - from), true);
            if (o) { out.set(e.oid, o); this.noteVerified(p, e.at); }
          } catch { /* left to a read of its own, which reports it */ }
        }
      }
    }
    return out;
  }

  /** The packs there are, with their sizes (the merge picks the small ones). */
  list(): Array<{ name: string; size: number }> {
    let names: string[];
    try { names = this.indexNames(); } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    return names.flatMap((name) => {
      try { return [{ name, size: statSync(join(this.dir, `${name}.pack`)).size }]; } catch (err) {
        if (isErrno(err, 'ENOENT')) return [];
        throw err;
      }
    });
  }

  /**
   * Every object of pack `name`, verified; null when the pack cannot be taken whole
   * (damaged, gone, or holding deltas from a `git gc` run by hand): a merge leaves it be.
   */
  objectsOf(name: string): PackInput[] | null {
    try {
      const p = PackIndex.load(this.dir, name);
      if (p === null) return null;
      const pack = readFileSync(p.packPath);
      if (pack.length !== p.packSize) return null;
      const out: PackInput[] = [];
      for (const oid of p.oids()) {
        const o = readEntry(p, p.find(Buffer.from(oid, 'hex')), oid, pack);
        if (o === null) return null;
        out.push({ oid, ...o });
      }
      return out;
    } catch (err) {
      if (err instanceof BazaarError || isErrno(err, 'ENOENT')) return null;
      throw err;
    }
  }

  /**
   * Verifies every pack whole (fsck): its index, its own checksum, and every object it
   * holds. One line per damaged pack. An object read and verified from a pack of the same
   * checksum before (`verified`: fsck's walk) is not inflated and hashed again: the
   * pack's checksum, checked here over every byte, says its bytes are the ones verified.
   * The pack is read in parts, not whole (docs/store.md, Memory).
   */
  check(): string[] {
    let names: string[];
    try { names = this.indexNames(); } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const problems: string[] = [];
    for (const name of names) {
      try {
        const p = PackIndex.load(this.dir, name);
        if (p === null) continue; // merged away meanwhile
        try {
          const sum = packChecksum(p);
          const v = this.verified.get(name);
          const bits = v?.sum === sum.toString('hex') ? v.bits : null;
          for (let i = 0; i < p.count; i++) if (!bits || !(bits[i >> 3] & (1 << (i & 7)))) readEntry(p, p.offsetOf(i), p.oidAt(i));
        } finally {
          p.close();
        }
      } catch (err) {
        if (!(err instanceof BazaarError)) throw err;
        problems.push(err.message);
      }
    }
    return problems;
  }

}

const CHECK_PART = 1 << 20;

/** The pack's checksum, once its bytes' sha1 and the index agree with it; else damage. */
function packChecksum(p: PackIndex): Buffer {
  const fd = p.openFd();
  const size = fstatSync(fd).size;
  if (size !== p.packSize) throw packDamage(p.name, 'changed size while it was read');
  const body = Math.max(0, size - 20);
  const hash = createHash('sha1');
  const part = Buffer.allocUnsafe(Math.min(CHECK_PART, body));
  for (let at = 0; at < body;) {
    const n = readSync(fd, part, 0, Math.min(part.length, body - at), at);
    if (n === 0) throw packDamage(p.name, 'changed size while it was read');
    hash.update(part.subarray(0, n));
    at += n;
  }
  const sum = readAt(fd, body, 20);
  if (!hash.digest().equals(sum) || !p.packSum().equals(sum)) throw packDamage(p.name, 'does not match its checksum (damaged)');
  return sum;
}

/**
 * The object at `offset`, verified; `pack`: the pack's bytes when already read whole (fsck),
 * else it is read from disk.
 *
 * From disk, the entry is read as a window its header bounds (a deflate stream ends
 * itself, and zlib stops there), not to the next entry's offset: that needs every offset
 * of the pack sorted (endOf), ~40,000 in a merged 20,000-build history, a cold `show`'s
 * largest single cost at that size. What is read is verified all the same (size, sha1);
 * a window that does not inflate is read again exactly, so damage reads as before.
 */
function readEntry(p: PackIndex, offset: number, oid: string, pack?: Buffer): { type: PackedType; body: Buffer } | null {
  if (pack) return decodeEntry(p, oid, pack.subarray(offset, exactEnd(p, offset, oid)), true) as { type: PackedType; body: Buffer } | null;
  const fd = p.openFd(); // first: a probed index learns the pack's size here
  const limit = p.packSize - 20;
  if (offset < 12 || offset >= limit) throw packDamage(p.name, `has an index entry for ${oid} outside the pack`);
  let window = readAt(fd, offset, Math.min(FIRST_WINDOW, limit - offset));
  const head = entryHead(p, oid, window);
  const want = Math.min(head.at + deflateBound(head.size), limit - offset);
  if (want <= WINDOW_LIMIT) {
    if (want > window.length) window = readAt(fd, offset, want);
    const o = decodeEntry(p, oid, window, false);
    if (o !== undefined) return o;
  }
  const end = exactEnd(p, offset, oid);
  const entry = readAt(fd, offset, end - offset);
  if (entry.length !== end - offset) throw packDamage(p.name, `is truncated at ${oid}`);
  return decodeEntry(p, oid, entry, true) as { type: PackedType; body: Buffer } | null;
}

/** The largest output slab an entry's inflate starts with (zlib's default is 16 KiB; a larger body takes several). */
const INFLATE_CHUNK_MAX = 256 << 10;

/** readManyLoaded reads entries up to this size (larger ones alone), places at most MANY_GAP_MAX apart in one read of at most MANY_RUN_MAX. */
const MANY_ENTRY_MAX = 64 << 10;
const MANY_GAP_MAX = 16 << 10;
const MANY_RUN_MAX = 1 << 20;

/** Bytes first read of an entry from disk: most history objects (trees, value blobs, commits) deflate to less. */
const FIRST_WINDOW = 4096;

/** Past this, an entry is read exactly: a damaged header's size is not trusted with a read of the whole pack. */
const WINDOW_LIMIT = 1 << 20;

/** zlib's bound on the deflated size of `n` bytes whatever the settings (deflateBound's conservative case). */
function deflateBound(n: number): number { return n + Math.ceil(n / 8) + Math.ceil(n / 64) + 11; }

/** Where the entry at `offset` ends, from the sorted offsets (the next entry, or the trailer). */
function exactEnd(p: PackIndex, offset: number, oid: string): number {
  const end = p.endOf(offset);
  if (offset < 12 || end <= offset || end > p.packSize) throw packDamage(p.name, `has an index entry for ${oid} outside the pack`);
  return end;
}

/** The entry header: type code, body size, and where the deflated body starts. */
function entryHead(p: PackIndex, oid: string, entry: Buffer): { code: number; size: number; at: number } {
  if (entry.length === 0) throw packDamage(p.name, `is truncated at ${oid}`);
  let c = entry[0];
  const code = (c >> 4) & 7;
  let size = c & 0x0f;
  let shift = 4, i = 1;
  while (c & 0x80) {
    if (i >= entry.length || shift > 49) throw packDamage(p.name, `has a malformed entry header for ${oid}`);
    c = entry[i++];
    size += (c & 0x7f) * 2 ** shift;
    shift += 7;
  }
  return { code, size, at: i };
}

/**
 * The object in `entry` (its bytes from the entry's start), verified; null for a delta;
 * undefined when a window (`exact` false) does not inflate: the caller reads exactly.
 */
function decodeEntry(p: PackIndex, oid: string, entry: Buffer, exact: boolean): { type: PackedType; body: Buffer } | null | undefined {
  const { code, size, at } = entryHead(p, oid, entry);
  const type = CODE_TYPE[code];
  if (!type) { if (code === 6 || code === 7) return null; throw packDamage(p.name, `has an entry of unknown type ${code} for ${oid}`); }
  let body: Buffer;
  // zlib's output slab sized to the body the header declares (bounded): the default 16 KiB
  // per object, for history objects of ~100 bytes, was most of a walk's garbage
  try { body = inflateSync(entry.subarray(at), { chunkSize: Math.min(Math.max(size + 1, 64), INFLATE_CHUNK_MAX) }); } catch (err) {
    if (!exact) return undefined;
    throw packDamage(p.name, `cannot inflate ${oid} (damaged)`, err);
  }
  if (body.length !== size) throw packDamage(p.name, `holds ${oid} with ${body.length} bytes, its header says ${size} (damaged)`);
  const sum = createHash('sha1').update(`${type} ${size}\u0000`).update(body).digest('hex');
  if (sum !== oid) throw packDamage(p.name, `holds an object that does not hash to ${oid} (damaged)`);
  // compacted: a small body must not keep zlib's 16 KiB output slab alive in a cache
  return { type, body: compact(body) };
}
