/**
 * Text and attribute values exactly as createrepo_c 0.17 writes them through libxml2
 * 2.9.14, on byte strings (header-view.ts):
 *
 * 1. cr_xmlNewTextChild / cr_xmlNewProp (createrepo_c src/xml_dump.c): a value that is
 *    not UTF-8 by xmlCheckUTF8's structural test is read as ISO-8859-1 and converted,
 *    dropping C0 controls and the bytes 0x80-0xBF (`toUtf8`). A missing value is "".
 * 2. Serialisation with xmlNodeDump (libxml2 xmlsave.c): text escapes `< > &` and CR
 *    (xmlEscapeContent) and copies every other byte; attributes escape `< > & "`, TAB,
 *    LF, CR and write each UTF-8 sequence as a hexadecimal character reference
 *    (xmlBufAttrSerializeTxtContent with no document encoding), so an attribute is ASCII.
 *
 * One deliberate difference: where those rules would produce bytes that are not
 * well-formed XML (a non-character such as U+FFFE, an overlong or surrogate sequence
 * that xmlCheckUTF8 lets through), the value is repaired to U+FFFD first, so every
 * document we write parses. createrepo_c writes such bytes as they are.
 */
import type { ByteString } from './header-view.js';

const NON_ASCII = /[\x80-\xff]/;
const TEXT_SPECIAL = /[<>&\r]/;
const ATTR_SPECIAL = /[\t\n\r"<>&\x80-\xff]/;
/** Values without these bytes are written exactly as they are (the common case). */
const TEXT_SLOW = /[<>&\r\x80-\xff]/;
/** cr_hascontrollchars: C0 controls other than TAB, LF and CR. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/** createrepo_c refuses a whole package when one of its strings has a C0 control. */
export function hasControlChars(s: ByteString | null | undefined): boolean {
  return s !== null && s !== undefined && CONTROL.test(s);
}

/** libxml2's xmlCheckUTF8: only the byte structure is checked (overlongs, surrogates pass). */
export function isStructurallyUtf8(s: ByteString): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let len: number;
    if (c < 0x80) len = 1;
    else if ((c & 0xe0) === 0xc0) len = 2;
    else if ((c & 0xf0) === 0xe0) len = 3;
    else if ((c & 0xf8) === 0xf0) len = 4;
    else return false;
    for (let k = 1; k < len; k++) {
      if (i + k >= n || (s.charCodeAt(i + k) & 0xc0) !== 0x80) return false;
    }
    i += len;
  }
  return true;
}

/** cr_latin1_to_utf8: ISO-8859-1 to UTF-8, skipping C0 controls and 0x80-0xBF. */
export function latin1ToUtf8(s: ByteString): ByteString {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) continue;
      out += s[i];
    } else if (c >= 0xc0) {
      out += String.fromCharCode(0xc3, (c & 0x3f) + 0x80);
    }
  }
  return out;
}

/** The value createrepo_c hands to libxml2 for `cr_xmlNewTextChild` / `cr_xmlNewProp`. */
export function toUtf8(s: ByteString | null | undefined): ByteString {
  if (s === null || s === undefined) return '';
  if (!NON_ASCII.test(s) || isStructurallyUtf8(s)) return s;
  return latin1ToUtf8(s);
}

/** xmlEscapeContent: `<`, `>`, `&` and CR; every other byte as it is. */
export function escapeTextRaw(s: ByteString): ByteString {
  if (!TEXT_SPECIAL.test(s)) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string;
    if (c === 0x3c) rep = '&lt;';
    else if (c === 0x3e) rep = '&gt;';
    else if (c === 0x26) rep = '&amp;';
    else if (c === 0x0d) rep = '&#13;';
    else continue;
    out += s.slice(from, i) + rep;
    from = i + 1;
  }
  return out + s.slice(from);
}

