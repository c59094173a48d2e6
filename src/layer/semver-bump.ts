/**
 * What a layer's version bump promises, computed from what the layer provides.
 * See docs/versioning-policy.md#rule-layer-bump.
 *
 * A consumer refers to a layer as `base@^1.2`: it trusts every later version inside the
 * caret range to still provide what it relied on. So, comparing the Provides of the
 * previous and the new version of a layer:
 * - **major**: something provided before is no longer provided: a capability dropped, a
 *   soname gone (`libfoo.so.1()(64bit)` is just another capability), a versioned provide
 *   whose version went down, or an unversioned provide that became versioned (rpm lets
 *   `Provides: foo` satisfy `Requires: foo >= 9`; `Provides: foo = 1` no longer does);
 * - **minor**: something was added, or a versioned provide went up;
 * - **patch**: the Provides are the same, or only rebuilt (a later release of the same
 *   version).
 *
 * (The one third-party import in src/policy: the `semver` package reads the layer
 * versions, so that bazaar and every npm-style tool agree on what `^1.2` means.)
 */
import semver from 'semver';
import { BazaarError } from '../errors.js';
import { parseEvr } from '../rpm/index.js';
import type { Dependency, Evr } from '../rpm/index.js';
import { compareEvr } from '../policy/index.js';

export type Bump = 'major' | 'minor' | 'patch';

/** Why a bump is required: one entry per capability that changed. */
export type BumpReason =
  | { kind: 'dropped'; name: string; soname: boolean }
  | { kind: 'version-decreased'; name: string; from: string; to: string }
  | { kind: 'became-versioned'; name: string; to: string }
  | { kind: 'added'; name: string; soname: boolean }
  | { kind: 'version-increased'; name: string; from: string; to: string }
  /** The same epoch and version, a later release: a rebuild, which promises nothing new. */
  | { kind: 'rebuilt'; name: string; from: string; to: string };

export interface RequiredBump {
  bump: Bump;
  /** Sorted by severity (major reasons first), then by name. */
  reasons: BumpReason[];
}

const SEVERITY: Record<BumpReason['kind'], Bump> = {
  'dropped': 'major',
  'version-decreased': 'major',
  'became-versioned': 'major',
  'added': 'minor',
  'version-increased': 'minor',
  'rebuilt': 'patch',
};
const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/**
 * A shared-library capability as rpm's find-provides writes it: `libz.so.1()(64bit)`.
 *
 * @example
 * isSoname('libz.so.1()(64bit)'); // true
 * isSoname('perl(Foo::Bar)');     // false
 */
export function isSoname(name: string): boolean {
  return /^[^/\s]+\.so(\.[^()\s]*)?(\(.*\))?$/.test(name);
}

/** The highest version a set of same-name provides promises, or null if any is unversioned. */
function promised(entries: Dependency[]): { evr: Evr; text: string } | null {
  let best: { evr: Evr; text: string } | null = null;
  for (const d of entries) {
    if (d.flags === '' || d.evr === '') return null;
    const evr = parseEvr(d.evr);
    if (best === null || compareEvr(evr, best.evr) > 0) best = { evr, text: d.evr };
  }
  return best;
}

function byName(provides: readonly Dependency[]): Map<string, Dependency[]> {
  const m = new Map<string, Dependency[]>();
  for (const d of provides) {
    const list = m.get(d.name);
    if (list) list.push(d);
    else m.set(d.name, [d]);
  }
  return m;
}

/**
 * The smallest bump the change from `previous` to `next` Provides requires.
 *
 * @example
 * requiredBump({
 *   previous: [{ name: 'libfoo.so.1()(64bit)', flags: '', evr: '' }],
 *   next: [{ name: 'libfoo.so.2()(64bit)', flags: '', evr: '' }],
 * }).bump; // 'major'
 */
