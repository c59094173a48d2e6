/**
 * JIT warm-up for long-running solvers: V8 compiles the solver's hot functions only
 * after it has seen them run, so the first few hundred jobs of a process pay several
 * times the steady cost. `warmUp` solves a fixed, deterministic sample of the pool's own
 * names (every k-th name) right after loading, so the cost is paid once, as part of
 * loading, and also fills the per-package answers those jobs touch. Answers are discarded.
 */
import type { Pool } from './provides-index.js';
import { resolve } from './solve.js';
import { renderProblem } from './explain.js';

/** Solves `jobs` sample install jobs (default 500); returns the milliseconds spent. */
export function warmUp(pool: Pool, options: { jobs?: number } = {}): number {
  const t0 = performance.now();
  const names = [...pool.byName.keys()].sort();
  const count = Math.min(options.jobs ?? 500, names.length);
  if (count === 0) return 0;
  const step = Math.max(1, Math.floor(names.length / count));
  for (let i = 0, done = 0; i < names.length && done < count; i += step, done++) {
    const res = resolve(pool, { jobs: [{ kind: 'install', name: names[i] }] });
    if (!res.ok) renderProblem(pool, res.causes);
    else res.install.map((id) => pool.nevra(id));
  }
  return performance.now() - t0;
}
