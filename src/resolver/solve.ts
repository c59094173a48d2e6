/**
 * `resolve(pool, request)`: the resolver's entry point. Builds the rules for the jobs,
 * runs the CDCL core under the package policy, and returns either the transaction or the
 * causes of an unsatisfiable subset of rules, shrunk to a minimal one when it is small
 * (so an explanation names only what matters).
 */
import type { Cause } from './cause.js';
import type { ConstraintGenerator } from './constraint.js';
import type { Job } from './job.js';
import { PackagePolicy } from './policy.js';
import type { Pool } from './provides-index.js';
import { buildProblem, type Problem } from './rules.js';
import { CdclSolver, type Brancher } from './sat/cdcl.js';

export interface ResolveRequest {
  jobs: readonly Job[];
  /** Names that may be installed in several versions at once (kernel-like). */
  multiversion?: readonly string[];
  /** Extra clause generators (linked-image policies, pins). */
  constraints?: readonly ConstraintGenerator[];
  /** Installed packages may go when keeping them makes the job impossible (default false). */
  allowUninstall?: boolean;
  /** Shrink an unsatisfiable core to a minimal one when it has at most this many rules (default 64). */
  minimizeUpTo?: number;
}

export type Resolution =
  | {
    ok: true;
    /** pool ids newly installed */
    install: number[];
    /** pool ids of installed packages that go */
    erase: number[];
    /** pool ids of everything installed afterwards */
    result: number[];
    stats: { vars: number; clauses: number; decisions: number; conflicts: number };
  }
  | {
    ok: false;
    /** the first problem: an unsatisfiable set of rules, minimal when small */
    causes: Cause[];
    /** every problem found: the first, then those of the jobs left once the failing ones are set aside */
    problems: Cause[][];
    stats: { vars: number; clauses: number; decisions: number; conflicts: number };
  };

/**
 * Solves the request. On failure, the jobs a problem involves are set aside and the rest
 * solved again, so independent failures (two of five names that cannot be installed)
 * are each reported, as libsolv lists several problems (up to `maxProblems`, default 5).
 */
export function resolve(pool: Pool, request: ResolveRequest & { maxProblems?: number }): Resolution {
  const problem = buildProblem(pool, request.jobs, {
    multiversion: new Set(request.multiversion ?? []),
    constraints: request.constraints ?? [],
    allowUninstall: request.allowUninstall ?? false,
  });
  const first = run(pool, problem, null, request.minimizeUpTo ?? 64);
  if (first.ok) return first;
  // The same rules again without the jobs a problem involves: their clauses are replaced
  // by a clause that always holds, so clause numbers (and causes) stay put.
  const disabled = new Set<number>();
  let last = first;
  while (first.problems.length < (request.maxProblems ?? 5)) {
    const before = disabled.size;
    for (const c of last.core) { const j = problem.jobOf(c); if (j >= 0) disabled.add(j); }
    if (disabled.size === before || disabled.size >= request.jobs.length) break;
    const next = run(pool, problem, disabled, request.minimizeUpTo ?? 64);
    if (next.ok) break;
    first.problems.push(next.causes);
    last = next;
  }
  return first;
}

type Run = Extract<Resolution, { ok: true }> | (Extract<Resolution, { ok: false }> & { core: number[] });

function run(pool: Pool, problem: Problem, disabledJobs: ReadonlySet<number> | null, minimizeUpTo: number): Run {
  const n = problem.pkgOf.length;
  // variable n is a constant "true" that disabled job clauses are made of
  const solver = new CdclSolver(n + 1);
  const always = [n << 1];
  for (let ci = 0; ci < problem.clauses.length; ci++) {
    solver.addClause(disabledJobs && disabledJobs.has(problem.jobOf(ci)) ? always : problem.clauses[ci]);
  }
  if (disabledJobs) solver.addClause(always);
  const res = solver.solve(new PackagePolicy(problem));
  const stats = { vars: n, clauses: problem.clauses.length, decisions: solver.decisions, conflicts: solver.conflicts };
  if (!res.sat) {
    const core = minimizeCore(problem, res.core.filter((ci) => ci < problem.clauses.length), minimizeUpTo);
    const causes = core.map((ci) => problem.causeOf(ci));
    return { ok: false, causes, problems: [causes], stats, core };
  }
  const install: number[] = [];
  const erase: number[] = [];
  const result: number[] = [];
  for (let v = 0; v < n; v++) {
    const id = problem.pkgOf[v];
    const inst = pool.packages[id].installed;
    if (solver.value[v] === 1) { result.push(id); if (!inst) install.push(id); } else if (inst) erase.push(id);
  }
  return { ok: true, install, erase, result, stats };
}

/** Any decision will do for a small sub-problem: first open variable, false. */
const plainBrancher: Brancher = {
  pick(s) { for (let v = 0; v < s.nVars; v++) if (s.value[v] === 0) return (v << 1) | 1; return -1; },
  backjumped() {},
};

/** Is this subset of the problem's clauses unsatisfiable? Returns its core or null. */
function subsetCore(problem: Problem, subset: number[]): number[] | null {
  const vars = new Map<number, number>();
  const map = (l: number): number => {
    let v = vars.get(l >> 1);
    if (v === undefined) vars.set(l >> 1, (v = vars.size));
    return (v << 1) | (l & 1);
  };
  const local = subset.map((ci) => problem.clauses[ci].map(map));
  const s = new CdclSolver(vars.size);
  for (const c of local) s.addClause(c);
  const r = s.solve(plainBrancher);
  return r.sat ? null : r.core.map((i) => subset[i]);
}

/** Deletion-based minimal unsatisfiable subset, for cores small enough to make it cheap. */
function minimizeCore(problem: Problem, core: number[], limit: number): number[] {
  if (core.length > limit) return core;
  let cur = core;
  for (let i = 0; i < cur.length;) {
    const without = cur.filter((_, k) => k !== i);
    const smaller = subsetCore(problem, without);
    if (smaller) cur = smaller.sort((a, b) => a - b); else i++;
  }
  return cur;
}