export function requiredBump(options: { previous: readonly Dependency[]; next: readonly Dependency[] }): RequiredBump {
  const before = byName(options.previous);
  const after = byName(options.next);
  const reasons: BumpReason[] = [];
  for (const [name, old] of before) {
    const now = after.get(name);
    if (!now) {
      reasons.push({ kind: 'dropped', name, soname: isSoname(name) });
      continue;
    }
    const was = promised(old);
    const is = promised(now);
    if (is === null) continue; // unversioned now: satisfies every requirement on this name
    if (was === null) {
      reasons.push({ kind: 'became-versioned', name, to: is.text });
      continue;
    }
    const c = compareEvr(is.evr, was.evr);
    if (c < 0) reasons.push({ kind: 'version-decreased', name, from: was.text, to: is.text });
    else if (c > 0) {
      const rebuild = (is.evr.epoch ?? 0) === (was.evr.epoch ?? 0) && is.evr.version === was.evr.version;
      reasons.push({ kind: rebuild ? 'rebuilt' : 'version-increased', name, from: was.text, to: is.text });
    }
  }
  for (const name of after.keys()) {
    if (!before.has(name)) reasons.push({ kind: 'added', name, soname: isSoname(name) });
  }
  reasons.sort((x, y) => RANK[SEVERITY[y.kind]] - RANK[SEVERITY[x.kind]] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  let bump: Bump = 'patch';
  for (const r of reasons) if (RANK[SEVERITY[r.kind]] > RANK[bump]) bump = SEVERITY[r.kind];
  return { bump, reasons };
}

/**
 * The bump a version change actually makes, read the way caret ranges read it: leaving
 * `^previous` is a major bump (so for 0.x the minor component plays the major's role,
 * `0.3.0` after `0.2.5` is major), reaching the next minor is a minor bump, anything
 * else later is a patch. Returns null when `next` is not later than `previous`.
 *
 * @example
 * actualBump('1.4.2', '2.0.0'); // 'major'
 * actualBump('0.2.5', '0.3.0'); // 'major'
 * actualBump('1.4.2', '1.4.2'); // null
 */
export function actualBump(previous: string, next: string): Bump | null {
  const prev = parseSemver(previous);
  const nxt = parseSemver(next);
  if (!semver.gt(nxt, prev)) return null;
  if (!semver.satisfies(nxt, `^${prev.version}`, { includePrerelease: true })) return 'major';
  const nextMinor = semver.inc(prev, 'minor');
  if (nextMinor !== null && semver.gte(nxt, nextMinor)) return 'minor';
  return 'patch';
}

function parseSemver(text: string): semver.SemVer {
  const v = semver.parse(text);
  if (v === null) throw new BazaarError('ERR_VERSION', `'${text}' is not a semantic version (MAJOR.MINOR.PATCH)`, { data: { version: text } });
  return v;
}

export interface LayerVersionCheck {
  ok: boolean;
  required: Bump;
  /** null when the new version is not later than the previous one. */
  actual: Bump | null;
  reasons: BumpReason[];
}

function describe(r: BumpReason): string {
  switch (r.kind) {
    case 'dropped': return `${r.soname ? 'soname' : 'capability'} ${r.name} is no longer provided`;
    case 'version-decreased': return `${r.name} went down from ${r.from} to ${r.to}`;
    case 'became-versioned': return `${r.name} became versioned (= ${r.to})`;
    case 'added': return `${r.soname ? 'soname' : 'capability'} ${r.name} was added`;
    case 'version-increased': return `${r.name} went up from ${r.from} to ${r.to}`;
    case 'rebuilt': return `${r.name} was rebuilt (${r.from} to ${r.to})`;
  }
}

/**
 * `bazaar layer check-version`: does publishing `name@next` after `name@previous` bump
 * enough for how its Provides changed? Throws ERR_POLICY_VIOLATION when it does not
 * (naming what changed), ERR_VERSION on a malformed version; returns the findings.
 *
 * @example
 * checkLayerVersion({
 *   name: 'base', previous: '1.4.2', next: '1.5.0',
 *   previousProvides: [{ name: 'libssl.so.1.1()(64bit)', flags: '', evr: '' }],
 *   nextProvides: [{ name: 'libssl.so.3()(64bit)', flags: '', evr: '' }],
 * }); // throws: base 1.4.2 -> 1.5.0 is a minor bump, but a major bump is required ...
 */
export function checkLayerVersion(options: {
  name: string;
  previous: string;
  next: string;
  previousProvides: readonly Dependency[];
  nextProvides: readonly Dependency[];
}): LayerVersionCheck {
  const { bump: required, reasons } = requiredBump({ previous: options.previousProvides, next: options.nextProvides });
  const actual = actualBump(options.previous, options.next);
  const ok = actual !== null && RANK[actual] >= RANK[required];
  if (!ok) {
    const what = actual === null
      ? `${options.next} is not later than ${options.previous}`
      : `${options.previous} -> ${options.next} is a ${actual} bump, but a ${required} bump is required`;
    const why = reasons.filter((r) => SEVERITY[r.kind] === required).map(describe);
    throw new BazaarError('ERR_POLICY_VIOLATION', `layer ${options.name}: ${what}${why.length ? `: ${why.join('; ')}` : ''}`, {
      data: { name: options.name, previous: options.previous, next: options.next, required, actual, reasons },
    });
  }
  return { ok, required, actual, reasons };
}
