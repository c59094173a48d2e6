/**
 * Streaming reader of rpm-md `primary.xml` (plain, gz, zst, xz, bz2: sniffed from the
 * magic bytes, decoded by compress/decompress-stream.ts).
 *
 * The scanner walks the decompressed bytes `<` to `>` and makes a string only for a
 * value it keeps (a name, a version, a new dependency): decoding the whole document to
 * strings, and the garbage that made, was most of the parse time. A dependency entry
 * seen before is found by a hash of its bytes (EntryTable).
 *
 * A purpose-built scanner instead of a general XML parser: primary.xml is
 * machine-written (createrepo_c, libsolv, our own server), has no CDATA, no DTD and no
 * raw `<` in text, and we need a dozen tags out of it. Complete `<package>` blocks are
 * cut from the decompressed bytes as they stream and scanned, so
 * memory holds one chunk plus the records, never the whole document, and no parser
 * dependency is added (see docs/resolver.md#design).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { formatEvr } from '../rpm/index.js';
import type { Dependency, DependencyFlags } from '../rpm/index.js';
import { decompressStream, sniffCompression } from '../compress/index.js';
import { BazaarError, isErrno } from '../errors.js';
import type { PackageRecord } from '../resolver/index.js';
import { decodeXmlText } from './xml-text.js';

const PACKAGE_END = Buffer.from('</package>');
const FLAGS: Record<string, DependencyFlags> = { EQ: '=', LT: '<', GT: '>', LE: '<=', GE: '>=' };
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUOT = 0x22;
const APOS = 0x27;
const AMP = 0x26;
const EQUALS = 0x3d;

/** Buffer's own decoders, without toString's argument handling: one call per value read. */
interface Slices { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string }

const enum Tag { Other, Entry, Package, Name, Arch, Version, Location, Format, File, Checksum, Size, Provides, Requires, Conflicts, Obsoletes, Weak }
/** The tags this reader acts on, most frequent first; any other tag is Tag.Other. */
const TAGS: Array<[Uint8Array, Tag]> = ([
  ['rpm:entry', Tag.Entry], ['package', Tag.Package], ['name', Tag.Name], ['arch', Tag.Arch], ['version', Tag.Version],
  ['location', Tag.Location], ['format', Tag.Format], ['file', Tag.File],
  ['rpm:provides', Tag.Provides], ['rpm:requires', Tag.Requires], ['rpm:conflicts', Tag.Conflicts], ['rpm:obsoletes', Tag.Obsoletes],
  // weak dependencies are read past: the resolver ignores them, as `solve_libsolv.py` does.
  ['rpm:recommends', Tag.Weak], ['rpm:suggests', Tag.Weak], ['rpm:supplements', Tag.Weak], ['rpm:enhances', Tag.Weak],
  ['checksum', Tag.Checksum], ['size', Tag.Size],
] as Array<[string, Tag]>).map(([t, k]) => [Buffer.from(t), k]);

/** TAGS by a hash of their name (nameHash, masked): a tag name is compared with at most a known name or two. */
const TAG_BUCKETS = 127;
const BY_HASH: Array<Array<[Uint8Array, Tag]> | undefined> = [];
for (const t of TAGS) {
  let h = 0;
  for (const c of t[0]) h = (Math.imul(h, 31) + c) | 0;
  (BY_HASH[h & TAG_BUCKETS] ??= []).push(t);
}

/** Hash of the last name nameEnd passed over (module state: one tag at a time). */
let nameHash = 0;

/** The tag named by b[from, to), which nameEnd has just hashed: compared as bytes, no string made for a tag name. */
function tagOf(b: Uint8Array, from: number, to: number): Tag {
  const list = BY_HASH[nameHash & TAG_BUCKETS];
  if (list === undefined) return Tag.Other; // most unread tags (summary, description, rpm:license …) stop here
  const len = to - from;
  for (let i = 0; i < list.length; i++) {
    const t = list[i][0];
    if (t.length !== len) continue;
    let k = 0;
    while (k < len && b[from + k] === t[k]) k++;
    if (k === len) return list[i][1];
  }
  return Tag.Other;
}

