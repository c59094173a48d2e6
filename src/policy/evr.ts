/**
 * The order of epoch-version-release values, as rpm defines it (their text, parsed and
 * spelled, is rpm/nevra.ts's). See docs/versioning-policy.md#rpm-ordering.
 */
import { BazaarError } from '../errors.js';
import { splitEvr } from '../rpm/names.js';
import type { Evr, EvrText } from '../rpm/names.js';
import { compareSegments, rpmvercmp } from './rpmvercmp.js';

function isDigitCode(c: number): boolean { return c >= 0x30 && c <= 0x39; }

function compareEpoch(a: number | null, b: number | null): -1 | 0 | 1 {
  const x = a ?? 0;
  const y = b ?? 0;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** A missing part sorts before a present one; two present ones compare with rpmvercmp. */
function compareOptional(a: string | null, b: string | null): -1 | 0 | 1 {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return rpmvercmp(a, b);
}

/**
 * Total order of two package EVRs, as rpm's labelCompare: a missing epoch is 0, a missing
 * release sorts before any present one (even an empty one).
 * See docs/versioning-policy.md#rule-evr-order.
 *
 * @example
 * compareEvr(parseEvr('1.0-alt1'), parseEvr('1:0.9-alt1')); // -1
 */
export function compareEvr(a: Evr, b: Evr): -1 | 0 | 1 {
  const e = compareEpoch(a.epoch, b.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  return compareOptional(a.release, b.release);
}

/**
 * python3-rpm's `rpm.labelCompare((e, v, r), (e, v, r))` on split EVRs: a null epoch
 * is `"0"`, epochs compare with rpmvercmp (so `007` equals `7` and any length works),
 * a null release sorts before any present one.
 *
 * @example
 * labelCompare(splitEvr('007:1.0'), splitEvr('7:1.0')); // 0
 */
export function labelCompare(a: EvrText, b: EvrText): -1 | 0 | 1 {
  const e = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0');
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  return compareOptional(a.release, b.release);
}

/**
 * Why rpm refuses to compare this `[E:]V[-R]` text, or null when it can be compared.
 * python3-rpm's labelCompare (rpmverNew) refuses exactly the EVRs whose version is
 * empty (`""`, `1:`, `-1`, `:-`); an empty string or a NUL byte could never reach rpm.
 *
 * @example
 * evrTextProblem('1:');  // 'has an empty version'
 * evrTextProblem('1:0'); // null
 */
export function evrTextProblem(text: string): string | null {
  if (text.includes('\0')) return 'contains a NUL byte';
  if (splitEvr(text).version === '') return 'has an empty version';
  return null;
}

/** Where rpm's parseEVR splits `text[start, end)`: epoch digits, version, release. */
interface Cut { epochEnd: number; vStart: number; vEnd: number; rStart: number }

/**
 * Cuts `text[start, end)` as splitEvr does, without copying: the epoch is
 * `[start, epochEnd)` when `vStart > start` (empty means "0"), the version
 * `[vStart, vEnd)`, the release `[rStart, end)` when `rStart >= 0`. Throws ERR_VERSION
 * for what rpm refuses (see evrTextProblem).
 */
function cut(text: string, start: number, end: number, into: Cut): void {
  let s = start;
  while (s < end && isDigitCode(text.charCodeAt(s))) s++;
  into.epochEnd = s;
  into.vStart = s < end && text.charCodeAt(s) === 0x3a ? s + 1 : start;
  let dash = end - 1;
  while (dash >= into.vStart && text.charCodeAt(dash) !== 0x2d /* - */) dash--;
  into.vEnd = dash >= into.vStart ? dash : end;
  into.rStart = dash >= into.vStart ? dash + 1 : -1;
  let nul = false;
  for (let k = start; k < end; k++) if (text.charCodeAt(k) === 0) nul = true;
  if (into.vEnd === into.vStart || nul) {
    const evr = text.slice(start, end);
    throw new BazaarError('ERR_VERSION', `'${evr.replace(/\0/g, '\\0')}' is not an EVR ([E:]V[-R]): it ${evrTextProblem(evr)}`, { data: { evr } });
  }
}

// Scratch cuts, reused so the hot path allocates nothing (compareEvrRanges is
// synchronous and never re-entered).
const ca: Cut = { epochEnd: 0, vStart: 0, vEnd: 0, rStart: 0 };
const cb: Cut = { epochEnd: 0, vStart: 0, vEnd: 0, rStart: 0 };

/**
 * compareEvrText on the ranges `a[aStart, aEnd)` and `b[bStart, bEnd)`, allocating
 * nothing: `bazaar vercmp --batch` compares each line in place.
 *
 * @example
 * const line = '1.0-alt1\t1.0-alt2';
 * compareEvrRanges(line, 0, 8, line, 9, line.length); // -1
 */
export function compareEvrRanges(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): -1 | 0 | 1 {
  cut(a, aStart, aEnd, ca);
  cut(b, bStart, bEnd, cb);
  // Epochs: a missing or empty one is "0"; compared with rpmvercmp, as labelCompare does.
  const aHasEpoch = ca.vStart > aStart && ca.epochEnd > aStart;
  const bHasEpoch = cb.vStart > bStart && cb.epochEnd > bStart;
  let rc = compareSegments(aHasEpoch ? a : '0', aHasEpoch ? aStart : 0, aHasEpoch ? ca.epochEnd : 1,
    bHasEpoch ? b : '0', bHasEpoch ? bStart : 0, bHasEpoch ? cb.epochEnd : 1, false);
  if (rc !== 0) return rc;
  rc = compareSegments(a, ca.vStart, ca.vEnd, b, cb.vStart, cb.vEnd, false);
  if (rc !== 0) return rc;
  if (ca.rStart < 0 || cb.rStart < 0) return ca.rStart === cb.rStart ? 0 : ca.rStart < 0 ? -1 : 1;
  return compareSegments(a, ca.rStart, aEnd, b, cb.rStart, bEnd, false);
}

/**
 * Compares two `[E:]V[-R]` strings as `bazaar vercmp` does: split as rpm's parseEVR,
 * ordered as labelCompare. Exact for every input rpm accepts, including epochs of any
 * length; throws ERR_VERSION for the ones it refuses (see `evrTextProblem`).
 *
 * @example
 * compareEvrText('1.0-alt1', '1.0-alt1.1'); // -1
 * compareEvrText('1:1.0', '2.0');          // 1
 */
export function compareEvrText(a: string, b: string): -1 | 0 | 1 {
  return compareEvrRanges(a, 0, a.length, b, 0, b.length);
}
