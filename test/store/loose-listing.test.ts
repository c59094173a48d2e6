/**
 * The loose listing a walk holds (ObjectStore.holdListing, docs/store.md "fsck and gc"):
 * fsck's and gc's batch reads take the loose ids from one listing instead of a stat per
 * object. It is only a hint: an object that appears loose after the listing is still
 * found, and a loose copy written after it next to a damaged packed one (a repair) is
 * found by the one-object read, which fsck falls back on for whatever the batch did not
 * verify.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FsObjectBackend } from '../../src/store/fs-object-backend.js';
import { objectPath } from '../../src/store/layout.js';
import { Store, internals } from '../../src/store/store.js';
import { fsck } from '../../src/store/fsck.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { flipStoredBit, replaceStored, storedBytes, storedIds } from '../helpers/stored-objects.js';

const t = suite('loose listing');

t('under a held listing: a loose object that appears later is read; a repair copy written later stands in for its damaged packed copy; fsck is clean', async () => {
  const dir = freshStore('listing');
  const r = bazaar(['add', '--store', dir, ...sampleRpms()]);
  assert.is(r.status, 0, r.stderr);
  // a file larger than a pack takes (64 KiB stored) is kept loose
  const tree = join(tempDir('listing-tree'), 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'big'), randomBytes(200 << 10));
  const imported = bazaar(['import-tree', tree, '--name', 'big', '--store', dir]);
  assert.is(imported.status, 0, imported.stderr);
  const backend = new FsObjectBackend(dir);
  const ids = await storedIds(dir);
  const packed = ids.find((id) => backend.locate(id)?.path.includes('/pack/'));
  const loose = ids.find((id) => backend.locate(id)?.path === objectPath(dir, id));
  assert.ok(packed && loose, 'the sample gives packed and loose objects');

  const store = await Store.open(dir);
  const objects = internals(store).objects;
  const intact = storedBytes(dir, packed);
  // the loose object is away while the listing is made, back after it
  renameSync(objectPath(dir, loose), `${objectPath(dir, loose)}.away`);
  const release = objects.holdListing();
  renameSync(`${objectPath(dir, loose)}.away`, objectPath(dir, loose));
  flipStoredBit(dir, packed, 0.5);
  replaceStored(dir, packed, intact);

  const [looseRead, packedRead] = await objects.readManyVerified([loose, packed]);
  assert.ok(looseRead !== null, 'a loose object the listing lacks is still found');
  assert.is(packedRead, null, 'the listing sends the batch to the damaged packed copy, which does not verify: undecided, not wrong');
  assert.equal(await objects.checkMany([loose, packed]), [null, null], 'the one-object read finds the loose copy intact');
  const report = await fsck(store);
  assert.ok(report.ok, JSON.stringify(report.problems));
  release();
  assert.ok((await objects.readManyVerified([packed]))[0] !== null, 'released: the loose copy comes first again');
});

t.run();
