/**
 * Do a provide and a require (or conflict) of the same name overlap? rpm's
 * rpmdsCompare / libsolv's pool_intersect_evrs rules:
 * - an unversioned side overlaps everything (an unversioned provide satisfies any
 *   versioned require);
 * - a missing epoch is 0;
 * - when either side has no release, releases are not compared ("foo >= 1.0" is met by
 *   foo-1.0-7), so "libc6 > 2.36" is NOT met by libc6-2.36-9;
 * - and then, when the versions are equal, the ranges always meet if the side without a
 *   release includes "=" ("B = 2" meets "B > 2-1"; rpmdsCompareEVR's special case);
 * - otherwise the ranges intersect by their operators.
 *
 * This is the pre-parsed twin of policy/dependency-range.ts's `rangesOverlap`: the solver
 * compares the same provide EVRs millions of times, so it parses them once. Both are
 * checked against rpm itself (test/resolver/overlap.test.ts, test/policy/dependency-range.test.ts).
 */
import type { DependencyFlags } from '../rpm/index.js';
import { compareEvr, flagsToSense, rpmvercmp } from '../policy/index.js';
import { parseEvr, type Evr } from '../rpm/index.js';

const LESS = 2;
const GREATER = 4;
const EQUAL = 8;

/** rpm's sense bits for a printed operator. */
export const flagBits = flagsToSense;

/** Compares EVRs ignoring the release when either side lacks one (rpm's dependency rule). */
export function compareDepEvr(a: Evr, b: Evr): number {
  const ea = a.epoch ?? 0;
  const eb = b.epoch ?? 0;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  if (a.release === null || b.release === null) return 0;
  return rpmvercmp(a.release, b.release);
}

/** Range intersection of `bitsA evrA` and `bitsB evrB` (bits from flagBits). */
export function rangesOverlap(bitsA: number, evrA: Evr | null, bitsB: number, evrB: Evr | null): boolean {
  if (bitsA === 0 || bitsB === 0 || evrA === null || evrB === null) return true;
  const sense = compareDepEvr(evrA, evrB);
  if (sense === 0 && (evrA.release === null) !== (evrB.release === null)) {
    if ((evrA.release !== null && (bitsB & EQUAL) !== 0) || (evrB.release !== null && (bitsA & EQUAL) !== 0)) return true;
  }
  if (sense < 0) return (bitsA & GREATER) !== 0 || (bitsB & LESS) !== 0;
  if (sense > 0) return (bitsA & LESS) !== 0 || (bitsB & GREATER) !== 0;
  return ((bitsA & EQUAL) !== 0 && (bitsB & EQUAL) !== 0)
    || ((bitsA & LESS) !== 0 && (bitsB & LESS) !== 0)
    || ((bitsA & GREATER) !== 0 && (bitsB & GREATER) !== 0);
}

/** Convenience form on printed flags and EVR strings. */
export function overlaps(aFlags: DependencyFlags, aEvr: string, bFlags: DependencyFlags, bEvr: string): boolean {
  if (aFlags === '' || bFlags === '') return true;
  return rangesOverlap(flagBits(aFlags), parseEvr(aEvr), flagBits(bFlags), parseEvr(bEvr));
}

/** Does a package with this EVR fall in `flags evr`? (obsoletes match names + EVR). */
export function evrInRange(pkgEvr: Evr, flags: DependencyFlags, evr: string): boolean {
  if (flags === '') return true;
  return rangesOverlap(EQUAL, pkgEvr, flagBits(flags), parseEvr(evr));
}

export { compareEvr };
