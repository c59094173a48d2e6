/**
 * Rule generation: turns a job against a pool into clauses over the packages the job can
 * reach. Only packages reachable from the job (candidates, installed packages, and
 * transitively every provider of their requirements) become variables: anything else
 * stays uninstalled in every minimal answer, so leaving it out changes no verdict and
 * keeps a 60,000-package universe cheap (libsolv's addpkgrules does the same).
 *
 * Clauses (p, q package literals):
 * - requires: ¬p ∨ providers…            (rich: the CNF of the expression, each with ¬p)
 * - conflicts: ¬p ∨ ¬q per provider q ≠ p (rich: CNF of the negated expression)
 * - obsoletes: ¬p ∨ ¬q for q matching by name and EVR (names, not provides, as libsolv)
 * - same name: ¬a ∨ ¬b, unless the name is multiversion
 * - jobs: install = candidates…; erase = ¬p
 * - keep installed: p ∨ newer same-name builds ∨ packages obsoleting p
 * - constraints: whatever the extension generators return
 *
 * Each clause records where it came from in four integers; `causeOf` turns that into a
 * Cause only for the few clauses an explanation needs.
 */
import type { Cause } from './cause.js';
import type { ConstraintClause, ConstraintGenerator } from './constraint.js';
import type { Job } from './job.js';
import { evrInRange } from './overlap.js';
import type { Pool } from './provides-index.js';
import { sortByPreference } from './provides-index.js';
import { grown, type ClauseArena } from './sat/cdcl.js';

export interface Problem extends ClauseArena {
  /** pool id of each variable */
  pkgOf: Int32Array;
  varOf(id: number): number;
  /** clause ci's literals as an array (explanations, core minimisation) */
  clause(ci: number): number[];
  /** Hands the clause arrays to the next problem built; this one must not be used after. */
  release(): void;
  causeOf(ci: number): Cause;
  /** index (into the request's jobs) of the job a clause states, or -1 */
  jobOf(ci: number): number;
  /** clause indices of install jobs, in job order */
  jobClauses: number[];
  /** every clause that states a job (jobOf ≥ 0), ascending */
  jobRules: number[];
  /** per variable v (and n, a rerun's constant, with none): its requirement clauses are the indices reqStart[v] … reqEnd[v]-1 (head ¬v) */
  reqStart: Int32Array;
  reqEnd: Int32Array;
  /** clauses with no head (constraint generators): satisfied last */
  freeClauses: number[];
  /** installed packages to keep, in preference order (vars) */
  keep: number[];
  /** per installed package being upgraded: its newer same-name builds (vars), best first */
  upgradeTo: number[][];
  installedVars: Set<number>;
  /** vars of newer builds of an installed name, or of packages obsoleting an installed one */
  replacesInstalled: Set<number>;
}

export interface RuleOptions {
  multiversion?: ReadonlySet<string>;
  constraints?: readonly ConstraintGenerator[];
  /** Installed packages may be removed when nothing else works (libsolv's allowuninstall). */
  allowUninstall?: boolean;
}

const enum K { Job, NoCand, Erase, Req, Con, Obs, Same, Keep, Policy }

/**
 * Adds every provider of every requirement of the `n` packages in `pkgOf` (and theirs,
 * and so on) to it; returns how many it then holds. The loops that run for every package of every job are functions of their
 * own (here and ClauseList.packageRules), not loops inside buildProblem: a small function
 * called thousands of times in a process's first job is optimised within a few jobs and
 * compiles in a few milliseconds, while V8 optimises all of buildProblem only after a
 * couple of hundred jobs (it waits its turn behind the solver's compiles and takes
 * tens of milliseconds to compile), and the jobs before run these loops in the interpreter.
 */
function closeOverRequirements(pool: Pool, pkgOf: Int32Array, n: number, stamps: Uint32Array, vars: Int32Array, stamp: number): number {
  for (let qi = 0; qi < n; qi++) {
    const at = pool.reachAt(pkgOf[qi]);
    const data = pool.answerData; // read after reachAt, which may grow it
    for (let k = at + 1, end = at + 1 + data[at]; k < end; k++) {
      const id = data[k];
      if (stamps[id] === stamp) continue;
      stamps[id] = stamp;
      vars[id] = n;
      pkgOf[n++] = id;
    }
  }
  return n;
}

/**
 * The last clause list released (a problem's, when its resolve is done): the next one
 * takes its arrays, as getting a typed array's own memory costs about as much as a
 * small job's rules.
 */
let spareList: ClauseList | null = null;

