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
import type { RpmHeader } from '../../rpm/index.js';
import { TagType } from '../../rpm/index.js';

/** A string whose char codes are bytes (0..255): `Buffer#toString('latin1')` of the bytes. */
export type ByteString = string;

const INTRO = 16;
const ENTRY = 16;
/** C0 controls createrepo_c refuses (not TAB, LF, CR), and not NUL: it ends strings. */
const CONTROL = /[\x01-\x08\x0b\x0c\x0e-\x1f]/;

export class HeaderView {
  private readonly buf: Buffer;
  private readonly dataStart: number;
  /** The data store as one byte string, made on first use; strings are slices of it. */
  private text: ByteString | undefined;
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
    const text = this.dataText();
    const out: ByteString[] = new Array(n);
    let pos = e.offset;
    for (let i = 0; i < n; i++) {
      const end = text.indexOf('\0', pos);
      if (end < 0) return undefined;
      out[i] = text.slice(pos, end);
      pos = end + 1;
    }
    return out;
  }

  /** One conversion per header, then slicing: far cheaper than one per string. */
  private dataText(): ByteString {
    return (this.text ??= this.buf.toString('latin1', this.dataStart));
  }

  /**
   * Whether any string entry of the header holds a C0 control other than TAB, LF, CR.
   * When none does, no string read from it can, and createrepo_c's per-field check
   * (md-package.ts) has nothing to find: one scan per entry instead of one per string.
   */
  hasControlChars(): boolean {
    const text = this.dataText();
    const buf = this.buf;
    const count = buf.readUInt32BE(8);
    // rpm lays the data out in index order, so an entry's data ends where the next
    // one's starts (alignment padding is NULs, which do not count); an index out of
    // that order answers "maybe", which only costs the precise check
    for (let i = 0; i < count; i++) {
      const at = INTRO + i * ENTRY;
      const type = buf.readUInt32BE(at + 4);
      if (type !== TagType.STRING && type !== TagType.STRING_ARRAY && type !== TagType.I18NSTRING) continue;
      const start = buf.readInt32BE(at + 8);
      const end = i + 1 < count ? buf.readInt32BE(at + ENTRY + 8) : text.length;
      if (start < 0 || end < start || CONTROL.test(text.slice(start, end))) return true;
    }
    return false;
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
