/**
 * rpm header structures (the signature header and the main header share one format):
 *
 *   magic 8E AD E8 01, 4 reserved bytes, index count (u32 BE), data size (u32 BE),
 *   count × 16-byte index entries {tag, type, offset, count}, then the data store.
 *
 * Every read is bounds-checked; the limits are rpm's own (lib/header.c).
 */
import { BazaarError } from '../errors.js';
import { TagType } from './tags.js';

export const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01] as const;
/** rpm lib/header.c: hdrchkTags / hdrchkData. */
export const HEADER_TAGS_MAX = 0x0000ffff;
export const HEADER_DATA_MAX = 0x0fffffff;
/** Size of the intro (magic, reserved, count, size). */
export const HEADER_INTRO_SIZE = 16;
const ENTRY_SIZE = 16;
const TYPE_SIZE: Record<number, number> = { 0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 1, 9: 1 };

export interface HeaderEntry { tag: number; type: number; offset: number; count: number }

function corrupt(what: string, message: string, data: Record<string, unknown> = {}): BazaarError {
  return new BazaarError('ERR_RPM_HEADER_CORRUPT', `${what} is corrupt: ${message}`, { data });
}

/**
 * Reads the intro of a header and returns the header's total size in bytes, checking the
 * magic and rpm's limits before anything is allocated.
 */
export function headerSize(intro: Uint8Array, what: string): number {
  if (intro.length < HEADER_INTRO_SIZE) throw new BazaarError('ERR_RPM_TRUNCATED', `${what} is truncated`);
  for (let i = 0; i < 4; i++) if (intro[i] !== HEADER_MAGIC[i]) throw corrupt(what, 'bad magic');
  const view = new DataView(intro.buffer, intro.byteOffset, intro.byteLength);
  const count = view.getUint32(8);
  const dataSize = view.getUint32(12);
  if (count === 0 || count > HEADER_TAGS_MAX) throw corrupt(what, `${count} index entries is out of range`, { count });
  if (dataSize > HEADER_DATA_MAX) throw corrupt(what, `data size ${dataSize} is out of range`, { dataSize });
  return HEADER_INTRO_SIZE + count * ENTRY_SIZE + dataSize;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Header strings are bytes; rpm does not say their encoding. We read UTF-8 when the bytes
 * are valid UTF-8 and ISO-8859-1 otherwise (old packages), see docs/store.md#strings.
 */
export function decodeString(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      try { return utf8.decode(bytes); } catch { return latin1.decode(bytes); }
    }
  }
  return latin1.decode(bytes);
}

/** A parsed header: the raw bytes plus its index, with typed, bounds-checked accessors. */
export class RpmHeader {
  readonly bytes: Uint8Array;
  private readonly entries = new Map<number, HeaderEntry>();
  private readonly data: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, what: string) {
    const size = headerSize(bytes, what);
    if (bytes.length < size) throw new BazaarError('ERR_RPM_TRUNCATED', `${what} is truncated`);
    this.bytes = bytes.subarray(0, size);
    const head = new DataView(bytes.buffer, bytes.byteOffset, size);
    const count = head.getUint32(8);
    const dataStart = HEADER_INTRO_SIZE + count * ENTRY_SIZE;
    this.data = this.bytes.subarray(dataStart);
    this.view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    for (let i = 0; i < count; i++) {
      const at = HEADER_INTRO_SIZE + i * ENTRY_SIZE;
      const entry = { tag: head.getUint32(at), type: head.getUint32(at + 4), offset: head.getInt32(at + 8), count: head.getUint32(at + 12) };
      if (entry.type > TagType.I18NSTRING) throw corrupt(what, `tag ${entry.tag} has unknown type ${entry.type}`, { tag: entry.tag });
      if (entry.offset < 0 || entry.offset > this.data.length) throw corrupt(what, `tag ${entry.tag} points outside the data`, { tag: entry.tag, offset: entry.offset });
      const fixed = TYPE_SIZE[entry.type];
      const isString = entry.type === TagType.STRING || entry.type >= TagType.STRING_ARRAY;
      if (!isString && entry.offset + fixed * entry.count > this.data.length) {
        throw corrupt(what, `tag ${entry.tag} runs past the data`, { tag: entry.tag });
      }
      if (!this.entries.has(entry.tag)) this.entries.set(entry.tag, entry);
    }
  }

  has(tag: number): boolean { return this.entries.has(tag); }
  tags(): number[] { return [...this.entries.keys()]; }
  entry(tag: number): HeaderEntry | undefined { return this.entries.get(tag); }

  /** NUL-terminated strings starting at the entry's offset; undefined when absent or malformed. */
  private stringsAt(e: HeaderEntry, n: number): string[] | undefined {
    const out: string[] = [];
    let pos = e.offset;
    for (let i = 0; i < n; i++) {
      const end = this.data.indexOf(0, pos);
      if (end < 0) return undefined;
      out.push(decodeString(this.data.subarray(pos, end)));
      pos = end + 1;
    }
    return out;
  }

  /** A STRING or I18NSTRING (its first, untranslated value). */
  string(tag: number): string | undefined {
    const e = this.entries.get(tag);
    if (!e || !(e.type === TagType.STRING || e.type === TagType.I18NSTRING || e.type === TagType.STRING_ARRAY)) return undefined;
    return this.stringsAt(e, 1)?.[0];
  }

  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type === TagType.STRING) return this.stringsAt(e, 1);
    if (e.type !== TagType.STRING_ARRAY && e.type !== TagType.I18NSTRING) return undefined;
    return this.stringsAt(e, e.count);
  }

  /** Integer arrays of any width (INT8..INT64; INT16 read unsigned, as file modes are). */
  numbers(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const out: number[] = new Array(e.count);
    for (let i = 0; i < e.count; i++) {
      switch (e.type) {
        case TagType.CHAR: case TagType.INT8: out[i] = this.view.getUint8(e.offset + i); break;
        case TagType.INT16: out[i] = this.view.getUint16(e.offset + 2 * i); break;
        case TagType.INT32: out[i] = this.view.getUint32(e.offset + 4 * i); break;
        case TagType.INT64: out[i] = Number(this.view.getBigUint64(e.offset + 8 * i)); break;
        default: return undefined;
      }
    }
    return out;
  }

  number(tag: number): number | undefined { return this.numbers(tag)?.[0]; }

  /**
   * An entry's type, count and undecoded bytes: exactly `count` values for fixed-size
   * types, everything from the entry's offset to the end of the data store for string
   * types (the caller walks `count` NUL-terminated strings). For consumers that must
   * reproduce rpm's bytes exactly (non-UTF-8 strings, INT64 beyond 2^53).
   */
  raw(tag: number): { type: number; count: number; bytes: Uint8Array } | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const fixed = TYPE_SIZE[e.type];
    const isString = e.type === TagType.STRING || e.type >= TagType.STRING_ARRAY;
    const end = isString ? this.data.length : e.offset + fixed * e.count;
    return { type: e.type, count: e.count, bytes: this.data.subarray(e.offset, end) };
  }

  /** BIN data, or the raw bytes of any entry of fixed-size type. */
  binary(tag: number): Uint8Array | undefined {
    const e = this.entries.get(tag);
    if (!e || e.type !== TagType.BIN) return undefined;
    return this.data.subarray(e.offset, e.offset + e.count);
  }
}