/**
 * The clauses of one job, with where each came from (four integers per clause), in one
 * flat int32 arena (ClauseArena): a job makes hundreds to thousands of two- or
 * three-literal clauses, and as arrays they were most of what a fresh process's young
 * generation copied (docs/resolver.md, "A fresh process's first jobs").
 */
class ClauseList implements ClauseArena {
  lits: Int32Array;
  start: Int32Array;
  origin: Int32Array;
  nClauses = 0;

  /**
   * stamps[id] === stamp: package id is in the job, as variable vars[id]; `n` variables.
   * The arrays are the last released list's (`spareList`), grown as needed.
   */
  constructor(private readonly stamps: Uint32Array, private readonly vars: Int32Array, private readonly stamp: number, n: number) {
    const old = spareList;
    spareList = null;
    this.lits = old ? old.lits : new Int32Array(8 * n + 64);
    this.start = old ? old.start : new Int32Array(4 * n + 16);
    this.origin = old ? old.origin : new Int32Array(4 * this.start.length);
    this.start[0] = 0;
  }

  release(): void {
    spareList = this;
  }

  /** Room for `clauses` more clauses of `lits` literals in all. */
  private reserve(clauses: number, lits: number): void {
    const ci = this.nClauses;
    if (ci + clauses + 1 >= this.start.length) {
      this.start = grown(this.start, ci + clauses + 2);
      this.origin = grown(this.origin, 4 * this.start.length);
    }
    this.lits = grown(this.lits, this.start[ci] + lits);
  }

  add(lits: readonly number[], kind: K, a: number, b: number, c: number): number {
    this.reserve(1, lits.length);
    const ci = this.nClauses;
    const at = this.start[ci];
    for (let k = 0; k < lits.length; k++) this.lits[at + k] = lits[k];
    this.start[ci + 1] = at + lits.length;
    const o = this.origin;
    o[4 * ci] = kind;
    o[4 * ci + 1] = a;
    o[4 * ci + 2] = b;
    o[4 * ci + 3] = c;
    this.nClauses = ci + 1;
    return ci;
  }

  clause(ci: number): number[] {
    return Array.from(this.lits.subarray(this.start[ci], this.start[ci + 1]));
  }

  /**
   * The clauses of every package of the job (variable v is package pkgOf[v]), each one's
   * requirement clauses at reqStart[v] … reqEnd[v] - 1. A function of its own, like
   * closeOverRequirements: V8 optimises it within the first jobs.
   */
  packageRulesOf(pool: Pool, pkgOf: Int32Array, reqStart: Int32Array, reqEnd: Int32Array): void {
    for (let v = 0; v < pkgOf.length; v++) {
      const id = pkgOf[v];
      reqStart[v] = this.nClauses;
      const at = pool.answersAt(id); // first: it may replace answerData
      reqEnd[v] = this.packageRules(pool.answerData, at, v, id);
    }
  }

  /**
   * The requires, conflicts and obsoletes clauses of package `id` (variable `v`), from its
   * answers read in place at `data[at…]` (encodePackageDeps's form, see Pool.answersAt);
   * returns the end of its requirement clauses (they start where the list stood on
   * entry). Room is made once, for the most they can take, and the clauses written in
   * place: no call and no object per clause, as this runs in V8's interpreter during a
   * process's first jobs.
   */
  packageRules(data: Int32Array, at: number, v: number, id: number): number {
    const vars = this.vars;
    const head = (v << 1) | 1;
    // first pass: count; requires are entries (or -1), conflicts entries, obsoletes id lists
    let nc = 0;
    let nl = 0;
    let i = at;
    for (let k = 0, nReq = data[i++]; k < nReq; k++) {
      const x = data[i];
      if (x === -1) { i++; continue; }
      if (x !== -2) { nc++; nl += x + 1; i += x + 1; continue; }
      i += data[i + 1] + 2;
      for (let c = 0, ncl = data[i++]; c < ncl; c++) { nc++; nl += data[i] + 1; i += data[i] + 1; }
    }
    for (let k = 0, nCon = data[i++]; k < nCon; k++) {
      const x = data[i];
      if (x !== -2) { nc += x; i += x + 1; continue; }
      i += data[i + 1] + 2;
      for (let c = 0, ncl = data[i++]; c < ncl; c++) { nc++; nl += data[i] + 1; i += data[i] + 1; }
    }
    for (let k = 0, nObs = data[i++]; k < nObs; k++) { nc += data[i]; i += data[i] + 1; }
    this.reserve(nc, nl + 2 * nc);
    // second pass: write; from here on no call grows the arrays (rich clauses fit the room counted above)
    const { lits, start, origin } = this;
    let ci = this.nClauses;
    let w = start[ci];
    i = at;
    for (let k = 0, nReq = data[i++]; k < nReq; k++) {
      const x = data[i];
      if (x === -1) { i++; continue; }
      if (x === -2) { this.nClauses = ci; i = this.richRequires(data, i, head, id, k); ci = this.nClauses; w = start[ci]; continue; }
      lits[w++] = head;
      for (let stop = i + 1 + x, j = i + 1; j < stop; j++) lits[w++] = vars[data[j]] << 1;
      i += x + 1;
      origin[4 * ci] = K.Req;
      origin[4 * ci + 1] = id;
      origin[4 * ci + 2] = k;
      origin[4 * ci + 3] = 0;
      start[++ci] = w;
    }
    const reqEnd = ci;
    this.nClauses = ci;
    for (let k = 0, nCon = data[i++]; k < nCon; k++) {
      i = data[i] === -2 ? this.richConflicts(data, i, head, id, k) : this.pairs(head, data, i, K.Con, id, k);
    }
    for (let k = 0, nObs = data[i++]; k < nObs; k++) i = this.pairs(head, data, i, K.Obs, id, k);
    return reqEnd;
  }

