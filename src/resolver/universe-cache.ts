/**
 * A compact, versioned on-disk snapshot of a universe for warm starts: parsing XML is
 * the slow part of loading, so the store keeps this next to a channel and loads it
 * instead. One file, `universe.v6.bin`, little-endian int32 sections then the strings:
 *
 * - header (HEADER ints): magic, crc32 of every byte after the first 8, byte length,
 *   nStrings, nHot, nPackages, nDeps, pkgInts length, prebuilt arch (string index, -1
 *   for none), prebuilt data length, string bytes length, 1 when every string is ASCII,
 *   nNames, name hash table size, capability buckets, entries, extra pairs;
 * - string starts (nStrings + 1) into the string bytes, where every string ends with a
 *   newline (rpm-md strings never hold one; one that does is refused at save time). The
 *   first nHot strings are the names, EVR parts and arches every package needs at load:
 *   they are decoded in one piece, every other string only when first asked for;
 * - the table of distinct dependencies as triples `name flags evr` (flags code | pre << 3):
 *   a dependency shared by thousands of packages ("libc6 >= 2.34") is one object;
 * - per package its start in pkgInts, then pkgInts: `name epoch version release arch
 *   location buildId disttag buildtime nProv nReq nCon nObs nFiles` (buildId, disttag,
 *   buildtime as strings, '' when absent; a location `~i` is string i followed by the
 *   conventional `name-version-release.arch.rpm`, which most repositories use and which
 *   would otherwise be a third of the strings), then that many dependency indices and files;
 * - the pool's dependency answers for the x86_64 system (package-deps.ts
 *   encodePackageDeps): per package an offset, then the data, so a warm start does no
 *   provider search;
 * - the names: per distinct name its string index, an open-addressing hash table of
 *   name ids (`nameHash`, 0 empty, else id + 1), and every package of each name in id
 *   order (starts, then ids), then each package's name id, so the pool's "builds of
 *   this name" needs no Map built at load;
 * - who offers and who asks for each capability, by hash bucket (capability-index.ts):
 *   what an update reads to find the packages a change concerns; a load never reads it.
 *
 * Loading decodes nothing per package: the source answers from these columns (see
 * CachedColumns) and makes a package's record, strings and lists on first use, since a
 * warm start touches a few thousand of 60,000 packages and every object made at load
 * is one the garbage collector copies (the load was GC-bound with two objects per
 * package and the eagerly decoded names).
 *
 * The version is in the file name, so an older cache is never misread (it is simply not
 * found, and rebuilt); the checksum turns a damaged file into ERR_REPO, which the store
 * answers by rebuilding (catalog-source.ts) instead of solving on wrong data.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { formatNvra } from '../rpm/index.js';
import type { Dependency, DependencyFlags } from '../rpm/index.js';
import { BazaarError, isErrno, pathError } from '../errors.js';
import type { PackageRecord, PackageSource } from './source.js';
import { buildCapabilityIndex, capabilityHash, type CapabilityColumns, type CapabilitySections } from './capability-index.js';
import { computePackageDeps, encodePackageDeps } from './package-deps.js';
import { Pool, type IndexedSource, type PrebuiltDeps, type UniverseColumns } from './provides-index.js';

const MAGIC = 0x425a5536; // "BZU6"
const HEADER = 17;
const FILE = 'universe.v6.bin';
/** The file's name in its directory (a directory holding only an older format's holds no cache). */
export const UNIVERSE_FILE = FILE;
/** files of earlier formats, removed when a new cache is written */
const OLD_FILES = ['universe.v3.strings', 'universe.v3.bin', 'universe.v3.deps', 'universe.v4.bin', 'universe.v5.bin'];
const FLAGS: DependencyFlags[] = ['', '=', '<', '>', '<=', '>=', '<>', '<>='];
export const CACHE_ARCH = 'x86_64';
/** ints per package ahead of its lists */
export const FIXED_INTS = 14;

/**
 * Where list `k` of the package at `at` in pkgInts starts: 0 provides, 1 requires,
 * 2 conflicts, 3 obsoletes, 4 files, 5 the package's end. List k holds `ints[at + 9 + k]`.
 */
