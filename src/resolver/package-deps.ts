/**
 * Per-package dependency answers, computed once per universe and reused by every job:
 * for each requirement its providers in preference order (or, for a rich one, its
 * clauses), for each conflict the packages it hits, for each obsoletes the packages it
 * matches, and the set of packages a requirement can pull in. Rule generation for a job
 * is then mostly copying integers (see rules.ts).
 *
 * A rich literal is encoded as a signed integer: `id + 1` means "package id installed",
 * `-(id + 1)` means "not installed".
 */
import type { Dependency } from '../rpm/index.js';
import { BazaarError } from '../errors.js';
import { evrInRange } from './overlap.js';
import type { Pool } from './provides-index.js';
import { richAtoms, type RichNode } from '../rpm/index.js';

/** Upper bound on clauses one rich dependency may expand to (distribution of `or`). */
const MAX_RICH_CLAUSES = 4096;

type DepList = 'requires' | 'conflicts' | 'obsoletes';

/**
 * One requirement's (or conflict's) answer. The dependency itself is read from the record
 * only when asked (explanations): the solver needs the integers, and a warm start would
 * otherwise decode every dependency string of every package a job touches. One class for
 * computed and prebuilt answers, so rules.ts sees one shape.
 */
export class ReqEntry {
  constructor(
    private readonly pool: Pool,
    private readonly id: number,
    private readonly list: DepList,
    private readonly k: number,
    /** plain: providers, best first; rich: every package an atom names */
    readonly providers: number[],
    /** rich: clauses in signed-literal form; null for a plain requirement */
    readonly cnf: number[][] | null,
  ) {}

  get dep(): Dependency { return this.pool.dependency(this.id, this.list, this.k); }
}

export type ConEntry = ReqEntry;

export class ObsEntry {
  constructor(private readonly pool: Pool, private readonly id: number, private readonly k: number, readonly matches: number[]) {}
  get dep(): Dependency { return this.pool.dependency(this.id, 'obsoletes', this.k); }
}

export interface PackageDeps {
  /** indexed like record.requires; null for rpmlib() and self-satisfied requirements */
  req: Array<ReqEntry | null>;
  con: ConEntry[];
  obs: ObsEntry[];
  /** every package a requirement of this one may pull in */
  reach: number[];
}

export function computePackageDeps(pool: Pool, id: number): PackageDeps {
  try {
    return computeDeps(pool, id);
  } catch (err) {
    if (err instanceof BazaarError) throw new BazaarError(err.code, `${pool.nevra(id)}: ${err.message}`, { cause: err, data: { package: pool.nevra(id) } });
    throw err;
  }
}

function computeDeps(pool: Pool, id: number): PackageDeps {
  const p = pool.packages[id];
  const r = p.record;
  const reachSet = new Set<number>();
  const req: Array<ReqEntry | null> = r.requires.map((d, k) => {
    if (d.name.startsWith('rpmlib(')) return null;
    const rich = pool.rich(d);
    if (rich) {
      const providers = [...new Set(richAtoms(rich).flatMap((a) => pool.whatProvides(a)))];
      providers.forEach((x) => reachSet.add(x));
      const cnf = richCnf(pool, rich, false, -1).filter((c) => !c.includes(id + 1));
      return cnf.length ? new ReqEntry(pool, id, 'requires', k, providers, cnf) : null;
    }
    const providers = pool.preferredProviders(d);
    if (providers.includes(id)) return null;
    providers.forEach((x) => reachSet.add(x));
    return new ReqEntry(pool, id, 'requires', k, providers, null);
  });
  const con: ConEntry[] = r.conflicts.map((d, k) => {
    const rich = pool.rich(d);
    if (rich) return new ReqEntry(pool, id, 'conflicts', k, [], richCnf(pool, rich, true, id));
    return new ReqEntry(pool, id, 'conflicts', k, pool.whatProvides(d).filter((q) => q !== id), null);
  });
  const obs: ObsEntry[] = r.obsoletes.map((d, k) => new ObsEntry(pool, id, k,
    (pool.byName.get(d.name) ?? []).filter((q) => q !== id && pool.packages[q].name !== p.name && evrInRange(pool.packages[q].evr, d.flags, d.evr))));
  return { req, con, obs, reach: [...reachSet] };
}