  /**
   * ¬p ∨ ¬q for each package q in the job of the id list `n ids…` at data[i] (conflicts,
   * obsoletes), in the room packageRules made; returns where the list ends.
   */
  private pairs(head: number, data: Int32Array, i: number, kind: K, id: number, k: number): number {
    const { lits, start, origin, stamps, vars, stamp } = this;
    let ci = this.nClauses;
    let at = start[ci];
    const stop = i + 1 + data[i];
    for (let j = i + 1; j < stop; j++) {
      const q = data[j];
      if (stamps[q] !== stamp) continue;
      lits[at++] = head;
      lits[at++] = (vars[q] << 1) | 1;
      origin[4 * ci] = kind;
      origin[4 * ci + 1] = id;
      origin[4 * ci + 2] = k;
      origin[4 * ci + 3] = q;
      start[++ci] = at;
    }
    this.nClauses = ci;
    return stop;
  }

  /** signed rich literal → solver literal; -1 constant false, -2 constant true (a package not in the job) */
  private slit(s: number): number {
    const id = (s > 0 ? s : -s) - 1;
    if (this.stamps[id] !== this.stamp) return s > 0 ? -1 : -2;
    return (this.vars[id] << 1) | (s > 0 ? 0 : 1);
  }

  /**
   * Appends clause `ci` from `head` and the solver literals `ls` (at `from`…`to` of `data`
   * as signed rich literals), each literal once, in first-seen order, leaving out constants
   * when `dropConstants`; the room is packageRules'.
   */
  private richClause(head: number, data: Int32Array, from: number, to: number, dropConstants: boolean, kind: K, id: number, k: number, c: number): void {
    const { lits, start, origin } = this;
    const ci = this.nClauses;
    const first = start[ci];
    let at = first;
    lits[at++] = head;
    for (let j = from; j < to; j++) {
      const l = this.slit(data[j]);
      if (dropConstants && l < 0) continue;
      let seen = false;
      for (let m = first; m < at; m++) if (lits[m] === l) { seen = true; break; }
      if (!seen) lits[at++] = l;
    }
    origin[4 * ci] = kind;
    origin[4 * ci + 1] = id;
    origin[4 * ci + 2] = k;
    origin[4 * ci + 3] = c;
    start[ci + 1] = at;
    this.nClauses = ci + 1;
  }

  /** The clauses of the rich requirement entry at data[i] (`-2 n ids… nClauses (len lits…)…`); returns where it ends. */
  private richRequires(data: Int32Array, i: number, head: number, id: number, k: number): number {
    i += data[i + 1] + 2;
    for (let c = 0, ncl = data[i++]; c < ncl; c++) {
      const len = data[i++];
      this.richClause(head, data, i, i + len, false, K.Req, id, k, 0);
      i += len;
    }
    return i;
  }

  /** The clauses of the rich conflict entry at data[i], but those a package outside the job satisfies; returns where it ends. */
  private richConflicts(data: Int32Array, i: number, head: number, id: number, k: number): number {
    i += data[i + 1] + 2;
    for (let c = 0, ncl = data[i++]; c < ncl; c++) {
      const len = data[i++];
      let holds = false; // it names a package that cannot be installed here
      for (let j = i; j < i + len; j++) if (this.slit(data[j]) === -2) { holds = true; break; }
      if (!holds) this.richClause(head, data, i, i + len, true, K.Con, id, k, -1);
      i += len;
    }
    return i;
  }
}

