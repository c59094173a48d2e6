/**
 * A header as createrepo_c sees it through rpm's headerGet(): the same values, with the
 * same rules for which entry types count, and with strings kept as bytes.
 *
 * Strings are *byte strings*: JS strings whose char codes are the header's bytes (0..255),
 * never decoded. createrepo_c decides per string whether the bytes are UTF-8 and converts
 * them from Latin-1 otherwise (xml-text.ts), so decoding here would lose the bytes it
 * judges; and a byte string converts back with `Buffer.from(s, 'latin1')` at no cost.
 *
 * rpm edits a header after reading it (legacy signature tags, v3 retrofits): those edits
 * are layered on top with `setStrings` / `setNumbers` / `delete` (see read-retrofits.ts),
 * the bytes themselves are never touched.
 */
import type { RpmHeader } from '../../rpm/header.js';
import { TagType } from '../../rpm/tags.js';

/** A string whose char codes are bytes (0..255): `Buffer#toString('latin1')` of the bytes. */
export type ByteString = string;

const INTRO = 16;
const ENTRY = 16;

export class HeaderView {
  private readonly buf: Buffer;
  private readonly dataStart: number;
  private readonly stringEdits = new Map<number, ByteString[]>();
  private readonly numberEdits = new Map<number, number[]>();
  private readonly deleted = new Set<number>();

  constructor(private readonly header: RpmHeader) {
    const b = header.bytes;
    this.buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.dataStart = INTRO + this.buf.readUInt32BE(8) * ENTRY;
  }

  has(tag: number): boolean {
    if (this.deleted.has(tag)) return false;
    return this.stringEdits.has(tag) || this.numberEdits.has(tag) || this.header.has(tag);
  }

  /**
   * The values of a string tag as headerGet() gives them: STRING is one value,
   * I18NSTRING its first (untranslated, the C locale's) value, STRING_ARRAY all of them.
   * Undefined when absent, not a string type, or malformed (a missing NUL).
   */
  strings(tag: number): ByteString[] | undefined {
    if (this.deleted.has(tag)) return undefined;
    const edited = this.stringEdits.get(tag);
    if (edited) return edited;
    const e = this.header.entry(tag);
    if (!e) return undefined;
    let n: number;
    if (e.type === TagType.STRING || e.type === TagType.I18NSTRING) n = 1;
    else if (e.type === TagType.STRING_ARRAY) n = e.count;
    else return undefined;
    const out: ByteString[] = new Array(n);
    const buf = this.buf;
    let pos = this.dataStart + e.offset;
    for (let i = 0; i < n; i++) {
      const end = buf.indexOf(0, pos);
      if (end < 0) return undefined;
      out[i] = buf.toString('latin1', pos, end);
      pos = end + 1;
    }
    return out;
  }

  /** headerGetString(): the value when the tag holds exactly one string, else undefined. */
  string(tag: number): ByteString | undefined {
    const values = this.strings(tag);
    return values && values.length === 1 ? values[0] : undefined;
  }

  /** An integer tag's values (CHAR, INT8..INT64; all unsigned, as rpmtdGetNumber reads them). */
  numbers(tag: number): number[] | undefined {
    if (this.deleted.has(tag)) return undefined;
    const edited = this.numberEdits.get(tag);
    if (edited) return edited;
    return this.header.entry(tag) ? this.header.numbers(tag) : undefined;
  }

  /** headerGetNumber(): the value when the tag holds exactly one number, else 0. */
  number(tag: number): number {
    const values = this.numbers(tag);
    return values && values.length === 1 ? values[0] : 0;
  }

  /** The entry type as stored (or as an edit made it), undefined when absent. */
  type(tag: number): number | undefined {
    if (this.deleted.has(tag)) return undefined;
    if (this.stringEdits.has(tag)) return TagType.STRING_ARRAY;
    if (this.numberEdits.has(tag)) return TagType.INT32;
    return this.header.entry(tag)?.type;
  }

  setStrings(tag: number, values: ByteString[]): void {
    this.deleted.delete(tag);
    this.numberEdits.delete(tag);
    this.stringEdits.set(tag, values);
  }

  setNumbers(tag: number, values: number[]): void {
    this.deleted.delete(tag);
    this.stringEdits.delete(tag);
    this.numberEdits.set(tag, values);
  }

  delete(tag: number): void {
    this.stringEdits.delete(tag);
    this.numberEdits.delete(tag);
    this.deleted.add(tag);
  }
}
