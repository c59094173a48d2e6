/**
 * A conflict-driven clause-learning SAT core: two watched literals, first-UIP learning,
 * non-chronological backjumping. It knows clauses and nothing of packages: *which*
 * literal to decide next comes from a `Brancher` (the resolver's policy, as libsolv's
 * policy.c drives its solver.c), so the search is complete whatever the policy prefers.
 *
 * Every learned clause remembers the clauses it was derived from, so when the problem is
 * unsatisfiable `core()` returns a set of original clauses that is unsatisfiable by
 * itself: the raw material for an explanation (pub's solver.md#conflict-resolution
 * does the same with incompatibility causes).
 */
import { varOf } from './literal.js';

export interface Brancher {
  /** The next decision literal, or -1 when every variable is assigned. */
  pick(s: CdclSolver): number;
  /** Called after a backjump to `trailLength`, so cursors into the trail can rewind. */
  backjumped(trailLength: number): void;
}

export type SatResult = { sat: true } | { sat: false; core: number[] };

export class CdclSolver {
  readonly nVars: number;
  /** Clause literals; indices below `nOriginal` are the problem's, the rest learned. */
  readonly clauses: number[][] = [];
  private nOriginal = 0;
  /** For learned clauses: the clauses they were resolved from. */
  private readonly antecedents: number[][] = [];
  /** clause indices watching each literal; created on first use (most literals never get one) */
  private readonly watches: Array<number[] | undefined>;
  /** 1 true, -1 false, 0 unassigned, per variable. */
  readonly value: Int8Array;
  readonly level: Int32Array;
  readonly reason: Int32Array;
  readonly trail: Int32Array;
  trailLength = 0;
  private readonly trailLim: number[] = [];
  private qhead = 0;
  private readonly seen: Uint8Array;
  private emptyClause = -1;
  conflicts = 0;
  decisions = 0;

  constructor(nVars: number) {
    this.nVars = nVars;
    this.watches = new Array(2 * nVars);
    this.value = new Int8Array(nVars);
    this.level = new Int32Array(nVars);
    this.reason = new Int32Array(nVars).fill(-1);
    this.trail = new Int32Array(nVars);
    this.seen = new Uint8Array(nVars);
  }

  get decisionLevel(): number { return this.trailLim.length; }

  /** Value of a literal: 1 true, -1 false, 0 unassigned. */
  litValue(lit: number): number {
    const v = this.value[lit >> 1];
    return lit & 1 ? -v : v;
  }

  /**
   * Adds an original clause (before `solve`); returns its index. The clause must not
   * repeat a literal. It is used in place and never reordered (watches are positions
   * kept beside it), so callers may rely on their own literal order, e.g. the policy's
   * preference order.
   */
  addClause(lits: number[]): number {
    const idx = this.clauses.length;
    this.clauses.push(lits);
    this.wa.push(0);
    this.wb.push(1);
    this.nOriginal = this.clauses.length;
    if (lits.length === 0) { if (this.emptyClause < 0) this.emptyClause = idx; return idx; }
    if (lits.length === 1) return idx; // units are enqueued at the start of solve
    this.watch(lits[0], idx);
    this.watch(lits[1], idx);
    return idx;
  }

  /** Per clause: the positions of its two watched literals. */
  private readonly wa: number[] = [];
  private readonly wb: number[] = [];

  private watch(lit: number, ci: number): void {
    const w = this.watches[lit];
    if (w) w.push(ci); else this.watches[lit] = [ci];
  }

  private enqueue(lit: number, reason: number): void {
    const v = lit >> 1;
    this.value[v] = lit & 1 ? -1 : 1;
    this.level[v] = this.trailLim.length;
    this.reason[v] = reason;
    this.trail[this.trailLength++] = lit;
  }

  /** Unit propagation; returns a conflicting clause index or -1. */
  private propagate(): number {
    const { clauses, watches, value } = this;
    while (this.qhead < this.trailLength) {
      const falseLit = this.trail[this.qhead++] ^ 1;
      const ws = watches[falseLit];
      if (!ws) continue;
      let i = 0;
      let j = 0;
      const n = ws.length;
      for (; i < n; i++) {
        const ci = ws[i];
        const c = clauses[ci];
        // a: the other watch, b: the watch on falseLit
        let a = this.wa[ci];
        let b = this.wb[ci];
        if (c[a] === falseLit) { const t = a; a = b; b = t; }
        const other = c[a];
        const ov = value[other >> 1];
        if ((other & 1 ? -ov : ov) === 1) { ws[j++] = ci; continue; }
        let found = -1;
        for (let k = 0; k < c.length; k++) {
          if (k === a || k === b) continue;
          const l = c[k];
          const lv = value[l >> 1];
          if ((l & 1 ? -lv : lv) !== -1) { found = k; break; }
        }
        if (found >= 0) {
          this.wa[ci] = a;
          this.wb[ci] = found;
          const l = c[found];
          const wl = watches[l];
          if (wl) wl.push(ci); else watches[l] = [ci];
          continue;
        }
        ws[j++] = ci;
        if ((other & 1 ? -ov : ov) === -1) {
          for (i++; i < n; i++) ws[j++] = ws[i];
          ws.length = j;
          return ci;
        }
        this.enqueue(other, ci);
      }
      ws.length = j;
    }
    return -1;
  }

