/**
 * One `add` of many files: two files that are different builds under one NEVRA are named
 * both; --keep-going adds what can be added and reports each file that cannot.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { projectRoot } from '../helpers/tools.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const t = suite('add batch');
const original = join(projectRoot, 'repos/sample/RPMS/noarch/va-watchdog-1.5-alt3.noarch.rpm');
const rebuild = join(projectRoot, 'test/fixtures/rebuild/va-watchdog-1.5-alt3.noarch.rpm');
const sed = join(projectRoot, 'repos/sample/RPMS/x86_64/sed-4.9-alt1.x86_64.rpm');

t('two files of one add under one NEVRA: the error names both files and both builds, and nothing is added', async () => {
  const dir = freshStore('batch-clash');
  const before = storeSnapshot(dir);
  const store = await Store.open(dir);
  try {
    await store.add([sed, original, rebuild]);
    assert.unreachable('refused');
  } catch (err) {
    assert.ok(err instanceof BazaarError);
    assert.is(err.code, 'ERR_NEVRA_CONFLICT');
    assert.match(err.message, 'two files of this add are different builds under the same NEVRA');
    assert.match(err.message, original);
    assert.match(err.message, rebuild);
    assert.not.match(err.message, 'already in the store');
  }
  assert.equal(storeSnapshot(dir), before, 'all or nothing: the store is unchanged');
});

t('--keep-going: the good files are added in one commit, each bad one is one line on stderr, exit 1', () => {
  const dir = freshStore('batch-keep');
  const junk = join(tempDir('junk'), 'junk.rpm');
  writeFileSync(junk, 'not an rpm');
  const r = bazaar(['add', '--keep-going', '--store', dir, original, junk, rebuild, sed, '/nonexistent.rpm']);
  assert.is(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 3, r.stderr);
  assert.match(lines[0], /^bazaar add: refused: .*junk\.rpm.*not an RPM/);
  assert.match(lines[1], /^bazaar add: refused: .*two files of this add/);
  assert.match(lines[2], /^bazaar add: refused: \/nonexistent\.rpm/);
  assert.equal(r.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['va-watchdog-1.5-alt3.noarch', 'sed-1:4.9-alt1.x86_64']);
  assert.equal(bazaar(['ls', '--store', dir]).stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['sed-1:4.9-alt1.x86_64', 'va-watchdog-1.5-alt3.noarch']);
  const log = bazaar(['fsck', '--store', dir]);
  assert.is(log.status, 0, log.stdout);
  const json = JSON.parse(bazaar(['add', '--keep-going', '--json', '--store', dir, junk, sed]).stdout) as Array<{ path: string; refused?: { code: string } }>;
  assert.equal(json.map((e) => e.refused?.code ?? 'ok'), ['ERR_RPM_NOT_RPM', 'ok']);
});

t.run();