/**
 * CNF of a rich dependency over signed literals (negated for conflicts). `self` is left
 * out of the atoms' providers: a package never conflicts with itself.
 * (A if B else C) = (A ∨ ¬B) ∧ (C ∨ B); `unless` swaps the role of B.
 */
function richCnf(pool: Pool, node: RichNode, negate: boolean, self: number): number[][] {
  const provs = (nd: RichNode): number[] => withSet(pool, nd).filter((x) => x !== self);
  const orCnf = (a: number[][], b: number[][]): number[][] => {
    const out: number[][] = [];
    for (const x of a) for (const y of b) {
      out.push([...new Set([...x, ...y])]);
      if (out.length > MAX_RICH_CLAUSES) throw new BazaarError('ERR_REPO', `rich dependency expands to more than ${MAX_RICH_CLAUSES} clauses`);
    }
    return out;
  };
  const go = (nd: RichNode, ng: boolean): number[][] => {
    switch (nd.op) {
      case 'atom': case 'with': case 'without': {
        const ps = provs(nd);
        return ng ? ps.map((id) => [-(id + 1)]) : [ps.map((id) => id + 1)];
      }
      case 'and': return ng ? orCnf(go(nd.left, true), go(nd.right, true)) : [...go(nd.left, false), ...go(nd.right, false)];
      case 'or': return ng ? [...go(nd.left, true), ...go(nd.right, true)] : orCnf(go(nd.left, false), go(nd.right, false));
      case 'if': case 'unless': {
        const condTrue = nd.op === 'if';
        const a = nd.then; const b = nd.cond; const c = nd.otherwise;
        if (!ng) {
          const first = orCnf(go(a, false), go(b, condTrue));
          return c ? [...first, ...orCnf(go(c, false), go(b, !condTrue))] : first;
        }
        // ¬(…) = (¬A ∧ B') ∨ (¬C ∧ ¬B'), B' being B for if and ¬B for unless
        const left = [...go(a, true), ...go(b, !condTrue)];
        return c ? orCnf(left, [...go(c, true), ...go(b, condTrue)]) : left;
      }
    }
  };
  return go(node, negate);
}

/** Members matching an atom or a with/without expression (one package must match both sides). */
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

/**
 * Prebuilt dependency answers as flat integers (the universe cache stores them, so a
 * warm start needs no provider search at all). Per package:
 * `nReq entry… nCon entry… nObs (n ids…)… nReach ids…`, where an entry is `-1` (no
 * clause), `n ids…` (plain), or `-2 n ids… nClauses (len signed-literals…)…` (rich).
 */
export function encodePackageDeps(d: PackageDeps, out: number[]): void {
  const entry = (providers: number[], cnf: number[][] | null): void => {
    if (cnf) {
      out.push(-2, providers.length, ...providers, cnf.length);
      for (const c of cnf) out.push(c.length, ...c);
    } else {
      out.push(providers.length, ...providers);
    }
  };
  out.push(d.req.length);
  for (const e of d.req) { if (!e) out.push(-1); else entry(e.providers, e.cnf); }
  out.push(d.con.length);
  for (const e of d.con) entry(e.providers, e.cnf);
  out.push(d.obs.length);
  for (const e of d.obs) out.push(e.matches.length, ...e.matches);
  out.push(d.reach.length, ...d.reach);
}

/**
 * Where entry `k` of part `part` (0 requires, 1 conflicts, 2 obsoletes; 3 the reach list,
 * k 0) of the answers at `at` starts (see encodePackageDeps): past the entries before it.
 */
export function answerEntry(ints: Int32Array, at: number, part: number, k: number): number {
  let i = at;
  for (let p = 0; p <= part && p < 3; p++) {
    const n = ints[i++];
    const count = p === part ? k : n;
    for (let e = 0; e < count; e++) {
      const x = ints[i];
      if (x === -1) { i++; continue; } // a requirement with no clause
      if (x !== -2) { i += x + 1; continue; } // plain: `n ids…` (obsoletes too)
      i += ints[i + 1] + 2; // rich: `-2 n ids…`, then `nClauses (len lits…)…`
      const nc = ints[i++];
      for (let c = 0; c < nc; c++) i += ints[i] + 1;
    }
  }
  return i;
}

