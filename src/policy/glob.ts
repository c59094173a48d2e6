/**
 * Shell-style glob patterns (fnmatch(3) without flags), as `rpm -qa PATTERN` and package
 * groups take them: `*` any run of characters, `?` one character, `[abc]`, `[a-z]`,
 * `[!abc]` (or `[^abc]`) one of a set, `\x` the character x itself.
 */

/** Whether a pattern has any glob character (a plain name is matched exactly). */
export function isGlob(pattern: string): boolean { return /[*?[\\]/.test(pattern); }

/** A RegExp matching exactly what the glob matches (the whole string). */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < pattern.length) out += escape(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) { out += '\\['; continue; }
      let set = pattern.slice(i + 1, end);
      const negate = set.startsWith('!') || set.startsWith('^');
      if (negate) set = set.slice(1);
      out += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else out += escape(c);
  }
  return new RegExp(`^${out}$`, 's');
}

function escape(c: string): string { return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'); }

/** Whether `text` matches the glob. */
export function globMatch(pattern: string, text: string): boolean { return globToRegExp(pattern).test(text); }
