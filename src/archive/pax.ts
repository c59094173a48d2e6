/**
 * pax extended header records (POSIX.1-2017 `pax`, "pax Extended Header"): each record is
 * `"%d %s=%s\n", <length>, <keyword>, <value>`, the length counting the whole record in
 * bytes, digits included. Values are bytes: `path` may hold any byte but NUL
 * (hdrcharset=BINARY), and `SCHILY.xattr.*` values are raw attribute bytes.
 */
import { decodePathBytes } from '../fs/index.js';

export interface PaxRecord { key: string; value: Buffer }

/** Thrown on a malformed record; the reader adds the entry name and offset. */
export class PaxFormatError extends Error {}

/** A length prefix longer than this many digits cannot be real (the header itself is size-capped). */
const MAX_LENGTH_DIGITS = 12;

export function parsePaxRecords(data: Buffer): PaxRecord[] {
  const records: PaxRecord[] = [];
  let pos = 0;
  while (pos < data.length) {
    // Some writers pad the data with NULs after the last record.
    if (data[pos] === 0 && data.subarray(pos).every((c) => c === 0)) break;
    let i = pos;
    let len = 0;
    while (i < data.length && data[i] >= 0x30 && data[i] <= 0x39 && i - pos < MAX_LENGTH_DIGITS) len = len * 10 + (data[i++] - 0x30);
    if (i === pos || data[i] !== 0x20) throw new PaxFormatError(`pax record at byte ${pos} does not start with '<length> '`);
    if (len <= i - pos + 1 || pos + len > data.length) throw new PaxFormatError(`pax record at byte ${pos} claims ${len} bytes, ${data.length - pos} remain`);
    const end = pos + len - 1;
    if (data[end] !== 0x0a) throw new PaxFormatError(`pax record at byte ${pos} does not end with a newline`);
    const eq = data.indexOf(0x3d, i + 1);
    if (eq < 0 || eq > end || eq === i + 1) throw new PaxFormatError(`pax record at byte ${pos} has no 'keyword='`);
    const keyBytes = data.subarray(i + 1, eq);
    if (keyBytes.includes(0)) throw new PaxFormatError(`pax record at byte ${pos} has a NUL in its keyword`);
    records.push({ key: decodePathBytes(keyBytes), value: data.subarray(eq + 1, end) });
    pos += len;
  }
  return records;
}

/** One record with its self-counting length prefix. */
export function formatPaxRecord(key: Buffer, value: Buffer): Buffer {
  const body = key.length + value.length + 3; // ' ', '=', '\n'
  let len = body + 1;
  while (String(len).length + body !== len) len = String(len).length + body;
  const out = Buffer.allocUnsafe(len);
  let o = out.write(`${len} `, 0, 'latin1');
  o += key.copy(out, o);
  out[o++] = 0x3d;
  o += value.copy(out, o);
  out[o] = 0x0a;
  return out;
}