/** Where the reach list (its length, then the ids) of the answers at `at` starts. */
export function answersReach(ints: Int32Array, at: number): number {
  return answerEntry(ints, at, 3, 0);
}

/** The inverse of encodePackageDeps for one package; null when nothing was stored. */
export function decodePackageDeps(ints: Int32Array, at: number, pool: Pool, id: number): PackageDeps | null {
  if (ints[at] === -1) return null;
  let i = at;
  const list = (): number[] => { const n = ints[i++]; const xs = new Array<number>(n); for (let k = 0; k < n; k++) xs[k] = ints[i++]; return xs; };
  const entry = (kind: DepList, k: number): ReqEntry => {
    if (ints[i] !== -2) return new ReqEntry(pool, id, kind, k, list(), null);
    i++;
    const providers = list();
    const nc = ints[i++];
    const cnf: number[][] = new Array(nc);
    for (let c = 0; c < nc; c++) cnf[c] = list();
    return new ReqEntry(pool, id, kind, k, providers, cnf);
  };
  // neither the record nor its lists are made here (see ReqEntry): only the integers
  const nReq = ints[i++];
  const req: Array<ReqEntry | null> = new Array(nReq);
  for (let k = 0; k < nReq; k++) {
    if (ints[i] === -1) { i++; req[k] = null; continue; }
    req[k] = entry('requires', k);
  }
  const nCon = ints[i++];
  const con: ConEntry[] = new Array(nCon);
  for (let k = 0; k < nCon; k++) con[k] = entry('conflicts', k);
  const nObs = ints[i++];
  const obs: ObsEntry[] = new Array(nObs);
  for (let k = 0; k < nObs; k++) obs[k] = new ObsEntry(pool, id, k, list());
  return { req, con, obs, reach: list() };
}

/**
 * Renumbers in place the package ids in the encoded answers (encodePackageDeps, or the
 * `-1` of a package with none) of packages `first` to `last - 1`, package p's at
 * `data[offsets[p]…offsets[p + 1])`, copied there from a base universe (a universe
 * update inserts and removes packages). False when a package's answers do not end
 * exactly where the next begin, or one names a package `map` drops (-1): they must then
 * be computed again. One flat loop, no calls: it runs over every package of a universe
 * in a process that has not warmed up (the command that made the commit).
 */
export function renumberAnswers(data: Int32Array, offsets: Int32Array, first: number, last: number, map: Int32Array): boolean {
  for (let p = first; p < last; p++) {
    let i = offsets[p];
    const end = offsets[p + 1];
    if (data[i] === -1) { if (i + 1 !== end) return false; continue; }
    // requires (entries, or -1), conflicts (entries), obsoletes (id lists), then the one reach list
    for (let part = 0; part < 4; part++) {
      const count = part === 3 ? 1 : data[i++];
      for (let e = 0; e < count; e++) {
        if (i >= end) return false;
        if (part === 0 && data[i] === -1) { i++; continue; }
        // a rich entry: `-2 n ids… nClauses (len signed-literals…)…`; a plain one: `n ids…`
        const rich = part < 2 && data[i] === -2;
        if (rich) i++;
        const n = data[i++];
        if (!(n >= 0) || i + n > end) return false;
        for (const stop = i + n; i < stop; i++) {
          const y = map[data[i]];
          if (!(y >= 0)) return false; // dropped, or not a package of the base
          data[i] = y;
        }
        if (!rich) continue;
        if (i >= end) return false;
        const nc = data[i++];
        for (let c = 0; c < nc; c++) {
          const len = data[i++];
          if (!(len >= 0) || i + len > end) return false;
          for (const stop = i + len; i < stop; i++) {
            const x = data[i];
            const y = map[x > 0 ? x - 1 : -x - 1];
            if (!(y >= 0)) return false;
            data[i] = x > 0 ? y + 1 : -(y + 1);
          }
        }
      }
    }
    if (i !== end) return false;
  }
  return true;
}
