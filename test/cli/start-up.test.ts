/**
 * What a start loads (docs/architecture.md#start-up): `bazaar show` loads neither
 * node:child_process (nor net and dgram, which it pulls in) nor process.stdin.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';

const t = suite('start-up');

t('show loads no child_process and leaves stdin alone', () => {
  const store = freshStore('start-up');
  const dir = tempDir('start-up');
  const rpm = join(dir, 'su-1.0-alt1.noarch.rpm');
  writeFileSync(rpm, makePackageRpm({ name: 'su', version: '1.0', release: 'alt1', arch: 'noarch' }));
  assert.is(spawnSync(process.execPath, [CLI, 'add', '--store', store, rpm]).status, 0);
  const list = join(dir, 'modules.txt');
  const preload = join(dir, 'record.cjs');
  writeFileSync(preload, [
    "let stdin = 'untouched';",
    "const own = Object.getOwnPropertyDescriptor(process, 'stdin');",
    "Object.defineProperty(process, 'stdin', { configurable: true, enumerable: own.enumerable, get() { stdin = 'created'; return own.get.call(process); } });",
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, [...process.moduleLoadList, 'stdin ' + stdin].join('\\n')));`,
  ].join('\n'));
  const r = spawnSync(process.execPath, ['--require', preload, CLI, 'show', '--store', store, 'su-1.0-alt1.noarch'], { encoding: 'utf8', input: '' });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('su-1.0-alt1.noarch'), r.stdout);
  const loaded = readFileSync(list, 'utf8').split('\n');
  assert.ok(loaded.includes('NativeModule crypto'), 'the record is of a real run (objects are verified with sha256)');
  for (const m of ['NativeModule child_process', 'NativeModule dgram']) assert.not.ok(loaded.includes(m), `${m} loaded`);
  assert.ok(loaded.includes('stdin untouched'), 'process.stdin created (a tty or pipe handle: a few ms)');
});

t.run();
