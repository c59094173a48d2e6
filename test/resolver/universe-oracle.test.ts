/**
 * The peer oracle: random jobs drawn at test time from the Debian-derived universe
 * (63,440 packages), solved by libsolv (python3-solv, solve_libsolv.py) and by
 * `bazaar resolve --jobs`. Verdicts must agree job by job, and every bazaar answer must
 * pass check_install_set.py, which knows nothing of either solver.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { corpusDir, projectRoot, testWith, toolsDir } from '../helpers/tools.js';

const t = suite('resolver: universe oracle');
const PY = '/usr/bin/python3';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000));
  return r.stdout;
}

interface Line { job: string[] | string; ok: boolean; install?: string[]; problems?: string[]; ms?: number }

testWith(t, 'verdicts equal libsolv on random single and five-package jobs, cold and from the universe cache; answers pass check_install_set', ['python:solv', 'python:rpm', 'corpus'], () => {
  const repo = join(corpusDir, 'universe-debian');
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-oracle-'));
  try {
    const seed = Number(process.env.BAZAAR_SEED ?? (Date.now() % 100000));
    console.log(`universe oracle seed ${seed} (rerun with BAZAAR_SEED=${seed})`);
    const jobs = join(dir, 'jobs.txt');
    const single = run(PY, [join(toolsDir, 'make_jobs.py'), repo, '-n', '150', '-k', '1', '--seed', String(seed)]);
    const five = run(PY, [join(toolsDir, 'make_jobs.py'), repo, '-n', '50', '-k', '5', '--seed', String(seed + 1)]);
    writeFileSync(jobs, single + five);
    const libsolv = run(PY, [join(toolsDir, 'solve_libsolv.py'), repo, jobs]).trim().split('\n').map((l) => JSON.parse(l) as Line);
    const cache = join(dir, 'cache');
    const ours = run(process.execPath, [join(projectRoot, 'dist/bin/bazaar.js'), 'resolve', '--repo', repo, '--write-cache', cache, '--jobs', jobs])
      .trim().split('\n').map((l) => JSON.parse(l) as Line);
    // the warm start (universe cache: columns, records made on first use) answers every job alike
    const warm = run(process.execPath, [join(projectRoot, 'dist/bin/bazaar.js'), 'resolve', '--cache', cache, '--jobs', jobs])
      .trim().split('\n').map((l) => JSON.parse(l) as Line);
    const answer = (l: Line): Line => ({ ...l, ms: undefined }); // the time differs, nothing else may
    assert.equal(warm.map(answer), ours.map(answer), 'the universe cache answers as the parsed repository does');
    assert.is(ours.length, 200);
    assert.is(libsolv.length, 200);
    let agree = 0;
    const differ: string[] = [];
    for (let i = 0; i < ours.length; i++) {
      const a = ours[i];
      const b = libsolv[i];
      assert.equal((a.job as string[]).join(' '), b.job, `job ${i} lines up`);
      if (a.ok === b.ok) agree++; else differ.push(`${b.job}: bazaar ${a.ok}, libsolv ${b.ok}\n${(a.problems ?? b.problems ?? []).join('\n')}`);
      if (!a.ok) assert.ok((a.problems ?? []).length > 0 && a.problems![0].includes('problem:'), 'a failure is explained');
    }
    const solvable = ours.filter((l) => l.ok).length;
    console.log(`universe oracle: ${agree}/200 verdicts agree (${solvable} solvable, ${200 - solvable} unsolvable)`);
    assert.equal(differ, [], 'verdicts differ');
    const results = join(dir, 'ours.jsonl');
    writeFileSync(results, ours.map((l) => JSON.stringify({ ...l, job: (l.job as string[]).join(' ') })).join('\n') + '\n');
    const check = spawnSync(PY, [join(toolsDir, 'check_install_set.py'), repo, '--results', results, '-q'], { encoding: 'utf8' });
    console.log(check.stdout.trim().split('\n').slice(-1)[0]);
    assert.is(check.status, 0, `check_install_set found invalid sets:\n${check.stdout.slice(0, 3000)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