export function listStart(ints: Int32Array, at: number, k: number): number {
  let start = at + FIXED_INTS;
  for (let j = 0; j < k; j++) start += ints[at + 9 + j];
  return start;
}

/**
 * Strings and distinct dependencies numbered for the file, and packages encoded into
 * pkgInts. Numbers count on from `strBase`/`depBase`: an update keeps a base file's
 * tables as they are and appends (universe-update.ts).
 */
export class UniverseEncoder {
  readonly strs: string[] = [];
  private readonly table = new Map<string, number>();
  readonly depTable: number[] = [];
  /** Dependency number by depKey. */
  private readonly depIndex = new Map<number | string, number>();

  constructor(private readonly strBase = 0, private readonly depBase = 0) {}

  s(x: string): number {
    let i = this.table.get(x);
    if (i === undefined) {
      if (x.includes('\n')) throw new BazaarError('ERR_BAD_INPUT', `cannot cache a string with a newline: ${JSON.stringify(x)}`);
      i = this.strBase + this.strs.length; this.strs.push(x); this.table.set(x, i);
    }
    return i;
  }

  private deps(list: Dependency[], ints: number[]): void {
    for (const d of list) {
      const code = FLAGS.indexOf(d.flags);
      if (code < 0) throw new BazaarError('ERR_BAD_INPUT', `cannot cache the dependency operator ${JSON.stringify(d.flags)} of ${d.name}`);
      const n = this.s(d.name); const f = code | (d.pre ? 8 : 0); const e = this.s(d.evr);
      const key = depKey(n, f, e);
      let k = this.depIndex.get(key);
      if (k === undefined) { k = this.depBase + this.depIndex.size; this.depIndex.set(key, k); this.depTable.push(n, f, e); }
      ints.push(k);
    }
  }

  private location(p: PackageRecord): number {
    const loc = p.location ?? '';
    if (loc === '') return this.s(loc); // a store build has none: no file name to format
    const file = fileName(p);
    return loc.endsWith(file) ? ~this.s(loc.slice(0, loc.length - file.length)) : this.s(loc);
  }

  /** Appends package `p` to `ints`: FIXED_INTS ints, then its dependency indices and files. */
  record(p: PackageRecord, ints: number[]): void {
    ints.push(this.s(p.name), p.epoch, this.s(p.version), this.s(p.release), this.s(p.arch), this.location(p),
      this.s(p.buildId ?? ''), this.s(p.disttag ?? ''), this.s(p.buildtime === undefined ? '' : String(p.buildtime)),
      p.provides.length, p.requires.length, p.conflicts.length, p.obsoletes.length, p.files.length);
    this.deps(p.provides, ints); this.deps(p.requires, ints); this.deps(p.conflicts, ints); this.deps(p.obsoletes, ints);
    for (const f of p.files) ints.push(this.s(f));
  }
}

/**
 * One number for a dependency's name string, flags and evr string while they fit in 53
 * bits (a `${n},${f},${e}` string per dependency was a tenth of a first save at 20,000
 * builds, and garbage); a string beyond.
 */
function depKey(n: number, f: number, e: number): number | string {
  return n < 2 ** 23 && e < 2 ** 26 ? (n * 16 + f) * 2 ** 26 + e : `${n},${f},${e}`;
}

/** The sections of a file, in file order; typed arrays from a base file or plain arrays. */
export interface UniverseSections {
  /** bytes of the strings, each ending in a newline, and where each starts (one more entry) */
  text: Uint8Array; strStarts: ArrayLike<number>; nHot: number; ascii: boolean;
  depTable: ArrayLike<number>; starts: ArrayLike<number>; ints: ArrayLike<number>;
  /** the string index of the answers' arch, and the answers */
  arch: number; offsets: ArrayLike<number>; data: ArrayLike<number>;
  names: NameSections;
  caps: CapabilitySections;
}

interface NameSections { strIdx: ArrayLike<number>; hash: ArrayLike<number>; memberStarts: ArrayLike<number>; members: ArrayLike<number>; nameIds: ArrayLike<number> }

/** The names section as a loaded file holds it. */
export interface NameColumns { strIdx: Int32Array; hash: Int32Array; memberStarts: Int32Array; members: Int32Array; nameIds: Int32Array }

