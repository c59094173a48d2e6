/**
 * rpm's --queryformat formatters (`%{TAG:name}`, lib/formats.c): each turns element `ix`
 * of a tag's data into a byte string. A formatter applied to data of the wrong class
 * yields rpm's placeholder, `(not a number)` and the like, as rpm prints.
 */
import { strftimeC } from './c-time.js';
import { HASH_ALGOS, parsePgpSignature, PUBKEY_ALGOS } from './pgp-signature.js';
import type { TagClass, TagData } from './tag-data.js';
import { numberAt, tagCount } from './tag-data.js';
import { Sense } from './tag-numbers.js';
import { tagDisplayName } from './tag-table.js';
import { triggerTypeWord } from './tag-extensions.js';
import { permsString } from './perms-string.js';

export interface Formatter {
  /** The class of data the formatter accepts; 'any' for all. */
  accepts: TagClass | 'any';
  format(td: TagData, ix: number, tag: number): string;
}

const CLASS_ERROR: Record<TagClass, string> = { number: '(not a number)', string: '(not a string)', binary: '(not a blob)' };

/** rpmhex: lowercase hex of bytes. */
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** rpmBase64Encode(data, len, -1): 64-column lines, each (the last too) ended by "\n". */
export function base64Lines(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 48) out += `${Buffer.from(bytes.subarray(i, i + 48)).toString('base64')}\n`;
  return out;
}

/** The barebones string representation (rpm's stringFormat). */
export function stringValue(td: TagData, ix: number): string {
  switch (td.kind) {
    case 'number': return String(td.values[ix] ?? 0n);
    case 'string': return td.values[ix] ?? '';
    case 'binary': return hex(td.bytes);
  }
}

/** printf("%.*f") of a value, with glibc's round-half-to-even on exact ties. */
function cFixed(x: number, decimals: number): string {
  const scaled = x * 10 ** decimals;
  if (Number.isFinite(scaled) && scaled - Math.floor(scaled) === 0.5) {
    const lower = Math.floor(scaled);
    return ((lower % 2 === 0 ? lower : lower + 1) / 10 ** decimals).toFixed(decimals);
  }
  return x.toFixed(decimals);
}

/** rpm's humanFormat: single-precision arithmetic, as rpm's `float number`. */
function human(value: bigint, kilo: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  let n = Math.fround(Number(value));
  let i = 0;
  while (n >= kilo) { n = Math.fround(n / kilo); i++; }
  const decimals = n > 0.05 && n < 9.95 ? 1 : 0;
  return `${cFixed(n, decimals)}${units[i]}`;
}

/** rpm's deptypeFormat: which scriptlets / kinds a dependency belongs to. */
function depType(flags: number): string {
  const words: string[] = [];
  if (flags & Sense.SCRIPT_PRE) words.push('pre');
  if (flags & Sense.SCRIPT_POST) words.push('post');
  if (flags & Sense.SCRIPT_PREUN) words.push('preun');
  if (flags & Sense.SCRIPT_POSTUN) words.push('postun');
  if (flags & Sense.SCRIPT_VERIFY) words.push('verify');
  if (flags & Sense.INTERP) words.push('interp');
  if (flags & Sense.RPMLIB) words.push('rpmlib');
  if (flags & (Sense.FIND_REQUIRES | Sense.FIND_PROVIDES)) words.push('auto');
  if (flags & Sense.PREREQ) words.push('prereq');
  if (flags & Sense.PRETRANS) words.push('pretrans');
  if (flags & Sense.POSTTRANS) words.push('posttrans');
  if (flags & Sense.CONFIG) words.push('config');
  if (flags & Sense.MISSINGOK) words.push('missingok');
  if (flags & Sense.META) words.push('meta');
  return words.length ? words.join(',') : 'manual';
}

/** rpm's rpmFFlagsString: one letter per file attribute. */
export function fileFlagsString(flags: number): string {
  return `${flags & 2 ? 'd' : ''}${flags & 1 ? 'c' : ''}${flags & 32 ? 's' : ''}${flags & 8 ? 'm' : ''}${flags & 16 ? 'n' : ''}`
    + `${flags & 64 ? 'g' : ''}${flags & 128 ? 'l' : ''}${flags & 256 ? 'r' : ''}${flags & 4096 ? 'a' : ''}`;
}

