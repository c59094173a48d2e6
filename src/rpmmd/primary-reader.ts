/**
 * Streaming reader of rpm-md `primary.xml` (plain, gz, zst, xz, bz2: sniffed from the
 * magic bytes, decoded by compress/decompress-stream.ts).
 *
 * The scanner walks `<` to `>` with indexOf and reads only the attributes it needs,
 * because allocation (regex matches, attribute objects) was most of the parse time.
 *
 * A purpose-built scanner instead of a general XML parser: primary.xml is
 * machine-written (createrepo_c, libsolv, our own server), has no CDATA, no DTD and no
 * raw `<` in text, and we need a dozen tags out of it. Complete `<package>` blocks are
 * cut from the decompressed bytes as they stream, then decoded and scanned, so
 * memory holds one chunk plus the records, never the whole document, and no parser
 * dependency is added (see docs/resolver.md#design).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { isAscii } from 'node:buffer';
import { formatEvr } from '../rpm/index.js';
import type { Dependency, DependencyFlags } from '../rpm/index.js';
import { decompressStream, sniffCompression } from '../compress/index.js';
import { BazaarError, isErrno } from '../errors.js';
import type { PackageRecord } from '../resolver/index.js';
import { decodeXmlText, ownString } from './xml-text.js';

const PACKAGE_END = Buffer.from('</package>');
/**
 * Bytes decoded to one string at a time: small enough for V8's young generation. A
 * string of a whole 1 MiB chunk goes to the large-object space, fresh memory each time.
 */
const PIECE = 48 << 10;
const FLAGS: Record<string, DependencyFlags> = { EQ: '=', LT: '<', GT: '>', LE: '<=', GE: '>=' };
type DepSection = 'provides' | 'requires' | 'conflicts' | 'obsoletes';
const SECTIONS: Record<string, DepSection | null> = {
  'rpm:provides': 'provides', 'rpm:requires': 'requires', 'rpm:conflicts': 'conflicts', 'rpm:obsoletes': 'obsoletes',
  // weak dependencies are read past: the resolver ignores them, as `solve_libsolv.py` does.
  'rpm:recommends': null, 'rpm:suggests': null, 'rpm:supplements': null, 'rpm:enhances': null,
};

/** Index of the `>` closing the tag opened at `lt`, skipping `>` inside quoted values. */
function tagEnd(text: string, lt: number): number {
  let gt = text.indexOf('>', lt);
  for (; ;) {
    if (gt < 0) return -1;
    const q = text.indexOf('"', lt);
    if (q < 0 || q > gt) return gt;
    // count quotes between lt and gt: odd means the > is inside a value
    let n = 0;
    for (let k = text.indexOf('"', lt); k >= 0 && k < gt; k = text.indexOf('"', k + 1)) n++;
    if (n % 2 === 0) return gt;
    gt = text.indexOf('>', gt + 1);
  }
}

/** End of the tag name starting at `from` (before `to`, the tag's `>`). */
function nameEnd(text: string, from: number, to: number): number {
  let ne = from;
  while (ne < to) {
    const c = text.charCodeAt(ne);
    if (c === 0x20 || c === 0x2f || c === 0x0a || c === 0x09 || c === 0x0d) break;
    ne++;
  }
  return ne;
}

/** The tags this reader acts on, most frequent first; any other tag is ''. */
const TAGS = ['rpm:entry', 'package', 'name', 'arch', 'version', 'location', 'format', 'file', ...Object.keys(SECTIONS), 'checksum', 'size'];

/**
 * The tag named by text[from, to) as one of TAGS, without slicing: a new string per tag
 * (millions of them) was a good part of the garbage collected during a parse.
 */
function tagName(text: string, from: number, to: number): string {
  const len = to - from;
  for (const t of TAGS) if (t.length === len && text.startsWith(t, from)) return t;
  return '';
}

/**
 * Reads the attributes of the tag text between `from` and `to` in one pass into `out`
 * (a reused object: only the keys this reader asks for matter, and each call resets them).
 */
