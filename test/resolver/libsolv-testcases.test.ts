/**
 * libsolv's own test cases (corpus/libsolv-testcases): the plain install / erase / update
 * sub-jobs (no solver flags beyond ignorerecommended, no distupgrade, locks, cleandeps,
 * forcebest, targeted, rule or genid results) must get libsolv's verdict, and a solvable
 * one must end in libsolv's system or in another system where every requirement holds
 * and nothing conflicts. `testsolv` first confirms the expected results are what the
 * installed libsolv produces.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemorySource, recordNevra } from '../../src/resolver/memory-source.js';
import { Pool } from '../../src/resolver/provides-index.js';
import { resolve } from '../../src/resolver/solve.js';
import { formatNevraWithEpoch as formatNevra } from '../../src/rpm/nevra.js';
import { corpusDir, testWith } from '../helpers/tools.js';
import { parseTestcase } from './libsolv-testcase.js';

const t = suite('resolver vs libsolv testcases');

function files(): string[] {
  const root = join(corpusDir, 'libsolv-testcases');
  return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(root, d.name)).filter((f) => f.endsWith('.t')).map((f) => join(root, d.name, f))).sort();
}

const canon = (s: string): string => formatNevra(recordNevra(s.replace(/@.*$/, '')));

/** Does every member's requirement hold inside `set`, with no conflict? (plain deps) */
function consistent(pool: Pool, set: number[]): string[] {
  const bad: string[] = [];
  const inSet = new Set(set);
  for (const id of set) {
    const r = pool.packages[id].record;
    for (const d of r.requires) if (!pool.providersOf(d).some((q) => inSet.has(q)) && !pool.rich(d)) bad.push(`${pool.nevra(id)} requires ${d.name}`);
    for (const d of r.conflicts) if (!pool.rich(d) && pool.whatProvides(d).some((q) => q !== id && inSet.has(q))) bad.push(`${pool.nevra(id)} conflicts ${d.name}`);
  }
  return bad;
}

testWith(t, 'plain install/erase/update sub-jobs: same verdict, and libsolv\'s system or a consistent one', ['testsolv', 'corpus'], () => {
  let plain = 0; let agree = 0; let exact = 0; let consistentOther = 0; let excluded = 0;
  const reasons = new Map<string, number>();
  const failures: string[] = [];
  for (const file of files()) {
    const name = file.slice(file.indexOf('libsolv-testcases/') + 18);
    const ts = spawnSync('testsolv', [file], { cwd: dirname(file), encoding: 'utf8' });
    const tc = parseTestcase(readFileSync(file, 'utf8'), (f) => readFileSync(join(dirname(file), f), 'utf8'));
    if (ts.status !== 0) {
      excluded += tc.subjobs.length;
      reasons.set('testsolv disagrees with the file', (reasons.get('testsolv disagrees with the file') ?? 0) + tc.subjobs.length);
      continue;
    }
    tc.subjobs.forEach((sj, k) => {
      if (sj.excluded || sj.jobs.length === 0) {
        excluded++;
        const why = sj.excluded ?? 'no job';
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
        return;
      }
      plain++;
      const repoPkgs = tc.packages.filter((p) => p.repo !== tc.systemRepo).map((p) => p.record);
      const system = tc.packages.filter((p) => p.repo === tc.systemRepo).map((p) => p.record);
      const pool = new Pool(new MemorySource(repoPkgs), { arch: tc.arch, installed: system });
      const res = resolve(pool, { jobs: sj.jobs, multiversion: sj.multiversion, allowUninstall: sj.allowUninstall });
      const label = `${name}#${k + 1}`;
      if (res.ok !== !sj.expectProblems) { failures.push(`${label}: bazaar ${res.ok ? 'solved' : 'found no solution'}, libsolv ${sj.expectProblems ? 'reports problems' : 'solves'}`); return; }
      agree++;
      if (!res.ok) return;
      const want = new Set(system.map((r) => formatNevra(r)));
      for (const line of sj.expect) {
        const [op, a, b] = line.split(/\s+/);
        if (op === 'install') want.add(canon(a));
        else if (op === 'erase') want.delete(canon(a));
        else { want.delete(canon(a)); if (b) want.add(canon(b)); }
      }
      const got = res.result.map((id) => pool.key(id)).sort();
      if (JSON.stringify(got) === JSON.stringify([...want].sort())) { exact++; return; }
      const bad = consistent(pool, res.result);
      if (process.env.BAZAAR_VERBOSE) console.log(`${label}: libsolv ${[...want].sort().join(' ')}\n  bazaar ${got.join(' ')}`);
      if (bad.length === 0) consistentOther++;
      else failures.push(`${label}: inconsistent answer ${got.join(' ')}: ${bad.join('; ')}`);
    });
  }
  console.log(`libsolv testcases: ${plain} plain sub-jobs, ${agree} same verdict, ${exact} same system, ${consistentOther} another consistent system; ${excluded} excluded:`);
  for (const [why, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${why}`);
  assert.equal(failures, []);
  assert.ok(plain >= 20, `enough plain cases (${plain})`);
});

t.run();