/** The file's bytes, checksum included. */
export function assembleUniverse(x: UniverseSections): Uint8Array {
  const n = x.starts.length;
  const nNames = x.names.strIdx.length;
  const sections = [x.strStarts, x.depTable, x.starts, x.ints, x.offsets, x.data, x.names.strIdx, x.names.hash, x.names.memberStarts, x.names.members, x.names.nameIds,
  x.caps.starts, x.caps.entries, x.caps.extra];
  const nInts = HEADER + sections.reduce((a, s) => a + s.length, 0);
  const bytes = new Uint8Array(nInts * 4 + x.text.length);
  const out = new Int32Array(bytes.buffer, 0, nInts);
  out.set([MAGIC, 0, bytes.length, x.strStarts.length - 1, x.nHot, n, x.depTable.length / 3, x.ints.length, x.arch, x.data.length, x.text.length,
    x.ascii ? 1 : 0, nNames, x.names.hash.length, x.caps.starts.length - 1, x.caps.entries.length, x.caps.extra.length / 2]);
  let at = HEADER;
  for (const s of sections) { out.set(s, at); at += s.length; }
  bytes.set(x.text, nInts * 4);
  out[1] = crc32(bytes.subarray(8)) | 0;
  return bytes;
}

/** The strings' bytes and where each starts, counting on from `base` bytes. */
export function stringBytes(strs: readonly string[], base = 0): { text: Buffer; starts: number[]; ascii: boolean } {
  const joined = strs.length ? strs.join('\n') + '\n' : '';
  const text = Buffer.from(joined, 'utf8');
  const starts = new Array<number>(strs.length);
  let at = base;
  for (let i = 0; i < strs.length; i++) { starts[i] = at; at += Buffer.byteLength(strs[i]) + 1; }
  return { text, starts, ascii: text.length === joined.length };
}

/** Writes the snapshot of `source` into `dir` (atomically). */
export async function saveUniverseCache(dir: string, source: PackageSource): Promise<void> {
  await writeUniverseFile(dir, encodeUniverse(source));
}

/**
 * Every package's answers in encodePackageDeps's form, `-1` for one not installable here,
 * and where each starts: the answers section of a universe file. Computed, not through
 * pool.deps, which keeps each: 20,000 kept answers outlived the young generation and were
 * copied by the collector, for a pool dropped after the save.
 */
export function poolAnswers(pool: Pool): { offsets: number[]; data: number[] } {
  const offsets: number[] = [];
  const data: number[] = [];
  for (let id = 0; id < pool.packages.length; id++) {
    offsets.push(data.length);
    if (pool.packages[id].archScore === 0) data.push(-1); else encodePackageDeps(computePackageDeps(pool, id), data);
  }
  return { offsets, data };
}

/** The bytes of the snapshot of `source` (what saveUniverseCache writes). */
export function encodeUniverse(source: PackageSource): Uint8Array {
  const enc = new UniverseEncoder();
  const pkgs = source.packages();
  // the strings every record needs at load come first (see nHot)
  for (const p of pkgs) { enc.s(p.name); enc.s(p.version); enc.s(p.release); enc.s(p.arch); }
  const nHot = enc.strs.length;
  const starts: number[] = [];
  const ints: number[] = [];
  for (const p of pkgs) { starts.push(ints.length); enc.record(p, ints); }
  const { offsets, data } = poolAnswers(new Pool(source, { arch: CACHE_ARCH }));
  const arch = enc.s(CACHE_ARCH);
  const names = nameTable(pkgs.map((p) => p.name), (id) => enc.s(pkgs[id].name));
  const strings = stringBytes(enc.strs);
  return assembleUniverse({
    text: strings.text, strStarts: [...strings.starts, strings.text.length], nHot, ascii: strings.ascii,
    depTable: enc.depTable, starts, ints, arch, offsets, data, names,
    caps: buildCapabilityIndex({ starts, ints, depTable: enc.depTable, strs: enc.strs }, names.nameIds),
  });
}

