/**
 * What the solver sees of a package universe. The store implements it for channels
 * (catalog-source.ts); `memory-source.ts` holds plain records for tests and tools,
 * and the rpm-md reader produces records of exactly this shape.
 */
import type { Dependency } from '../rpm/dependency.js';

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
}

/** A package universe: every candidate package, in a stable order. */
export interface PackageSource {
  /** A short label for messages, e.g. the repository path or channel name. */
  readonly label: string;
  /** Every package; called once per solver pool, so it may build the array lazily. */
  packages(): readonly PackageRecord[];
}