  private backjump(level: number): void {
    if (this.trailLim.length <= level) return;
    const stop = this.trailLim[level];
    for (let i = this.trailLength - 1; i >= stop; i--) {
      const v = this.trail[i] >> 1;
      this.value[v] = 0;
      this.reason[v] = -1;
    }
    this.trailLength = stop;
    this.qhead = stop;
    this.trailLim.length = level;
  }

  /** First-UIP analysis: returns [learned literals (asserting first), backjump level, antecedents]. */
  private analyze(confl: number): { lits: number[]; level: number; from: number[] } {
    const { seen, level, reason, clauses } = this;
    const out: number[] = [-1];
    const from: number[] = [];
    const touched: number[] = [];
    let pathC = 0;
    let p = -1;
    let idx = this.trailLength - 1;
    const cur = this.trailLim.length;
    let ci = confl;
    do {
      from.push(ci);
      const c = clauses[ci];
      for (let k = 0; k < c.length; k++) {
        const q = c[k];
        if (q === p) continue; // the literal this reason clause implied
        const v = q >> 1;
        if (seen[v] || level[v] === 0) continue; // level-0 facts: their reasons are found by core()
        seen[v] = 1;
        touched.push(v);
        if (level[v] >= cur) pathC++;
        else out.push(q);
      }
      while (!seen[this.trail[idx] >> 1]) idx--;
      p = this.trail[idx];
      idx--;
      ci = reason[p >> 1];
      pathC--;
    } while (pathC > 0);
    out[0] = p ^ 1;
    for (const v of touched) seen[v] = 0;
    let bt = 0;
    let at = 1;
    for (let k = 1; k < out.length; k++) {
      const l = level[out[k] >> 1];
      if (l > bt) { bt = l; at = k; }
    }
    if (out.length > 1) { const t = out[1]; out[1] = out[at]; out[at] = t; }
    return { lits: out, level: bt, from };
  }

  /** Runs the search; the brancher chooses every decision. */
  solve(brancher: Brancher): SatResult {
    if (this.emptyClause >= 0) return { sat: false, core: [this.emptyClause] };
    for (let ci = 0; ci < this.nOriginal; ci++) {
      const c = this.clauses[ci];
      if (c.length !== 1) continue;
      const val = this.litValue(c[0]);
      if (val === -1) return { sat: false, core: this.core(ci) };
      if (val === 0) this.enqueue(c[0], ci);
    }
    for (; ;) {
      const confl = this.propagate();
      if (confl >= 0) {
        this.conflicts++;
        if (this.trailLim.length === 0) return { sat: false, core: this.core(confl) };
        const { lits, level, from } = this.analyze(confl);
        this.backjump(level);
        brancher.backjumped(this.trailLength);
        const li = this.clauses.length;
        this.clauses.push(lits);
        this.wa.push(0);
        this.wb.push(1);
        this.antecedents[li - this.nOriginal] = from;
        if (lits.length > 1) {
          this.watch(lits[0], li);
          this.watch(lits[1], li);
        }
        this.enqueue(lits[0], li);
        continue;
      }
      const lit = brancher.pick(this);
      if (lit < 0) return { sat: true };
      this.decisions++;
      this.trailLim.push(this.trailLength);
      this.enqueue(lit, -1);
    }
  }

  /** Original clauses a level-0 conflict on `confl` was derived from. */
  private core(confl: number): number[] {
    const out = new Set<number>();
    const done = new Set<number>();
    const stack = [confl];
    while (stack.length) {
      const ci = stack.pop()!;
      if (done.has(ci)) continue;
      done.add(ci);
      if (ci >= this.nOriginal) stack.push(...this.antecedents[ci - this.nOriginal]);
      else out.add(ci);
      for (const l of this.clauses[ci]) {
        const v = varOf(l);
        if (this.value[v] !== 0 && this.level[v] === 0 && this.reason[v] >= 0 && this.reason[v] !== ci) stack.push(this.reason[v]);
      }
    }
    return [...out].sort((a, b) => a - b);
  }
}