/** Writes a file's bytes into `dir` atomically, removing the files of older formats. */
export async function writeUniverseFile(dir: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true });
  // named as the store's cache temp entries are (`.tmp-<pid>-<random>`, store/caches/paths.ts),
  // so that gc removes one a killed writer left in a commit's directory it keeps
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, FILE));
  } catch (err) {
    await rm(tmp, { force: true }); // a full disk leaves no partial file behind
    throw err;
  }
  await Promise.all(OLD_FILES.map((f) => rm(join(dir, f), { force: true })));
}

/** The hash of a name, the same at save and at lookup: the capabilities' (FNV-1a over UTF-16 code units). */
export const nameHash = capabilityHash;

/** The names section: distinct names, their hash table, and each name's packages in id order (`nameStr(id)`: the string index of package id's name). */
export function nameTable(names: readonly string[], nameStr: (id: number) => number): { strIdx: number[]; hash: number[]; memberStarts: number[]; members: number[]; nameIds: number[] } {
  const ids = new Map<string, number[]>();
  names.forEach((name, id) => { const g = ids.get(name); if (g) g.push(id); else ids.set(name, [id]); });
  let size = 8;
  while (size < ids.size * 2) size *= 2;
  const hash = new Array<number>(size).fill(0);
  const strIdx: number[] = [];
  const memberStarts: number[] = [0];
  const members: number[] = [];
  for (const [name, group] of ids) {
    let slot = nameHash(name) & (size - 1);
    while (hash[slot] !== 0) slot = (slot + 1) & (size - 1);
    hash[slot] = strIdx.length + 1;
    strIdx.push(nameStr(group[0]));
    members.push(...group);
    memberStarts.push(members.length);
  }
  const nameIds = new Array<number>(names.length);
  for (let k = 0; k < strIdx.length; k++) for (let m = memberStarts[k]; m < memberStarts[k + 1]; m++) nameIds[members[m]] = k;
  return { strIdx, hash, memberStarts, members, nameIds };
}

/** rpm's conventional file name of a package. */
function fileName(p: { name: string; version: string; release: string; arch: string }): string {
  return `${formatNvra(p)}.rpm`;
}

/** The decoded file: strings and dependencies made on first use, shared by every record. */
export class Universe {
  private readonly strs: Array<string | undefined>;
  private readonly deps: Array<Dependency | undefined>;
  readonly strStarts: Int32Array;
  readonly depTable: Int32Array;
  readonly ints: Int32Array;
  readonly text: Buffer;
  readonly ascii: boolean;
  private readonly encoding: 'latin1' | 'utf8';

  /** `strings`: every string already decoded, in file order (a builder's), taken as the cache instead of decoding them again */
  constructor(strStarts: Int32Array, depTable: Int32Array, pkgInts: Int32Array, text: Buffer, ascii: boolean, strings?: string[]) {
    const nStrings = strStarts.length - 1;
    const nDeps = depTable.length / 3;
    this.strStarts = strStarts;
    this.depTable = depTable;
    this.ints = pkgInts;
    this.text = text;
    this.ascii = ascii;
    this.encoding = ascii ? 'latin1' : 'utf8';
    this.strs = strings ?? new Array<string | undefined>(nStrings).fill(undefined);
    this.deps = new Array<Dependency | undefined>(nDeps).fill(undefined);
  }

  str(i: number): string {
    let x = this.strs[i];
    if (x === undefined) this.strs[i] = x = this.text.toString(this.encoding, this.strStarts[i], this.strStarts[i + 1] - 1);
    return x;
  }

  get stringCount(): number { return this.strs.length; }
  get depCount(): number { return this.deps.length; }

  /** Bytes of string i, its newline left out. */
  byteLength(i: number): number { return this.strStarts[i + 1] - 1 - this.strStarts[i]; }

  /** Whether string i is `x`, decoding nothing when the lengths differ (ASCII) */
  strIs(i: number, x: string): boolean {
    if (this.encoding === 'latin1' && this.byteLength(i) !== x.length) return false;
    return this.str(i) === x;
  }

  dep(k: number): Dependency {
    let d = this.deps[k];
    if (!d) {
      const t = this.depTable; const f = t[3 * k + 1];
      const name = this.str(t[3 * k]); const flags = FLAGS[f & 7]; const evr = this.str(t[3 * k + 2]);
      d = f & 8 ? { name, flags, evr, pre: true } : { name, flags, evr };
      this.deps[k] = d;
    }
    return d;
  }