function isXmlChar(v: number): boolean {
  return (v >= 0x20 && v <= 0xd7ff) || v === 0x9 || v === 0xa || v === 0xd || (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
}

const charRef = (v: number): string => `&#x${v.toString(16).toUpperCase()};`;

/** xmlBufAttrSerializeTxtContent with no document encoding; see the module comment. */
const ASCII_ATTR_SPECIAL = /[\t\n\r"<>&]/g;
const ASCII_ATTR_REF: Record<string, string> = { '\t': '&#9;', '\n': '&#10;', '\r': '&#13;', '"': '&quot;', '<': '&lt;', '>': '&gt;', '&': '&amp;' };

export function escapeAttrRaw(s: ByteString): ByteString {
  if (!ATTR_SPECIAL.test(s)) return s;
  if (!NON_ASCII.test(s)) return s.replace(ASCII_ATTR_SPECIAL, (c) => ASCII_ATTR_REF[c]);
  let out = '';
  let from = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let rep: string;
    let step = 1;
    if (c === 0x0a) rep = '&#10;';
    else if (c === 0x0d) rep = '&#13;';
    else if (c === 0x09) rep = '&#9;';
    else if (c === 0x22) rep = '&quot;';
    else if (c === 0x3c) rep = '&lt;';
    else if (c === 0x3e) rep = '&gt;';
    else if (c === 0x26) rep = '&amp;';
    else if (c >= 0x80 && i + 1 < n) {
      // libxml2 trusts the lead byte and reads the next bytes without checking them
      const at = (k: number): number => s.charCodeAt(i + k) & 0x3f;
      let v = 0;
      let len = 1;
      if (c < 0xc0) len = 1;
      else if (c < 0xe0) { v = ((c & 0x1f) << 6) | at(1); len = 2; }
      else if (c < 0xf0 && i + 2 < n) { v = ((c & 0x0f) << 12) | (at(1) << 6) | at(2); len = 3; }
      else if (c < 0xf8 && i + 3 < n) { v = ((c & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3); len = 4; }
      if (len === 1 || !isXmlChar(v)) rep = charRef(c);
      else { rep = charRef(v); step = len; }
    } else { i++; continue; }
    out += s.slice(from, i) + rep;
    i += step;
    from = i;
  }
  return out + s.slice(from);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
const NON_CHARACTER = /[\ufffe\uffff]/g;

/** True when bytes that contain non-ASCII are UTF-8 made only of XML characters. */
function wellFormed(out: ByteString): boolean {
  try {
    return !/[\ufffe\uffff]/.test(strictUtf8.decode(Buffer.from(out, 'latin1')));
  } catch {
    return false; // fatal decoder: not UTF-8 (overlong, surrogate, truncated, > U+10FFFF)
  }
}

/** Invalid sequences and non-characters become U+FFFD; the result is UTF-8 bytes. */
function repair(s: ByteString): ByteString {
  const text = lenientUtf8.decode(Buffer.from(s, 'latin1')).replace(NON_CHARACTER, '\ufffd');
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Text content of a `cr_xmlNewTextChild` element. */
export function xmlText(s: ByteString | null | undefined): ByteString {
  if (s === null || s === undefined) return '';
  if (!TEXT_SLOW.test(s)) return s;
  const v = toUtf8(s);
  const out = escapeTextRaw(v);
  return NON_ASCII.test(out) && !wellFormed(out) ? escapeTextRaw(repair(v)) : out;
}

/** Value of a `cr_xmlNewProp` attribute (converted from Latin-1 when not UTF-8). */
export function xmlAttr(s: ByteString | null | undefined): ByteString {
  if (s === null || s === undefined) return '';
  if (!ATTR_SPECIAL.test(s)) return s;
  return xmlAttrRaw(toUtf8(s));
}

/** Value of a plain `xmlNewProp` attribute: the bytes go to the serialiser unconverted. */
export function xmlAttrRaw(s: ByteString | null | undefined): ByteString {
  const v = s ?? '';
  if (!ATTR_SPECIAL.test(v)) return v;
  const out = escapeAttrRaw(v);
  return NON_ASCII.test(out) && !wellFormed(out) ? escapeAttrRaw(repair(v)) : out;
}
