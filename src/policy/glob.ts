/**
 * Shell-style glob patterns (fnmatch(3) without flags), as `rpm -qa PATTERN` and package
 * groups take them: `*` any run of characters, `?` one character, `[abc]`, `[a-z]`,
 * `[!abc]` (or `[^abc]`) one of a set, `\x` the character x itself. glibc's fnmatch is the
 * oracle of test/policy/glob.test.ts.
 *
 * Matched directly, not through a RegExp: a pattern of any length (a 40 KB argument) is
 * fine, and the one-star-backtrack walk takes at most pattern × text steps, where a
 * regular expression of many stars can take exponential time.
 */

type Token =
  | { kind: 'char'; c: string }
  | { kind: 'one' }
  | { kind: 'star' }
  | { kind: 'set'; negate: boolean; chars: Set<string>; ranges: Array<[string, string]> };

/** Whether a pattern has any glob character (a plain name is matched exactly). */
export function isGlob(pattern: string): boolean { return /[*?[\\]/.test(pattern); }

/** The set starting after `[` at `start`, and where it ends; null when no `]` closes it (`[` is then literal). */
function parseSet(p: string[], start: number): { token: Token; end: number } | null {
  let i = start;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  const chars = new Set<string>();
  const ranges: Array<[string, string]> = [];
  for (let first = true; i < p.length; first = false) {
    if (p[i] === ']' && !first) return { token: { kind: 'set', negate, chars, ranges }, end: i };
    const c = p[i] === '\\' && i + 1 < p.length ? p[++i] : p[i];
    i++;
    if (p[i] === '-' && i + 1 === p.length) {
      // a range the pattern ends inside: fnmatch(3) fails there, unless an element before
      // it, or the range's own start, took the text's `[`, which then stands for itself as
      // in any unclosed set (`[]*[-` is `[]`, a star and `[-`)
      const takesBracket = c === '[' || chars.has('[') || ranges.some(([lo, hi]) => lo <= '[' && '[' <= hi);
      return takesBracket && !negate ? null : { token: { kind: 'set', negate: false, chars: new Set(), ranges: [] }, end: p.length - 1 };
    }
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      const hi = p[i + 1] === '\\' && i + 2 < p.length ? p[i + 2] : p[i + 1];
      i += p[i + 1] === '\\' && i + 2 < p.length ? 3 : 2;
      ranges.push([c, hi]);
    } else {
      chars.add(c);
    }
  }
  return null;
}

function tokenize(pattern: string): Token[] {
  const p = Array.from(pattern); // code points: `?` is one character, not one UTF-16 unit
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' }); // a run of stars is one star
    } else if (c === '?') out.push({ kind: 'one' });
    else if (c === '\\') out.push({ kind: 'char', c: p[++i] ?? '' }); // a trailing lone `\` matches nothing, as in fnmatch(3)
    else if (c === '[') {
      const set = parseSet(p, i + 1);
      if (set) { out.push(set.token); i = set.end; } else out.push({ kind: 'char', c });
    } else out.push({ kind: 'char', c });
  }
  return out;
}

function matchesOne(t: Token, c: string): boolean {
  switch (t.kind) {
    case 'char': return t.c === c;
    case 'one': return true;
    case 'star': return false;
    case 'set': {
      const cp = c.codePointAt(0) as number;
      const hit = t.chars.has(c) || t.ranges.some(([lo, hi]) => cp >= (lo.codePointAt(0) as number) && cp <= (hi.codePointAt(0) as number));
      return hit !== t.negate;
    }
  }
}

/** A function telling whether a text matches the glob (the whole text). */
export function compileGlob(pattern: string): (text: string) => boolean {
  const tokens = tokenize(pattern);
  return (text) => {
    const s = Array.from(text);
    let p = 0;
    let t = 0;
    let star = -1; // the last star seen, and where its match ends so far
    let starEnd = 0;
    while (t < s.length) {
      if (p < tokens.length && tokens[p].kind === 'star') { star = p++; starEnd = t; continue; }
      if (p < tokens.length && matchesOne(tokens[p], s[t])) { p++; t++; continue; }
      if (star < 0) return false;
      // let the last star take one more character; earlier stars never need to (they
      // only ever match less when a later part matches further right)
      p = star + 1;
      t = ++starEnd;
    }
    while (p < tokens.length && tokens[p].kind === 'star') p++;
    return p === tokens.length;
  };
}

/** Recently used patterns, compiled (a listing matches one pattern against every build). */
const compiled = new Map<string, (text: string) => boolean>();

/** Whether `text` matches the glob. */
export function globMatch(pattern: string, text: string): boolean {
  let match = compiled.get(pattern);
  if (!match) {
    if (compiled.size >= 64) compiled.delete(compiled.keys().next().value as string);
    match = compileGlob(pattern);
    compiled.set(pattern, match);
  }
  return match(text);
}