  /** `count` dependencies listed at `at` in pkgInts (strList: strings) */
  depList(at: number, count: number): Dependency[] {
    const out = new Array<Dependency>(count);
    for (let k = 0; k < count; k++) out[k] = this.dep(this.ints[at + k]);
    return out;
  }

  strList(at: number, count: number): string[] {
    const out = new Array<string>(count);
    for (let k = 0; k < count; k++) out[k] = this.str(this.ints[at + k]);
    return out;
  }
}

/** A PackageRecord whose lists and optional fields are decoded on first read. */
class CachedRecord implements PackageRecord {
  readonly name: string;
  readonly epoch: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  private lists: Array<Dependency[] | undefined> | null = null;
  private fileList: string[] | null = null;

  constructor(private readonly u: Universe, private readonly at: number) {
    const x = u.ints;
    this.name = u.str(x[at]); this.epoch = x[at + 1]; this.version = u.str(x[at + 2]);
    this.release = u.str(x[at + 3]); this.arch = u.str(x[at + 4]);
  }

  /** Where list k (0 provides … 3 obsoletes, 4 files) starts in pkgInts, and its length. */
  private span(k: number): [number, number] {
    return [listStart(this.u.ints, this.at, k), this.u.ints[this.at + 9 + k]];
  }

  private list(k: number): Dependency[] {
    const lists = this.lists ??= new Array<Dependency[] | undefined>(4).fill(undefined);
    return lists[k] ??= this.u.depList(...this.span(k));
  }

  get provides(): Dependency[] { return this.list(0); }
  get requires(): Dependency[] { return this.list(1); }
  get conflicts(): Dependency[] { return this.list(2); }
  get obsoletes(): Dependency[] { return this.list(3); }
  get files(): string[] {
    return this.fileList ??= this.u.strList(...this.span(4));
  }

  private opt(k: number): string | undefined { return this.u.str(this.u.ints[this.at + k]) || undefined; }
  get location(): string | undefined {
    const i = this.u.ints[this.at + 5];
    return i < 0 ? this.u.str(~i) + fileName(this) : this.opt(5);
  }
  get buildId(): string | undefined { return this.opt(6); }
  get disttag(): string | undefined { return this.opt(7); }
  get buildtime(): number | undefined { const t = this.opt(8); return t === undefined ? undefined : Number(t); }
}

/**
 * The loaded file as a source: the pool reads names, arches and the builds of a name
 * from the columns (UniverseColumns), and a package's record is made on first use.
 */
export class CachedSource implements IndexedSource, UniverseColumns {
  readonly count: number;
  prebuiltDeps?: PrebuiltDeps;
  private readonly recs: Array<CachedRecord | undefined>;
  private all: CachedRecord[] | null = null;

  constructor(readonly label: string, readonly u: Universe, readonly starts: Int32Array, readonly nHot: number,
    /** the string index of the answers' arch, -1 when none are stored */
    readonly answersArch: number,
    readonly names: NameColumns,
    /** who offers and asks for what (capability-index.ts); empty in a universe being updated */
    readonly caps: CapabilityColumns) {
    this.count = starts.length;
    this.recs = new Array<CachedRecord | undefined>(this.count).fill(undefined);
  }

  get columns(): UniverseColumns { return this; }

  record(id: number): CachedRecord {
    return this.recs[id] ??= new CachedRecord(this.u, this.starts[id]);
  }

  packages(): readonly PackageRecord[] {
    if (!this.all) {
      const all = new Array<CachedRecord>(this.count);
      for (let id = 0; id < this.count; id++) all[id] = this.record(id);
      this.all = all;
    }
    return this.all;
  }

  archKey(id: number): number { return this.u.ints[this.starts[id] + 4]; }
  archName(key: number): string { return this.u.str(key); }

  get nameCount(): number { return this.names.strIdx.length; }
  nameId(id: number): number { return this.names.nameIds[id]; }
  nameOf(id: number): string { return this.u.str(this.u.ints[this.starts[id]]); }

