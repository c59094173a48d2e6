/**
 * Whether a package set holds together, as `rpm -i` of the whole set would check it
 * (lib/depends.c): every requirement met within the set, no member conflicting with
 * another, none obsoleting another (the resolver never keeps both, so an image holding
 * both could never change again). `outside` packages are there without being members,
 * as if installed: they satisfy requirements and count in conflicts, but their own
 * needs are not checked (a parent's packages seen by a child under a partial link, the
 * provider of bazaar(parent)).
 *
 * Every problem is listed, in rpm's words, not only the first: a layer or an image that
 * does not hold together is refused, or reported by audit, with all of its reasons.
 * The answers come from the resolver's own dependency tables (package-deps.ts), so the
 * checker and the solver never disagree on what satisfies what.
 */
import { formatDependency, formatNvra } from '../rpm/index.js';
import { MemorySource } from './memory-source.js';
import { Pool } from './provides-index.js';
import type { PackageRecord } from './source.js';

export interface SetProblem {
  kind: 'requires' | 'conflicts' | 'obsoletes';
  /** The member whose dependency fails, as rpm prints it (name-version-release.arch). */
  package: string;
  /** The dependency, as rpm prints it. */
  dependency: string;
  /** The line rpm would print: `X is needed by NEVRA`, `X conflicts with NEVRA`. */
  text: string;
}

/** A clause over signed literals (every pool package is present): true when it names a present package. */
const holds = (clause: readonly number[]): boolean => clause.some((l) => l > 0);

/**
 * Every way `members` fail to hold together (with `outside` available), in the members'
 * order: a member's unmet requirement, and a conflict or obsoletes between two present
 * packages of which at least one is a member (an outside package is as if installed,
 * only its own requirements are someone else's business).
 *
 * @example
 * setProblems([pkg('app-1-1.noarch', { requires: ['lib >= 2'] })]); // [{ text: 'lib >= 2 is needed by app-1-1.noarch', ... }]
 */
export function setProblems(members: readonly PackageRecord[], outside: readonly PackageRecord[] = []): SetProblem[] {
  const pool = new Pool(new MemorySource([], 'package set'), { installed: [...members, ...outside] });
  const isMember = new Set(members);
  const out: SetProblem[] = [];
  const add = (kind: SetProblem['kind'], r: PackageRecord, dependency: string, verb: string): void => {
    const text = `${dependency} ${verb} ${formatNvra(r)}`;
    if (!out.some((p) => p.text === text)) out.push({ kind, package: formatNvra(r), dependency, text });
  };
  const member = (q: number): boolean => isMember.has(pool.packages[q].record);
  // the same build listed twice is one pool package: its first listing speaks for it
  for (const p of pool.packages) {
    const r = p.record;
    const d = pool.deps(p.id);
    if (member(p.id)) {
      for (const e of d.req) {
        if (e && !(e.cnf ? e.cnf.every(holds) : e.providers.length > 0)) add('requires', r, formatDependency(e.dep), 'is needed by');
      }
    }
    for (const e of d.con) {
      const hit = e.cnf ? member(p.id) && !e.cnf.every(holds) : e.providers.some((q) => member(p.id) || member(q));
      if (hit) add('conflicts', r, formatDependency(e.dep), 'conflicts with');
    }
    for (const e of d.obs) {
      if (e.matches.some((q) => member(p.id) || member(q))) add('obsoletes', r, formatDependency(e.dep), 'is obsoleted by');
    }
  }
  return out;
}
