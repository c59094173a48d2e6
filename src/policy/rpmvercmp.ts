/**
 * rpm's version segment comparison, byte for byte the same answers as rpm 4.18's
 * `rpmvercmp()` (rpmio/rpmvercmp.c). See docs/versioning-policy.md#rpm-ordering.
 *
 * Only ASCII letters and digits form segments; every other character (non-ASCII too)
 * is a separator, and separators never decide anything by themselves. `~` sorts before
 * everything, even the end of the string; `^` sorts after the end of the string but
 * before any further segment.
 */
const enum Ch { Tilde = 0x7e, Caret = 0x5e, Zero = 0x30 }

/** Character classes of ASCII, looked up once per character on the hot path. */
const enum K { Sep = 0, Digit = 1, Alpha = 2, Tilde = 3, Caret = 4 }
const KIND = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) KIND[c] = K.Digit;
for (let c = 0x41; c <= 0x5a; c++) KIND[c] = K.Alpha;
for (let c = 0x61; c <= 0x7a; c++) KIND[c] = K.Alpha;
KIND[Ch.Tilde] = K.Tilde;
KIND[Ch.Caret] = K.Caret;
/** Every non-ASCII UTF-16 unit is a separator, as every non-ASCII byte is to rpm. */
function kind(c: number): number { return c < 128 ? (KIND[c] as number) : K.Sep; }

/**
 * The shared loop, on the ranges `a[i, la)` and `b[j, lb)` so that callers comparing
 * parts of a larger text (an EVR, a batch line) need not copy them. `alphaNewer` selects
 * what happens when the segments at the same position are of different types (one
 * numeric, one alphabetic): upstream rpm says the numeric one is newer, ALT's rpm says
 * the alphabetic one is (docs/versioning-policy.md#rule-alt-segment-order).
 */
export function compareSegments(a: string, i: number, la: number, b: string, j: number, lb: number, alphaNewer: boolean): -1 | 0 | 1 {
  while (i < la || j < lb) {
    while (i < la && kind(a.charCodeAt(i)) === K.Sep) i++;
    while (j < lb && kind(b.charCodeAt(j)) === K.Sep) j++;
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
    const seg = kind(ca);
    const numeric = seg === K.Digit;
    let ei = i + 1;
    let ej = j;
    while (ei < la && kind(a.charCodeAt(ei)) === seg) ei++;
    while (ej < lb && kind(b.charCodeAt(ej)) === seg) ej++;
    // The right side has a segment of the other type here.
    if (ej === j) return numeric === alphaNewer ? -1 : 1;
    if (numeric) {
      while (i < ei && a.charCodeAt(i) === Ch.Zero) i++;
      while (j < ej && b.charCodeAt(j) === Ch.Zero) j++;
      if (ei - i > ej - j) return 1;
      if (ej - j > ei - i) return -1;
    }
    // Same length for numbers (so character order is numeric order); plain strcmp for letters.
    while (i < ei && j < ej) {
      const x = a.charCodeAt(i);
      const y = b.charCodeAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i++; j++;
    }
    if (i < ei) return 1;
    if (j < ej) return -1;
  }
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}

/**
 * Returns -1, 0 or 1 as upstream rpm's `rpmvercmp` does for two version (or release)
 * strings.
 *
 * @example
 * rpmvercmp('1.0~rc1', '1.0');  // -1
 * rpmvercmp('1.0^git1', '1.0'); // 1
 * rpmvercmp('1.010', '1.9');    // 1
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  return compareSegments(a, 0, a.length, b, 0, b.length, false);
}

/**
 * ALT's rpm (4.13.0.1-alt, lib/rpmvercmp.c) differs from upstream in one rule: where one
 * string has a numeric segment and the other an alphabetic one, the alphabetic one is
 * newer (`1.0a` > `1.0.1`, `10xyz` > `10.1xyz`). `~` and `^` behave as upstream.
 *
 * @example
 * altRpmvercmp('xyz.4', '8');   // 1 (upstream rpmvercmp says -1)
 * altRpmvercmp('1.0~rc1', '1.0'); // -1
 */
export function altRpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  return compareSegments(a, 0, a.length, b, 0, b.length, true);
}
