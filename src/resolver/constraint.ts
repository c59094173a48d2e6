/**
 * The extension point for constraints that are not rpm dependencies: linked-image
 * content policies ("this package must be exactly the parent's build", "this group must
 * equal the parent's"), pins, holds. A generator returns clauses over package ids; the
 * solver adds them beside the dependency rules without knowing what they mean, and an
 * unsatisfiable result names them through their `policy` cause.
 */
import type { Cause } from './cause.js';
import type { Pool } from './provides-index.js';

/** One literal: package `pkg` installed (`installed: true`) or not installed. */
export interface ConstraintLiteral { pkg: number; installed: boolean }

export interface ConstraintClause {
  /** At least one literal holds. An empty list makes the problem unsatisfiable. */
  anyOf: ConstraintLiteral[];
  cause: Extract<Cause, { kind: 'policy' }>;
}

export interface ConstraintGenerator {
  /** Short name used in messages, e.g. `sync:core-os`. */
  readonly name: string;
  generate(pool: Pool): ConstraintClause[];
}

/** "Package `pkg` is installed in exactly this build": every other build of its name is out. */
export function exactBuild(policy: string, pkgId: number, hint?: string): ConstraintGenerator {
  return {
    name: policy,
    generate(pool) {
      const p = pool.packages[pkgId];
      const others = (pool.byName.get(p.name) ?? []).filter((id) => id !== pkgId);
      return others.map((id) => ({
        anyOf: [{ pkg: id, installed: false }],
        cause: { kind: 'policy', policy, message: `${p.name} must be exactly ${pool.nevra(pkgId)}, not ${pool.nevra(id)}`, ...(hint ? { hint } : {}), pkgs: [pkgId, id] },
      }));
    },
  };
}

/**
 * "These packages, exactly" (a `mirror:` group): every listed build is installed, and no
 * other build of their names is.
 */
export function equalSet(policy: string, pkgIds: readonly number[], hint?: string): ConstraintGenerator {
  return {
    name: policy,
    generate(pool) {
      const out: ConstraintClause[] = [];
      const wanted = new Set(pkgIds);
      for (const id of pkgIds) {
        const p = pool.packages[id];
        const extra = hint ? { hint } : {};
        out.push({ anyOf: [{ pkg: id, installed: true }], cause: { kind: 'policy', policy, message: `${pool.nevra(id)} must be installed, as in the parent`, ...extra, pkgs: [id] } });
        for (const other of pool.byName.get(p.name) ?? []) {
          if (wanted.has(other)) continue;
          out.push({ anyOf: [{ pkg: other, installed: false }], cause: { kind: 'policy', policy, message: `${p.name} must be exactly ${pool.nevra(id)}, not ${pool.nevra(other)}`, ...extra, pkgs: [id, other] } });
        }
      }
      return out;
    },
  };
}
