/**
 * Derived data of many objects packed together: `cache/packs/<kind>/<stamp>.pack`, for
 * kinds with an entry per build (rpm-md fragments), where one file per object would be
 * tens of thousands of files at distribution scale.
 *
 * A pack is written once, whole (temp file, rename), and never changed:
 *
 *   entries' bodies, back to back, each deflated (raw deflate)
 *   index: per entry  id (32) | offset (6) | stored length (4) | sha256 of the body (32) | label length (2) | label
 *   sha256 of the bodies' stored bytes, all of them (32)
 *   footer (48):      "BZDPACK3" | entries (4) | index length (4) | sha256 of the index (32)
 *
 * Bodies are deflated because they are text (rpm-md XML) that deflate shrinks about four
 * times: 32 MB of fragments for 10,000 builds were a fifth of the store. The sum of
 * all the stored bodies lets fsck check a sound pack with one pass of sha256 over its
 * bytes instead of inflating every entry (a tenth of an fsck of 10,000 builds); only a
 * pack that fails it is checked entry by entry, to name the damaged ones. Packs of the
 * earlier versions ("BZDPACK1", bodies as they are; "BZDPACK2", no sum of the bodies) are
 * still read; merges and gc rewrite their entries in the current one. The sha256 in a row
 * is the body's as its caller wrote it.
 *
 * A kind whose bodies are small and read all at once (the resolver's records: 20,000 read
 * by one `resolve`) keeps them as they are ("BZDPACK4", BZDPACK3's layout): inflating
 * each body was ~5 µs, a tenth of a resolve from nothing. `readMany` reads such a pack's
 * bodies in one read and checks them with the one sum, as fsck does, instead of one read
 * and one sha256 per entry; a pack that fails it is read entry by entry.
 *
 * The label is a small text the caller can read without the body (what a generation
 * sorts and lists by). A reader checks the index's sha256 when it opens a pack (a pack
 * that fails is skipped whole) and each body's sha256 when it reads it: a damaged entry
 * is a miss, recomputed by the caller and written again (the newest pack wins), never
 * believed. Each write is a new pack; one that finds more than MAX_PACKS merges the
 * smaller ones into its own, so their number stays bounded. gc rewrites packs without
 * the entries of objects it deleted (prune.ts); fsck reports damaged entries.
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { isErrno } from '../../errors.js';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../../fs/ops.js';
import { tmpPath } from '../layout.js';
import type { ObjectId } from '../layout.js';
import { cacheDir, derivedPacksDir } from './paths.js';

const MAGIC = Buffer.from('BZDPACK3');
/** Packs written before the sum of the bodies. */
const MAGIC_NO_BODIES_SUM = Buffer.from('BZDPACK2');
/** Packs written before bodies were deflated. */
const MAGIC_PLAIN = Buffer.from('BZDPACK1');
/** Bodies as they are, with the sum of the bodies (a kind opened with `deflate: false`). */
const MAGIC_PLAIN_SUMMED = Buffer.from('BZDPACK4');
const FOOTER = 48;
/** Bytes hashed at a time by fsck's one pass over a pack's bodies. */
const SUM_CHUNK = 1 << 20;
const FIXED = 32 + 6 + 4 + 32 + 2;
/** More packs than this in a kind and the next write merges the small ones. */
export const MAX_PACKS = 16;
/** Packs up to this size are merged; larger ones stay as they are (gc rewrites them). */
const MERGE_BELOW = 64 << 20;
/** readMany reads a pack whole when it wants this many of its entries; fewer are read one by one. */
const BULK_READ_MIN = 64;

/** One-shot sha256 (crypto.hash: no Hash object per call, twice as fast on the ~150-byte bodies written 20,000 at a time). */
const sha = (b: Uint8Array): Buffer => hash('sha256', b, 'buffer');

export interface PackEntry { id: ObjectId; label: string; body: Buffer }

