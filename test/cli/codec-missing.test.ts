/**
 * A host where the zstd codec cannot be loaded (bazaar's dependencies not installed where
 * it runs) cannot read any object. That is not the store's damage: before, every object
 * read as "damaged: it cannot be decompressed", and `fsck --repair` deleted them.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('codec missing');

t('without its zstd codec bazaar says so in one line, exit 1; fsck --repair changes nothing; with it the store is clean', () => {
  const store = freshStore('codec');
  const add = bazaar(['add', '--store', store, ...sampleRpms()]);
  assert.is(add.status, 0, add.stderr);
  // the executables copied away from node_modules: the native codec cannot be found
  const away = tempDir('codec-away');
  cpSync(join(projectRoot, 'dist', 'bin'), join(away, 'bin'), { recursive: true });
  const before = storeSnapshot(store);
  const nevra = JSON.parse(bazaar(['ls', '--store', store, '--json']).stdout)[0].nevra as string;
  for (const args of [['show', nevra], ['fsck'], ['fsck', '--repair'], ['gc']]) {
    const r = spawnSync(process.execPath, [join(away, 'bin', 'bazaar.js'), ...args, '--store', store], { encoding: 'utf8' });
    const what = args.join(' ');
    assert.is(r.status, 1, `${what}: exit 1 (${r.stderr})`);
    assert.is(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
    assert.match(r.stderr, /the zstd codec \(@mongodb-js\/zstd\) cannot be loaded.*not damaged.*npm ci/, what);
    assert.not.match(r.stdout + r.stderr, /damaged:|deleted|set aside/, `${what}: no object named damaged`);
    assert.equal(storeSnapshot(store), before, `${what}: the store is unchanged`);
  }
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
});

t.run();
