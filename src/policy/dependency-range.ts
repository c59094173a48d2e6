/**
 * Does a provide satisfy a require? rpm answers with `rpmdsCompare()` (lib/rpmds.c)
 * and `rpmverOverlap()` (lib/rpmver.c): two dependencies of the same name "overlap"
 * when some EVR lies in both ranges. This module gives the same answer as rpm 4.18 on
 * every input; the oracle tests check it against python3-rpm's `rpm.ds(...).Compare()`.
 * See docs/versioning-policy.md#rule-dependency-range.
 *
 * The rules, in rpm's order:
 * 1. different names never overlap;
 * 2. if either side has no comparison operator (an existence test), they overlap;
 * 3. if either side's EVR is empty, they overlap;
 * 4. epochs: when both sides state one they compare with rpmvercmp; when only one side
 *    does, that side is newer if its epoch is non-zero (so a missing epoch acts as 0);
 * 5. versions compare with rpmvercmp; if equal and both sides state a non-empty release,
 *    releases compare too. If only one side states a release and the *other* side's
 *    operator includes `=`, they overlap at once (`foo = 1.0` matches `foo = 1.0-alt3`
 *    and `foo >= 1.0` matches `foo = 1.0-alt0.1`);
 * 6. otherwise the ranges overlap when they point towards each other: the smaller side
 *    has `>` or the larger side has `<`; at equality both have `=`, or both `<`, or
 *    both `>`.
 * The relation is symmetric: which side is the provide does not matter.
 */
import { splitEvr } from '../rpm/names.js';
import type { Dependency, DependencyFlags } from '../rpm/names.js';
import { rpmvercmp } from './rpmvercmp.js';

/** rpm's RPMSENSE_LESS, RPMSENSE_GREATER, RPMSENSE_EQUAL (rpmds.h). */
export const SENSE_LESS = 0x02;
export const SENSE_GREATER = 0x04;
export const SENSE_EQUAL = 0x08;
const SENSE_MASK = SENSE_LESS | SENSE_GREATER | SENSE_EQUAL;

/** One side of a comparison in rpm's own terms: sense bits and the EVR text. */
export interface SenseRange {
  /** rpm dependency flags; only the LESS/GREATER/EQUAL bits matter here. */
  sense: number;
  evr: string;
}

/**
 * The printed operator to rpm's sense bits (the inverse of `senseToFlags`).
 *
 * @example
 * flagsToSense('>='); // SENSE_GREATER | SENSE_EQUAL (0x0c)
 */
export function flagsToSense(flags: DependencyFlags): number {
  return (flags.includes('<') ? SENSE_LESS : 0) | (flags.includes('>') ? SENSE_GREATER : 0) | (flags.includes('=') ? SENSE_EQUAL : 0);
}

/** rpm's `atol(e) > 0` on an epoch that parseEVR guarantees is all digits. */
function epochIsPositive(e: string): boolean {
  for (let i = 0; i < e.length; i++) if (e.charCodeAt(i) !== 0x30) return true;
  return false;
}

/**
 * Whether two version ranges of the same name overlap, on rpm's raw sense bits (use
 * this when a header carries operator combinations such as `<>` that the printed
 * `Dependency.flags` cannot express).
 *
 * @example
 * rangesOverlap({ sense: SENSE_EQUAL, evr: '1.0-alt1' }, { sense: SENSE_LESS, evr: '1.0' }); // false
 */
export function rangesOverlap(a: SenseRange, b: SenseRange): boolean {
  const fa = a.sense & SENSE_MASK;
  const fb = b.sense & SENSE_MASK;
  if (fa === 0 || fb === 0) return true;
  if (a.evr === '' || b.evr === '') return true;
  const va = splitEvr(a.evr);
  const vb = splitEvr(b.evr);
  let sense = 0;
  // An epoch is never empty after splitEvr (":" becomes "0"), so presence is non-null.
  if (va.epoch !== null && vb.epoch !== null) sense = rpmvercmp(va.epoch, vb.epoch);
  else if (va.epoch !== null && epochIsPositive(va.epoch)) sense = 1;
  else if (vb.epoch !== null && epochIsPositive(vb.epoch)) sense = -1;
  if (sense === 0) {
    sense = rpmvercmp(va.version, vb.version);
    if (sense === 0) {
      const ra = va.release !== null && va.release !== '';
      const rb = vb.release !== null && vb.release !== '';
      if (ra && rb) {
        sense = rpmvercmp(va.release as string, vb.release as string);
      } else if ((ra && (fb & SENSE_EQUAL)) || (rb && (fa & SENSE_EQUAL))) {
        // The side without a release means "any release" of this version.
        return true;
      }
    }
  }
  if (sense < 0) return (fa & SENSE_GREATER) !== 0 || (fb & SENSE_LESS) !== 0;
  if (sense > 0) return (fa & SENSE_LESS) !== 0 || (fb & SENSE_GREATER) !== 0;
  return ((fa & fb) & SENSE_MASK) !== 0;
}

/**
 * rpm's `rpmdsCompare`: whether two dependencies overlap (same name, ranges that share
 * an EVR). Symmetric.
 *
 * @example
 * dependencyOverlaps(
 *   { name: 'libfoo', flags: '=', evr: '1:2.0-alt1' },
 *   { name: 'libfoo', flags: '>=', evr: '2.0' },
 * ); // true: 1:2.0 is newer than 0:2.0
 */
export function dependencyOverlaps(a: Dependency, b: Dependency): boolean {
  if (a.name !== b.name) return false;
  return rangesOverlap({ sense: flagsToSense(a.flags), evr: a.evr }, { sense: flagsToSense(b.flags), evr: b.evr });
}

/**
 * Does `provide` satisfy `require`? Exactly rpm's overlap test (rpm resolves a Requires
 * against every Provides of a package, its own `name = E:V-R` included, this way).
 *
 * @example
 * providesSatisfies({ name: 'foo', flags: '=', evr: '1.0-alt2' }, { name: 'foo', flags: '>=', evr: '1.0' }); // true
 */
export function providesSatisfies(provide: Dependency, require: Dependency): boolean {
  return dependencyOverlaps(provide, require);
}
