/**
 * Transaction order for installs: every package after the packages it requires
 * (pre-requirements weigh most), so scriptlets find what they need. Strongly connected
 * components (dependency cycles) are found with Tarjan's algorithm; inside a cycle the
 * pre-requirement edges are honoured where they do not cycle among themselves, and the
 * remaining ties break by name-EVR so the order is deterministic.
 */
import type { Pool } from './provides-index.js';
import { richAtoms } from '../rpm/index.js';

export function installOrder(pool: Pool, ids: readonly number[]): number[] {
  const set = new Set(ids);
  const sorted = [...ids].sort((a, b) => cmpName(pool, a, b));
  const edges = new Map<number, { to: number; pre: boolean }[]>();
  for (const id of sorted) {
    const out: { to: number; pre: boolean }[] = [];
    for (const d of pool.packages[id].record.requires) {
      if (d.name.startsWith('rpmlib(')) continue;
      const rich = pool.rich(d);
      const provs = rich ? richAtoms(rich).flatMap((a) => pool.whatProvides(a)) : pool.whatProvides(d);
      for (const q of provs) if (q !== id && set.has(q)) out.push({ to: q, pre: d.pre === true });
    }
    edges.set(id, out);
  }
  // Tarjan: components come out dependencies-first, which is install order.
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const comps: number[][] = [];
  let counter = 0;
  const strong = (v: number): void => {
    // iterative to survive deep chains
    const work: Array<{ v: number; i: number }> = [{ v, i: 0 }];
    index.set(v, counter); low.set(v, counter); counter++; stack.push(v); onStack.add(v);
    while (work.length) {
      const top = work[work.length - 1];
      const es = edges.get(top.v)!;
      if (top.i < es.length) {
        const w = es[top.i++].to;
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter); counter++; stack.push(w); onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) { const parent = work[work.length - 1].v; low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!)); }
      if (low.get(top.v) === index.get(top.v)) {
        const comp: number[] = [];
        let w: number;
        do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== top.v);
        comps.push(comp);
      }
    }
  };
  for (const id of sorted) if (!index.has(id)) strong(id);
  const out: number[] = [];
  for (const comp of comps) out.push(...(comp.length === 1 ? comp : orderCycle(pool, comp, edges)));
  return out;
}

function cmpName(pool: Pool, a: number, b: number): number {
  const x = pool.nevra(a);
  const y = pool.nevra(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Inside a cycle: Kahn's algorithm on pre-requirement edges only, ties by name. */
function orderCycle(pool: Pool, comp: number[], edges: Map<number, { to: number; pre: boolean }[]>): number[] {
  const inComp = new Set(comp);
  const pending = new Map<number, Set<number>>();
  for (const v of comp) pending.set(v, new Set(edges.get(v)!.filter((e) => e.pre && inComp.has(e.to) && e.to !== v).map((e) => e.to)));
  const out: number[] = [];
  const left = new Set(comp);
  while (left.size) {
    const ready = [...left].filter((v) => [...pending.get(v)!].every((w) => !left.has(w))).sort((a, b) => cmpName(pool, a, b));
    const next = ready.length ? ready[0] : [...left].sort((a, b) => cmpName(pool, a, b))[0]; // a pre-cycle: break by name
    out.push(next);
    left.delete(next);
  }
  return out;
}
