/**
 * Evaluates a parsed query format against one header, as rpm's headerFormat
 * (lib/headerfmt.c singleSprintf/formatValue) does: missing values print `(none)`,
 * field widths are printf's (counted in bytes), arrays iterate in parallel and stop the
 * whole format with an error when their sizes differ.
 */
import { applyFormatter } from './format-values.js';
import type { FormatToken, TagRef } from './format-parser.js';
import { FormatError } from './format-parser.js';
import type { PackageHeader } from './package-header.js';
import { rawCount, tagCount } from './tag-data.js';
import type { TagData } from './tag-data.js';
import { tagDisplayName } from './tag-table.js';

/** printf("%<width>s", value) for a width made of `-` and digits; glibc prints a malformed spec as is. */
export function padField(width: string, value: string): string {
  const m = /^([-0]*)(\d*)$/.exec(width);
  if (!m) return `%${width}s`;
  const n = m[2] === '' ? 0 : Number(m[2]);
  if (value.length >= n) return value;
  return m[1].includes('-') ? value.padEnd(n, ' ') : value.padStart(n, ' ');
}

class Renderer {
  private out = '';

  /** @param raw rpm's HEADERGET_RAW mode (while iterating `%{*}`): no extensions, all translations */
  constructor(private readonly h: PackageHeader, private readonly raw = false) {}

  /** rpm's tagCache: each tag read once per format evaluation. */
  private readonly cache = new Map<number, TagData | undefined>();

  private data(tag: number): TagData | undefined {
    if (tag < 0) return undefined;
    if (!this.cache.has(tag)) this.cache.set(tag, this.raw ? this.h.rawAll(tag) : this.h.get(tag));
    return this.cache.get(tag);
  }

  private value(ref: TagRef, element: number): void {
    const td = this.data(ref.tag);
    const val = td && rawCount(td) > element ? applyFormatter(ref.formatter, td, element, ref.tag) : '(none)';
    this.out += ref.width ? padField(ref.width, val) : val;
  }

  render(tokens: FormatToken[], element: number): void {
    for (const t of tokens) {
      switch (t.type) {
        case 'string': this.out += t.text; break;
        case 'tag': this.value(t, t.justOne ? 0 : element); break;
        case 'cond': {
          const present = t.tag >= 0 && (this.data(t.tag) !== undefined || this.h.has(t.tag));
          this.render(present ? t.then : t.otherwise, element);
          break;
        }
        case 'array': this.array(t.tokens); break;
      }
    }
  }

  private array(tokens: FormatToken[]): void {
    let n = 0;
    let found = false;
    for (const t of tokens) {
      if (t.type !== 'tag' || t.justOne) continue;
      const td = this.data(t.tag);
      if (!td) continue;
      found = true;
      const count = tagCount(td);
      if (n > 0 && count !== n) throw new FormatError('array iterator used with different sized arrays');
      if (count > n) n = count;
    }
    if (!found || n === 0) return;
    const first = tokens[0];
    const xml = first?.type === 'tag' && first.formatterName === 'xml';
    if (xml) this.out += `  <rpmTag name="${tagDisplayName(first.tag)}">\n`;
    for (let j = 0; j < n; j++) this.render(tokens, j);
    if (xml) this.out += '  </rpmTag>\n';
  }

  result(): string { return this.out; }
}

/**
 * The text (a byte string) of a parsed format for one header. Throws FormatError for
 * rpm's one evaluation error (parallel arrays of different sizes).
 *
 * @example
 * renderQueryFormat(parseQueryFormat('%{NAME}-%{VERSION}\n'), header); // 'bash-5.2.26\n'
 */
export function renderQueryFormat(tokens: FormatToken[], h: PackageHeader): string {
  const first = tokens[0];
  const lead = first?.type === 'tag' ? first : first?.type === 'array' && first.tokens[0]?.type === 'tag' ? first.tokens[0] : null;
  if (!lead || lead.tag !== -2) {
    const r = new Renderer(h);
    r.render(tokens, 0);
    return r.result();
  }
  // `%{*}` first (rpm's --xml): the first token alone, once per header tag, read raw.
  const xml = lead.formatterName === 'xml';
  let out = xml ? '<rpmHeader>\n' : '';
  for (const tag of h.allTags()) {
    const token: FormatToken = first.type === 'tag' ? { ...lead, tag }
      : { type: 'array', tokens: [{ ...lead, tag }, ...(first as { tokens: FormatToken[] }).tokens.slice(1)] };
    const r = new Renderer(h, true);
    r.render([token], 0);
    out += r.result();
  }
  return xml ? `${out}</rpmHeader>\n` : out;
}
