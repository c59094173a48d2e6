/**
 * The ALT comparison mode: which of two builds is "newer" the way ALT's own rpm
 * (4.13.0.1-alt, `rpmEVRDTCompare()` in lib/rpmvercmp.c, used by `rpm -U` and APT)
 * decides it. A channel selects it with `versionOrder: 'alt'`; the default stays
 * upstream rpm's labelCompare. See docs/versioning-policy.md#alt-mode.
 *
 * What ALT's rpm does, and so what this does, in order:
 * 1. epoch: a missing epoch is 0 (`0:` and no epoch are the same build order);
 * 2. version, then release, with ALT's rpmvercmp (alphabetic segments newer than
 *    numeric ones, see `altRpmvercmp`); a missing release is older than any;
 * 3. disttag, only when BOTH builds carry one: an optional padding up to the first `:`
 *    is skipped, the branch prefix is what precedes the first `+` (empty when there is
 *    no `+`), and the two prefixes compare with rpmvercmp (`p9` < `p10` < `sisyphus`);
 *    when they differ and one equals the priority branch (rpm's
 *    `%_priority_distbranch`, by default the branch rpm itself was built for), that one
 *    is newer. The part after `+` (task and subtask numbers) never decides;
 * 4. build time, unless turned off (`%_upgrade_honor_buildtime`): later is newer, a
 *    missing build time is older than any.
 */
import { altRpmvercmp } from './rpmvercmp.js';

export interface AltBuild {
  /** The header's Epoch; null when the header has none (the same as 0 here). */
  epoch: number | null;
  version: string;
  release: string | null;
  /** The header's DistTag (e.g. `sisyphus+312345.100.1.1`), recorded when present. */
  disttag?: string | null;
  /** The header's BuildTime in seconds since the epoch, when present. */
  buildtime?: number | null;
}

export interface AltCompareOptions {
  /**
   * The branch whose builds win any disttag comparison (rpm's `%_priority_distbranch`),
   * e.g. `p11` for a channel that follows branch p11. Empty or absent: none.
   */
  priorityBranch?: string;
  /** Break ties on build time (rpm's `%_upgrade_honor_buildtime`, default on). */
  honorBuildtime?: boolean;
}

function compareNumber(a: number, b: number): -1 | 0 | 1 {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareOptional(a: string | null | undefined, b: string | null | undefined): -1 | 0 | 1 {
  const x = a ?? null;
  const y = b ?? null;
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return altRpmvercmp(x, y);
}

/**
 * The branch prefix of a disttag as ALT's rpm reads it: padding up to the first `:`
 * skipped, then everything before the first `+` (empty if there is none).
 *
 * @example
 * disttagBranch('sisyphus+312345.100.1.1'); // 'sisyphus'
 * disttagBranch('p10+300000.100.1.1');      // 'p10'
 */
export function disttagBranch(disttag: string): string {
  const pad = disttag.indexOf(':');
  const rest = pad >= 0 ? disttag.slice(pad + 1) : disttag;
  const plus = rest.indexOf('+');
  return plus >= 0 ? rest.slice(0, plus) : '';
}

/**
 * Orders two disttags by their branch prefixes (rpm_cmp_disttag).
 *
 * @example
 * compareDisttags('p10+1.1', 'p9+2.1');                                // 1
 * compareDisttags('p10+1.1', 'p9+2.1', { priorityBranch: 'p9' });      // -1
 */
export function compareDisttags(a: string, b: string, options: AltCompareOptions = {}): -1 | 0 | 1 {
  const one = disttagBranch(a);
  const two = disttagBranch(b);
  const rc = altRpmvercmp(one, two);
  const priority = options.priorityBranch ?? '';
  if (rc !== 0 && priority !== '') {
    if (one === priority) return 1;
    if (two === priority) return -1;
  }
  return rc;
}

/**
 * Which build is newer in ALT mode: -1 if `a` is older, 1 if newer, 0 if neither
 * upgrades the other.
 *
 * @example
 * compareAltBuilds(
 *   { epoch: null, version: '1.0', release: 'alt1', disttag: 'p10+100.1.1', buildtime: 1700000000 },
 *   { epoch: 0, version: '1.0', release: 'alt1', disttag: 'sisyphus+200.1.1', buildtime: 1600000000 },
 * ); // -1: same EVR, and branch p10 sorts before sisyphus
 */
export function compareAltBuilds(a: AltBuild, b: AltBuild, options: AltCompareOptions = {}): -1 | 0 | 1 {
  let rc = compareNumber(a.epoch ?? 0, b.epoch ?? 0);
  if (rc !== 0) return rc;
  rc = altRpmvercmp(a.version, b.version);
  if (rc !== 0) return rc;
  rc = compareOptional(a.release, b.release);
  if (rc !== 0) return rc;
  // One disttag missing: rpm does not decide on disttags at all, and falls through.
  if (a.disttag != null && b.disttag != null) {
    rc = compareDisttags(a.disttag, b.disttag, options);
    if (rc !== 0) return rc;
  }
  if (options.honorBuildtime ?? true) {
    const ta = a.buildtime ?? null;
    const tb = b.buildtime ?? null;
    if (ta === null || tb === null) return ta === tb ? 0 : ta === null ? -1 : 1;
    return compareNumber(ta, tb);
  }
  return 0;
}
