/**
 * `resolve(pool, request)`: the resolver's entry point. Builds the rules for the jobs,
 * runs the CDCL core under the package policy, and returns either the transaction or the
 * causes of an unsatisfiable subset of rules, shrunk to a minimal one when it is small
 * (so an explanation names only what matters).
 */
import type { Cause } from './cause.js';
import type { ConstraintGenerator } from './constraint.js';
import type { Job } from './job.js';
import { PackagePolicy } from './branching.js';
import type { Pool } from './provides-index.js';
import { buildProblem, type Problem } from './rules.js';
import { CdclSolver, type Brancher, type ClauseArena } from './sat/cdcl.js';

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
  try {
    return resolveProblem(pool, problem, request);
  } finally {
    problem.release();
  }
}

/** The runs of resolve over its problem: the first, then again without the jobs each problem involves. */
function resolveProblem(pool: Pool, problem: Problem, request: ResolveRequest & { maxProblems?: number }): Resolution {
  const first = run(pool, problem, { lits: problem.lits, start: problem.start, nClauses: problem.nClauses }, request.minimizeUpTo ?? 64);
  if (first.ok) return first;
  // The same rules again without the jobs a problem involves: their clauses are replaced
  // by a clause that always holds, so clause numbers (and causes) stay put.
  const disabled = new Set<number>();
  let last = first;
  while (first.problems.length < (request.maxProblems ?? 5)) {
    const before = disabled.size;
    for (const c of last.core) { const j = problem.jobOf(c); if (j >= 0) disabled.add(j); }
    if (disabled.size === before || disabled.size >= request.jobs.length) break;
    const next = run(pool, problem, withJobsDisabled(problem, disabled), request.minimizeUpTo ?? 64);
    if (next.ok) break;
    first.problems.push(next.causes);
    last = next;
  }
  return first;
}

type Run = Extract<Resolution, { ok: true }> | (Extract<Resolution, { ok: false }> & { core: number[] });

/**
 * One run of the solver over `clauses`: the problem's, or those of a rerun (withJobsDisabled).
 * The caller picks them, so that this function has one path for both: a path a process's
 * first jobs never took deoptimises it when a later job does (the first rerun is at
 * the bench's job 400), and the loops it runs then run in the interpreter again. The
 * clauses come as one shape of object on both paths (the problem's is another), for
 * the same reason.
 */
function run(pool: Pool, problem: Problem, clauses: ClauseArena, minimizeUpTo: number): Run {
  const n = problem.pkgOf.length;
  // variable n is a constant "true" that disabled job clauses are made of
  const m = problem.nClauses;
  const solver = new CdclSolver(n + 1, { lits: problem.start[m] + (problem.start[m] >> 2), clauses: m + (m >> 2) + 1 });
  solver.addClauses(clauses);
  const res = solver.solve(new PackagePolicy(problem));
  const stats = { vars: n, clauses: m, decisions: solver.decisions, conflicts: solver.conflicts };
  if (!res.sat) {
    solver.release();
    const core = minimizeCore(problem, res.core.filter((ci) => ci < m), minimizeUpTo);
    const causes = core.map((ci) => problem.causeOf(ci));
    return { ok: false, causes, problems: [causes], stats, core };
  }
  const answer = answerOf(pool, problem.pkgOf, solver.value);
  solver.release();
  return { ok: true, install: answer.install, erase: answer.erase, result: answer.result, stats };
}

/** What the satisfying `value`s install, erase and leave installed: a loop over every variable, in a function of its own (see rules.ts closeOverRequirements). */
function answerOf(pool: Pool, pkgOf: Int32Array, value: Int8Array): { install: number[]; erase: number[]; result: number[] } {
  const install: number[] = [];
  const erase: number[] = [];
  const result: number[] = [];
  for (let v = 0; v < pkgOf.length; v++) {
    const id = pkgOf[v];
    const inst = pool.packages[id].installed;
    if (value[v] === 1) { result.push(id); if (!inst) install.push(id); } else if (inst) erase.push(id);
  }
  return { install, erase, result };
}

