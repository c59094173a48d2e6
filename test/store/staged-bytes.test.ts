/**
 * Staged objects' bytes held until their commit, or not (`readBack: false`): an add holds
 * none of its packages' headers, trees and manifests in memory, and they still commit
 * whole; a read before the commit of an object no one held is "not found", never wrong.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { FsObjectBackend } from '../../src/store/fs-object-backend.js';
import { prepareRpm } from '../../src/store/ingest-rpm.js';
import type { ObjectId } from '../../src/store/layout.js';
import { ObjectStore } from '../../src/store/objects.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('staged bytes');

async function notFound(read: Promise<unknown>, what: string): Promise<void> {
  try { await read; } catch (err) {
    assert.ok(err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_NOT_FOUND', `${what}: ${String(err)}`);
    return;
  }
  assert.unreachable(`${what} was read before its commit`);
}

t('an object staged with readBack: false is not readable before its commit, and is whole after it', async () => {
  const objects = new ObjectStore(new FsObjectBackend(freshStore('staged-unread')));
  const data = Buffer.from('a header no one reads before the commit\n');
  const s = await objects.stageBytes(data, { readBack: false });
  await notFound(objects.readBytes(s.id), 'readBytes');
  assert.equal(await objects.readManyVerified([s.id]), [null], 'a batch read finds nothing staged');
  await objects.commit([s]);
  assert.equal(await objects.readBytes(s.id), data);
  assert.equal(await objects.readManyVerified([s.id]), [data]);
});

t('the same object staged twice, once held: its bytes serve reads until its last stager commits or drops it', async () => {
  const objects = new ObjectStore(new FsObjectBackend(freshStore('staged-twice')));
  const data = Buffer.from('staged by two writers\n');
  const unread = await objects.stageBytes(data, { readBack: false });
  const held = await objects.stageBytes(data);
  assert.equal(await objects.readBytes(held.id), data, 'the held bytes serve a read');
  assert.equal(await objects.readSmall(held.id, 1024), data);
  await objects.discard([held]);
  assert.equal(await objects.readBytes(unread.id), data, 'still staged by the other writer: the bytes held stay');
  await objects.commit([unread]);
  assert.equal(await objects.readBytes(unread.id), data);
});

t('a prepared package holds none of its objects\' bytes, and commits them whole (the header as a range of its .rpm)', async () => {
  const dir = freshStore('staged-prepared');
  const objects = new ObjectStore(new FsObjectBackend(dir));
  const p = await prepareRpm(objects, sampleRpms()[0]);
  for (const id of [p.header, p.manifest]) await notFound(objects.readBytes(id), id);
  await objects.commit([p.rpmStaged, ...p.blobStaged, ...p.metaStaged]);
  const manifest = JSON.parse((await objects.readBytes(p.manifest)).toString()) as { header: string; tree: ObjectId };
  assert.is(manifest.header, p.header);
  assert.ok((await objects.readBytes(p.header)).length > 0);
  assert.ok((await objects.readBytes(manifest.tree)).length > 0);
  const report = await (await Store.open(dir)).fsck();
  assert.ok(report.ok, JSON.stringify(report.problems));
});

t.run();