const COMMENT = Buffer.from('<!--');
const CDATA = Buffer.from('<![CDATA[');
function startsAt(b: Uint8Array, word: Uint8Array, at: number): boolean {
  let k = 0;
  while (k < word.length && b[at + k] === word[k]) k++;
  return k === word.length;
}

/** End of the tag name starting at `from`; hashes the name into `nameHash` for tagOf. */
function nameEnd(b: Uint8Array, from: number): number {
  let k = from;
  let h = 0;
  for (; k < b.length; k++) {
    const c = b[k];
    if (c === 0x20 || c === SLASH || c === GT || c === 0x0a || c === 0x09 || c === 0x0d) break;
    h = (Math.imul(h, 31) + c) | 0;
  }
  nameHash = h;
  return k;
}

/**
 * Index of the next `<` from `from`, -1 when none. Between most tags lie a few bytes
 * (indentation, a name), read here; a longer text (a description) goes to the native
 * search: a native call per tag was more than the few bytes it saved reading.
 */
function nextTag(b: Buffer, from: number): number {
  const near = Math.min(b.length, from + 16);
  for (let k = from; k < near; k++) if (b[k] === LT) return k;
  return near === b.length ? -1 : b.indexOf(LT, near);
}

/** Index of the `>` closing a tag whose attributes start at `from`, skipping `>` inside quoted values; -1 when absent. */
function tagEnd(b: Uint8Array, from: number): number {
  let quote = 0;
  for (let k = from; k < b.length; k++) {
    const c = b[k];
    if (quote !== 0) { if (c === quote) quote = 0; } else if (c === GT) return k; else if (c === QUOT || c === APOS) quote = c;
  }
  return -1;
}

