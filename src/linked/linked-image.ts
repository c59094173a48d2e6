/**
 * Linked-image content policies (docs/linked-images.md; the IPS proposal "linked image
 * content policies"): a child image is linked to its parent under `<policy>:<group>`.
 *
 * - `sync:G`: a package of G may be in the child only when the parent has it, and only at
 *   the parent's exact build;
 * - `mirror:G`: the child's G packages are exactly the parent's, at the same builds;
 * - `partial:G`: the parent's G packages satisfy the child's dependencies without being
 *   installed in it; a package in both must be the same build.
 *
 * Groups: `minimal` (configured names), `core-os` (what the core-os incorporation holds:
 * a package providing `bazaar(install-hold) = core-os` and everything it requires,
 * transitively, within the parent's packages), `all`, and user-defined groups of names
 * and glob patterns. Independent of every policy, a package requiring `bazaar(parent)`
 * may be in a child only at a build its parent has (IPS's parent dependency).
 *
 * Pure: packages come in as plain descriptions; the image code applies the answers.
 */
import { BazaarError } from '../errors.js';
import type { Dependency } from '../rpm/index.js';
import { globMatch, isGlob } from '../policy/index.js';

export type LinkPolicyKind = 'sync' | 'mirror' | 'partial';
export interface LinkPolicy { kind: LinkPolicyKind; group: string }

/** The capability a package requires to be installable in a child only at its parent's build. */
export const PARENT_DEPENDENCY = 'bazaar(parent)';
/** The provide that marks an incorporation; `= core-os` marks the core-os one. */
export const INSTALL_HOLD = 'bazaar(install-hold)';
export const BUILTIN_GROUPS = ['minimal', 'core-os', 'all'] as const;

/** A package as the policy sees it. */
export interface PolicyPackage {
  name: string;
  /** As rpm prints it: name-version-release.arch. */
  nevra: string;
  /** The build id (header digest): "the same build" means this is equal. */
  build: string;
  provides: readonly Dependency[];
  requires: readonly Dependency[];
  files: readonly string[];
}

/**
 * Parses `sync:minimal`, `mirror:core-os`, `partial:all`, `sync:mygroup`.
 *
 * @example
 * parseLinkPolicy('mirror:core-os'); // { kind: 'mirror', group: 'core-os' }
 */
export function parseLinkPolicy(text: string): LinkPolicy {
  const m = /^(sync|mirror|partial):([A-Za-z0-9][A-Za-z0-9._+-]*)$/.exec(text);
  if (!m) throw new BazaarError('ERR_USAGE', `'${text}' is not a content policy: give <sync|mirror|partial>:<group>, e.g. sync:minimal`, { data: { policy: text } });
  return { kind: m[1] as LinkPolicyKind, group: m[2] };
}

export function formatLinkPolicy(p: LinkPolicy): string { return `${p.kind}:${p.group}`; }

/** Whether `p` satisfies a requirement by name (provides, its own name, a file), versions aside. */
function provides(p: PolicyPackage, dep: Dependency): boolean {
  return p.name === dep.name || p.provides.some((d) => d.name === dep.name) || (dep.name.startsWith('/') && p.files.includes(dep.name));
}

/** Whether a package is a core-os incorporation: it provides `bazaar(install-hold) = core-os`. */
export function isCoreOsIncorporation(p: { provides: readonly Dependency[] }): boolean {
  return p.provides.some((d) => d.name === INSTALL_HOLD && d.evr === 'core-os');
}

/**
 * The names in the core-os incorporation of a package set: every package providing
 * `bazaar(install-hold) = core-os`, and what it requires, transitively, by what the set's
 * packages provide.
 */
export function coreOsNames(packages: readonly PolicyPackage[]): Set<string> {
  const out = new Set<string>();
  const todo = packages.filter(isCoreOsIncorporation);
  while (todo.length) {
    const p = todo.pop() as PolicyPackage;
    if (out.has(p.name)) continue;
    out.add(p.name);
    for (const dep of p.requires) {
      if (dep.name.startsWith('rpmlib(') || dep.name === PARENT_DEPENDENCY) continue;
      for (const q of packages) if (!out.has(q.name) && provides(q, dep)) todo.push(q);
    }
  }
  return out;
}

