/**
 * Hand-made tar archives for tests, including broken ones: headers built field by field,
 * then poked at, with the checksum recomputed (or deliberately not).
 */
import { formatPaxRecord } from '../../src/archive/pax.js';
import { BLOCK_SIZE, formatHeader } from '../../src/archive/tar-header.js';
import type { HeaderFields } from '../../src/archive/tar-header.js';

const EMPTY = Buffer.alloc(0);

export function header(f: Partial<Omit<HeaderFields, 'name' | 'linkname'>> & { name: string | Buffer; linkname?: string | Buffer }): Buffer {
  return formatHeader({
    mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000, typeflag: '0', uname: EMPTY, gname: EMPTY, devmajor: 0, devminor: 0,
    ...f,
    name: typeof f.name === 'string' ? Buffer.from(f.name) : f.name,
    linkname: f.linkname === undefined ? EMPTY : typeof f.linkname === 'string' ? Buffer.from(f.linkname) : f.linkname,
  });
}

/** Recomputes the checksum of a header block after it was poked at. */
export function fixChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of block) sum += c;
  block.write(sum.toString(8).padStart(6, '0'), 148, 'latin1');
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

export function pad(data: Buffer): Buffer {
  const n = (BLOCK_SIZE - (data.length % BLOCK_SIZE)) % BLOCK_SIZE;
  return Buffer.concat([data, Buffer.alloc(n)]);
}

export function file(name: string, content: string | Buffer = '', extra: Partial<HeaderFields> = {}): Buffer {
  const data = Buffer.from(content);
  return Buffer.concat([header({ name, size: data.length, ...extra }), pad(data)]);
}

export const dir = (name: string, extra: Partial<HeaderFields> = {}): Buffer => header({ name, typeflag: '5', mode: 0o755, ...extra });
export const symlink = (name: string, target: string): Buffer => header({ name, typeflag: '2', mode: 0o777, linkname: target });
export const hardlink = (name: string, target: string): Buffer => header({ name, typeflag: '1', linkname: target });
export const chardev = (name: string, major = 0, minor = 0): Buffer => header({ name, typeflag: '3', mode: 0, devmajor: major, devminor: minor });

/** A pax `x` header with these records, to put before an entry. */
export function pax(records: [string, string | Buffer][], typeflag = 'x'): Buffer {
  const data = Buffer.concat(records.map(([k, v]) => formatPaxRecord(Buffer.from(k), Buffer.from(v))));
  return Buffer.concat([header({ name: '././@PaxHeader', size: data.length, typeflag }), pad(data)]);
}

export const END = Buffer.alloc(2 * BLOCK_SIZE);

export function archive(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, END]);
}
