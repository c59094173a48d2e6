/** Shared helpers for scenario tests: build a universe in memory, solve, read the answer. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { MemorySource, pkg, type PkgSpec } from '../../src/resolver/memory-source.js';
import { Pool } from '../../src/resolver/provides-index.js';
import { resolve, type ResolveRequest } from '../../src/resolver/solve.js';
import { renderProblem } from '../../src/resolver/explain.js';
import { installOrder } from '../../src/resolver/order.js';
import type { Job } from '../../src/resolver/job.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { projectRoot } from '../helpers/tools.js';

export type Universe = Array<[string, PkgSpec?]>;

export interface Outcome {
  ok: boolean;
  install: string[];
  erase: string[];
  order: string[];
  problem: string;
  pool: Pool;
}

export function records(u: Universe): PackageRecord[] { return u.map(([n, s]) => pkg(n, s ?? {})); }

export function solve(u: Universe, jobs: Job[], opts: { installed?: Universe; arch?: string } & Omit<ResolveRequest, 'jobs'> = {}): Outcome {
  const pool = new Pool(new MemorySource(records(u)), { arch: opts.arch ?? 'x86_64', installed: records(opts.installed ?? []) });
  const res = resolve(pool, { ...opts, jobs });
  if (!res.ok) return { ok: false, install: [], erase: [], order: [], problem: res.problems.map((c) => renderProblem(pool, c)).join('\n'), pool };
  return {
    ok: true,
    install: res.install.map((id) => pool.key(id)).sort(),
    erase: res.erase.map((id) => pool.key(id)).sort(),
    order: installOrder(pool, res.install).map((id) => pool.key(id)),
    problem: '',
    pool,
  };
}

export const install = (...names: string[]): Job[] => names.map((name) => ({ kind: 'install', name }));

/** Compares with test/resolver/goldens/NAME.txt; BAZAAR_UPDATE_GOLDENS=1 rewrites it. */
export function golden(name: string, text: string): void {
  const dir = join(projectRoot, 'test/resolver/goldens');
  const file = join(dir, `${name}.txt`);
  if (process.env.BAZAAR_UPDATE_GOLDENS === '1' || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${text}\n`);
    if (process.env.BAZAAR_UPDATE_GOLDENS !== '1') throw new Error(`golden ${file} was missing and has been written: review it and rerun`);
  }
  assert.fixture(text, readFileSync(file, 'utf8').replace(/\n$/, ''));
}