/** tagEnd that also hashes the bytes it passes (FNV-1a) into `entryHash`: one pass over an entry. */
let entryHash = 0;
function tagEndHashed(b: Uint8Array, from: number): number {
  let quote = 0;
  let h = 0x811c9dc5;
  for (let k = from; k < b.length; k++) {
    const c = b[k];
    if (quote !== 0) { if (c === quote) quote = 0; } else if (c === GT) { entryHash = h | 0; return k; } else if (c === QUOT || c === APOS) quote = c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return -1;
}

/** Text of b[from, to): latin1 when ASCII (most values, and cheaper), else UTF-8; entities decoded. */
function textOf(b: Uint8Array, from: number, to: number): string {
  let high = false;
  let amp = false;
  for (let k = from; k < to; k++) { const c = b[k]; if (c >= 0x80) high = true; else if (c === AMP) amp = true; }
  const s = b as unknown as Slices;
  const x = high ? s.utf8Slice(from, to) : s.latin1Slice(from, to);
  return amp ? decodeXmlText(x) : x;
}

/** The attributes this reader reads, as slots of `attrAt` (start, end of the value). */
const enum A { Name, Flags, Epoch, Ver, Rel, Pre, Href, Type, Package }
const ATTR_NAMES: Array<[Uint8Array, A]> = ([['name', A.Name], ['flags', A.Flags], ['epoch', A.Epoch], ['ver', A.Ver], ['rel', A.Rel],
['pre', A.Pre], ['href', A.Href], ['type', A.Type], ['package', A.Package]] as Array<[string, A]>).map(([t, k]) => [Buffer.from(t), k]);
const attrAt = new Int32Array(2 * ATTR_NAMES.length);
/** ATTR_NAMES by name length then first byte (length * 256 + byte): one lookup per attribute, no loop over the names. */
const ATTR_BY_KEY = new Map<number, [Uint8Array, A]>(ATTR_NAMES.map((x) => [x[0].length * 256 + x[0][0], x]));

function isSpace(c: number): boolean { return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d; }

/** Finds the attributes of the tag text b[from, to) (reused slots: one tag at a time). */
function readAttrs(b: Uint8Array, from: number, to: number): void {
  attrAt.fill(-1);
  let k = from;
  while (k < to) {
    let eq = k;
    while (eq < to && b[eq] !== EQUALS) eq++;
    if (eq >= to) break;
    const quote = b[eq + 1];
    if (quote !== QUOT && quote !== APOS) break;
    let end = eq + 2;
    while (end < to && b[end] !== quote) end++;
    if (end >= to) break;
    let ks = k;
    let ke = eq;
    while (ks < ke && isSpace(b[ks])) ks++;
    while (ke > ks && isSpace(b[ke - 1])) ke--;
    const known = ATTR_BY_KEY.get((ke - ks) * 256 + b[ks]);
    if (known !== undefined) {
      const name = known[0];
      let j = 1;
      while (j < name.length && b[ks + j] === name[j]) j++;
      if (j === name.length) { attrAt[2 * known[1]] = eq + 2; attrAt[2 * known[1] + 1] = end; }
    }
    k = end + 1;
  }
}

/** Value of an attribute found by the last readAttrs ('' when absent). */
function attr(b: Uint8Array, slot: A): string {
  const s = attrAt[2 * slot];
  return s < 0 ? '' : textOf(b, s, attrAt[2 * slot + 1]);
}

/** The comparison of the `flags` attribute found by the last readAttrs ('' when absent or not one of FLAGS). */
function flagsOf(b: Uint8Array): DependencyFlags {
  const from = attrAt[2 * A.Flags];
  if (from >= 0 && attrAt[2 * A.Flags + 1] - from === 2) {
    // the five names by their bytes: no string made for the usual spelling
    const c0 = b[from];
    const c1 = b[from + 1];
    if (c0 === 0x45 /* E */ && c1 === 0x51 /* Q */) return '=';
    if (c0 === 0x4c /* L */ || c0 === 0x47 /* G */) {
      if (c1 === 0x54 /* T */) return c0 === 0x4c ? '<' : '>';
      if (c1 === 0x45 /* E */) return c0 === 0x4c ? '<=' : '>=';
    }
  }
  const fl = attr(b, A.Flags);
  return fl && Object.hasOwn(FLAGS, fl) ? FLAGS[fl] : '';
}

/** Bytes of one EVR being put together (evrOf); grown when a value is longer. */
let evrBytes = Buffer.alloc(256);

/**
 * `epoch:ver-rel` of the attributes found by the last readAttrs, as formatEvr writes it
 * (an absent or empty epoch or release is left out with its separator). The bytes are
 * joined first and made a string once: three strings and a concatenation per distinct
 * dependency were a tenth of the parse.
 */
function evrOf(b: Uint8Array): string {
  const parts = [A.Epoch, A.Ver, A.Rel];
  let need = 2;
  for (const a of parts) if (attrAt[2 * a] >= 0) need += attrAt[2 * a + 1] - attrAt[2 * a];
  if (need > evrBytes.length) evrBytes = Buffer.alloc(2 * need);
  const out = evrBytes;
  let n = 0;
  let high = false;
  let amp = false;
  const copy = (a: A): boolean => {
    const from = attrAt[2 * a];
    const to = attrAt[2 * a + 1];
    if (from < 0 || from === to) return false;
    for (let k = from; k < to; k++) { const c = b[k]; if (c >= 0x80) high = true; else if (c === AMP) amp = true; out[n++] = c; }
    return true;
  };
  if (copy(A.Epoch)) out[n++] = 0x3a; // ':'
  copy(A.Ver);
  const beforeRel = n;
  out[n++] = 0x2d; // '-'
  if (!copy(A.Rel)) n = beforeRel;
  if (amp) return formatEvr({ epoch: attr(b, A.Epoch) || null, version: attr(b, A.Ver), release: attr(b, A.Rel) || null });
  const s = out as unknown as Slices;
  return high ? s.utf8Slice(0, n) : s.latin1Slice(0, n);
}

/**
 * Dependencies by the bytes of their entry tag: the same entry ("libc6 >= 2.34") recurs
 * across thousands of packages, and is looked up by a hash of its bytes, so one shared,
 * never-mutated Dependency is made per distinct entry and no string per repeat.
 */
class EntryTable {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** open addressing, two ints a slot: the entry's hash and its index + 1 (0: empty); one cache line answers most probes */
  private slots = new Int32Array(2 << 12);
  /** per entry: start and length of its bytes */
  private spans = new Int32Array(2 << 10);
  private readonly deps: Dependency[] = [];

  find(b: Uint8Array, from: number, to: number, h: number): Dependency | undefined {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const len = to - from;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i + 1] - 1;
      if (e < 0) return undefined;
      if (slots[2 * i] !== h || this.spans[2 * e + 1] !== len) continue;
      const s = this.spans[2 * e];
      const bytes = this.bytes;
      let k = 0;
      while (k < len && bytes[s + k] === b[from + k]) k++;
      if (k === len) return this.deps[e];
    }
  }

  add(b: Uint8Array, from: number, to: number, h: number, dep: Dependency): void {
    const len = to - from;
    if (this.used + len > this.bytes.length) this.bytes = grown(this.bytes, this.used + len);
    // a loop, not set(b.subarray()): subarray makes a Buffer through its species constructor
    const bytes = this.bytes;
    for (let k = 0, at = this.used; k < len; k++) bytes[at + k] = b[from + k];
    const e = this.deps.length;
    if (2 * e + 2 > this.spans.length) this.spans = grown(this.spans, 2 * e + 2);
    this.spans[2 * e] = this.used; this.spans[2 * e + 1] = len;
    this.deps.push(dep);
    this.used += len;
    if (4 * (e + 1) > this.slots.length) this.rehash(); else this.place(h, e);
  }

  private place(h: number, e: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let i = h & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = h; slots[2 * i + 1] = e + 1;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * old.length);
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.place(old[i], old[i + 1] - 1);
  }
}