const ATTRS = { name: '', flags: '', epoch: '', ver: '', rel: '', pre: '', href: '', type: '', package: '' };
type AttrName = keyof typeof ATTRS;
function readAttrs(text: string, from: number, to: number): typeof ATTRS {
  const out = ATTRS;
  out.name = ''; out.flags = ''; out.epoch = ''; out.ver = ''; out.rel = ''; out.pre = ''; out.href = ''; out.type = ''; out.package = '';
  let k = from;
  while (k < to) {
    const eq = text.indexOf('=', k);
    if (eq < 0 || eq >= to) break;
    const key = text.slice(k, eq).trim();
    const quote = text.charCodeAt(eq + 1);
    if (quote !== 0x22 && quote !== 0x27) break;
    const end = text.indexOf(quote === 0x22 ? '"' : "'", eq + 2);
    if (end < 0) break;
    if (key in out) out[key as AttrName] = decodeXmlText(text.slice(eq + 2, end));
    k = end + 1;
  }
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

/** Scans complete `<package>` elements in `text`, calling `emit` for each. */
export class PrimaryScanner {
  private cur: PrimaryPackage | null = null;
  private section: Dependency[] | null = null;
  private inFormat = false;
  private readonly interned = new Map<string, Dependency>();
  count = 0;

  constructor(private readonly emit: (p: PrimaryPackage) => void, private readonly checksums = false) {}

  scan(text: string): void {
    let i = 0;
    const len = text.length;
    while (i < len) {
      const lt = text.indexOf('<', i);
      if (lt < 0) break;
      const c1 = text.charCodeAt(lt + 1);
      if (c1 === 0x21 /* ! */ || c1 === 0x3f /* ? */) {
        // comment, CDATA or declaration: nothing we read lives there
        const close = text.startsWith('<!--', lt) ? text.indexOf('-->', lt) + 2 : text.startsWith('<![CDATA[', lt) ? text.indexOf(']]>', lt) + 2 : text.indexOf('>', lt);
        if (close < 2) break;
        i = close + 1;
        continue;
      }
      const gt = tagEnd(text, lt);
      if (gt < 0) break;
      i = gt + 1;
      if (c1 === 0x2f /* / */) {
        const tag = tagName(text, lt + 2, nameEnd(text, lt + 2, gt));
        if (tag === 'package') this.finish();
        else if (tag === 'format') this.inFormat = false;
        else if (tag in SECTIONS) this.section = null;
        continue;
      }
      const ne = nameEnd(text, lt + 1, gt);
      const tag = tagName(text, lt + 1, ne);
      const selfClosing = text.charCodeAt(gt - 1) === 0x2f;
      const cur = this.cur;
      switch (tag) {
        case 'rpm:entry': {
          const sec = this.section;
          if (!sec) break;
          // the same entry text recurs across thousands of packages ("libc6 >= 2.34"):
          // one shared, never-mutated Dependency per distinct text
          const key = text.slice(ne, gt);
          let dep = this.interned.get(key);
          if (!dep) {
            const a = readAttrs(text, ne, selfClosing ? gt - 1 : gt);
            const name = a.name;
            const flags = a.flags ? FLAGS[a.flags] ?? '' : '';
            let evr = '';
            if (flags !== '') evr = ownString(formatEvr({ epoch: a.epoch || null, version: a.ver, release: a.rel || null }));
            const pre = a.pre;
            dep = pre === '1' || pre === 'true' ? { name, flags, evr, pre: true } : { name, flags, evr };
            this.interned.set(ownString(key), dep); // a slice would keep the whole piece alive
          }
          sec.push(dep);
          break;
        }
        case 'package':
          this.cur = { name: '', epoch: 0, version: '', release: '', arch: '', provides: [], requires: [], conflicts: [], obsoletes: [], files: [] };
          this.section = null;
          this.inFormat = false;
          break;
        case 'name':
          if (cur && !this.inFormat && !selfClosing) cur.name = decodeXmlText(text.slice(gt + 1, text.indexOf('<', gt)));
          break;
        case 'arch':
          if (cur && !selfClosing) cur.arch = decodeXmlText(text.slice(gt + 1, text.indexOf('<', gt)));
          break;
        case 'version':
          if (cur) {
            const a = readAttrs(text, ne, selfClosing ? gt - 1 : gt);
            cur.epoch = a.epoch ? Number(a.epoch) : 0;
            cur.version = a.ver;
            cur.release = a.rel;
          }
          break;
        case 'location':
          if (cur) cur.location = readAttrs(text, ne, selfClosing ? gt - 1 : gt).href || undefined;
          break;
        case 'format':
          this.inFormat = !selfClosing;
          break;
        case 'checksum':
          if (cur && this.checksums && !selfClosing) {
            cur.checksum = { type: readAttrs(text, ne, gt).type, value: text.slice(gt + 1, text.indexOf('<', gt)).trim().toLowerCase() };
          }
          break;
        case 'size':
          if (cur && this.checksums) {
            const size = readAttrs(text, ne, selfClosing ? gt - 1 : gt).package;
            if (/^\d+$/.test(size)) cur.packageSize = Number(size);
          }
          break;
        case 'file':
          if (cur && this.inFormat && !selfClosing) cur.files.push(decodeXmlText(text.slice(gt + 1, text.indexOf('<', gt))));
          break;
        default:
          if (cur && tag in SECTIONS) {
            const sec = SECTIONS[tag];
            this.section = sec && !selfClosing ? cur[sec] : null;
          }
      }
    }
  }

  private finish(): void {
    const p = this.cur;
    this.cur = null;
    this.section = null;
    this.inFormat = false;
    if (!p) return;
    if (!p.name || !p.arch) throw new BazaarError('ERR_REPO', `primary.xml: package #${this.count + 1} has no name or arch`);
    this.count++;
    this.emit(p);
  }
}

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
  // The decompressed bytes are cut after a `</package>` (ASCII, so never inside a UTF-8
  // sequence) and each piece decoded whole: an ASCII piece, nearly all of them, as
  // latin1, several times cheaper than UTF-8 decoding, and no string concatenation of
  // whole chunks (a StringDecoder plus `rest + chunk` cost more than the scan itself).
  const scanBytes = (b: Buffer): void => { if (b.length) scanner.scan(b.toString(isAscii(b) ? 'latin1' : 'utf8')); };
  let rest: Buffer = Buffer.alloc(0);
  const feed = (chunk: Buffer): void => {
    const first = chunk.indexOf(PACKAGE_END);
    if (first < 0) { rest = Buffer.concat([rest, chunk]); return; }
    const last = chunk.lastIndexOf(PACKAGE_END) + PACKAGE_END.length;
    scanBytes(Buffer.concat([rest, chunk.subarray(0, first + PACKAGE_END.length)]));
    for (let from = first + PACKAGE_END.length; from < last;) {
      const next = chunk.indexOf(PACKAGE_END, from + PIECE);
      const cut = next < 0 || next + PACKAGE_END.length > last ? last : next + PACKAGE_END.length;
      scanBytes(chunk.subarray(from, cut));
      from = cut;
    }
    rest = Buffer.from(chunk.subarray(last)); // a copy: the chunk's memory may be reused
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
