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

/** Clause literals for the solver and the rules: one flat array, so a clause is no object of its own. */
export interface ClauseArena {
  /** clause ci is lits[start[ci]] … lits[start[ci + 1] - 1] */
  lits: Int32Array;
  start: Int32Array;
  nClauses: number;
}

/** `a` with room for `need` elements, copied into a larger one when it has not. */
export function grown(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** `a` when it holds `n` elements, else a new array of `n`. */
function atLeast(a: Int32Array | undefined, n: number): Int32Array {
  return a && a.length >= n ? a : new Int32Array(n);
}

/**
 * The last solver released: the next one made takes its arrays. A job makes one solver
 * (a failing one a few more, one after another, to shrink its core), and getting a
 * typed array's own memory costs about as much as a small job's whole search.
 */
let spare: CdclSolver | null = null;

export class CdclSolver implements ClauseArena {
  readonly nVars: number;
  /**
   * Every clause's literals, one after another: indices below `nOriginal` are the
   * problem's, the rest learned. Flat int32 rather than an array per clause: a job's
   * thousands of small clauses were most of what the young generation had to copy in
   * a fresh process (docs/resolver.md, "A fresh process's first jobs").
   */
  lits: Int32Array;
  start: Int32Array;
  nClauses = 0;
  private nOriginal = 0;
  /** For learned clauses: the clauses they were resolved from. */
  private readonly antecedents: number[][] = [];
  /** Per clause ci: the positions (within the clause) of its two watched literals, at 2ci and 2ci + 1. */
  private wpos: Int32Array;
  /**
   * The clauses watching each literal, in the order they began to: literal l's list is
   * wStore[wl[3l]] … wStore[wl[3l] + wl[3l + 1] - 1], with room for wl[3l + 2]. A list
   * that outgrows its room moves to the end of wStore, so no list is an object of its own.
   */
  private wStore: Int32Array;
  private wTop = 0;
  private readonly wl: Int32Array;
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

  /**
   * `room`: literals and clauses expected (original and learned), a hint. The arrays are
   * those of the last solver released when they are large enough (so they may be longer
   * than nVars), cleared where it matters.
   */
  constructor(nVars: number, room: { lits: number; clauses: number } = { lits: 64, clauses: 16 }) {
    this.nVars = nVars;
    const old = spare ?? undefined;
    spare = null;
    // the per-variable arrays are made together, at one size: reused together or not at all
    const fits = old !== undefined && old.value.length >= nVars;
    this.value = fits ? old.value.fill(0, 0, nVars) : new Int8Array(nVars);
    this.level = fits ? old.level : new Int32Array(nVars);
    this.reason = (fits ? old.reason : new Int32Array(nVars)).fill(-1, 0, nVars);
    this.trail = fits ? old.trail : new Int32Array(nVars);
    this.seen = fits ? old.seen.fill(0, 0, nVars) : new Uint8Array(nVars);
    this.wl = fits ? old.wl.fill(0, 0, 6 * nVars) : new Int32Array(6 * nVars);
    this.lits = atLeast(old?.lits, room.lits + 16);
    this.start = atLeast(old?.start, room.clauses + 8);
    this.start[0] = 0;
    this.wpos = atLeast(old?.wpos, 2 * this.start.length);
    this.wStore = atLeast(old?.wStore, 3 * room.clauses + 64);
  }

  /** Hands this solver's arrays to the next solver made; this one must not be used after. */
  release(): void {
    spare = this;
  }

  get decisionLevel(): number { return this.trailLim.length; }

  /** Value of a literal: 1 true, -1 false, 0 unassigned. */
  litValue(lit: number): number {
    const v = this.value[lit >> 1];
    return lit & 1 ? -v : v;
  }

  /** Clause ci's literals as an array (for the few readers that want one). */
  clause(ci: number): number[] {
    return Array.from(this.lits.subarray(this.start[ci], this.start[ci + 1]));
  }

  /**
   * Adds an original clause, src[from] … src[to - 1] (before `solve`); returns its index.
   * The clause must not repeat a literal. Its literals are never reordered (watches are
   * positions kept beside it), so callers may rely on their own literal order, e.g. the
   * policy's preference order.
   */
  addClause(src: ArrayLike<number>, from = 0, to = src.length): number {
    const idx = this.appendClause(src, from, to);
    this.nOriginal = this.nClauses;
    const n = to - from;
    if (n === 0) { if (this.emptyClause < 0) this.emptyClause = idx; return idx; }
    if (n === 1) return idx; // units are enqueued at the start of solve
    this.watch(src[from], idx);
    this.watch(src[from + 1], idx);
    return idx;
  }

  /**
   * Adds every clause of `arena`, as addClause would one by one. Into a solver with no
   * clauses yet, in bulk: the literals in one copy, and each literal's watch list laid
   * out once from a count, so taking a job's clauses makes no call per clause (a fresh
   * process takes its first jobs' clauses before V8 has optimised anything).
   */
  addClauses(arena: ClauseArena): void {
    const { lits: from, start: starts, nClauses: m } = arena;
    if (this.nClauses > 0) {
      for (let ci = 0; ci < m; ci++) this.addClause(from, starts[ci], starts[ci + 1]);
      return;
    }
    const nLits = starts[m];
    const lits = (this.lits = grown(this.lits, nLits));
    lits.set(from.subarray(0, nLits));
    const start = (this.start = grown(this.start, m + 2));
    start.set(starts.subarray(0, m + 1));
    const wpos = (this.wpos = grown(this.wpos, 2 * start.length));
    const wl = this.wl;
    for (let ci = 0; ci < m; ci++) {
      wpos[2 * ci] = 0;
      wpos[2 * ci + 1] = 1;
      const at = start[ci];
      const len = start[ci + 1] - at;
      if (len >= 2) { wl[3 * lits[at] + 2]++; wl[3 * lits[at + 1] + 2]++; } // counts, for now
      else if (len === 0 && this.emptyClause < 0) this.emptyClause = ci;
    }
    let top = this.wTop;
    for (let l = 0; l < 6 * this.nVars; l += 3) {
      const count = wl[l + 2];
      if (count === 0) continue;
      const room = count + (count >> 1) + 2; // watches move here during the search
      wl[l] = top;
      wl[l + 2] = room;
      top += room;
    }
    const ws = (this.wStore = grown(this.wStore, top));
    this.wTop = top;
    for (let ci = 0; ci < m; ci++) {
      const at = start[ci];
      if (start[ci + 1] - at < 2) continue;
      let l = 3 * lits[at];
      ws[wl[l] + wl[l + 1]++] = ci;
      l = 3 * lits[at + 1];
      ws[wl[l] + wl[l + 1]++] = ci;
    }
    this.nClauses = this.nOriginal = m;
  }

  /** Appends a clause's literals and its watch positions (0 and 1); returns its index. */
  private appendClause(src: ArrayLike<number>, from: number, to: number): number {
    const idx = this.nClauses;
    if (idx + 2 > this.start.length) {
      this.start = grown(this.start, idx + 2);
      this.wpos = grown(this.wpos, 2 * this.start.length);
    }
    const at = this.start[idx];
    this.lits = grown(this.lits, at + to - from);
    const lits = this.lits;
    for (let k = from; k < to; k++) lits[at + k - from] = src[k];
    this.start[idx + 1] = at + to - from;
    this.wpos[2 * idx] = 0;
    this.wpos[2 * idx + 1] = 1;
    this.nClauses = idx + 1;
    return idx;
  }

  /** Appends clause ci to literal lit's watch list, moving the list when it is full. */
  private watch(lit: number, ci: number): void {
    const wl = this.wl;
    const l = 3 * lit;
    const len = wl[l + 1];
    if (len === wl[l + 2]) {
      const room = len < 4 ? 4 : len * 2;
      const to = this.wTop;
      this.wStore = grown(this.wStore, to + room);
      this.wStore.copyWithin(to, wl[l], wl[l] + len);
      wl[l] = to;
      wl[l + 2] = room;
      this.wTop = to + room;
    }
    this.wStore[wl[l] + len] = ci;
    wl[l + 1] = len + 1;
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
    const { value, wl, wpos } = this;
    while (this.qhead < this.trailLength) {
      const falseLit = this.trail[this.qhead++] ^ 1;
      const n = wl[3 * falseLit + 1];
      if (n === 0) continue;
      // falseLit's list never moves while it is walked: watches move only to literals
      // that are not false, and a grown wStore keeps every offset
      const base = wl[3 * falseLit];
      let i = 0;
      let j = 0;
      for (; i < n; i++) {
        const ci = this.wStore[base + i];
        const lits = this.lits;
        const at = this.start[ci];
        const len = this.start[ci + 1] - at;
        // a: the other watch, b: the watch on falseLit
        let a = wpos[2 * ci];
        let b = wpos[2 * ci + 1];
        if (lits[at + a] === falseLit) { const t = a; a = b; b = t; }
        const other = lits[at + a];
        const ov = value[other >> 1];
        if ((other & 1 ? -ov : ov) === 1) { this.wStore[base + j++] = ci; continue; }
        let found = -1;
        for (let k = 0; k < len; k++) {
          if (k === a || k === b) continue;
          const l = lits[at + k];
          const lv = value[l >> 1];
          if ((l & 1 ? -lv : lv) !== -1) { found = k; break; }
        }
        if (found >= 0) {
          wpos[2 * ci] = a;
          wpos[2 * ci + 1] = found;
          this.watch(lits[at + found], ci);
          continue;
        }
        const ws = this.wStore;
        ws[base + j++] = ci;
        if ((other & 1 ? -ov : ov) === -1) {
          for (i++; i < n; i++) ws[base + j++] = ws[base + i];
          wl[3 * falseLit + 1] = j;
          return ci;
        }
        this.enqueue(other, ci);
      }
      wl[3 * falseLit + 1] = j;
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
    const { seen, level, reason } = this;
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
      const lits = this.lits;
      const end = this.start[ci + 1];
      for (let k = this.start[ci]; k < end; k++) {
        const q = lits[k];
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
      const at = this.start[ci];
      if (this.start[ci + 1] - at !== 1) continue;
      const unit = this.lits[at];
      const val = this.litValue(unit);
      if (val === -1) return { sat: false, core: this.core(ci) };
      if (val === 0) this.enqueue(unit, ci);
    }
    for (; ;) {
      const confl = this.propagate();
      if (confl >= 0) {
        this.conflicts++;
        if (this.trailLim.length === 0) return { sat: false, core: this.core(confl) };
        const { lits, level, from } = this.analyze(confl);
        this.backjump(level);
        brancher.backjumped(this.trailLength);
        const li = this.appendClause(lits, 0, lits.length);
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
      for (let k = this.start[ci]; k < this.start[ci + 1]; k++) {
        const v = varOf(this.lits[k]);
        if (this.value[v] !== 0 && this.level[v] === 0 && this.reason[v] >= 0 && this.reason[v] !== ci) stack.push(this.reason[v]);
      }
    }
    return [...out].sort((a, b) => a - b);
  }
}