/** A copy of `a` with room for at least `need` items (doubling). */
function grown<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  const out = new (a.constructor as new (n: number) => T)(Math.max(2 * a.length, need));
  out.set(a);
  return out;
}

/**
 * A package as primary.xml lists it, with what a mirror checks a download against:
 * `checksum` (`<checksum type=...>`, the algorithm as primary names it) and `packageSize`
 * (`<size package=...>`). Read only when asked (`checksums`): the resolver needs neither.
 */
export interface PrimaryPackage extends PackageRecord {
  checksum?: { type: string; value: string };
  packageSize?: number;
}

/** Scans complete `<package>` elements in the bytes it is given, calling `emit` for each. */
export class PrimaryScanner {
  private cur: PrimaryPackage | null = null;
  private section: Dependency[] | null = null;
  private inFormat = false;
  private readonly entries = new EntryTable();
  count = 0;

  constructor(private readonly emit: (p: PrimaryPackage) => void, private readonly checksums = false) {}

  /** The list a dependency section of `cur` adds to: made on its first section (a second one of a kind adds to it). */
  private static list(cur: PrimaryPackage, tag: Tag): Dependency[] {
    const key = tag === Tag.Provides ? 'provides' : tag === Tag.Requires ? 'requires' : tag === Tag.Conflicts ? 'conflicts' : 'obsoletes';
    const list = cur[key];
    return list === NONE ? (cur[key] = []) : list;
  }

  /** Text content after the tag ending at `gt`, up to the next tag. */
  private static content(b: Uint8Array, gt: number): string {
    let end = gt + 1;
    while (end < b.length && b[end] !== LT) end++;
    return textOf(b, gt + 1, end);
  }

  scan(b: Buffer): void {
    const len = b.length;
    let i = 0;
    while (i < len) {
      const lt = nextTag(b, i);
      if (lt < 0) break;
      const c1 = b[lt + 1];
      if (c1 === 0x21 /* ! */ || c1 === 0x3f /* ? */) {
        // comment, CDATA or declaration: nothing we read lives there
        const close = startsAt(b, COMMENT, lt) ? b.indexOf('-->', lt) + 2 : startsAt(b, CDATA, lt) ? b.indexOf(']]>', lt) + 2 : b.indexOf(GT, lt);
        if (close < 2) break;
        i = close + 1;
        continue;
      }
      if (c1 === SLASH) {
        const ne = nameEnd(b, lt + 2);
        let gt = ne; // a closing tag's `>` is where its name ends, or a few blanks on
        while (gt < len && b[gt] !== GT) gt++;
        if (gt === len) gt = -1;
        if (gt < 0) break;
        i = gt + 1;
        const tag = tagOf(b, lt + 2, ne);
        if (tag === Tag.Package) this.finish();
        else if (tag === Tag.Format) this.inFormat = false;
        else if (tag >= Tag.Provides) this.section = null;
        continue;
      }
      const ne = nameEnd(b, lt + 1);
      const tag = tagOf(b, lt + 1, ne);
      const gt = tag === Tag.Entry ? tagEndHashed(b, ne) : tagEnd(b, ne);
      if (gt < 0) break;
      i = gt + 1;
      if (tag === Tag.Entry) {
        const sec = this.section;
        if (!sec) continue;
        const h = entryHash;
        sec.push(this.entries.find(b, ne, gt, h) ?? this.newEntry(b, ne, gt, h));
      } else if (tag !== Tag.Other) this.open(tag, b, ne, gt);
    }
  }

