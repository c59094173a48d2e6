/**
 * Epoch-version-release values and their order, as rpm defines them.
 * See docs/versioning-policy.md#rpm-ordering.
 */
import { rpmvercmp } from './rpmvercmp.js';

export interface Evr {
  /** null when the package or dependency does not state an epoch (compares as 0). */
  epoch: number | null;
  version: string;
  /** null when not stated: for dependency ranges that means "any release". */
  release: string | null;
}

/** Parses `[E:]V[-R]` the way rpm's rpmdsParseEVR does (last `-` splits the release). */
export function parseEvr(text: string): Evr {
  let rest = text;
  let epoch: number | null = null;
  const colon = rest.indexOf(':');
  if (colon >= 0 && /^\d*$/.test(rest.slice(0, colon))) {
    const digits = rest.slice(0, colon);
    epoch = digits === '' ? 0 : Number(digits);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: null };
}

/** `E:V-R` with the epoch left out when null, exactly as rpm prints dependency EVRs. */
export function formatEvr(evr: Evr): string {
  const e = evr.epoch === null ? '' : `${evr.epoch}:`;
  const r = evr.release === null ? '' : `-${evr.release}`;
  return `${e}${evr.version}${r}`;
}

function compareEpoch(a: number | null, b: number | null): -1 | 0 | 1 {
  const x = a ?? 0;
  const y = b ?? 0;
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * Total order of two package EVRs, as rpm's labelCompare: a missing epoch is 0, a missing
 * release sorts before any present one.
 */
export function compareEvr(a: Evr, b: Evr): -1 | 0 | 1 {
  const e = compareEpoch(a.epoch, b.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  if (a.release === null || b.release === null) {
    return a.release === b.release ? 0 : a.release === null ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}
