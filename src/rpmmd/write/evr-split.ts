/**
 * createrepo_c's cr_str_to_evr (src/misc.c): a dependency's version text split into the
 * epoch / ver / rel attributes of `<rpm:entry>`.
 *
 * - the epoch is what precedes the first `:` when strtol() reads exactly up to it
 *   ("0" when there is no `:` or nothing before it; `bad` when it is not a number);
 * - the version runs to the first `-` after the epoch, the release is the rest
 *   (null when empty).
 *
 * Not rpm's split (rpm/nevra.ts's splitEvr, which the version order uses): rpm's release
 * starts after the last `-` and a non-numeric epoch stays in the version; rpm-md writes
 * what createrepo_c writes.
 */
import type { ByteString } from './header-view.js';

export interface CrEvr {
  epoch: ByteString | null;
  version: ByteString | null;
  release: ByteString | null;
  /** A non-numeric epoch: createrepo_c warns and drops the dependency. */
  bad: boolean;
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Where strtol(s, &end, 10) stops: after the digits, or 0 when it reads no digit. */
function strtolEnd(s: ByteString): number {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (s[i] === '+' || s[i] === '-') i++;
  const digits = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i === digits ? 0 : i;
}

export function crStrToEvr(s: ByteString | undefined): CrEvr {
  if (!s) return { epoch: null, version: null, release: null, bad: false };
  let epoch: ByteString | null = null;
  let bad = false;
  let rest = 0;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    if (strtolEnd(s) === colon) { if (colon > 0) epoch = s.slice(0, colon); } else bad = true;
    rest = colon + 1;
  }
  if (epoch === null && !bad) epoch = '0';
  const dash = s.indexOf('-', rest);
  if (dash < 0) return { epoch, version: s.slice(rest), release: null, bad };
  return { epoch, version: s.slice(rest, dash), release: s.slice(dash + 1) || null, bad };
}