  /*
   * The loop above keeps to what every tag and entry runs, and these two hold the rest:
   * TurboFan compiles `scan` two to five times in a cold load (on-stack replacement, the
   * whole function, again after a map changes), and with every case inlined each compile
   * took 15-35 ms of a worker thread, which under load is time taken from the scan.
   */

  /** The Dependency of an entry tag b[ne, gt) not seen before (h: its hash), remembered. */
  private newEntry(b: Buffer, ne: number, gt: number, h: number): Dependency {
    readAttrs(b, ne, b[gt - 1] === SLASH ? gt - 1 : gt);
    const name = attr(b, A.Name);
    const flags = flagsOf(b);
    const evr = flags === '' ? '' : evrOf(b);
    const pre = attr(b, A.Pre);
    const dep: Dependency = pre === '1' || pre === 'true' ? { name, flags, evr, pre: true } : { name, flags, evr };
    this.entries.add(b, ne, gt, h, dep);
    return dep;
  }

  /** Acts on an opening tag other than an entry, named b[.., ne), its attributes up to the `>` at gt. */
  private open(tag: Tag, b: Buffer, ne: number, gt: number): void {
    const selfClosing = b[gt - 1] === SLASH;
    const attrsEnd = selfClosing ? gt - 1 : gt;
    const cur = this.cur;
    switch (tag) {
      case Tag.Package:
        this.cur = { name: '', epoch: 0, version: '', release: '', arch: '', provides: NONE, requires: NONE, conflicts: NONE, obsoletes: NONE, files: NONE };
        this.section = null;
        this.inFormat = false;
        break;
      case Tag.Name:
        if (cur && !this.inFormat && !selfClosing) cur.name = PrimaryScanner.content(b, gt);
        break;
      case Tag.Arch:
        if (cur && !selfClosing) cur.arch = PrimaryScanner.content(b, gt);
        break;
      case Tag.Version:
        if (cur) {
          readAttrs(b, ne, attrsEnd);
          const epoch = attr(b, A.Epoch);
          cur.epoch = epoch ? Number(epoch) : 0;
          cur.version = attr(b, A.Ver);
          cur.release = attr(b, A.Rel);
        }
        break;
      case Tag.Location:
        if (cur) { readAttrs(b, ne, attrsEnd); cur.location = attr(b, A.Href) || undefined; }
        break;
      case Tag.Format:
        this.inFormat = !selfClosing;
        break;
      case Tag.Checksum:
        if (cur && this.checksums && !selfClosing) {
          readAttrs(b, ne, attrsEnd);
          cur.checksum = { type: attr(b, A.Type), value: PrimaryScanner.content(b, gt).trim().toLowerCase() };
        }
        break;
      case Tag.Size:
        if (cur && this.checksums) {
          readAttrs(b, ne, attrsEnd);
          const size = attr(b, A.Package);
          if (/^\d+$/.test(size)) cur.packageSize = Number(size);
        }
        break;
      case Tag.File:
        if (cur && this.inFormat && !selfClosing) (cur.files === NONE ? (cur.files = []) : cur.files).push(PrimaryScanner.content(b, gt));
        break;
      case Tag.Provides: case Tag.Requires: case Tag.Conflicts: case Tag.Obsoletes:
        if (cur) this.section = selfClosing ? null : PrimaryScanner.list(cur, tag);
        break;
      case Tag.Weak:
        if (cur) this.section = null;
        break;
    }
  }

