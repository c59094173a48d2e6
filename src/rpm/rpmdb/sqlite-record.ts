/**
 * SQLite's record format (https://www.sqlite.org/fileformat2.html §2.1): a header of
 * serial types, then the column values. Only located here, not copied: a Packages row's
 * blob column is handed out as a view of the payload.
 */
import { readVarint } from './sqlite-btree.js';
import type { TextEncoding } from './sqlite-file.js';

export interface RecordColumn {
  /** The serial type (§2.1): 0 NULL, 1–6 integers, 7 float, 8/9 constants 0/1, ≥12 blob/text. */
  serial: number;
  start: number;
  end: number;
}

/** Byte length of a value of serial type `t`; undefined for the reserved types 10 and 11. */
function serialSize(t: number): number | undefined {
  if (t >= 12) return Math.floor((t - 12) / 2);
  return ([0, 1, 2, 3, 4, 6, 8, 8, 0, 0] as const)[t];
}

/** The columns of a record, or a reason why the record is malformed. */
export function recordColumns(payload: Uint8Array): RecordColumn[] | string {
  const hs = readVarint(payload, 0, payload.length);
  if (!hs || hs.value < hs.next || hs.value > payload.length) return 'the record header is malformed';
  const columns: RecordColumn[] = [];
  let at = hs.next;
  let body = hs.value;
  while (at < hs.value) {
    const t = readVarint(payload, at, hs.value);
    if (!t) return 'a serial type runs past the record header';
    const size = serialSize(t.value);
    if (size === undefined) return `serial type ${t.value} is reserved`;
    if (body + size > payload.length) return 'a column runs past the record';
    columns.push({ serial: t.value, start: body, end: body + size });
    body += size;
    at = t.next;
  }
  return columns;
}

/** An integer column's value (serial types 1–6, 8, 9); undefined for any other type. */
export function integerValue(payload: Uint8Array, c: RecordColumn): number | undefined {
  if (c.serial === 8) return 0;
  if (c.serial === 9) return 1;
  if (c.serial < 1 || c.serial > 6) return undefined;
  let v = payload[c.start] & 0x80 ? -1 : 0;
  for (let i = c.start; i < c.end; i++) v = v * 256 + payload[i];
  // two's complement: the loop above started from -1 for negative numbers, which is exact
  return v;
}

/** A text column decoded with the database's encoding; undefined when not text. */
export function textValue(payload: Uint8Array, c: RecordColumn, encoding: TextEncoding): string | undefined {
  if (c.serial < 13 || c.serial % 2 === 0) return undefined;
  return new TextDecoder(encoding).decode(payload.subarray(c.start, c.end));
}

/** A blob column's bytes (a view of the payload); undefined when not a blob. */
export function blobValue(payload: Uint8Array, c: RecordColumn): Uint8Array | undefined {
  if (c.serial < 12 || c.serial % 2 === 1) return undefined;
  return payload.subarray(c.start, c.end);
}
