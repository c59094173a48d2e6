/**
 * What the solver sees of a package universe. The store implements it for channels
 * (catalog-source.ts); `memory-source.ts` holds plain records for tests and tools,
 * and the rpm-md reader produces records of exactly this shape.
 */
import type { Dependency } from '../rpm/index.js';

/** One package build as the resolver needs it: identity plus dependency lists. */
export interface PackageRecord {
  name: string;
  /** 0 when the package states none. */
  epoch: number;
  version: string;
  release: string;
  arch: string;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  /** Paths the metadata lists for the package (rpm-md primary lists the ones file deps use). */
  files: string[];
  /** Where the package file lives relative to its repository (rpm-md `location href`). */
  location?: string;
  /**
   * The build identity (the rpm header digest, `sha256:...`) when the universe knows it:
   * "the same build" for linked-image policies is this, not the NEVRA.
   */
  buildId?: string;
  /** ALT's disttag and the build time: what an alt-ordered channel compares beyond the EVR. */
  disttag?: string;
  buildtime?: number;
}

/** A package universe: every candidate package, in a stable order. */
export interface PackageSource {
  /** A short label for messages, e.g. the repository path or channel name. */
  readonly label: string;
  /** Every package; called once per solver pool, so it may build the array lazily. */
  packages(): readonly PackageRecord[];
  /**
   * The universe's own order of two builds of one name (> 0: `a` is newer), when it is
   * not rpm's EVR order: an alt-ordered channel compares as ALT's rpm does.
   */
  compare?(a: PackageRecord, b: PackageRecord): number;
}
