/**
 * A dependency as rpm prints it: `name flags evr`. This one shape is shared by package
 * manifests, rpm-md metadata and the resolver, so that a dependency read from a header,
 * from primary.xml or from the store compares the same everywhere.
 */
/** The six usual operators, plus `<>` and `<>=` that rpm also accepts and prints. */
export type DependencyFlags = '' | '=' | '<' | '>' | '<=' | '>=' | '<>' | '<>=';

export interface Dependency {
  /** The capability, or for a rich (boolean) dependency the whole `(a or b)` expression. */
  name: string;
  flags: DependencyFlags;
  /** The EVR exactly as stored ("" when unversioned). */
  evr: string;
  /** rpm's pre-requirement bit (Requires(pre), Requires(post)...): orders installs. */
  pre?: boolean;
}

export const DEPENDENCY_KINDS = [
  'provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances',
] as const;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

/**
 * RPMSENSE_LESS (2) | GREATER (4) | EQUAL (8) bits (rpm's rpmds.h) to the operator, in
 * the order rpmdsNewDNEVR prints them.
 */
export function senseToFlags(sense: number): DependencyFlags {
  return `${sense & 0x02 ? '<' : ''}${sense & 0x04 ? '>' : ''}${sense & 0x08 ? '=' : ''}` as DependencyFlags;
}

/**
 * `name flags evr` as `rpm -q --requires` prints it (rpmdsNewDNEVR): each part only
 * when present, so an unversioned dependency is just its name.
 */
export function formatDependency(dep: Dependency): string {
  let out = dep.name;
  if (dep.flags) out += ` ${dep.flags}`;
  if (dep.evr) out += ` ${dep.evr}`;
  return out;
}