/** An entry as a pack holds it: its body deflated, and the sha256 of the body. */
interface StoredEntry { id: ObjectId; label: string; stored: Buffer; sum: Buffer }

const stored = (e: PackEntry, deflate: boolean): StoredEntry => ({ id: e.id, label: e.label, stored: deflate ? deflateRawSync(e.body) : e.body, sum: sha(e.body) });

interface Pack {
  name: string;
  /** Whether bodies are deflated (BZDPACK2, 3) or as they are (BZDPACK1, 4). */
  deflated: boolean;
  /** The sha256 of the bodies' stored bytes, which are the pack's first `bodiesLength` (BZDPACK3, 4); null before. */
  bodiesSum: Buffer | null;
  bodiesLength: number;
  fd: number;
  size: number;
  index: Buffer;
  /** Where each entry's index row starts, by hex id. */
  rows: Map<string, number>;
}

function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, position + got);
    if (n === 0) throw new Error('short read');
    got += n;
  }
  return b;
}

/** The pack in `path` with its index checked, or null when it is not a whole, sound pack. */
function openPack(path: string, name: string): Pack | null {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return null; }
  try {
    const size = fstatSync(fd).size;
    if (size < FOOTER) throw new Error('short');
    const footer = readAt(fd, FOOTER, size - FOOTER);
    const magic = footer.subarray(0, 8);
    const plainSummed = magic.equals(MAGIC_PLAIN_SUMMED);
    const summed = plainSummed || magic.equals(MAGIC);
    const deflated = magic.equals(MAGIC) || magic.equals(MAGIC_NO_BODIES_SUM);
    if (!deflated && !plainSummed && !magic.equals(MAGIC_PLAIN)) throw new Error('magic');
    const count = footer.readUInt32BE(8);
    const indexLength = footer.readUInt32BE(12);
    const indexEnd = size - FOOTER - (summed ? 32 : 0);
    if (indexLength > indexEnd) throw new Error('index length');
    const index = readAt(fd, indexLength, indexEnd - indexLength);
    const bodiesSum = summed ? readAt(fd, 32, indexEnd) : null;
    if (!sha(index).equals(footer.subarray(16, 48))) throw new Error('index sum');
    const rows = new Map<string, number>();
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + FIXED > index.length) throw new Error('index rows');
      rows.set(index.toString('hex', at, at + 32), at);
      at += FIXED + index.readUInt16BE(at + FIXED - 2);
    }
    return { name, deflated, bodiesSum, bodiesLength: indexEnd - indexLength, fd, size, index, rows };
  } catch {
    closeSync(fd);
    return null;
  }
}

/** One row of a pack's index. */
function row(p: Pack, at: number): { offset: number; length: number; sum: Buffer; label: string } {
  const i = p.index;
  const labelLength = i.readUInt16BE(at + FIXED - 2);
  return { offset: i.readUIntBE(at + 32, 6), length: i.readUInt32BE(at + 38), sum: i.subarray(at + 42, at + 74), label: i.toString('utf8', at + FIXED, at + FIXED + labelLength) };
}

/**
 * The body of the entry at index row `at`, checked against its sha256; null when it
 * cannot be read, does not inflate or does not match.
 */
function bodyAt(p: Pack, at: number): Buffer | null {
  const r = row(p, at);
  try {
    const kept = readAt(p.fd, r.length, r.offset);
    const body = p.deflated ? inflateRawSync(kept) : kept;
    return sha(body).equals(r.sum) ? body : null;
  } catch {
    return null;
  }
}

/**
 * A pack's bodies' stored bytes in one read, when they match their sum; null when the
 * pack has no such sum or fails it (then each entry is checked alone). The index was
 * checked when the pack was opened, so each row's slice of them is what the writer wrote.
 */
function soundBodies(p: Pack): Buffer | null {
  if (p.bodiesSum === null) return null;
  let kept: Buffer;
  try { kept = readAt(p.fd, p.bodiesLength, 0); } catch { return null; }
  return sha(kept).equals(p.bodiesSum) ? kept : null;
}

