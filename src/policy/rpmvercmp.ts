/**
 * rpm's version segment comparison, byte for byte the same answers as rpm 4.18's
 * `rpmvercmp()` (rpmio/rpmvercmp.c). See docs/versioning-policy.md#rpm-ordering.
 *
 * Only ASCII letters and digits form segments; every other character (non-ASCII too)
 * is a separator. `~` sorts before everything, even the end of the string; `^` sorts
 * after the end of the string but before any further segment.
 */
const enum Ch { Tilde = 0x7e, Caret = 0x5e, Zero = 0x30 }

function isDigit(c: number): boolean { return c >= 0x30 && c <= 0x39; }
function isAlpha(c: number): boolean { return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a); }
function isAlnum(c: number): boolean { return isDigit(c) || isAlpha(c); }

/** Returns -1, 0 or 1 as rpm's rpmvercmp does. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while (i < la && !isAlnum(a.charCodeAt(i)) && a.charCodeAt(i) !== Ch.Tilde && a.charCodeAt(i) !== Ch.Caret) i++;
    while (j < lb && !isAlnum(b.charCodeAt(j)) && b.charCodeAt(j) !== Ch.Tilde && b.charCodeAt(j) !== Ch.Caret) j++;
    const ca = i < la ? a.charCodeAt(i) : -1;
    const cb = j < lb ? b.charCodeAt(j) : -1;
    if (ca === Ch.Tilde || cb === Ch.Tilde) {
      if (ca !== Ch.Tilde) return 1;
      if (cb !== Ch.Tilde) return -1;
      i++; j++;
      continue;
    }
    if (ca === Ch.Caret || cb === Ch.Caret) {
      if (ca === -1) return -1;
      if (cb === -1) return 1;
      if (ca !== Ch.Caret) return 1;
      if (cb !== Ch.Caret) return -1;
      i++; j++;
      continue;
    }
    if (ca === -1 || cb === -1) break;
    let ei = i;
    let ej = j;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    while (ei < la && inSegment(a.charCodeAt(ei))) ei++;
    while (ej < lb && inSegment(b.charCodeAt(ej))) ej++;
    // rpm: a segment of the other type on the left is "arbitrarily" older;
    // on the right, numeric beats alpha.
    if (ei === i) return -1;
    if (ej === j) return numeric ? 1 : -1;
    if (numeric) {
      while (i < ei && a.charCodeAt(i) === Ch.Zero) i++;
      while (j < ej && b.charCodeAt(j) === Ch.Zero) j++;
      if (ei - i > ej - j) return 1;
      if (ej - j > ei - i) return -1;
    }
    const sa = a.slice(i, ei);
    const sb = b.slice(j, ej);
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}
