/**
 * The dumb oracle (style.md rule 12): on seeded random universes of at most 8 packages,
 * enumerate every subset, keep the ones that satisfy rpm's rules (written here directly
 * from the rules, not from the solver's clauses), and check that the solver finds a
 * solution exactly when one exists and that its answer is one of the valid subsets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Dependency } from '../../src/rpm/dependency.js';
import { overlaps } from '../../src/resolver/overlap.js';
import { isRich, parseRichDep, evalRich } from '../../src/rpm/rich-dep.js';
import { formatNevraWithEpoch as formatNevra } from '../../src/rpm/nevra.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { pkg } from '../../src/resolver/memory-source.js';
import { MemorySource } from '../../src/resolver/memory-source.js';
import { Pool } from '../../src/resolver/provides-index.js';
import { resolve } from '../../src/resolver/solve.js';

const t = suite('resolver vs brute force');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const OPS = ['', '=', '<', '>', '<=', '>='];

function randomUniverse(r: () => number): PackageRecord[] {
  const n = 2 + Math.floor(r() * 7);
  const out: PackageRecord[] = [];
  const seen = new Set<string>();
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const dep = (): string => {
    const name = r() < 0.2 ? 'virt' : pick(NAMES);
    const op = pick(OPS);
    return op ? `${name} ${op} ${1 + Math.floor(r() * 3)}` : name;
  };
  while (out.length < n) {
    const name = pick(NAMES);
    const ver = 1 + Math.floor(r() * 3);
    const nevra = `${name}-${ver}-1.noarch`;
    if (seen.has(nevra)) continue;
    seen.add(nevra);
    const requires: string[] = [];
    const nreq = Math.floor(r() * 3);
    for (let i = 0; i < nreq; i++) {
      const x = r();
      requires.push(x < 0.15 ? `(${dep()} or ${dep()})` : x < 0.22 ? `(${dep()} if ${dep()})` : x < 0.27 ? `(${dep()} unless ${dep()} else ${dep()})` : dep());
    }
    out.push(pkg(nevra, {
      requires,
      provides: r() < 0.3 ? [r() < 0.5 ? 'virt' : `virt = ${1 + Math.floor(r() * 3)}`] : [],
      conflicts: r() < 0.25 ? [r() < 0.8 ? dep() : `(${dep()} and ${dep()})`] : [],
      obsoletes: r() < 0.15 ? [dep().replace(/^virt/, 'a')] : [],
    }));
  }
  return out;
}

/** Providers of a plain dependency among `members` (indices into `all`). */
function providers(all: PackageRecord[], members: number[], d: Dependency): number[] {
  return members.filter((i) => all[i].provides.some((p) => p.name === d.name && overlaps(p.flags, p.evr, d.flags, d.evr)));
}

function holds(all: PackageRecord[], members: number[], d: Dependency): boolean {
  if (isRich(d.name)) return evalRich(parseRichDep(d.name), (a) => providers(all, members, a));
  return providers(all, members, d).length > 0;
}

function valid(all: PackageRecord[], set: number[], jobNames: string[]): boolean {
  for (const n of jobNames) if (!set.some((i) => all[i].name === n)) return false;
  const names = new Set<string>();
  for (const i of set) {
    const p = all[i];
    if (names.has(p.name)) return false;
    names.add(p.name);
    for (const d of p.requires) if (!holds(all, set, d)) return false;
    const others = set.filter((j) => j !== i);
    for (const d of p.conflicts) if (holds(all, others, d)) return false;
    for (const d of p.obsoletes) {
      for (const j of others) {
        const q = all[j];
        if (q.name === d.name && q.name !== p.name && overlaps('=', `${q.epoch}:${q.version}-${q.release}`, d.flags, d.evr)) return false;
      }
    }
  }
  return true;
}

t('agrees with exhaustive search on 3000 random universes', () => {
  const seed = Number(process.env.BAZAAR_SEED ?? 20261122);
  const r = rng(seed);
  let solvable = 0;
  for (let round = 0; round < 3000; round++) {
    const all = randomUniverse(r);
    const jobNames = [...new Set([all[Math.floor(r() * all.length)].name, ...(r() < 0.4 ? [NAMES[Math.floor(r() * NAMES.length)]] : [])])];
    let exists = false;
    for (let mask = 1; mask < 1 << all.length && !exists; mask++) {
      const set = all.map((_, i) => i).filter((i) => mask & (1 << i));
      exists = valid(all, set, jobNames);
    }
    const pool = new Pool(new MemorySource(all));
    const res = resolve(pool, { jobs: jobNames.map((name) => ({ kind: 'install' as const, name })) });
    const ctx = `seed ${seed} round ${round}: jobs ${jobNames.join(' ')}\n${all.map((p) => `${formatNevra(p)} R:${p.requires.map((d) => `${d.name} ${d.flags} ${d.evr}`).join(',')} C:${p.conflicts.map((d) => `${d.name} ${d.flags} ${d.evr}`).join(',')} O:${p.obsoletes.map((d) => `${d.name} ${d.flags} ${d.evr}`).join(',')} P:${p.provides.map((d) => `${d.name} ${d.flags} ${d.evr}`).join(',')}`).join('\n')}`;
    assert.is(res.ok, exists, ctx);
    if (res.ok) {
      solvable++;
      assert.ok(valid(all, res.result, jobNames), `invalid answer ${res.result.map((i) => pool.nevra(i))}\n${ctx}`);
    } else {
      assert.ok(res.causes.length > 0, 'a failure names its causes');
    }
  }
  assert.ok(solvable > 300 && solvable < 2900, `a mix of verdicts (${solvable} solvable)`);
});

/** Installed packages stay, or give way to a newer build of their name or to a package obsoleting them. */
function keeps(all: PackageRecord[], set: number[], installed: number[]): boolean {
  const evr = (p: PackageRecord): string => `${p.epoch}:${p.version}-${p.release}`;
  return installed.every((i) => set.includes(i) || set.some((j) => {
    const q = all[j];
    const p = all[i];
    if (q.name === p.name) return overlaps('=', evr(q), '>', evr(p));
    return q.obsoletes.some((d) => d.name === p.name && overlaps('=', evr(p), d.flags, d.evr));
  }));
}

t('with an installed system: same verdicts as exhaustive search, installed packages kept or replaced', () => {
  const seed = Number(process.env.BAZAAR_SEED ?? 20261123);
  const r = rng(seed);
  let solvable = 0;
  for (let round = 0; round < 1500; round++) {
    const all = randomUniverse(r);
    const installed = all.map((_, i) => i).filter(() => r() < 0.3);
    const jobNames = [all[Math.floor(r() * all.length)].name];
    let exists = false;
    for (let mask = 0; mask < 1 << all.length && !exists; mask++) {
      const set = all.map((_, i) => i).filter((i) => mask & (1 << i));
      exists = valid(all, set, jobNames) && keeps(all, set, installed);
    }
    const pool = new Pool(new MemorySource(all), { installed: installed.map((i) => all[i]) });
    const res = resolve(pool, { jobs: jobNames.map((name) => ({ kind: 'install' as const, name })) });
    const ctx = `seed ${seed} round ${round}: install ${jobNames} on ${installed.map((i) => formatNevra(all[i])).join(' ')}`;
    assert.is(res.ok, exists, ctx);
    if (res.ok) {
      solvable++;
      assert.ok(valid(all, res.result, jobNames) && keeps(all, res.result, installed), `invalid answer: ${ctx}`);
    }
  }
  assert.ok(solvable > 100 && solvable < 1450, `a mix of verdicts (${solvable} solvable)`);
});

t.run();