/** The stored bytes of the entry at index row `at` within soundBodies' read. */
function storedSlice(p: Pack, bodies: Buffer, at: number): Buffer {
  // the 6-byte offset in two reads: readUIntBE's checks were most of a 20,000-row readMany
  const offset = p.index.readUInt16BE(at + 32) * 2 ** 32 + p.index.readUInt32BE(at + 34);
  return bodies.subarray(offset, offset + p.index.readUInt32BE(at + 38));
}

/** The body of a stored slice that matched its pack's sum; null when it does not inflate. */
function bodyOfSound(p: Pack, slice: Buffer): Buffer | null {
  if (!p.deflated) return slice;
  try { return inflateRawSync(slice); } catch { return null; }
}

/** The sha256 of a pack's bodies as they lie on disk, read a chunk at a time. */
function bodiesSumOf(p: Pack): Buffer {
  const h = createHash('sha256');
  try {
    for (let at = 0; at < p.bodiesLength; at += SUM_CHUNK) h.update(readAt(p.fd, Math.min(SUM_CHUNK, p.bodiesLength - at), at));
  } catch {
    return Buffer.alloc(0); // unreadable: the entries are checked one by one, which names them
  }
  return h.digest();
}

/**
 * Packs bodies (stored deflated or as they are) and rows; the whole pack, ready to write.
 * Laid out in one buffer (index rows written in place, bodies hashed once as they lie):
 * a row and a label buffer per entry and a hash update per body were most of writing
 * 20,000 resolver rows.
 */
function encodePack(entries: Iterable<StoredEntry>, deflated: boolean): Buffer {
  const list = [...entries];
  let bodiesLength = 0;
  let indexLength = 0;
  const labels = list.map((e) => {
    bodiesLength += e.stored.length;
    const label = e.label === '' ? null : Buffer.from(e.label, 'utf8');
    if (label && label.length > 0xffff) throw new Error(`derived pack label of ${e.id} too long`);
    indexLength += FIXED + (label ? label.length : 0);
    return label;
  });
  const out = Buffer.allocUnsafe(bodiesLength + indexLength + 32 + FOOTER);
  let offset = 0;
  let at = bodiesLength;
  list.forEach((e, k) => {
    const label = labels[k];
    if (!e.id.startsWith('sha256:') || out.write(e.id.slice(7), at, 32, 'hex') !== 32) throw new Error(`derived pack entry of ${e.id}: not a sha256 id`);
    out.writeUInt16BE(Math.floor(offset / 2 ** 32), at + 32);
    out.writeUInt32BE(offset >>> 0, at + 34);
    out.writeUInt32BE(e.stored.length, at + 38);
    e.sum.copy(out, at + 42);
    out.writeUInt16BE(label ? label.length : 0, at + 74);
    if (label) label.copy(out, at + FIXED);
    at += FIXED + (label ? label.length : 0);
    e.stored.copy(out, offset);
    offset += e.stored.length;
  });
  sha(out.subarray(0, bodiesLength)).copy(out, at);
  const footer = out.subarray(at + 32);
  (deflated ? MAGIC : MAGIC_PLAIN_SUMMED).copy(footer, 0);
  footer.writeUInt32BE(list.length, 8);
  footer.writeUInt32BE(indexLength, 12);
  sha(out.subarray(bodiesLength, bodiesLength + indexLength)).copy(footer, 16);
  return out;
}

/**
 * The sound entries of one pack (damaged ones left out), as a new pack stores them
 * (bodies deflated or not): a pack whose bodies match their sum is read in one go and its
 * stored bytes copied as they are when already in the wanted form; another is read entry
 * by entry, each body checked.
 */
