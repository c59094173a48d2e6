/**
 * The walk behind fsck and gc reads objects ahead of itself in bounded parts
 * (reachability.ts readAhead, docs/store.md "Memory"): one level of a tree of many
 * directories was read and parsed whole, which held ~80 MB at once for 800 directories
 * of 500 files. Read a part at a time, the walk still checks the same objects and reports
 * the same problems.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ObjectStore } from '../../src/store/objects.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Store, internals } from '../../src/store/store.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { removeStored } from '../helpers/stored-objects.js';

const t = suite('walk memory');

t('a tree of 300 directories: the walk reads ahead at most 64 objects a call, and fsck still finds a directory gone from the middle', async () => {
  const tree = join(tempDir('walk-tree'), 'tree');
  for (let d = 0; d < 300; d++) {
    mkdirSync(join(tree, `d${d}`), { recursive: true });
    writeFileSync(join(tree, `d${d}`, 'f'), `file ${d}\n`);
  }
  const dir = freshStore('walk-memory');
  const imported = bazaar(['import-tree', tree, '--name', 'wide', '--store', dir, '--json']);
  assert.is(imported.status, 0, imported.stderr);

  const read = ObjectStore.prototype.readManyVerified;
  let most = 0;
  ObjectStore.prototype.readManyVerified = function (this: ObjectStore, ids: readonly ObjectId[], ...rest: [number?, { packedFirst?: boolean }?]) {
    most = Math.max(most, ids.length);
    return read.call(this, ids, ...rest);
  };
  try {
    const clean = await (await Store.open(dir)).fsck();
    assert.ok(clean.ok, JSON.stringify(clean.problems));
    assert.ok(clean.objects >= 600, `${clean.objects} objects: the directories and their files`);
    assert.ok(most <= 64, `${most} objects read in one call: the 300 directories of one level were read whole`);
    assert.ok(most > 1, 'the walk read ahead at all');

    // one directory's tree gone from the middle of the level: named, with its path
    const root = (JSON.parse(imported.stdout) as { root: ObjectId }).root;
    const store = await Store.open(dir);
    const entries = (JSON.parse((await internals(store).objects.readBytes(root)).toString()) as { entries: Array<{ name: string; id: ObjectId }> }).entries;
    const gone = entries.find((e) => e.name === 'd150')?.id as ObjectId;
    await removeStored(dir, gone);
    const damaged = await (await Store.open(dir)).fsck();
    assert.not.ok(damaged.ok);
    assert.equal(damaged.problems.map((p) => [p.id, p.problem]), [[gone, 'missing']]);
    assert.match(damaged.problems[0].what, '/d150');
  } finally {
    ObjectStore.prototype.readManyVerified = read;
  }
});

t.run();
