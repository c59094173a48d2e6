/**
 * A small, strict XML parser for tests: enough of XML 1.0 for machine-written rpm-md
 * documents (declaration, elements, attributes, text, character and the five entity
 * references, comments), and strict about well-formedness: the bytes must be UTF-8,
 * every character an XML Char, tags balanced, attributes quoted and unique. Throws on
 * the first problem with its byte offset, so a test can assert "this parses" as well as
 * compare trees.
 */
export interface XmlElement { name: string; attrs: Array<[string, string]>; children: XmlNode[] }
export type XmlNode = XmlElement | string;

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NOT_CHAR = /[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const NAME = /^[A-Za-z_:][\w:.-]*/;

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  fail(what: string): never { throw new Error(`XML: ${what} at character ${this.pos}: ${JSON.stringify(this.s.slice(this.pos, this.pos + 40))}`); }

  decode(raw: string): string {
    if (raw.includes('<')) this.fail('"<" in a value');
    return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
      if (!m.endsWith(';')) this.fail(`unterminated reference ${m}`);
      let out: string | undefined;
      if (ref.startsWith('#x')) out = /^#x[0-9a-fA-F]+$/.test(ref) ? String.fromCodePoint(parseInt(ref.slice(2), 16)) : undefined;
      else if (ref.startsWith('#')) out = /^#\d+$/.test(ref) ? String.fromCodePoint(Number(ref.slice(1))) : undefined;
      else out = NAMED[ref];
      if (out === undefined || NOT_CHAR.test(out)) this.fail(`bad reference &${ref};`);
      return out;
    });
  }

  skipMisc(): void {
    for (; ;) {
      const m = /^\s*/.exec(this.s.slice(this.pos, this.pos + 1000))!;
      this.pos += m[0].length;
      if (this.s.startsWith('<!--', this.pos)) {
        const end = this.s.indexOf('-->', this.pos);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 3;
      } else return;
    }
  }

  element(): XmlElement {
    if (this.s[this.pos] !== '<') this.fail('expected "<"');
    this.pos++;
    const name = NAME.exec(this.s.slice(this.pos, this.pos + 200))?.[0] ?? this.fail('expected a name');
    this.pos += name.length;
    const el: XmlElement = { name, attrs: [], children: [] };
    for (; ;) {
      const ws = /^\s*/.exec(this.s.slice(this.pos, this.pos + 100))![0].length;
      this.pos += ws;
      if (this.s.startsWith('/>', this.pos)) { this.pos += 2; return el; }
      if (this.s[this.pos] === '>') { this.pos++; break; }
      if (!ws) this.fail('expected whitespace before an attribute');
      const attr = NAME.exec(this.s.slice(this.pos, this.pos + 200))?.[0] ?? this.fail('expected an attribute');
      this.pos += attr.length;
      const eq = /^\s*=\s*(["'])/.exec(this.s.slice(this.pos, this.pos + 100)) ?? this.fail('expected ="');
      this.pos += eq[0].length;
      const end = this.s.indexOf(eq[1], this.pos);
      if (end < 0) this.fail('unterminated attribute');
      if (el.attrs.some(([k]) => k === attr)) this.fail(`duplicate attribute ${attr}`);
      // attribute-value normalisation: literal white space becomes a space
      el.attrs.push([attr, this.decode(this.s.slice(this.pos, end).replace(/[\t\n\r]/g, ' '))]);
      this.pos = end + 1;
    }
    for (; ;) {
      const lt = this.s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`unclosed <${name}>`);
      if (lt > this.pos) el.children.push(this.decode(this.s.slice(this.pos, lt).replace(/\r\n?/g, '\n')));
      this.pos = lt;
      if (this.s.startsWith('</', lt)) {
        const close = `</${name}`;
        if (!this.s.startsWith(close, lt)) this.fail(`expected ${close}>`);
        this.pos = lt + close.length;
        const m = /^\s*>/.exec(this.s.slice(this.pos, this.pos + 100)) ?? this.fail('expected ">"');
        this.pos += m[0].length;
        return el;
      }
      if (this.s.startsWith('<!--', lt)) { this.skipMisc(); continue; }
      el.children.push(this.element());
    }
  }
}

/** Parses a whole document (bytes, which must be UTF-8) and returns its root element. */
export function parseXml(bytes: Buffer): XmlElement {
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('XML: the document is not UTF-8');
  }
  const bad = NOT_CHAR.exec(s);
  if (bad) throw new Error(`XML: character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed (at ${bad.index})`);
  const p = new Parser(s);
  if (s.startsWith('<?xml')) {
    const end = s.indexOf('?>');
    if (end < 0) p.fail('unterminated declaration');
    p.pos = end + 2;
  }
  p.skipMisc();
  const root = p.element();
  p.skipMisc();
  if (p.pos !== s.length) p.fail('content after the root element');
  return root;
}

/** Child elements named `name` (all child elements when omitted). */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name));
}

/** The text of an element (its direct text children joined). */
export function textOf(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}

/**
 * Differences between two elements, as readable paths: names, attributes (in order),
 * text (whitespace-only text between elements ignored) and children, recursively.
 */
export function diffElements(a: XmlElement, b: XmlElement, path = a.name, out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  if (a.name !== b.name) { out.push(`${path}: element ${a.name} vs ${b.name}`); return out; }
  const attrs = (e: XmlElement): string => e.attrs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  if (attrs(a) !== attrs(b)) out.push(`${path}: attributes [${attrs(a)}] vs [${attrs(b)}]`);
  const ta = textOf(a).trim() === '' ? '' : textOf(a);
  const tb = textOf(b).trim() === '' ? '' : textOf(b);
  if (ta !== tb) out.push(`${path}: text ${JSON.stringify(ta)} vs ${JSON.stringify(tb)}`);
  const ca = childElements(a);
  const cb = childElements(b);
  if (ca.length !== cb.length) out.push(`${path}: ${ca.length} vs ${cb.length} child elements`);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) diffElements(ca[i], cb[i], `${path}/${ca[i].name}[${i}]`, out, limit);
  return out;
}