function* entriesOf(p: Pack, deflate: boolean): Generator<StoredEntry> {
  const bodies = soundBodies(p);
  for (const [hex, at] of p.rows) {
    const r = row(p, at);
    const id: ObjectId = `sha256:${hex}`;
    if (bodies !== null && p.deflated === deflate) { yield { id, label: r.label, stored: storedSlice(p, bodies, at), sum: r.sum }; continue; }
    const body = bodies !== null ? bodyOfSound(p, storedSlice(p, bodies, at)) : bodyAt(p, at);
    if (body === null) continue;
    yield { id, label: r.label, stored: deflate ? deflateRawSync(body) : body, sum: r.sum };
  }
}

/** Pack names sort in the order they were written: the newest pack's entry wins. */
function packName(): string {
  return `${Date.now().toString(36).padStart(10, '0')}-${process.pid}-${Math.random().toString(36).slice(2, 10)}.pack`;
}

function packNames(dir: string): string[] {
  try { return readdirSync(dir).filter((n) => n.endsWith('.pack')).sort(); } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

/**
 * The packs of one kind as this process sees them: `refresh` picks up packs written by
 * other processes (and lets go of removed ones); reads never throw on damage.
 */
export class DerivedPacks {
  private static readonly open = new Map<string, DerivedPacks>();
  private packs: Pack[] = [];

  /** Whether the packs this instance writes deflate their bodies (a merge rewrites the merged entries so). */
  private deflate = true;

  private constructor(readonly root: string, readonly kind: string) {}

  /**
   * The one instance per store directory and kind in this process. `deflate: false` for
   * a kind of small bodies read all at once (see above); a caller that does not write
   * (fsck, gc, which rewrites each pack as it was) need not say.
   */
  static of(root: string, kind: string, options: { deflate?: boolean } = {}): DerivedPacks {
    const key = `${root}\0${kind}`;
    let p = DerivedPacks.open.get(key);
    if (!p) DerivedPacks.open.set(key, (p = new DerivedPacks(root, kind)));
    if (options.deflate !== undefined) p.deflate = options.deflate;
    return p;
  }

  get dir(): string { return derivedPacksDir(this.root, this.kind); }

  /** Whether the directory was read (refresh): until then the first lookup reads it, and a write opens no pack it need not merge. */
  private listed = false;

  /** Reads the directory again: new packs are opened (their index checked), gone ones closed. */
  refresh(): void {
    this.listed = true;
    const names = packNames(this.dir);
    const had = new Map(this.packs.map((p) => [p.name, p]));
    const next: Pack[] = [];
    for (const name of names) {
      const p = had.get(name) ?? openPack(join(this.dir, name), name);
      had.delete(name);
      if (p) next.push(p);
    }
    for (const gone of had.values()) closeSync(gone.fd);
    this.packs = next;
  }

  private find(id: ObjectId): { pack: Pack; at: number } | null {
    if (!this.listed) this.refresh();
    const hex = id.slice('sha256:'.length);
    for (let i = this.packs.length - 1; i >= 0; i--) {
      const at = this.packs[i].rows.get(hex);
      if (at !== undefined) return { pack: this.packs[i], at };
    }
    return null;
  }

  /** The label of `id`'s entry (from the checked index), or undefined when there is none. */
  label(id: ObjectId): string | undefined {
    const f = this.find(id);
    return f ? row(f.pack, f.at).label : undefined;
  }

  /** `id`'s body, checked against its sha256; null when absent, unreadable or damaged. */
  read(id: ObjectId): Buffer | null {
    const f = this.find(id);
    return f ? bodyAt(f.pack, f.at) : null;
  }

  /**
   * The bodies of many ids, in their order, as `read` gives them. A pack holding more
   * than a few of them is read whole and checked by its bodies' sum (soundBodies); the
   * bodies returned are views of that read, which they keep alive.
   */
  readMany(ids: readonly ObjectId[]): Array<Buffer | null> {
    const found = ids.map((id) => this.find(id));
    const perPack = new Map<Pack, number>();
    for (const f of found) if (f) perPack.set(f.pack, (perPack.get(f.pack) ?? 0) + 1);
    const whole = new Map<Pack, Buffer | null>();
    for (const [p, n] of perPack) if (n >= BULK_READ_MIN) whole.set(p, soundBodies(p));
    return found.map((f) => {
      if (f === null) return null;
      const bodies = whole.get(f.pack);
      return bodies ? bodyOfSound(f.pack, storedSlice(f.pack, bodies, f.at)) : bodyAt(f.pack, f.at);
    });
  }

  /**
   * Writes `entries` as one new pack (merging small packs into it when there are more
   * than MAX_PACKS). Best effort, like every derived cache: false where the store
   * cannot be written (the caller keeps what it computed in memory). Packs are opened
   * (each index read and checked) only to be merged, and the new one by the next lookup:
   * a writer of a few entries (an add's resolver rows) need not open a 20,000-entry
   * index, nor a universe from nothing the pack of its 20,000 rows it just wrote.
   */
  write(entries: PackEntry[]): boolean {
    if (entries.length === 0) return true;
    let merged: Pack[] = [];
    if (packNames(this.dir).length + 1 > MAX_PACKS) {
      this.refresh();
      let budget = MERGE_BELOW;
      merged = [...this.packs].sort((a, b) => a.size - b.size).filter((p) => p.size <= MERGE_BELOW && (budget -= p.size) >= 0);
    }
    const all = new Map<string, StoredEntry>();
    for (const p of merged) for (const e of entriesOf(p, this.deflate)) all.set(e.id, e);
    for (const e of entries) all.set(e.id, stored(e, this.deflate));
    try {
      makeDir(this.dir);
      const tmp = tmpPath(this.root);
      createFile(tmp, encodePack(all.values(), this.deflate));
      try { renameFile(tmp, join(this.dir, packName())); } catch (err) { removeFile(tmp); throw err; }
    } catch (err) {
      if (unwritableCode(err) === null) throw err;
      return false;
    }
    for (const p of merged) removeFile(join(this.dir, p.name));
    this.listed = false; // the next lookup opens the new pack (a writer that reads no more never does)
    return true;
  }

  /** Rewrites packs without the entries `keep` refuses (gc); a pack left empty is removed. */
  prune(keep: (id: ObjectId) => boolean): void {
    this.refresh();
    for (const p of this.packs) {
      const ids = [...p.rows.keys()].map((hex): ObjectId => `sha256:${hex}`);
      if (ids.every(keep)) continue;
      // each pack stays as it was, deflated or not (gc does not know the kind's choice)
      const live = [...entriesOf(p, p.deflated)].filter((e) => keep(e.id));
      if (live.length) {
        const tmp = tmpPath(this.root);
        createFile(tmp, encodePack(live, p.deflated));
        try { renameFile(tmp, join(this.dir, packName())); } catch (err) { removeFile(tmp); throw err; }
      }
      removeFile(join(this.dir, p.name));
    }
    this.refresh();
  }

  /** What fsck reports: packs whose index fails, and entries whose body fails its sha256. */
  check(): { packs: number; entries: number; damaged: string[] } {
    const damaged: string[] = [];
    let entries = 0;
    const names = packNames(this.dir);
    for (const name of names) {
      const p = openPack(join(this.dir, name), name);
      if (!p) { damaged.push(`${this.kind}/${name}: unreadable index`); continue; }
      try {
        entries += p.rows.size;
        if (p.bodiesSum !== null && bodiesSumOf(p).equals(p.bodiesSum)) continue;
        for (const [hex, at] of p.rows) if (bodyAt(p, at) === null) damaged.push(`${this.kind}/${name}: entry of sha256:${hex}`);
      } finally {
        closeSync(p.fd);
      }
    }
    return { packs: names.length, entries, damaged };
  }
}

/** Every kind that has packs under `cache/packs/`. */
export function derivedPackKinds(root: string): string[] {
  try { return readdirSync(join(cacheDir(root), 'packs')); } catch { return []; }
}
