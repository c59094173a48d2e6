/**
 * What a link means to the resolver (linked/linked-image.ts gives the rules): for an
 * operation on a child, clauses that allow a group's packages only at the parent's
 * builds (sync, partial), that require the parent's group packages (mirror), and that
 * allow a package requiring bazaar(parent) only at a build the parent has; the parent's
 * builds join the child's universe so they can be chosen; under partial, the parent's
 * group packages the child lacks satisfy its dependencies as packages it has without
 * holding them. For any image, a provider of bazaar(parent) that is there without being
 * installed, so the requirement is met trivially where there is no parent (as in IPS).
 */
import { groupMember, groupMembership, linkViolations, parseLinkPolicy, PARENT_DEPENDENCY } from './linked-image.js';
import type { LinkPolicy, PolicyPackage, Violation } from './linked-image.js';
import type { Dependency } from '../rpm/index.js';
import type { ConstraintClause, ConstraintGenerator, PackageRecord, PackageSource } from '../resolver/index.js';
import { MemorySource } from '../resolver/index.js';
import type { BranchView, Store } from '../store/index.js';
import { groupMembers } from './groups.js';
import { policyPackageOf } from './image-packages.js';
import type { ImagePackage } from './image-packages.js';
import { installedMeta, installedRecord } from '../pkgdb/index.js';
import type { InstalledPackage } from '../pkgdb/index.js';
import type { LoadedImage } from '../image/index.js';

/** The provider of bazaar(parent) every image has without holding it. */
export function parentDependencyProvider(): PackageRecord {
  return {
    name: 'bazaar-parent-link', epoch: 0, version: '1', release: '1', arch: 'noarch',
    provides: [{ name: PARENT_DEPENDENCY, flags: '', evr: '' }], requires: [], conflicts: [], obsoletes: [], files: [], buildId: 'virtual:parent-link',
  };
}

/** An installed package as the policy rules see it. */
export function policyPackage(p: InstalledPackage): PolicyPackage {
  const m = installedMeta(p);
  return { name: p.snippet.name, nevra: p.snippet.nevra, build: p.snippet.build, provides: m.provides, requires: m.requires, files: m.files.map((f) => f.path) };
}

export interface LinkRules {
  policy: LinkPolicy;
  parent: LoadedImage;
  inGroup: (name: string) => boolean;
  /** Membership of a package: by name, or as a core-os incorporation (linked/linked-image.ts). */
  member: (p: { name: string; provides: readonly Dependency[] }) => boolean;
  /** The parent's packages as the policy sees them. */
  parentPackages: PolicyPackage[];
  /** The parent has no package of the group: reported, never read as "nothing to follow". */
  groupEmpty: boolean;
}

/** The rules of `child`'s link to `parent` (its policy, its group over the parent's packages). */
export async function linkRules(store: Store, view: BranchView, policyText: string, parent: LoadedImage): Promise<LinkRules> {
  const policy = parseLinkPolicy(policyText);
  const group = await groupMembers(store, view, policy.group);
  const parentPackages = parent.db.map(policyPackage);
  const inGroup = groupMembership(policy.group, group.members, parentPackages);
  const member = groupMember(policy, inGroup);
  return { policy, parent, parentPackages, inGroup, member, groupEmpty: !parentPackages.some(member) };
}

/**
 * What a child has without holding it: the provider of bazaar(parent), and under a
 * partial link the parent's group packages it has no package of the name of. They are
 * as if installed in the child (they satisfy its needs, its packages may not conflict
 * with or obsolete them), but their own needs are the parent's business, so they come
 * without requirements. `childNames`: the names the child holds.
 */
export function outsidePackages(rules: LinkRules | null, childNames: ReadonlySet<string>): PackageRecord[] {
  const out = [parentDependencyProvider()];
  if (rules?.policy.kind !== 'partial') return out;
  for (const p of rules.parent.db) {
    if (rules.member(installedMeta(p)) && !childNames.has(p.snippet.name)) out.push({ ...installedRecord(p), requires: [] });
  }
  return out;
}