/** RPMVERIFY_* bits (rpmvf.h). */
export const Verify = {
  FILEDIGEST: 1 << 0, FILESIZE: 1 << 1, LINKTO: 1 << 2, USER: 1 << 3, GROUP: 1 << 4, MTIME: 1 << 5,
  MODE: 1 << 6, RDEV: 1 << 7, CAPS: 1 << 8, CONTEXTS: 1 << 15, READLINKFAIL: 1 << 28, READFAIL: 1 << 29,
  LSTATFAIL: 1 << 30,
} as const;

/** rpm's rpmVerifyString: `SM5DLUGTP` with `pad` for attributes that verified. */
export function verifyString(v: number, pad: string): string {
  const bit = (b: number, c: string): string => (v & b ? c : pad);
  return bit(Verify.FILESIZE, 'S') + bit(Verify.MODE, 'M')
    + (v & Verify.READFAIL ? '?' : bit(Verify.FILEDIGEST, '5')) + bit(Verify.RDEV, 'D')
    + (v & Verify.READLINKFAIL ? '?' : bit(Verify.LINKTO, 'L')) + bit(Verify.USER, 'U') + bit(Verify.GROUP, 'G')
    + bit(Verify.MTIME, 'T') + bit(Verify.CAPS, 'P');
}

const FILE_STATES: Record<number, string> = { 0: 'normal', 1: 'replaced', 2: 'not installed', 3: 'net shared', 4: 'wrong color', [-1]: 'missing' };

function xml(td: TagData, ix: number): string {
  const [xtag, text] = td.kind === 'binary' ? ['base64', base64Lines(td.bytes)]
    : [td.kind === 'string' ? 'string' : 'integer', stringValue(td, ix)];
  if (text === '') return `\t<${xtag}/>`;
  return `\t<${xtag}>${text.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'))}</${xtag}>`;
}

const num = (td: TagData, ix: number): bigint => numberAt(td, ix);

