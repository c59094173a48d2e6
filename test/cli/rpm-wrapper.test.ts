/** `bazaar-rpm -q...` prints what `rpm -qp` prints for the same package files. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('bazaar-rpm');
const WRAPPER = join(projectRoot, 'dist/src/cli/rpm-wrapper.js');
const run = (cmd: string, args: string[]): { status: number | null; stdout: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
  return { status: r.status, stdout: r.stdout };
};

testWith(t, 'queries agree with rpm -qp: -q, -ql, -qR and every dependency kind', ['rpm'], () => {
  const store = freshStore('rpm-wrapper');
  const files = sampleRpms().filter((f) => /webapp-2|webserver-1|sed-4|coreutils-9.4-alt1.x86_64|filesystem/.test(f));
  assert.ok(files.length >= 5);
  assert.is(bazaar(['add', '--store', store, ...files]).status, 0);
  for (const f of files) {
    const nevra = run('rpm', ['-qp', '--nosignature', f]).stdout.trim();
    const q = (args: string[]): string => run(process.execPath, [WRAPPER, '--store', store, ...args, nevra]).stdout;
    assert.is(q(['-q']).trim(), nevra);
    assert.is(q(['-ql']), run('rpm', ['-qlp', '--nosignature', f]).stdout, `${nevra} -ql`);
    assert.is(q(['-qR']), run('rpm', ['-qRp', '--nosignature', f]).stdout, `${nevra} -qR`);
    for (const kind of ['provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances']) {
      assert.is(q(['-q', `--${kind}`]), run('rpm', ['-qp', '--nosignature', `--${kind}`, f]).stdout, `${nevra} --${kind}`);
    }
  }
  const all = run(process.execPath, [WRAPPER, '--store', store, '-qa']);
  assert.is(all.stdout.trim().split('\n').length, files.length);
  const missing = run(process.execPath, [WRAPPER, '--store', store, '-q', 'no-such-package']);
  assert.is(missing.status, 1);
  assert.is(missing.stdout, 'package no-such-package is not installed\n');
  assert.is(run(process.execPath, [WRAPPER, '--store', store, '-x']).status, 2);
});

t.run();
