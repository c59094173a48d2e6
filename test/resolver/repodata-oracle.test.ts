/**
 * Real rpm-md repositories with file dependencies, obsoletes and several arches (the
 * openSUSE 11.0 update repository among them): every package name as a job, verdicts
 * against libsolv, answers through check_install_set.py.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRepository } from '../../src/rpmmd/read-repository.js';
import { primaryPath } from '../../src/rpmmd/repomd.js';
import { corpusDir, projectRoot, testWith, toolsDir } from '../helpers/tools.js';

const t = suite('resolver: corpus repositories vs libsolv');
const PY = '/usr/bin/python3';

testWith(t, 'every name of every corpus repository: same verdict as libsolv, answers pass the checker', ['python:solv', 'python:rpm', 'corpus'], async () => {
  const root = join(corpusDir, 'repodata');
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-repodata-'));
  let total = 0; let solvable = 0;
  try {
    for (const name of readdirSync(root).sort()) {
      const repo = join(root, name);
      const names = [...new Set((await readRepository(repo)).packages().filter((p) => p.arch !== 'src').map((p) => p.name))].sort();
      const jobs = join(dir, `${name}.txt`);
      writeFileSync(jobs, names.join('\n') + '\n');
      const lib = spawnSync(PY, [join(toolsDir, 'solve_libsolv.py'), repo, jobs], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.is(lib.status, 0, lib.stderr);
      const ours = spawnSync(process.execPath, [join(projectRoot, 'dist/bin/bazaar.js'), 'resolve', '--repo', repo, '--jobs', jobs], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.is(ours.status, 0, ours.stderr);
      const a = lib.stdout.trim().split('\n').map((l) => JSON.parse(l) as { job: string; ok: boolean });
      const b = ours.stdout.trim().split('\n').map((l) => JSON.parse(l) as { job: string[]; ok: boolean; install?: string[] });
      assert.is(b.length, a.length, name);
      for (let i = 0; i < a.length; i++) assert.is(b[i].ok, a[i].ok, `${name}: ${a[i].job}`);
      total += a.length; solvable += b.filter((x) => x.ok).length;
      // check_install_set.py reads primary.xml.gz only
      if (!(await primaryPath(repo)).endsWith('.gz')) continue;
      const results = join(dir, `${name}.jsonl`);
      writeFileSync(results, b.map((x) => JSON.stringify({ ...x, job: x.job.join(' ') })).join('\n') + '\n');
      const check = spawnSync(PY, [join(toolsDir, 'check_install_set.py'), repo, '--results', results, '-q'], { encoding: 'utf8' });
      assert.is(check.status, 0, `${name}: ${check.stdout.slice(0, 2000)}`);
    }
    console.log(`corpus repositories: ${total} jobs, all verdicts agree with libsolv (${solvable} solvable), every answer of a gzip repository passes check_install_set`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
