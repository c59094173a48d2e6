/**
 * One 512-byte tar header block: parsing with a check before every field (POSIX.1-2017
 * `pax` "ustar Interchange Format", plus GNU's base-256 numbers and its "ustar  " magic)
 * and formatting in the one fixed layout the writer uses.
 *
 * Field layout (offset, length), from the POSIX ustar header table:
 * name 0 100, mode 100 8, uid 108 8, gid 116 8, size 124 12, mtime 136 12, chksum 148 8,
 * typeflag 156 1, linkname 157 100, magic 257 6, version 263 2, uname 265 32,
 * gname 297 32, devmajor 329 8, devminor 337 8, prefix 345 155.
 */

/** POSIX: "A tar archive consists of a series of 512-byte blocks". */
export const BLOCK_SIZE = 512;

/** Numbers must stay exact in a JS number (sizes, ids, times). */
export const MAX_TAR_NUMBER = Number.MAX_SAFE_INTEGER;

export interface RawHeader {
  /** prefix + '/' + name for ustar, name alone otherwise; raw bytes. */
  name: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: Buffer;
  uname: Buffer;
  gname: Buffer;
  devmajor: number;
  devminor: number;
  format: 'ustar' | 'gnu' | 'v7';
}

/** Thrown by the field parsers; the reader adds the entry name and offset. */
export class HeaderFieldError extends Error {}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (block[i] !== 0) return false;
  return true;
}

/** A NUL-terminated string field; bytes after the terminator must be NUL too. */
function stringField(b: Buffer, off: number, len: number, field: string): Buffer {
  const end = off + len;
  let nul = b.indexOf(0, off);
  if (nul < 0 || nul > end) nul = end;
  for (let i = nul; i < end; i++) {
    if (b[i] !== 0) throw new HeaderFieldError(`the ${field} field holds bytes after its NUL terminator`);
  }
  return b.subarray(off, nul);
}

/**
 * A numeric field: octal digits (leading spaces allowed, ended by NUL or space), or GNU's
 * base-256 form (first byte 0x80; 0xff marks a negative number, which we refuse).
 */
export function numberField(b: Buffer, off: number, len: number, field: string): number {
  const first = b[off];
  if (first & 0x80) {
    if (first !== 0x80) throw new HeaderFieldError(`the ${field} field is a negative base-256 number`);
    let v = 0;
    for (let i = off + 1; i < off + len; i++) {
      v = v * 256 + b[i];
      if (v > MAX_TAR_NUMBER) throw new HeaderFieldError(`the ${field} field overflows (base-256 number above 2^53)`);
    }
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end && b[i] >= 0x30 && b[i] <= 0x37; i++, digits++) v = v * 8 + (b[i] - 0x30);
  for (; i < end; i++) {
    if (b[i] !== 0 && b[i] !== 0x20) throw new HeaderFieldError(`the ${field} field is not an octal number`);
  }
  if (digits > 0 && v > MAX_TAR_NUMBER) throw new HeaderFieldError(`the ${field} field overflows`);
  return v;
}

/** Sum of the header's bytes with the checksum field read as spaces: unsigned (POSIX) and signed (old Sun tar). */
function checksums(b: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return { unsigned, signed };
}

export function checksumMatches(b: Buffer): boolean {
  const want = numberField(b, 148, 8, 'checksum');
  const got = checksums(b);
  return want === got.unsigned || want === got.signed;
}

/** Parses a header block whose checksum the caller has verified. */
export function parseHeader(b: Buffer): RawHeader {
  const magic = b.subarray(257, 263).toString('latin1');
  const version = b.subarray(263, 265).toString('latin1');
  let format: RawHeader['format'];
  if (magic === 'ustar\0' && version === '00') format = 'ustar';
  else if (magic === 'ustar ' && version === ' \0') format = 'gnu';
  else if (b.subarray(257, 265).every((c) => c === 0)) format = 'v7';
  else throw new HeaderFieldError(`unknown magic ${JSON.stringify(magic + version)} (not a ustar, GNU or v7 tar header)`);
  let name = stringField(b, 0, 100, 'name');
  if (format === 'ustar') {
    const prefix = stringField(b, 345, 155, 'prefix');
    if (prefix.length) name = Buffer.concat([prefix, Buffer.of(0x2f), name]);
  }
  const modern = format !== 'v7';
  return {
    name,
    mode: numberField(b, 100, 8, 'mode'),
    uid: numberField(b, 108, 8, 'uid'),
    gid: numberField(b, 116, 8, 'gid'),
    size: numberField(b, 124, 12, 'size'),
    mtime: numberField(b, 136, 12, 'mtime'),
    typeflag: String.fromCharCode(b[156]),
    linkname: stringField(b, 157, 100, 'linkname'),
    uname: modern ? stringField(b, 265, 32, 'uname') : Buffer.alloc(0),
    gname: modern ? stringField(b, 297, 32, 'gname') : Buffer.alloc(0),
    devmajor: modern ? numberField(b, 329, 8, 'devmajor') : 0,
    devminor: modern ? numberField(b, 337, 8, 'devminor') : 0,
    format,
  };
}

/** True when `v` fits the octal form of a field `width` bytes wide (digits plus a NUL). */
export function fitsOctal(v: number, width: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < 8 ** (width - 1);
}

function putOctal(b: Buffer, off: number, width: number, v: number): void {
  b.write(v.toString(8).padStart(width - 1, '0'), off, width - 1, 'latin1');
  b[off + width - 1] = 0;
}

export interface HeaderFields {
  name: Buffer; mode: number; uid: number; gid: number; size: number; mtime: number; typeflag: string;
  linkname: Buffer; uname: Buffer; gname: Buffer; devmajor: number; devminor: number;
}

/**
 * A POSIX ustar header in one fixed layout: zero-padded octal, NUL-terminated, no prefix
 * split, checksum as six digits, NUL, space. Values that do not fit are the caller's job
 * (it moves them to a pax header and passes 0 or a truncated name here).
 */
export function formatHeader(f: HeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK_SIZE);
  f.name.copy(b, 0, 0, Math.min(100, f.name.length));
  putOctal(b, 100, 8, f.mode);
  putOctal(b, 108, 8, f.uid);
  putOctal(b, 116, 8, f.gid);
  putOctal(b, 124, 12, f.size);
  putOctal(b, 136, 12, f.mtime);
  b.write(f.typeflag, 156, 1, 'latin1');
  f.linkname.copy(b, 157, 0, Math.min(100, f.linkname.length));
  b.write('ustar\x0000', 257, 8, 'latin1');
  f.uname.copy(b, 265, 0, Math.min(31, f.uname.length));
  f.gname.copy(b, 297, 0, Math.min(31, f.gname.length));
  putOctal(b, 329, 8, f.devmajor);
  putOctal(b, 337, 8, f.devminor);
  b.fill(0x20, 148, 156);
  const sum = checksums(b).unsigned;
  b.write(sum.toString(8).padStart(6, '0'), 148, 6, 'latin1');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}
