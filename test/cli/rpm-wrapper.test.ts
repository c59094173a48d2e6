/**
 * `bazaar-rpm --image NAME -q...` answers from the image's snippets what `rpm -qp` prints
 * for the same package files.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
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
  const files = sampleRpms().filter((f) => /webapp-2|webserver-1|sed-4|coreutils-9.4-alt1.x86_64|filesystem/.test(f) && !f.endsWith('.src.rpm'));
  assert.ok(files.length >= 5);
  assert.is(bazaar(['add', '--store', store, ...files]).status, 0);
  const nevras = files.map((f) => run('rpm', ['-qp', '--nosignature', f]).stdout.trim());
  // packages picked for their queries, not to run together: published and created with --nodeps
  assert.is(bazaar(['layer', 'create', '--store', store, 'q@1.0.0', '--nodeps', '--package', ...nevras]).status, 0);
  assert.is(bazaar(['image', 'create', '--store', store, 'q@1.0.0', '--nodeps', '--layer', 'q@1']).status, 0);
  const wrapper = (args: string[]) => run(process.execPath, [WRAPPER, '--store', store, '--image', 'q', ...args]);
  for (const [i, f] of files.entries()) {
    const nevra = nevras[i];
    const q = (args: string[]): string => wrapper([...args, nevra]).stdout;
    assert.is(q(['-q']).trim(), nevra);
    assert.is(q(['-ql']), run('rpm', ['-qlp', '--nosignature', f]).stdout, `${nevra} -ql`);
    assert.is(q(['-qR']), run('rpm', ['-qRp', '--nosignature', f]).stdout, `${nevra} -qR`);
    for (const kind of ['provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances']) {
      assert.is(q(['-q', `--${kind}`]), run('rpm', ['-qp', '--nosignature', `--${kind}`, f]).stdout, `${nevra} --${kind}`);
    }
  }
  const all = wrapper(['-qa']);
  assert.equal(all.stdout.trim().split('\n').sort(), [...nevras].sort());
  const missing = wrapper(['-q', 'no-such-package']);
  assert.is(missing.status, 1);
  assert.is(missing.stdout, 'package no-such-package is not installed\n');
  const unknown = wrapper(['-x']);
  assert.is(unknown.status, run('rpm', ['-x']).status, 'an unknown option exits as rpm does');
  // Without --image the wrapper reads the running system's root, which holds no snippets here.
  const rootless = run(process.execPath, [WRAPPER, '--store', store, '--root', tempDir('rpm-wrapper-root'), '-qa']);
  assert.is(rootless.status, 1);
});

t.run();
