/**
 * Streaming reader of rpm-md `primary.xml` (plain, gz, zst, xz, bz2: sniffed from the
 * magic bytes, decoded by compress/decompress-stream.ts).
 *
 * A purpose-built scanner instead of a general XML parser: primary.xml is
 * machine-written (createrepo_c, libsolv, our own server), has no CDATA, no DTD and no
 * raw `<` in text, and we need a dozen tags out of it. Complete `<package>` blocks are
 * cut from the decoded text as it streams and scanned with one regular expression, so
 * memory holds one chunk plus the records, never the whole document, and no parser
 * dependency is added (see docs/resolver.md#design).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Dependency, DependencyFlags } from '../rpm/dependency.js';
import { decompressStream, sniffCompression } from '../compress/decompress-stream.js';
import { BazaarError, isErrno } from '../errors.js';
import type { PackageRecord } from '../resolver/source.js';
import { decodeXmlText, parseAttributes } from './xml-text.js';

const FLAGS: Record<string, DependencyFlags> = { EQ: '=', LT: '<', GT: '>', LE: '<=', GE: '>=' };
type DepSection = 'provides' | 'requires' | 'conflicts' | 'obsoletes';
const SECTIONS: Record<string, DepSection | null> = {
  'rpm:provides': 'provides', 'rpm:requires': 'requires', 'rpm:conflicts': 'conflicts', 'rpm:obsoletes': 'obsoletes',
  // weak dependencies are read past: the resolver ignores them, as `solve_libsolv.py` does.
  'rpm:recommends': null, 'rpm:suggests': null, 'rpm:supplements': null, 'rpm:enhances': null,
};

/** One start or end tag: close slash, tag name, attribute text, self-closing slash. */
const TAG = /<(\/?)([A-Za-z][\w:.-]*)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*?)(\/?)>/g;

/** `[E:]V[-R]` the way rpm prints a dependency EVR. */
function entryEvr(a: Record<string, string>): string {
  const e = a.epoch !== undefined && a.epoch !== '' ? `${a.epoch}:` : '';
  const r = a.rel !== undefined && a.rel !== '' ? `-${a.rel}` : '';
  return `${e}${a.ver ?? ''}${r}`;
}

/** Scans complete `<package>` elements in `text`, calling `emit` for each. */
export class PrimaryScanner {
  private cur: PackageRecord | null = null;
  private section: Dependency[] | null = null;
  private inFormat = false;
  count = 0;

  constructor(private readonly emit: (p: PackageRecord) => void) {}

  scan(text: string): void {
    TAG.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = TAG.exec(text)) !== null) {
      const closing = m[1] === '/';
      const tag = m[2];
      if (closing) {
        if (tag === 'package') this.finish();
        else if (tag === 'format') this.inFormat = false;
        else if (tag in SECTIONS) this.section = null;
        continue;
      }
      const cur = this.cur;
      switch (tag) {
        case 'package':
          this.cur = { name: '', epoch: 0, version: '', release: '', arch: '', provides: [], requires: [], conflicts: [], obsoletes: [], files: [] };
          this.section = null;
          break;
        case 'name':
          if (cur && !this.inFormat) cur.name = decodeXmlText(text.slice(TAG.lastIndex, text.indexOf('<', TAG.lastIndex)));
          break;
        case 'arch':
          if (cur) cur.arch = decodeXmlText(text.slice(TAG.lastIndex, text.indexOf('<', TAG.lastIndex)));
          break;
        case 'version': {
          if (!cur) break;
          const a = parseAttributes(m[3]);
          cur.epoch = a.epoch ? Number(a.epoch) : 0;
          cur.version = a.ver ?? '';
          cur.release = a.rel ?? '';
          break;
        }
        case 'location':
          if (cur) cur.location = parseAttributes(m[3]).href;
          break;
        case 'format':
          this.inFormat = true;
          break;
        case 'rpm:entry': {
          if (!this.section) break;
          const a = parseAttributes(m[3]);
          const flags = a.flags ? FLAGS[a.flags] ?? '' : '';
          const dep: Dependency = { name: a.name ?? '', flags, evr: flags === '' ? '' : entryEvr(a) };
          if (a.pre === '1' || a.pre === 'true') dep.pre = true;
          this.section.push(dep);
          break;
        }
        case 'file':
          if (cur && this.inFormat) cur.files.push(decodeXmlText(text.slice(TAG.lastIndex, text.indexOf('<', TAG.lastIndex))));
          break;
        default:
          if (cur && tag in SECTIONS) {
            const s = SECTIONS[tag];
            this.section = s ? cur[s] : null;
            if (m[4] === '/') this.section = null;
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

/**
 * Streams a primary.xml file (any supported compression) and calls `onPackage` for each
 * package in document order. Resolves with the package count.
 */
export async function readPrimary(file: string, onPackage: (p: PackageRecord) => void): Promise<number> {
  const scanner = new PrimaryScanner(onPackage);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const feed = (chunk: Buffer): void => {
    const text = rest + decoder.write(chunk);
    const end = text.lastIndexOf('</package>');
    if (end < 0) { rest = text; return; }
    const cut = end + '</package>'.length;
    scanner.scan(text.slice(0, cut));
    rest = text.slice(cut);
  };
  try {
    const head = Buffer.alloc(8);
    const fh = await open(file, 'r');
    try { await fh.read(head, 0, 8, 0); } finally { await fh.close(); }
    const dec = decompressStream(sniffCompression(head) ?? 'none');
    const src = createReadStream(file, { highWaterMark: 1 << 20 });
    const piping = pipeline(src, dec);
    for await (const out of dec as AsyncIterable<Buffer>) feed(out);
    await piping;
    scanner.scan(rest + decoder.end());
  } catch (err) {
    if (err instanceof BazaarError) throw err;
    if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_REPO', `${file} does not exist`, { cause: err, data: { file } });
    throw new BazaarError('ERR_REPO', `cannot read ${file}: ${(err as Error).message}`, { cause: err, data: { file } });
  }
  return scanner.count;
}
