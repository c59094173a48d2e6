/**
 * One tag's value as rpm's `rpmtd` carries it: an entry type and its elements. Integers
 * are bigint (INT64 values stay exact; every rpm integer type is unsigned).
 *
 * Strings are *byte strings*: one JS char per byte (code units 0-255), the bytes exactly
 * as the header stores them. Header strings may be UTF-8, Latin-1 or anything else and rpm
 * prints them as stored, so the engine never decodes them: it compares, searches and
 * formats byte strings and turns them back into bytes only at the output (toBytes).
 */
import { TagType } from '../rpm/index.js';

export type TagData =
  | { kind: 'number'; type: number; values: bigint[] }
  | { kind: 'string'; type: number; values: string[] }
  | { kind: 'binary'; type: number; bytes: Uint8Array };

/** rpm's rpmTagClass (RPM_NUMERIC_CLASS, RPM_STRING_CLASS, RPM_BINARY_CLASS). */
export type TagClass = 'number' | 'string' | 'binary';

/** A byte string of the UTF-8 encoding of `text` (command-line arguments, messages). */
export function byteString(text: string): string {
  // Pure ASCII is its own byte string; skip the round trip on the common case.
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/** The bytes a byte string stands for. */
export function toBytes(bstr: string): Uint8Array {
  return Buffer.from(bstr, 'latin1');
}

/** A byte string of raw bytes. */
export function fromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** rpmtdCount: elements; a BIN entry counts as one element (its bytes are one value). */
export function tagCount(td: TagData): number {
  return td.kind === 'binary' ? 1 : td.values.length;
}

/** The entry's raw count (td->count): bytes for BIN. rpm's formatValue tests elements against this. */
export function rawCount(td: TagData): number {
  return td.kind === 'binary' ? td.bytes.length : td.values.length;
}

export function numberData(values: ArrayLike<number | bigint>, type: number = TagType.INT32): TagData {
  return { kind: 'number', type, values: Array.from(values, (v) => BigInt(v)) };
}

export function stringData(values: string[], type: number = TagType.STRING_ARRAY): TagData {
  return { kind: 'string', type, values };
}

/** A STRING entry holding one byte string. */
export function scalarString(value: string): TagData {
  return { kind: 'string', type: TagType.STRING, values: [value] };
}

/** rpmtdGetNumber at one index (0 for non-numbers, as rpm returns). */
export function numberAt(td: TagData | undefined, i: number): bigint {
  return td?.kind === 'number' ? (td.values[i] ?? 0n) : 0n;
}

/** Decodes raw header bytes of one entry (see RpmHeader.raw) into TagData. */
export function decodeEntry(raw: { type: number; count: number; bytes: Uint8Array }): TagData | undefined {
  const { type, count, bytes } = raw;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case TagType.CHAR: case TagType.INT8: case TagType.INT16: case TagType.INT32: case TagType.INT64: {
      const size = type === TagType.INT16 ? 2 : type === TagType.INT32 ? 4 : type === TagType.INT64 ? 8 : 1;
      if (count * size > bytes.length) return undefined;
      const values = new Array<bigint>(count);
      for (let i = 0; i < count; i++) {
        values[i] = size === 1 ? BigInt(view.getUint8(i)) : size === 2 ? BigInt(view.getUint16(2 * i))
          : size === 4 ? BigInt(view.getUint32(4 * i)) : view.getBigUint64(8 * i);
      }
      return { kind: 'number', type, values };
    }
    case TagType.STRING: case TagType.STRING_ARRAY: case TagType.I18NSTRING: {
      const n = type === TagType.STRING ? 1 : count;
      const values: string[] = [];
      let pos = 0;
      for (let i = 0; i < n; i++) {
        const end = bytes.indexOf(0, pos);
        if (end < 0) return undefined;
        values.push(fromBytes(bytes.subarray(pos, end)));
        pos = end + 1;
      }
      return { kind: 'string', type, values };
    }
    case TagType.BIN:
      return count > bytes.length ? undefined : { kind: 'binary', type, bytes: bytes.subarray(0, count) };
    default:
      return undefined;
  }
}