  nameIdOf(name: string): number {
    const { strIdx, hash } = this.names;
    const mask = hash.length - 1;
    for (let slot = nameHash(name) & mask; hash[slot] !== 0; slot = (slot + 1) & mask) {
      const k = hash[slot] - 1;
      if (this.u.strIs(strIdx[k], name)) return k;
    }
    return -1;
  }

  idsOfName(k: number): Int32Array { return this.names.members.subarray(this.names.memberStarts[k], this.names.memberStarts[k + 1]); }
  nameSize(k: number): number { return this.names.memberStarts[k + 1] - this.names.memberStarts[k]; }

  requiresCount(id: number): number { return this.u.ints[this.starts[id] + 10]; }

  dependency(id: number, list: number, k: number): Dependency {
    return this.u.dep(this.u.ints[listStart(this.u.ints, this.starts[id], list) + k]);
  }
}

/** Loads a snapshot written by saveUniverseCache; ERR_REPO when absent, of another format or damaged. */
export async function loadUniverseCache(dir: string): Promise<CachedSource> {
  const path = join(dir, FILE);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_REPO', `${dir} holds no universe cache (${FILE})`, { cause: err });
    throw pathError(err, path, 'universe cache');
  }
  return parseUniverse(buf, path, dir);
}

/**
 * A file's bytes as a source, checked: ERR_REPO when of another format or damaged.
 * `trusted`: bytes this process assembled, whose checksum is not computed again.
 */
export function parseUniverse(buf: Buffer, path: string, label: string, trusted = false): CachedSource {
  if (buf.byteOffset % 4 !== 0) buf = Buffer.from(buf); // an Int32Array view needs alignment
  const damaged = (why: string): BazaarError => new BazaarError('ERR_REPO', `${path} is damaged (${why}); it will be rebuilt`);
  if (buf.length < HEADER * 4) throw damaged('truncated');
  const head = new Int32Array(buf.buffer, buf.byteOffset, HEADER);
  if (head[0] !== MAGIC) throw new BazaarError('ERR_REPO', `${path} is not a bazaar universe cache of this version`);
  if (head[2] !== buf.length) throw damaged('wrong length');
  if (!trusted && (crc32(buf.subarray(8)) | 0) !== head[1]) throw damaged('checksum mismatch');
  const [, , , nStrings, nHot, n, nDeps, nPkgInts, archStr, nData, nText, ascii, nNames, hashSize, nBuckets, nEntries, nExtra] = head;
  const nInts = HEADER + (nStrings + 1) + 3 * nDeps + n + nPkgInts + n + nData + nNames + hashSize + (nNames + 1) + n + n + (nBuckets + 1) + nEntries + 2 * nExtra;
  if (nInts * 4 + nText !== buf.length || (hashSize & (hashSize - 1)) !== 0 || hashSize < Math.max(8, nNames) || nBuckets < 8 || (nBuckets & (nBuckets - 1)) !== 0) {
    throw damaged('sections do not add up');
  }
  const ints = new Int32Array(buf.buffer, buf.byteOffset, nInts);
  let at = HEADER + nStrings + 1 + 3 * nDeps;
  const starts = ints.subarray(at, at += n);
  const pkgInts = ints.subarray(at, at += nPkgInts);
  const offsets = ints.subarray(at, at += n);
  const data = ints.subarray(at, at += nData);
  const names = {
    strIdx: ints.subarray(at, at += nNames), hash: ints.subarray(at, at += hashSize),
    memberStarts: ints.subarray(at, at += nNames + 1), members: ints.subarray(at, at += n),
    nameIds: ints.subarray(at, at += n),
  };
  const caps = { starts: ints.subarray(at, at += nBuckets + 1), entries: ints.subarray(at, at += nEntries), extra: ints.subarray(at, at += 2 * nExtra) };
  const u = new Universe(ints.subarray(HEADER, HEADER + nStrings + 1), ints.subarray(HEADER + nStrings + 1, HEADER + nStrings + 1 + 3 * nDeps),
    pkgInts, buf.subarray(nInts * 4), ascii === 1);
  const source = new CachedSource(label, u, starts, nHot, archStr, names, caps);
  if (archStr >= 0) source.prebuiltDeps = { arch: u.str(archStr), offsets, data };
  return source;
}