export const FORMATTERS: Record<string, Formatter> = {
  string: { accepts: 'any', format: stringValue },
  armor: {
    accepts: 'any',
    format: (td, ix) => {
      if (td.kind === 'number') return '(invalid type)';
      let bytes: Uint8Array;
      let type = 'SIGNATURE';
      if (td.kind === 'binary') bytes = td.bytes;
      else {
        const decoded = base64Decode(td.values[ix] ?? '');
        if (!decoded) return '(not base64)';
        bytes = decoded;
        type = 'PUBLIC KEY BLOCK';
      }
      return `-----BEGIN PGP ${type}-----\nVersion: rpm-4.18.0\n\n${base64Lines(bytes)}=${crc24(bytes)}\n-----END PGP ${type}-----\n`;
    },
  },
  base64: { accepts: 'binary', format: (td) => (td.kind === 'binary' ? base64Lines(td.bytes) : '') },
  pgpsig: {
    accepts: 'binary',
    format: (td) => {
      const sig = td.kind === 'binary' ? parsePgpSignature(td.bytes) : null;
      if (!sig) return '(not an OpenPGP signature)';
      const date = strftimeC('%c', BigInt(sig.time));
      return `${PUBKEY_ALGOS[sig.pubkeyAlgo] ?? 'Unknown public key algorithm'}/${HASH_ALGOS[sig.hashAlgo] ?? 'Unknown hash algorithm'}, ${date}, Key ID ${sig.keyId}`;
    },
  },
  depflags: {
    accepts: 'number',
    format: (td, ix) => { const f = Number(num(td, ix) & 0xffffffffn); return `${f & 2 ? '<' : ''}${f & 4 ? '>' : ''}${f & 8 ? '=' : ''}`; },
  },
  deptype: { accepts: 'number', format: (td, ix) => depType(Number(num(td, ix) & 0xffffffffn)) },
  fflags: { accepts: 'number', format: (td, ix) => fileFlagsString(Number(num(td, ix) & 0xffffffffn)) },
  perms: { accepts: 'number', format: (td, ix) => permsString(Number(num(td, ix) & 0xffffffffn)) },
  permissions: { accepts: 'number', format: (td, ix) => permsString(Number(num(td, ix) & 0xffffffffn)) },
  triggertype: { accepts: 'number', format: (td, ix) => triggerTypeWord(Number(num(td, ix) & 0xffffffffn)) },
  xml: { accepts: 'any', format: xml },
  octal: { accepts: 'number', format: (td, ix) => num(td, ix).toString(8) },
  hex: { accepts: 'number', format: (td, ix) => num(td, ix).toString(16) },
  date: { accepts: 'number', format: (td, ix) => strftimeC('%c', num(td, ix)) },
  day: { accepts: 'number', format: (td, ix) => strftimeC('%a %b %d %Y', num(td, ix)) },
  shescape: {
    accepts: 'any',
    format: (td, ix) => (td.kind === 'number' ? String(num(td, ix)) : td.kind === 'string'
      ? `'${(td.values[ix] ?? '').replace(/'/g, "'\\''")}'` : '(invalid type)'),
  },
  arraysize: { accepts: 'any', format: (td) => String(tagCount(td)) },
  fstate: { accepts: 'number', format: (td, ix) => FILE_STATES[Number(num(td, ix))] ?? '(unknown)' },
  vflags: { accepts: 'number', format: (td, ix) => verifyString(Number(num(td, ix) & 0xffffffffn), '') },
  fstatus: { accepts: 'number', format: (td, ix) => verifyString(Number(num(td, ix) & 0xffffffffn), '.') },
  // rpm expands macros here; bazaar has no macro engine and returns the text as stored.
  expand: { accepts: 'string', format: stringValue },
  humansi: { accepts: 'number', format: (td, ix) => human(num(td, ix), 1000) },
  humaniec: { accepts: 'number', format: (td, ix) => human(num(td, ix), 1024) },
  tagname: { accepts: 'any', format: (_td, _ix, tag) => tagDisplayName(tag) },
  tagnum: { accepts: 'any', format: (_td, _ix, tag) => String(tag >>> 0) },
};

const B64_VALUES = [62, -1, -1, -1, 63, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -2, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1, -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
  42, 43, 44, 45, 46, 47, 48, 49, 50, 51];
const b64 = (c: number): number => B64_VALUES[(c - 43) & 0xff] ?? -1;

/**
 * rpm's rpmBase64Decode (rpmio/base64.c): control characters and bytes >= 0x80 are
 * skipped, anything else outside the alphabet (or a length not a multiple of 4) fails,
 * and `=` is padding. null where rpm fails.
 */
function base64Decode(s: string): Uint8Array | null {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 32 && c < 128) { if (b64(c) === -1) return null; count++; }
  }
  if (count % 4) return null;
  const out: number[] = [];
  let quad = 0;
  let cur = 0;
  for (let i = 0; i < s.length; i++) {
    const f = b64(s.charCodeAt(i));
    if (f < 0) continue;
    switch (quad) {
      case 0: cur = (f & 0x3f) << 2; break;
      case 1: out.push((cur | ((f & 0x30) >> 4)) & 0xff); cur = (f & 0x0f) << 4; break;
      case 2: out.push((cur | ((f & 0x3c) >> 2)) & 0xff); cur = (f & 0x03) << 6; break;
      case 3: out.push((cur | (f & 0x3f)) & 0xff); break;
    }
    quad = (quad + 1) % 4;
  }
  return Uint8Array.from(out);
}

/** OpenPGP armor checksum (RFC 4880 §6.1), base64 of the 24-bit CRC. */
function crc24(bytes: Uint8Array): string {
  let crc = 0xb704ce;
  for (const b of bytes) {
    crc ^= b << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  crc &= 0xffffff;
  return Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
}

/** rpmHeaderFormatCall: class check, then the formatter. */
export function applyFormatter(f: Formatter, td: TagData, ix: number, tag: number): string {
  if (f.accepts !== 'any' && f.accepts !== td.kind) return CLASS_ERROR[f.accepts];
  return f.format(td, ix, tag);
}
