/**
 * Rule generation: turns a job against a pool into clauses over the packages the job can
 * reach, each with its Cause. Only packages reachable from the job (candidates, installed
 * packages, and transitively every provider of their requirements) become variables:
 * anything else stays uninstalled in every minimal answer, so leaving it out changes no
 * verdict and keeps a 60,000-package universe cheap (libsolv's addpkgrules does the same).
 *
 * Clauses:
 * - requires: ¬p ∨ providers…            (rich: the CNF of the expression, each with ¬p)
 * - conflicts: ¬p ∨ ¬q per provider q ≠ p (rich: CNF of the negated expression)
 * - obsoletes: ¬p ∨ ¬q for q matching by name and EVR (names, not provides, as libsolv)
 * - same name: ¬a ∨ ¬b, unless the name is multiversion
 * - jobs: install = candidates…; erase = ¬p
 * - keep installed: p ∨ newer same-name builds ∨ packages obsoleting p (no job erases)
 * - constraints: whatever the extension generators return
 */
import type { Dependency } from '../rpm/dependency.js';
import type { Cause } from './cause.js';
import type { ConstraintGenerator } from './constraint.js';
import type { Job } from './job.js';
import { compareEvr, evrInRange } from './overlap.js';
import type { Pool } from './provides-index.js';
import { sortByPreference } from './provides-index.js';
import { richAtoms, type RichNode } from './rich-dep.js';
import { neg, pos } from './sat/literal.js';

/** Upper bound on clauses one rich dependency may expand to (distribution of `or`). */
const MAX_RICH_CLAUSES = 4096;

export interface Problem {
  /** pool id of each variable */
  pkgOf: number[];
  varOf: Map<number, number>;
  clauses: number[][];
  causes: Cause[];
  /** clause indices of install jobs, in job order */
  jobClauses: number[];
  /** per variable: clause indices whose head is ¬var (its requirements) */
  requiresOf: number[][];
  /** clauses with no head (constraint generators): satisfied last */
  freeClauses: number[];
  /** installed packages to keep, in preference order (vars) */
  keep: number[];
  /** per installed package being upgraded: its newer same-name builds (vars), best first */
  upgradeTo: number[][];
  installedVars: Set<number>;
}

export interface RuleOptions {
  multiversion?: ReadonlySet<string>;
  constraints?: readonly ConstraintGenerator[];
  /** Installed packages may be removed when nothing else works (libsolv's allowuninstall). */
  allowUninstall?: boolean;
}