/**
 * The problem's clauses with those of the `disabled` jobs each replaced by the unit clause
 * `always` (variable n true), and that clause once more at the end: clause numbers (and so causes) stay
 * put. One arena, so the solver takes it in bulk as it takes a first run's (a job of
 * several names reruns in the interpreter otherwise: those jobs are a fresh process's
 * slowest).
 */
function withJobsDisabled(problem: Problem, disabled: ReadonlySet<number>): ClauseArena {
  const m = problem.nClauses;
  const always = problem.pkgOf.length << 1; // variable n, which the run's solver has beside the problem's
  const { lits: from, start: starts } = problem;
  const lits = new Int32Array(starts[m] + m + 1); // a disabled clause may have had no literal
  const start = new Int32Array(m + 2);
  let at = 0;
  /** Copies clauses a … b - 1 as they are, in one piece (no loop per clause while none moves). */
  const copy = (a: number, b: number): void => {
    const shift = at - starts[a];
    lits.set(from.subarray(starts[a], starts[b]), at);
    if (shift === 0) start.set(starts.subarray(a, b), a);
    else for (let k = a; k < b; k++) start[k] = starts[k] + shift;
    at += starts[b] - starts[a];
  };
  let next = 0;
  for (const ci of problem.jobRules) {
    if (!disabled.has(problem.jobOf(ci))) continue;
    copy(next, ci);
    start[ci] = at;
    lits[at++] = always;
    next = ci + 1;
  }
  copy(next, m);
  start[m] = at;
  lits[at++] = always;
  start[m + 1] = at;
  return { lits, start, nClauses: m + 1 };
}

/** Any decision will do for a small sub-problem: the next open variable, false. */
function plainBrancher(): Brancher {
  let next = 0;
  return {
    pick(s) {
      while (next < s.nVars && s.value[next] !== 0) next++;
      return next < s.nVars ? (next << 1) | 1 : -1;
    },
    backjumped() { next = 0; },
  };
}

/**
 * Deletion-based minimal unsatisfiable subset, for cores small enough to make it cheap:
 * drop each clause in turn and keep it out if the rest is still unsatisfiable (the
 * rest's own core then replaces the set). Clauses are renumbered onto the variables they
 * use once, up front.
 */
function minimizeCore(problem: Problem, core: number[], limit: number): number[] {
  if (core.length > limit || core.length < 2) return core;
  // the core's clauses, renumbered, one after another: clause core[p] is lits[start[p]] … lits[start[p + 1] - 1]
  const local = new Map<number, number>();
  const at = new Map<number, number>();
  const lits: number[] = [];
  const start: number[] = [0];
  for (let p = 0; p < core.length; p++) {
    const ci = core[p];
    at.set(ci, p);
    for (let k = problem.start[ci]; k < problem.start[ci + 1]; k++) {
      const l = problem.lits[k];
      let v = local.get(l >> 1);
      if (v === undefined) local.set(l >> 1, (v = local.size));
      lits.push((v << 1) | (l & 1));
    }
    start.push(lits.length);
  }
  // one arena for every subset, taken in bulk (a call per clause was most of this in a fresh process)
  const sub: ClauseArena = { lits: new Int32Array(lits.length), start: new Int32Array(core.length + 1), nClauses: 0 };
  /** The core of `subset` when it is unsatisfiable, else null. */
  const unsat = (subset: number[]): number[] | null => {
    let w = 0;
    for (let j = 0; j < subset.length; j++) {
      const p = at.get(subset[j])!;
      sub.start[j] = w;
      for (let k = start[p]; k < start[p + 1]; k++) sub.lits[w++] = lits[k];
    }
    sub.start[subset.length] = w;
    sub.nClauses = subset.length;
    const s = new CdclSolver(local.size);
    s.addClauses(sub);
    const r = s.solve(plainBrancher());
    s.release();
    return r.sat ? null : r.core.map((i) => subset[i]);
  };
  let cur = core;
  for (let i = 0; i < cur.length;) {
    const smaller = unsat(cur.filter((_, k) => k !== i));
    if (smaller) cur = smaller.sort((x, y) => x - y); else i++;
  }
  return cur;
}
