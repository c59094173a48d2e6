/**
 * The derived caches under `<store>/cache/` and their one owner (src/store/caches/): a
 * commit's cache is built from its nearest cached ancestor's, past missing and damaged
 * ones; gc prunes every family; a damaged entry of any family is rebuilt, never believed.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { packageIndexPath } from '../../src/store/caches/paths.js';
import { PACKAGES_BRANCH } from '../../src/store/ref-paths.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('derived caches');

const binaries = (): string[] => sampleRpms().filter((f) => !f.includes('/SRPMS/'));

t('an index is built from the nearest cached ancestor\'s, past a missing and a damaged one', async () => {
  const dir = freshStore('nearest');
  const store = await Store.open(dir);
  const rpms = binaries().slice(0, 5);
  for (const rpm of rpms) await store.add([rpm]); // one commit of `packages` each, every index cached
  const commits = (await store.read((s) => s.log(PACKAGES_BRANCH))).map((c) => c.oid); // newest first
  assert.ok(commits.length >= 5);
  const [head, parent, grandparent, base] = commits;
  const listed = (await store.list()).map((b) => b.nevra);

  const listFresh = async (): Promise<{ nevras: string[]; notices: string[] }> => {
    const notices: string[] = [];
    const s = await Store.open(dir, { onNotice: (l) => notices.push(l) });
    return { nevras: (await s.list()).map((b) => b.nevra), notices };
  };
  rmSync(packageIndexPath(dir, head));
  rmSync(packageIndexPath(dir, parent));
  writeFileSync(packageIndexPath(dir, grandparent), readFileSync(packageIndexPath(dir, grandparent), 'utf8').replace(/"/, "'"));
  const fromBase = await listFresh();
  assert.equal(fromBase.nevras, listed);
  assert.equal(fromBase.notices, [], `built from ${base.slice(0, 12)}'s index: no first-use notice`);
  assert.ok(readFileSync(packageIndexPath(dir, head), 'utf8').length > 0, 'the head\'s index is cached again');

  // Without any cached ancestor it is built from nothing, and says so: the same list.
  for (const name of readdirSync(join(dir, 'cache', 'index'))) rmSync(join(dir, 'cache', 'index', name));
  const fromNothing = await listFresh();
  assert.equal(fromNothing.nevras, listed);
  assert.equal(fromNothing.notices, [`building the package index of ${head.slice(0, 12)} (first use; later ones are incremental)`]);
});

t.run();