function isRpmlib(name: string): boolean { return name.startsWith('rpmlib('); }

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
  const varOf = new Map<number, number>();
  const pkgOf: number[] = [];
  const queue: number[] = [];
  const want = (id: number): void => {
    if (varOf.has(id)) return;
    varOf.set(id, pkgOf.length);
    pkgOf.push(id);
    queue.push(id);
  };

  const erased = new Set<number>();
  const upgradeNames = new Set<string>();
  let upgradeAll = false;
  const jobSeeds: Array<{ job: Job; candidates: number[] }> = [];
  for (const job of jobs) {
    if (job.kind === 'install') {
      const c = jobCandidates(pool, job);
      jobSeeds.push({ job, candidates: c });
      c.forEach(want);
    } else if (job.kind === 'erase') {
      for (const id of pool.installedIds) if (P[id].name === job.name) erased.add(id);
    } else if (job.kind === 'upgrade') {
      upgradeNames.add(job.name);
    } else {
      upgradeAll = true;
    }
  }
  const obsoleters = pool.installedIds.length ? obsoletersIndex(pool) : null;
  const replacementsOf = new Map<number, number[]>();
  for (const id of pool.installedIds) {
    want(id);
    const p = P[id];
    const newer = (pool.byName.get(p.name) ?? []).filter((q) => q !== id && compareEvr(P[q].evr, p.evr) > 0);
    const obs = (obsoleters?.get(p.name) ?? []).filter((q) => q !== id && P[q].name !== p.name
      && P[q].record.obsoletes.some((d) => d.name === p.name && evrInRange(p.evr, d.flags, d.evr)));
    const repl = sortByPreference(pool, [...newer, ...obs]);
    replacementsOf.set(id, repl);
    repl.forEach(want);
  }
  const extra = (options.constraints ?? []).flatMap((g) => g.generate(pool));
  for (const c of extra) for (const l of c.anyOf) want(l.pkg);

  // closure: every provider of every requirement of every reachable package
  for (let qi = 0; qi < queue.length; qi++) {
    const p = P[queue[qi]];
    for (const d of p.record.requires) {
      if (isRpmlib(d.name)) continue;
      const rich = pool.rich(d);
      if (rich) { for (const a of richAtoms(rich)) pool.whatProvides(a).forEach(want); } else pool.whatProvides(d).forEach(want);
    }
  }

  const n = pkgOf.length;
  const clauses: number[][] = [];
  const causes: Cause[] = [];
  const requiresOf: number[][] = Array.from({ length: n }, () => []);
  const add = (lits: number[], cause: Cause): number => { clauses.push(lits); causes.push(cause); return clauses.length - 1; };
  const lit = (id: number): number => pos(varOf.get(id)!);
  const nlit = (id: number): number => neg(varOf.get(id)!);

  const jobClauses: number[] = [];
  for (const { job, candidates } of jobSeeds) {
    if (candidates.length === 0) {
      const otherArches = (pool.byName.get(job.kind === 'install' ? job.name : '') ?? []);
      add([], { kind: 'noCandidates', job, otherArches });
    } else {
      jobClauses.push(add(candidates.map(lit), { kind: 'job', job, candidates }));
    }
  }
  for (const id of erased) {
    const job: Job = { kind: 'erase', name: P[id].name };
    add([nlit(id)], { kind: 'erase', job, pkg: id });
  }

  for (let v = 0; v < n; v++) {
    const id = pkgOf[v];
    const r = P[id].record;
    const head = neg(v);
    for (const d of r.requires) {
      if (isRpmlib(d.name)) continue;
      const rich = pool.rich(d);
      if (rich) {
        const cnf = richCnf(pool, rich, false, -1);
        const providers = [...new Set(richAtoms(rich).flatMap((a) => pool.whatProvides(a)))];
        for (const c of cnf) {
          if (c.some((l) => l.id === id && l.on)) continue; // satisfied by the package itself
          requiresOf[v].push(add([head, ...c.map((l) => (l.on ? lit(l.id) : nlit(l.id)))], { kind: 'requires', pkg: id, dep: d, providers }));
        }
        continue;
      }
      const provs = pool.preferredProviders(d);
      if (provs.includes(id)) continue;
      requiresOf[v].push(add([head, ...provs.map(lit)], { kind: 'requires', pkg: id, dep: d, providers: provs }));
    }
    for (const d of r.conflicts) {
      const rich = pool.rich(d);
      if (rich) {
        for (const c of richCnf(pool, rich, true, id)) {
          const others = c.map((l) => l.id);
          if (others.some((o) => !varOf.has(o) && !c.find((l) => l.id === o)!.on)) continue; // ¬q for an unreachable q holds
          const kept = c.filter((l) => varOf.has(l.id));
          add([head, ...kept.map((l) => (l.on ? lit(l.id) : nlit(l.id)))], { kind: 'conflicts', pkg: id, dep: d, others });
        }
        continue;
      }
      for (const q of pool.whatProvides(d)) {
        if (q === id || !varOf.has(q)) continue;
        add([head, nlit(q)], { kind: 'conflicts', pkg: id, dep: d, others: [q] });
      }
    }
    for (const d of r.obsoletes) {
      for (const q of pool.byName.get(d.name) ?? []) {
        if (q === id || !varOf.has(q) || P[q].name === P[id].name) continue;
        if (!evrInRange(P[q].evr, d.flags, d.evr)) continue;
        add([head, nlit(q)], { kind: 'obsoletes', pkg: id, dep: d, other: q });
      }
    }
  }

  // one build per name
  const seenName = new Set<string>();
  for (let v = 0; v < n; v++) {
    const name = P[pkgOf[v]].name;
    if (seenName.has(name) || multiversion.has(name)) continue;
    seenName.add(name);
    const group = (pool.byName.get(name) ?? []).filter((id) => varOf.has(id));
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) add([nlit(group[i]), nlit(group[j])], { kind: 'sameName', a: group[i], b: group[j] });
    }
  }

  const keep: number[] = [];
  const installedVars = new Set<number>();
  const softKeep = erased.size > 0 || options.allowUninstall === true; // erasing may take dependents along (zypper rm / dnf remove)
  for (const id of pool.installedIds) {
    installedVars.add(varOf.get(id)!);
    if (erased.has(id)) continue;
    keep.push(varOf.get(id)!);
    if (!softKeep) add([lit(id), ...replacementsOf.get(id)!.map(lit)], { kind: 'keepInstalled', pkg: id, replacements: replacementsOf.get(id)! });
  }
  const upgradeTo: number[][] = [];
  for (const id of pool.installedIds) {
    if (erased.has(id) || !(upgradeAll || upgradeNames.has(P[id].name))) continue;
    const newer = replacementsOf.get(id)!.filter((q) => P[q].name === P[id].name);
    if (newer.length) upgradeTo.push(newer.map((q) => varOf.get(q)!));
  }

  const freeClauses: number[] = [];
  for (const c of extra) freeClauses.push(add(c.anyOf.map((l) => (l.installed ? lit(l.pkg) : nlit(l.pkg))), c.cause));

  return { pkgOf, varOf, clauses, causes, jobClauses, requiresOf, freeClauses, keep, upgradeTo, installedVars };
}

