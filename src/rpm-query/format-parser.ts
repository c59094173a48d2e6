/**
 * rpm's --queryformat language, parsed as lib/headerfmt.c parseFormat/parseExpression
 * parse it, with the same error texts for the same mistakes:
 *
 *   text with \n \t \a \b \f \r \v \\ escapes, %% for a percent sign
 *   %{TAG}  %-20{TAG}  %{TAG:formatter}  %{=TAG} (element 0 inside arrays)  %{#TAG} (array size)
 *   [ ... ]                  iterate the arrays named inside in parallel
 *   %|TAG?{present}:{absent}|  and  %|TAG?{present}|
 *
 * Tag names are case-insensitive and may carry an `RPMTAG_` prefix. An unknown tag or
 * formatter is an error (`unknown tag: "X"`), except in a condition, where rpm treats an
 * unknown tag as absent.
 */
import { FORMATTERS } from './format-values.js';
import type { Formatter } from './format-values.js';
import { tagByName } from './tag-table.js';

/** A tag reference: rpm's sprintfTag. `tag` is -1 for unknown (conditions only), -2 for `*`. */
export interface TagRef {
  tag: number;
  /** The text between `%` and `{` (digits and `-`): a printf field width. */
  width: string;
  /** `%{=TAG}` / `%{#TAG}`: always element 0 (never drives array iteration). */
  justOne: boolean;
  formatter: Formatter;
  formatterName: string;
}

export type FormatToken =
  | { type: 'string'; text: string }
  | ({ type: 'tag' } & TagRef)
  | { type: 'array'; tokens: FormatToken[] }
  | { type: 'cond'; tag: number; then: FormatToken[]; otherwise: FormatToken[] };

/** A parse failure, with rpm's message (printed as `error: incorrect format: <message>`). */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

const enum State { Begin, InArray, InExpr }

/** rpm's findTag for a name: the number, -2 for `*`, undefined when unknown. */
function lookupTag(name: string): number | undefined {
  if (name === '*') return -2;
  const bare = name.startsWith('RPMTAG_') ? name.slice(7) : name;
  return tagByName(bare)?.value;
}

class Parser {
  constructor(private readonly s: string) {}

  /** Parses from `pos`; returns the tokens and the index after the closing `]`/`}` (null at end of text). */
  parse(pos: number, state: State): { tokens: FormatToken[]; end: number | null } {
    const s = this.s;
    const tokens: FormatToken[] = [];
    let text: { type: 'string'; text: string } | null = null;
    const addText = (c: string): void => {
      if (!text) { text = { type: 'string', text: '' }; tokens.push(text); }
      text.text += c;
    };
    while (pos < s.length) {
      const c = s[pos];
      if (c === '%') {
        if (s[pos + 1] === '%') { addText('%'); pos += 2; continue; }
        text = null;
        pos++;
        if (s[pos] === '|') {
          const { token, end } = this.expression(pos + 1);
          tokens.push(token);
          pos = end;
          continue;
        }
        let p = pos;
        while (p < s.length && s[p] !== '{' && s[p] !== '%') {
          if (!/[0-9-]/.test(s[p])) throw new FormatError('invalid field width');
          p++;
        }
        if (p >= s.length || s[p] === '%') throw new FormatError('missing { after %');
        const width = s.slice(pos, p);
        pos = p + 1;
        let justOne = false;
        let formatterName: string | null = null;
        if (s[pos] === '=') { justOne = true; pos++; } else if (s[pos] === '#') { justOne = true; formatterName = 'arraysize'; pos++; }
        const close = s.indexOf('}', pos);
        if (close < 0) throw new FormatError('missing } after %{');
        let name = s.slice(pos, close);
        const colon = name.indexOf(':');
        if (colon >= 0) {
          formatterName = name.slice(colon + 1);
          name = name.slice(0, colon);
          if (formatterName === '') throw new FormatError('empty tag format');
        }
        if (name === '') throw new FormatError('empty tag name');
        const tag = lookupTag(name);
        const formatter = FORMATTERS[formatterName ?? 'string'];
        if (tag === undefined || !Object.hasOwn(FORMATTERS, formatterName ?? 'string')) throw new FormatError(`unknown tag: "${name}"`);
        tokens.push({ type: 'tag', tag, width, justOne, formatter, formatterName: formatterName ?? 'string' });
        pos = close + 1;
      } else if (c === '[') {
        text = null;
        const inner = this.parse(pos + 1, State.InArray);
        if (inner.end === null) throw new FormatError('] expected at end of array');
        tokens.push({ type: 'array', tokens: inner.tokens });
        pos = inner.end;
      } else if (c === ']') {
        if (state !== State.InArray) throw new FormatError('unexpected ]');
        return { tokens, end: pos + 1 };
      } else if (c === '}') {
        if (state !== State.InExpr) throw new FormatError('unexpected }');
        return { tokens, end: pos + 1 };
      } else if (c === '\\') {
        if (pos + 1 >= s.length) throw new FormatError('escaped char expected after \\');
        const e = s[pos + 1];
        addText(ESCAPES[e] ?? e);
        pos += 2;
      } else {
        addText(c);
        pos++;
      }
    }
    return { tokens, end: null };
  }

  /** rpm's parseExpression, from just after `%|`. */
  private expression(pos: number): { token: FormatToken; end: number } {
    const s = this.s;
    const q = s.indexOf('?', pos);
    if (q < 0) throw new FormatError('? expected in expression');
    const name = s.slice(pos, q);
    if (s[q + 1] !== '{') throw new FormatError('{ expected after ? in expression');
    const then = this.parse(q + 2, State.InExpr);
    if (then.end === null || then.end >= s.length) throw new FormatError('} expected in expression');
    let p = then.end;
    if (s[p] !== ':' && s[p] !== '|') throw new FormatError(': expected following ? subexpression');
    let otherwise: FormatToken[] = [];
    if (s[p] === ':') {
      p++;
      if (s[p] !== '{') throw new FormatError('{ expected after : in expression');
      const other = this.parse(p + 1, State.InExpr);
      if (other.end === null || other.end >= s.length) throw new FormatError('} expected in expression');
      p = other.end;
      if (s[p] !== '|') throw new FormatError('| expected at end of expression');
      otherwise = other.tokens;
    }
    return { token: { type: 'cond', tag: lookupTag(name) ?? -1, then: then.tokens, otherwise }, end: p + 1 };
  }
}

/**
 * Parses a query format. Throws FormatError with rpm's message.
 *
 * @example
 * parseQueryFormat('[%{FILENAMES}\n]');
 * // [{ type: 'array', tokens: [{ type: 'tag', tag: 5000, ... }, { type: 'string', text: '\n' }] }]
 */
export function parseQueryFormat(format: string): FormatToken[] {
  return new Parser(format).parse(0, State.Begin).tokens;
}
