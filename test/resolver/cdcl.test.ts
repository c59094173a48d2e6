/**
 * The SAT core on its own against brute force, on seeded random CNFs of up to 10
 * variables: a verdict exactly when a model exists, a model that satisfies every clause,
 * and a core that is itself unsatisfiable. Clauses go in both ways the resolver uses
 * (in bulk from a flat arena, and one by one), and each solver takes the arrays of the
 * last one released, of another size, so a reused array's old contents would show.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CdclSolver, type Brancher, type ClauseArena } from '../../src/resolver/sat/cdcl.js';

const t = suite('cdcl vs brute force');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Distinct literals over `nVars` variables, 1 to 3 per clause (an empty one now and then). */
function randomCnf(r: () => number, nVars: number, nClauses: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < nClauses; i++) {
    if (r() < 0.01) { out.push([]); continue; }
    const vars = new Set<number>();
    const len = 1 + Math.floor(r() * 3);
    while (vars.size < Math.min(len, nVars)) vars.add(Math.floor(r() * nVars));
    out.push([...vars].map((v) => (v << 1) | (r() < 0.5 ? 1 : 0)));
  }
  return out;
}

const holds = (c: readonly number[], value: (v: number) => boolean): boolean => c.some((l) => value(l >> 1) === ((l & 1) === 0));

function satisfiable(nVars: number, clauses: readonly number[][]): boolean {
  for (let m = 0; m < 1 << nVars; m++) if (clauses.every((c) => holds(c, (v) => ((m >> v) & 1) === 1))) return true;
  return false;
}

function arenaOf(clauses: readonly number[][]): ClauseArena {
  const start = new Int32Array(clauses.length + 1);
  for (let i = 0; i < clauses.length; i++) start[i + 1] = start[i] + clauses[i].length;
  return { lits: Int32Array.from(clauses.flat()), start, nClauses: clauses.length };
}

/** Decides the lowest open variable, alternating the sign with the variable. */
const brancher: Brancher = {
  pick(s) {
    for (let v = 0; v < s.nVars; v++) if (s.value[v] === 0) return (v << 1) | (v & 1);
    return -1;
  },
  backjumped() {},
};

t('verdicts, models and cores match brute force, in bulk and one by one, with arrays reused', () => {
  const r = rng(2112);
  let unsat = 0;
  let learned = 0;
  for (let round = 0; round < 400; round++) {
    const nVars = 1 + Math.floor(r() * 10);
    const clauses = randomCnf(r, nVars, 1 + Math.floor(r() * 5 * nVars));
    const expected = satisfiable(nVars, clauses);
    for (const bulk of [true, false]) {
      const s = new CdclSolver(nVars, { lits: 4, clauses: 2 }); // small room: the arrays must grow
      if (bulk) s.addClauses(arenaOf(clauses)); else for (const c of clauses) s.addClause(c);
      const res = s.solve(brancher);
      assert.is(res.sat, expected, `round ${round} (${bulk ? 'bulk' : 'one by one'}): ${JSON.stringify(clauses)}`);
      if (res.sat) {
        for (const c of clauses) assert.ok(holds(c, (v) => s.value[v] === 1), `round ${round}: model breaks ${JSON.stringify(c)}`);
      } else {
        unsat++;
        const core = res.core.map((ci) => clauses[ci]);
        assert.ok(res.core.every((ci) => ci >= 0 && ci < clauses.length), `round ${round}: core names a learned clause`);
        assert.not.ok(satisfiable(nVars, core), `round ${round}: core ${JSON.stringify(core)} is satisfiable`);
      }
      learned += s.nClauses - clauses.length;
      for (let ci = 0; ci < clauses.length; ci++) assert.equal(s.clause(ci), clauses[ci], `round ${round}: clause ${ci} kept in place`);
      s.release();
    }
  }
  assert.ok(unsat > 20 && unsat < 780, `a mix of verdicts (${unsat} unsatisfiable of 800)`);
  assert.ok(learned > 0, 'some runs learned clauses');
});

t.run();