/**
 * Membership in a group, decided over the parent's packages (core-os is what the parent's
 * incorporation holds). `members` are a configured group's names and glob patterns.
 * An incorporation itself is of group core-os wherever it is, even when the parent has
 * none (groupMember): a parent that drops its incorporation empties the group, and the
 * child's copy must still answer to the policy, not be read as outside it.
 */
export function groupMembership(group: string, members: readonly string[] | null, parent: readonly PolicyPackage[]): (name: string) => boolean {
  if (group === 'all') return () => true;
  if (group === 'core-os') { const names = coreOsNames(parent); return (n) => names.has(n); }
  if (members === null) throw new BazaarError('ERR_USAGE', `no group ${group}`, { data: { group }, reason: 'no-group' });
  const exact = new Set(members.filter((m) => !isGlob(m)));
  const globs = members.filter(isGlob);
  return (n) => exact.has(n) || globs.some((g) => globMatch(g, n));
}

/** A package's membership: by name (groupMembership), or, for core-os, by being an incorporation. */
export function groupMember(policy: LinkPolicy, inGroup: (name: string) => boolean): (p: { name: string; provides: readonly Dependency[] }) => boolean {
  return (p) => inGroup(p.name) || (policy.group === 'core-os' && isCoreOsIncorporation(p));
}

export type ViolationKind = 'not-in-parent' | 'other-build' | 'missing' | 'parent-dependency';

export interface Violation {
  kind: ViolationKind;
  /** The package name concerned. */
  name: string;
  /** The child's build, when it has one. */
  child?: string;
  /** The parent's build, when it has one. */
  parent?: string;
  message: string;
}

/**
 * Everything a child violates of its link: the content policy over its group, and the
 * parent dependencies of its packages.
 *
 * @example
 * linkViolations({ policy: parseLinkPolicy('sync:all'), inGroup: () => true, parent, child, parentName: 'host' });
 */
export function linkViolations(o: { policy: LinkPolicy; inGroup: (name: string) => boolean; parent: readonly PolicyPackage[]; child: readonly PolicyPackage[]; parentName: string }): Violation[] {
  const out: Violation[] = [];
  const label = formatLinkPolicy(o.policy);
  const parentByName = new Map<string, PolicyPackage[]>();
  for (const p of o.parent) parentByName.set(p.name, [...(parentByName.get(p.name) ?? []), p]);
  const parentBuilds = new Set(o.parent.map((p) => p.build));
  const childBuilds = new Set(o.child.map((p) => p.build));
  const member = groupMember(o.policy, o.inGroup);
  for (const c of o.child) {
    if (c.requires.some((d) => d.name === PARENT_DEPENDENCY) && !parentBuilds.has(c.build)) {
      out.push({ kind: 'parent-dependency', name: c.name, child: c.nevra, message: `${c.nevra} requires ${PARENT_DEPENDENCY}: the parent ${o.parentName} must have this very build, and does not` });
    }
    if (!member(c)) continue;
    const theirs = parentByName.get(c.name) ?? [];
    if (parentBuilds.has(c.build)) continue;
    if (theirs.length === 0) {
      if (o.policy.kind === 'partial') continue;
      out.push({ kind: 'not-in-parent', name: c.name, child: c.nevra, message: `${label}: ${c.nevra} is in group ${o.policy.group}, which the parent ${o.parentName} does not have` });
    } else {
      out.push({ kind: 'other-build', name: c.name, child: c.nevra, parent: theirs[0].nevra, message: `${label}: ${c.nevra} is not the parent ${o.parentName}'s build of ${c.name} (${theirs.map((t) => t.nevra).join(', ')})` });
    }
  }
  if (o.policy.kind === 'mirror') {
    for (const p of o.parent) {
      if (!member(p) || childBuilds.has(p.build)) continue;
      // a child build of this name that the parent lacks was reported above as another
      // build; with only parent builds of it (an install-only kernel), this one is missing
      if (o.child.some((c) => c.name === p.name && !parentBuilds.has(c.build))) continue;
      out.push({ kind: 'missing', name: p.name, parent: p.nevra, message: `${label}: the parent ${o.parentName} has ${p.nevra}, which the child must have too` });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
