/**
 * The decision policy: which literal the SAT core decides next. It is what makes the
 * answer the one a packager expects (libsolv's policy.c plays this part), while
 * completeness stays with the CDCL core:
 *
 * 1. satisfy the jobs in order, each with its best candidate (installed first, then best
 *    arch, then newest EVR);
 * 2. move names being upgraded to their newest build;
 * 3. walk the installed-so-far packages in the order they were decided and satisfy each
 *    open requirement: prefer leaving a conditional out (`¬B` in `A if B`), then an
 *    installed provider, then one that replaces an installed package (an update adds
 *    nothing to the system; libsolv's choice rules prefer it too), then the first
 *    provider in preference order (named like the capability, best arch, fewest
 *    requirements, newest EVR);
 * 4. keep installed packages (then their requirements are walked as in 3);
 * 5. satisfy constraint clauses;
 * 6. everything still open is not installed.
 */
import type { Problem } from './rules.js';
import type { Brancher, CdclSolver } from './sat/cdcl.js';
import { neg, pos } from './sat/literal.js';

export class PackagePolicy implements Brancher {
  private scan = 0;
  private free = 0;

  constructor(private readonly problem: Problem) {}

  backjumped(trailLength: number): void {
    // a requirement found satisfied earlier may have lost its provider: rescan
    this.scan = 0;
    this.free = 0;
    void trailLength;
  }

  // Indexed loops and no callbacks here and in rules.ts and sat/: these run before V8 has
  // optimised them (a process solves its first jobs in the interpreter), where an iterator
  // or a closure per element costs several times the plain loop.
  private satisfied(s: CdclSolver, ci: number): boolean {
    const { lits, value } = s;
    const end = s.start[ci + 1];
    for (let k = s.start[ci]; k < end; k++) {
      const l = lits[k];
      const v = value[l >> 1];
      if ((l & 1 ? -v : v) === 1) return true;
    }
    return false;
  }

  /**
   * The literal to decide for an open clause, never its `head` (¬p of the package whose
   * requirement it is). The problem's clause keeps the generator's order, which is the
   * preference order.
   */
  private choose(s: CdclSolver, ci: number, head: number): number {
    const { lits, installedVars, replacesInstalled } = this.problem;
    const anyInstalled = installedVars.size > 0;
    const value = s.value;
    let firstPos = -1;
    let update = -1;
    const end = this.problem.start[ci + 1];
    for (let k = this.problem.start[ci]; k < end; k++) {
      const l = lits[k];
      if (l === head || value[l >> 1] !== 0) continue;
      if (l & 1) return l;
      if (!anyInstalled) { if (firstPos < 0) firstPos = l; continue; }
      if (installedVars.has(l >> 1)) return l;
      if (update < 0 && replacesInstalled.has(l >> 1)) update = l;
      if (firstPos < 0) firstPos = l;
    }
    return update >= 0 ? update : firstPos;
  }

  pick(s: CdclSolver): number {
    const pb = this.problem;
    const jobs = pb.jobClauses;
    for (let j = 0; j < jobs.length; j++) {
      const ci = jobs[j];
      if (!this.satisfied(s, ci)) { const l = this.choose(s, ci, -1); if (l >= 0) return l; }
    }
    for (let g = 0; g < pb.upgradeTo.length; g++) {
      const group = pb.upgradeTo[g];
      if (group.some((v) => s.value[v] === 1)) continue;
      const v = group.find((x) => s.value[x] === 0);
      if (v !== undefined) return pos(v);
    }
    while (this.scan < s.trailLength) {
      const l = s.trail[this.scan];
      if ((l & 1) === 0) {
        const end = pb.reqEnd[l >> 1];
        for (let ci = pb.reqStart[l >> 1]; ci < end; ci++) {
          if (this.satisfied(s, ci)) continue;
          const d = this.choose(s, ci, l ^ 1);
          if (d >= 0) return d;
        }
      }
      this.scan++;
    }
    // installed packages are kept only now, so a requirement above could still pick an
    // update of one of them instead of a new package (libsolv's choice rules)
    for (let k = 0; k < pb.keep.length; k++) if (s.value[pb.keep[k]] === 0) return pos(pb.keep[k]);
    for (let k = 0; k < pb.freeClauses.length; k++) {
      const ci = pb.freeClauses[k];
      if (!this.satisfied(s, ci)) { const l = this.choose(s, ci, -1); if (l >= 0) return l; }
    }
    while (this.free < s.nVars) {
      if (s.value[this.free] === 0) return neg(this.free);
      this.free++;
    }
    return -1;
  }
}