/** What the child (its packages: image-packages.ts) violates now. */
export function violations(rules: LinkRules, child: readonly ImagePackage[]): Violation[] {
  return linkViolations({ policy: rules.policy, inGroup: rules.inGroup, parent: rules.parentPackages, child: child.map(policyPackageOf), parentName: rules.parent.image.name });
}

/** The resolver's view of a link, for an operation on the child (see the module comment). */
export function linkConstraints(rules: LinkRules | null, child: LoadedImage): { constraints: ConstraintGenerator[]; virtual: PackageRecord[]; extra: PackageRecord[] } {
  const virtual = outsidePackages(rules, new Set(child.db.map((p) => p.snippet.name)));
  if (rules === null) return { constraints: [], virtual, extra: [] };
  const label = `${rules.policy.kind}:${rules.policy.group}`;
  const parentName = rules.parent.image.name;
  const parentBuilds = new Map<string, string>(rules.parent.db.map((p) => [p.snippet.build, p.snippet.nevra]));
  const parentByName = new Map<string, InstalledPackage[]>();
  for (const p of rules.parent.db) parentByName.set(p.snippet.name, [...(parentByName.get(p.snippet.name) ?? []), p]);
  const parentHas = (name: string): string => (parentByName.get(name) ?? []).map((p) => p.snippet.nevra).join(', ') || `it has no ${name}`;
  const hint = `the parent ${parentName} decides these packages; change them there, or relink ${child.image.name} with another policy`;
  const generator: ConstraintGenerator = {
    name: label,
    generate(pool) {
      const out: ConstraintClause[] = [];
      for (const q of pool.packages) {
        if (q.archScore === 0) continue;
        const build = q.record.buildId ?? '';
        if (build.startsWith('virtual:')) continue;
        if (q.record.requires.some((d) => d.name === PARENT_DEPENDENCY) && !parentBuilds.has(build)) {
          out.push({ anyOf: [{ pkg: q.id, installed: false }], cause: { kind: 'policy', policy: PARENT_DEPENDENCY, message: `${pool.nevra(q.id)} requires ${PARENT_DEPENDENCY}: it may be here only at a build the parent ${parentName} has (${parentHas(q.record.name)})`, hint, pkgs: [q.id] } });
        }
        if (!rules.member(q.record) || parentBuilds.has(build)) continue;
        const theirs = parentByName.get(q.name) ?? [];
        if (theirs.length === 0 && rules.policy.kind === 'partial') continue;
        const why = theirs.length === 0
          ? `${q.name} is in group ${rules.policy.group}, and the parent ${parentName} does not have it`
          : `${q.name} must be the parent ${parentName}'s build (${theirs.map((t) => t.snippet.nevra).join(', ')}), not ${pool.nevra(q.id)}`;
        out.push({ anyOf: [{ pkg: q.id, installed: false }], cause: { kind: 'policy', policy: label, message: why, hint, pkgs: [q.id] } });
      }
      if (rules.policy.kind === 'mirror') {
        for (const p of rules.parent.db) {
          if (!rules.member(installedMeta(p))) continue;
          const q = pool.packages.find((x) => x.record.buildId === p.snippet.build && x.archScore > 0);
          out.push({ anyOf: q ? [{ pkg: q.id, installed: true }] : [], cause: { kind: 'policy', policy: label, message: `the parent ${parentName} has ${p.snippet.nevra}, so the child must have it too`, hint, pkgs: q ? [q.id] : [] } });
        }
      }
      return out;
    },
  };
  // the parent's builds can be chosen for the child (the exact builds sync and mirror ask for)
  const extra = rules.parent.db.map(installedRecord);
  return { constraints: [generator], virtual, extra };
}

/** The child's universe: its channel plus the parent's builds not already in it. */
export function withParentBuilds(universe: PackageSource, extra: readonly PackageRecord[]): PackageSource {
  if (extra.length === 0) return universe;
  const known = new Set(universe.packages().map((r) => r.buildId));
  const add = extra.filter((r) => !known.has(r.buildId));
  if (add.length === 0) return universe;
  const merged = new MemorySource([...universe.packages(), ...add], universe.label);
  return universe.compare ? Object.assign(merged, { compare: universe.compare.bind(universe) }) : merged;
}