/**
 * ¬a ∨ ¬b for every two builds of one name in the job, unless the name is multiversion;
 * each name once, from its first member in the job. Its own function, as the loop
 * runs over every package of every job (see closeOverRequirements).
 */
function sameNameRules(pool: Pool, pkgOf: Int32Array, out: ClauseList, multiversion: ReadonlySet<string>): void {
  const P = pool.packages;
  const { stamps, vars, stamp } = pool.scratch;
  for (let v = 0; v < pkgOf.length; v++) {
    const id = pkgOf[v];
    if (!pool.mayHaveSiblings(id)) continue;
    const group = P[id].group;
    if (group.length < 2 || multiversion.has(P[id].name)) continue;
    const inJob = group.filter((q) => stamps[q] === stamp);
    if (inJob.length < 2 || inJob[0] !== id) continue;
    for (let i = 0; i < inJob.length; i++) {
      for (let j = i + 1; j < inJob.length; j++) out.add([(vars[inJob[i]] << 1) | 1, (vars[inJob[j]] << 1) | 1], K.Same, inJob[i], inJob[j], 0);
    }
  }
}

/** Installable packages named by an install job (in range), best first. */
export function jobCandidates(pool: Pool, job: Extract<Job, { kind: 'install' }>): number[] {
  if (job.byProvides) return pool.preferredProviders({ name: job.name, flags: job.flags ?? '', evr: job.evr ?? '' });
  const ids = (pool.byName.get(job.name) ?? []).filter((id) => pool.packages[id].archScore > 0
    && (!job.flags || evrInRange(pool.packages[id].evr, job.flags, job.evr ?? '')));
  return sortByPreference(pool, ids, job.name);
}

