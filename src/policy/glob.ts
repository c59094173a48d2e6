/**
 * Shell-style glob patterns (fnmatch(3) without flags), as `rpm -qa PATTERN` and package
 * groups take them: `*` any run of characters, `?` one character, `[abc]`, `[a-z]`,
 * `[!abc]` (or `[^abc]`) one of a set, `\x` the character x itself.
 *
 * Matched directly, not through a RegExp: a pattern is user input (a query parameter of
 * the server), and a RegExp of n `*`s backtracks in time exponential in n (`*a*a*a*a*a*a*x`
 * took seconds per name) or fails to compile (`[z-a]`, a 40 KB pattern). This walk is
 * O(pattern × text) whatever the pattern: on a mismatch it only ever moves the last `*`.
 */

/** Whether a pattern has any glob character (a plain name is matched exactly). */
export function isGlob(pattern: string): boolean { return /[*?[\\]/.test(pattern); }

/** One position of a pattern: `*`, `?`, a literal character, or a bracket set. */
type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'char'; c: string } | { kind: 'set'; negate: boolean; ranges: Array<[string, string]> };

/** Characters are code points, so `?` is one character whatever its UTF-16 length. */
function tokens(pattern: string): Token[] {
  const p = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*') { if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' }); continue; }
    if (c === '?') { out.push({ kind: 'one' }); continue; }
    if (c === '\\' && i + 1 < p.length) { out.push({ kind: 'char', c: p[++i] as string }); continue; }
    if (c === '[') {
      // A `]` right after `[` (or `[!`) belongs to the set; no closing `]`: a literal `[`.
      let j = i + 1;
      const negate = p[j] === '!' || p[j] === '^';
      if (negate) j++;
      const end = p.indexOf(']', j + 1);
      if (end < 0) { out.push({ kind: 'char', c }); continue; }
      const set = p.slice(j, end);
      const ranges: Array<[string, string]> = [];
      for (let k = 0; k < set.length; k++) {
        const lo = set[k] as string;
        if (set[k + 1] === '-' && k + 2 < set.length) { ranges.push([lo, set[k + 2] as string]); k += 2; } else ranges.push([lo, lo]);
      }
      out.push({ kind: 'set', negate, ranges });
      i = end;
      continue;
    }
    out.push({ kind: 'char', c });
  }
  return out;
}

function matchesOne(t: Token, c: string): boolean {
  if (t.kind === 'one') return true;
  if (t.kind === 'char') return t.c === c;
  if (t.kind === 'set') {
    const cp = c.codePointAt(0) as number;
    const inside = t.ranges.some(([lo, hi]) => cp >= (lo.codePointAt(0) as number) && cp <= (hi.codePointAt(0) as number));
    return inside !== t.negate;
  }
  return false;
}

/** Whether `text` matches the glob (the whole of it). */
export function globMatch(pattern: string, text: string): boolean {
  const p = tokens(pattern);
  const s = Array.from(text);
  let pi = 0;
  let si = 0;
  // The last `*` seen and the text position it was tried at: a mismatch lets it take one more character.
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    const t = p[pi];
    if (t !== undefined && t.kind === 'star') { star = pi++; mark = si; continue; }
    if (t !== undefined && matchesOne(t, s[si] as string)) { pi++; si++; continue; }
    if (star < 0) return false;
    pi = star + 1;
    si = ++mark;
  }
  while (p[pi]?.kind === 'star') pi++;
  return pi === p.length;
}
