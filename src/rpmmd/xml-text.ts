/** The five XML entities and numeric references, decoded only when a `&` is present. */
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * A copy of `s` that does not keep alive the big decoded chunk it was sliced from (V8
 * substrings of 13 characters or more reference their parent). Appending a character
 * forces a fresh flat string, and the slice of that references only it. Without this a
 * loaded universe retained most of the 98 MB of XML text it was parsed from.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

export function decodeXmlText(s: string): string {
  if (s.indexOf('&') < 0) return ownString(s);
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, ent: string) => {
    if (ent[0] === '#') return String.fromCodePoint(ent[1] === 'x' ? parseInt(ent.slice(2), 16) : Number(ent.slice(1)));
    return NAMED[ent] ?? m;
  }).replace(/^/, '');
}

const ATTR = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Attributes of one start tag's text (`name="x" flags="EQ"`), entity-decoded. */
export function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  ATTR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR.exec(text)) !== null) out[m[1]] = decodeXmlText(m[2] ?? m[3] ?? '');
  return out;
}
