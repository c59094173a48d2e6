/**
 * rpm's database match patterns (lib/rpmdb.c mireDup + rpmdbSetIteratorRE): what `-qa
 * PATTERN` and the version/release/arch parts of `-q N-V-R.A` match with. By default a
 * pattern is a *glob-flavoured regular expression*: rpm anchors it (`^...$`), escapes
 * `.`, `+` and `^`, turns `*` into `.*`, and hands the rest to POSIX extended regcomp, so
 * `?`, `|`, `(...)` and `{n}` keep their regex meaning. A leading `!` negates. The
 * BASENAMES and DIRNAMES tags use fnmatch(3) instead (FNM_PATHNAME | FNM_PERIOD).
 */
import { T } from './tag-numbers.js';

export type Matcher = (value: string) => boolean;

/** rpm's mireDup for RPMMIRE_DEFAULT: the anchored, escaped regular expression text. */
export function mireRegexText(pattern: string): string {
  let out = pattern[0] === '^' ? '' : '^';
  let brackets = false;
  let c = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    switch (ch) {
      case '.': case '+': case '^': if (!brackets) out += '\\'; break;
      case '*': if (!brackets) out += '.'; break;
      case '\\': out += ch; i++; break;
      case '[': brackets = true; break;
      case ']': if (c !== '[') brackets = false; break;
    }
    if (i < pattern.length) { out += pattern[i]; c = pattern[i]; }
  }
  if (pattern.length > 0 && pattern[pattern.length - 1] !== '$') out += '$';
  return out;
}

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: '0-9a-zA-Z', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f',
};

/** A POSIX bracket expression starting at `[`: [JS class text, index after `]`], or null when unterminated. */
function bracket(re: string, at: number): [string, number] | null {
  let i = at + 1;
  let out = '[';
  if (re[i] === '^') { out += '^'; i++; }
  let first = true;
  while (i < re.length) {
    const ch = re[i];
    if (ch === ']' && !first) return [`${out}]`, i + 1];
    first = false;
    if (ch === '[' && (re[i + 1] === ':' || re[i + 1] === '=' || re[i + 1] === '.')) {
      const kind = re[i + 1];
      const close = re.indexOf(`${kind}]`, i + 2);
      if (close < 0) return null;
      const name = re.slice(i + 2, close);
      if (kind === ':') {
        const cls = CLASSES[name];
        if (cls === undefined) return null;
        out += cls;
      } else {
        out += name.replace(/[\\\]\[^-]/g, '\\$&');
      }
      i = close + 2;
      continue;
    }
    out += ch === '\\' || ch === '[' || (ch === '^') ? `\\${ch}` : ch;
    i++;
  }
  return null;
}

/** POSIX extended regex text (GNU flavour) to a JS RegExp; null where regcomp would fail. */
export function posixRegex(re: string): RegExp | null {
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\') {
      const n = re[i + 1];
      if (n === undefined) return null;
      i++;
      if (n === '<' || n === '>') out += '\\b';
      else if ('wWsSbB'.includes(n) || /[1-9]/.test(n)) out += `\\${n}`;
      else out += /[A-Za-z0-9]/.test(n) ? n : `\\${n}`;
    } else if (ch === '[') {
      const b = bracket(re, i);
      if (!b) return null;
      out += b[0];
      i = b[1] - 1;
    } else if (ch === '{' && !/^\{\d+(,\d*)?\}/.test(re.slice(i))) {
      out += '\\{';
    } else if (ch === '}' || ch === ']' || ch === '/') {
      out += `\\${ch}`;
    } else {
      out += ch;
    }
  }
  try {
    return new RegExp(out, 's');
  } catch {
    // A JS syntax error stands for regcomp's refusal; the caller reports it as rpm does.
    return null;
  }
}

/** fnmatch(3) with FNM_PATHNAME | FNM_PERIOD. */
export function fnmatch(pattern: string, text: string): boolean {
  const match = (p: number, t: number): boolean => {
    while (p < pattern.length) {
      const c = pattern[p];
      const periodAtStart = text[t] === '.' && (t === 0 || text[t - 1] === '/');
      if (c === '?') {
        if (t >= text.length || text[t] === '/' || periodAtStart) return false;
        p++; t++;
      } else if (c === '*') {
        if (periodAtStart) return false;
        while (pattern[p] === '*') p++;
        for (let k = t; k <= text.length; k++) {
          if (match(p, k)) return true;
          if (text[k] === '/') return false;
        }
        return false;
      } else if (c === '[') {
        if (t >= text.length || text[t] === '/' || periodAtStart) return false;
        let q = p + 1;
        const negate = pattern[q] === '!' || pattern[q] === '^';
        if (negate) q++;
        let hit = false;
        let firstChar = true;
        while (q < pattern.length && (pattern[q] !== ']' || firstChar)) {
          firstChar = false;
          let lo = pattern[q];
          if (lo === '\\' && q + 1 < pattern.length) lo = pattern[++q];
          let hi = lo;
          if (pattern[q + 1] === '-' && pattern[q + 2] !== undefined && pattern[q + 2] !== ']') { hi = pattern[q + 2]; q += 2; }
          if (text[t] >= lo && text[t] <= hi) hit = true;
          q++;
        }
        if (q >= pattern.length) { if (text[t] !== '[') return false; p++; t++; continue; }
        if (hit === negate) return false;
        p = q + 1; t++;
      } else {
        let lit = c;
        if (c === '\\' && p + 1 < pattern.length) lit = pattern[++p];
        if (text[t] !== lit) return false;
        p++; t++;
      }
    }
    return t === text.length;
  };
  return match(0, 0);
}

/**
 * The matcher rpmdbSetIteratorRE(mi, tag, RPMMIRE_DEFAULT, pattern) installs, or an error
 * text (`<regex>: regcomp failed: ...`) when rpm's regcomp refuses the pattern.
 *
 * @example
 * const m = patternMatcher(T.NAME, 'lib*'); // matches 'libc6', 'lib', not 'glibc'
 */
export function patternMatcher(tag: number, pattern: string): Matcher | { error: string } {
  let negate = false;
  let p = pattern;
  if (p.startsWith('!')) { negate = true; p = p.slice(1); }
  let test: Matcher;
  if (tag === T.BASENAMES || tag === T.DIRNAMES) {
    test = (v) => fnmatch(p, v);
  } else {
    const text = mireRegexText(p);
    const re = posixRegex(text);
    if (!re) return { error: `${text}: regcomp failed: Invalid regular expression` };
    test = (v) => re.test(v);
  }
  return negate ? (v) => !test(v) : test;
}