  private finish(): void {
    const p = this.cur;
    this.cur = null;
    this.section = null;
    this.inFormat = false;
    if (!p) return;
    if (!p.name || !p.arch) throw new BazaarError('ERR_REPO', `primary.xml: package #${this.count + 1} has no name or arch`);
    // exact-size copies of the lists: a pushed-to array keeps room for 17 and more, and at
    // 60,000 packages that slack was tens of MB the garbage collector copied (the copies'
    // growing originals die young, which costs it nothing)
    p.provides = exact(p.provides); p.requires = exact(p.requires); p.conflicts = exact(p.conflicts);
    p.obsoletes = exact(p.obsoletes); p.files = exact(p.files);
    this.count++;
    this.emit(p);
  }
}

/**
 * The list of every empty dependency or file list: frozen, so that a reader that pushes
 * to a record's list fails rather than adds to every package's. Most packages have no
 * conflicts, obsoletes or files, and an empty array each was 190,000 objects in the Debian
 * universe, all copied by the garbage collector (the Dependency objects are shared already).
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** `list` in an array of exactly its length, NONE when empty. */
function exact<T>(list: T[]): T[] { return list.length === 0 ? NONE : list.slice(); }

export interface ReadPrimaryOptions {
  /** Also read each package's checksum and size (PrimaryPackage). */
  checksums?: boolean;
  /** Refuse a document that decompresses to more bytes than this (a gzip bomb). */
  maxBytes?: number;
}

/**
 * Streams a primary.xml file (any supported compression) and calls `onPackage` for each
 * package in document order. Resolves with the package count.
 */
export async function readPrimary(file: string, onPackage: (p: PrimaryPackage) => void, options: ReadPrimaryOptions = {}): Promise<number> {
  const scanner = new PrimaryScanner(onPackage, options.checksums === true);
  const maxBytes = options.maxBytes ?? Infinity;
  let expanded = 0;
  // The decompressed bytes are scanned as bytes, cut after a `</package>` so that every
  // package is scanned whole: no chunk is decoded to a string (only the values read
  // are), and no chunk is copied except the tail of one package across two chunks.
  const scanBytes = (b: Buffer): void => { if (b.length) scanner.scan(b); };
  let rest: Buffer = Buffer.alloc(0);
  const feed = (chunk: Buffer): void => {
    const last = chunk.lastIndexOf(PACKAGE_END);
    if (last < 0) { rest = Buffer.concat([rest, chunk]); return; }
    const cut = last + PACKAGE_END.length;
    const first = chunk.indexOf(PACKAGE_END) + PACKAGE_END.length;
    if (rest.length) { scanBytes(Buffer.concat([rest, chunk.subarray(0, first)])); scanBytes(chunk.subarray(first, cut)); } else scanBytes(chunk.subarray(0, cut));
    rest = Buffer.from(chunk.subarray(cut)); // a copy: the chunk's memory may be reused
  };
  try {
    const head = Buffer.alloc(8);
    const fh = await open(file, 'r');
    try { await fh.read(head, 0, 8, 0); } finally { await fh.close(); }
    const kind = sniffCompression(head) ?? 'none';
    // gzip (the common case) gets 1 MiB output chunks: with zlib's 16 KiB default the
    // scanner runs on many small pieces and waits on the thread pool between them
    const dec = kind === 'gzip' ? createGunzip({ chunkSize: 1 << 20 }) : decompressStream(kind);
    const src = createReadStream(file, { highWaterMark: 1 << 20 });
    const piping = pipeline(src, dec);
    piping.catch(() => {}); // awaited below; a throw out of the loop must not leave it unhandled
    for await (const out of dec as AsyncIterable<Buffer>) {
      expanded += out.length;
      if (expanded > maxBytes) {
        src.destroy();
        throw new BazaarError('ERR_REPO', `${file} decompresses to more than ${maxBytes} bytes; refusing it`, { data: { file, maxBytes } });
      }
      feed(out);
    }
    await piping;
    scanBytes(rest);
  } catch (err) {
    if (err instanceof BazaarError) throw err;
    if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_REPO', `${file} does not exist`, { cause: err, data: { file } });
    throw new BazaarError('ERR_REPO', `cannot read ${file}: ${(err as Error).message}`, { cause: err, data: { file } });
  }
  return scanner.count;
}