/** Installed-name → packages in the pool that obsolete that name. */
function obsoletersIndex(pool: Pool): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of pool.packages) {
    if (p.archScore === 0) continue;
    for (const d of p.record.obsoletes) {
      const list = out.get(d.name);
      if (list) list.push(p.id); else out.set(d.name, [p.id]);
    }
  }
  return out;
}

interface RLit { id: number; on: boolean }

/**
 * CNF of a rich dependency over package literals (negated for conflicts). `self` is left
 * out of the atoms' providers: a package never conflicts with itself.
 */
function richCnf(pool: Pool, node: RichNode, negate: boolean, self: number): RLit[][] {
  const provs = (d: Dependency): number[] => pool.whatProvides(d).filter((x) => x !== self);
  const orCnf = (a: RLit[][], b: RLit[][]): RLit[][] => {
    const out: RLit[][] = [];
    for (const x of a) for (const y of b) {
      out.push([...x, ...y]);
      if (out.length > MAX_RICH_CLAUSES) throw new Error(`rich dependency too large to expand: ${JSON.stringify(node).slice(0, 200)}`);
    }
    return out;
  };
  const go = (nd: RichNode, ng: boolean): RLit[][] => {
    switch (nd.op) {
      case 'atom': {
        const ps = provs(nd.dep);
        return ng ? ps.map((id) => [{ id, on: false }]) : [ps.map((id) => ({ id, on: true }))];
      }
      case 'with': case 'without': {
        const ps = withSet(pool, nd).filter((x) => x !== self);
        return ng ? ps.map((id) => [{ id, on: false }]) : [ps.map((id) => ({ id, on: true }))];
      }
      case 'and': return ng ? orCnf(go(nd.left, true), go(nd.right, true)) : [...go(nd.left, false), ...go(nd.right, false)];
      case 'or': return ng ? [...go(nd.left, true), ...go(nd.right, true)] : orCnf(go(nd.left, false), go(nd.right, false));
      case 'if': case 'unless': {
        // (A if B else C) = (A ∨ ¬B) ∧ (C ∨ B); unless swaps the role of B.
        const condTrue = nd.op === 'if';
        const a = nd.then; const b = nd.cond; const c = nd.otherwise;
        if (!ng) {
          const first = orCnf(go(a, false), go(b, condTrue));
          return c ? [...first, ...orCnf(go(c, false), go(b, !condTrue))] : first;
        }
        // ¬(…) = (¬A ∧ B') ∨ (¬C ∧ ¬B')  where B' is B for if, ¬B for unless
        const left = [...go(a, true), ...go(b, !condTrue)];
        return c ? orCnf(left, [...go(c, true), ...go(b, condTrue)]) : left;
      }
    }
  };
  return go(node, negate);
}

function withSet(pool: Pool, nd: RichNode): number[] {
  if (nd.op === 'atom') return pool.whatProvides(nd.dep);
  if (nd.op === 'with' || nd.op === 'without') {
    const left = withSet(pool, nd.left);
    const right = new Set(withSet(pool, nd.right));
    return left.filter((p) => (nd.op === 'with') === right.has(p));
  }
  if (nd.op === 'or') return [...new Set([...withSet(pool, nd.left), ...withSet(pool, nd.right)])];
  if (nd.op === 'and') { const r = new Set(withSet(pool, nd.right)); return withSet(pool, nd.left).filter((p) => r.has(p)); }
  return [];
}