export function buildProblem(pool: Pool, jobs: readonly Job[], options: RuleOptions = {}): Problem {
  const P = pool.packages;
  const multiversion = options.multiversion ?? new Set<string>();
  pool.beginJob();
  const { stamps, vars } = pool.scratch;
  const stamp = pool.scratch.stamp;
  // the job's packages, in variable order, in the pool's room for them (every package at most once)
  const queue = pool.scratch.pkgOf;
  let queued = 0;
  const want = (id: number): void => {
    if (stamps[id] === stamp) return;
    stamps[id] = stamp;
    vars[id] = queued;
    queue[queued++] = id;
  };

  const erased = new Map<number, number>(); // pkg -> job index
  const upgradeNames = new Set<string>();
  let upgradeAll = false;
  const jobSeeds: Array<{ index: number; candidates: number[] }> = [];
  jobs.forEach((job, index) => {
    if (job.kind === 'install') {
      const c = jobCandidates(pool, job);
      jobSeeds.push({ index, candidates: c });
      c.forEach(want);
    } else if (job.kind === 'erase') {
      for (const id of pool.installedIds) if (P[id].name === job.name) erased.set(id, index);
    } else if (job.kind === 'upgrade') {
      upgradeNames.add(job.name);
    } else {
      upgradeAll = true;
    }
  });
  const replacementsOf = new Map<number, number[]>();
  if (pool.installedIds.length) {
    const obsoleters = pool.obsoleters();
    for (const id of pool.installedIds) {
      want(id);
      const p = P[id];
      const newer = (pool.byName.get(p.name) ?? []).filter((q) => q !== id && pool.compareIds(q, id) > 0);
      const obs = (obsoleters.get(p.name) ?? []).filter((q) => q !== id && P[q].name !== p.name
        && P[q].record.obsoletes.some((d) => d.name === p.name && evrInRange(p.evr, d.flags, d.evr)));
      const repl = sortByPreference(pool, [...newer, ...obs]);
      replacementsOf.set(id, repl);
      repl.forEach(want);
    }
  }
  const extra: ConstraintClause[] = (options.constraints ?? []).flatMap((g) => g.generate(pool));
  for (const c of extra) for (const l of c.anyOf) want(l.pkg);

  const n = closeOverRequirements(pool, queue, queued, stamps, vars, stamp);
  const pkgOf = queue.slice(0, n); // the problem's own: the room is the next job's
  const out = new ClauseList(stamps, vars, stamp, n);
  // one more: variable n is the constant a rerun adds (solve.ts), with no requirement, which the policy reads too
  const reqStart = new Int32Array(n + 1);
  const reqEnd = new Int32Array(n + 1);
  const jobRules: number[] = [];
  const add = (lits: number[], kind: K, a: number, b: number, c: number): number => {
    const ci = out.add(lits, kind, a, b, c);
    if (kind === K.Job || kind === K.NoCand || kind === K.Erase) jobRules.push(ci);
    return ci;
  };
  const lit = (id: number): number => vars[id] << 1;
  const nlit = (id: number): number => (vars[id] << 1) | 1;

  const jobClauses: number[] = [];
  for (const { index, candidates } of jobSeeds) {
    if (candidates.length === 0) add([], K.NoCand, index, 0, 0);
    else jobClauses.push(add(candidates.map(lit), K.Job, index, 0, 0));
  }
  for (const [id, index] of erased) add([nlit(id)], K.Erase, index, id, 0);

  out.packageRulesOf(pool, pkgOf, reqStart, reqEnd);
  sameNameRules(pool, pkgOf, out, multiversion);

  const keep: number[] = [];
  const installedVars = new Set<number>();
  const softKeep = erased.size > 0 || options.allowUninstall === true; // erasing may take dependents along (zypper rm)
  for (const id of pool.installedIds) {
    installedVars.add(vars[id]);
    if (erased.has(id)) continue;
    keep.push(vars[id]);
    if (!softKeep) add([lit(id), ...replacementsOf.get(id)!.map(lit)], K.Keep, id, 0, 0);
  }
  const replacesInstalled = new Set<number>();
  for (const repl of replacementsOf.values()) for (const q of repl) replacesInstalled.add(vars[q]);
  const upgradeTo: number[][] = [];
  for (const id of pool.installedIds) {
    if (erased.has(id) || !(upgradeAll || upgradeNames.has(P[id].name))) continue;
    const newer = replacementsOf.get(id)!.filter((q) => P[q].name === P[id].name);
    if (newer.length) upgradeTo.push(newer.map((q) => vars[q]));
  }

  const freeClauses: number[] = [];
  extra.forEach((c, i) => freeClauses.push(add([...new Set(c.anyOf.map((l) => (l.installed ? lit(l.pkg) : nlit(l.pkg))))], K.Policy, i, 0, 0)));

  let varMap: Map<number, number> | null = null; // built only if someone asks
  const { origin } = out; // complete: no clause is added after this
  const causeOf = (ci: number): Cause => {
    const kind = origin[4 * ci] as K;
    const a = origin[4 * ci + 1];
    const b = origin[4 * ci + 2];
    const c = origin[4 * ci + 3];
    switch (kind) {
      case K.Job: return { kind: 'job', job: jobs[a], candidates: jobSeeds.find((s) => s.index === a)!.candidates };
      case K.NoCand: {
        const job = jobs[a];
        return { kind: 'noCandidates', job, otherArches: job.kind === 'install' ? pool.otherArchByName.get(job.name) ?? [] : [] };
      }
      case K.Erase: return { kind: 'erase', job: jobs[a], pkg: b };
      // read in place: an explanation decodes one dependency and one list, not the package's answers
      case K.Req: return { kind: 'requires', pkg: a, dep: pool.dependency(a, 'requires', b), providers: pool.answerIds(a, 0, b) };
      case K.Con: {
        const others = c >= 0 ? [c] : out.clause(ci).slice(1).map((l) => pkgOf[l >> 1]);
        return { kind: 'conflicts', pkg: a, dep: pool.dependency(a, 'conflicts', b), others };
      }
      case K.Obs: return { kind: 'obsoletes', pkg: a, dep: pool.dependency(a, 'obsoletes', b), other: c };
      case K.Same: return { kind: 'sameName', a, b };
      case K.Keep: return { kind: 'keepInstalled', pkg: a, replacements: replacementsOf.get(a)! };
      case K.Policy: return extra[a].cause;
    }
  };
  const jobOf = (ci: number): number => {
    const kind = origin[4 * ci] as K;
    return kind === K.Job || kind === K.NoCand || kind === K.Erase ? origin[4 * ci + 1] : -1;
  };
  return { jobOf, pkgOf, varOf: (id) => (varMap ??= new Map(Array.from(pkgOf, (x, v) => [x, v]))).get(id) ?? -1, lits: out.lits, start: out.start, nClauses: out.nClauses, clause: (ci) => out.clause(ci), release: () => out.release(), causeOf, jobClauses, jobRules, reqStart, reqEnd, freeClauses, keep, upgradeTo, installedVars, replacesInstalled };
}
