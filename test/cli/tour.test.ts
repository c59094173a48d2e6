/** Runs every ```sh block of docs/tour.md, in order, in a fresh directory. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('docs/tour.md');

t('every command of the tour succeeds', () => {
  const doc = readFileSync(join(projectRoot, 'docs/tour.md'), 'utf8');
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 5);
  const work = tempDir('tour');
  const bin = join(work, 'bin');
  mkdirSync(bin);
  // `bazaar` on PATH, as after `npm install -g`.
  writeFileSync(join(bin, 'bazaar'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  const script = ['set -e', ...blocks].join('\n');
  const r = spawnSync('bash', ['-c', script], {
    cwd: work, encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SAMPLE: join(projectRoot, 'repos/sample') },
  });
  assert.is(r.status, 0, `tour failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  assert.match(r.stdout, 'webserver-1.24.0-alt1.x86_64');
  assert.match(r.stdout, 'no damage');
});

t.run();
