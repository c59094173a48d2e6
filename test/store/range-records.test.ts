/**
 * An .rpm's main header is stored once: as a range record of the stored .rpm
 * (src/store/range-records.ts), verified on read against its own id. A store written
 * before (headers whole) reads as it did; a gc that deletes an .rpm whose header is still
 * kept stores the header whole first; a damaged record or a missing source is damage
 * naming the header.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRpmFile } from '../../src/rpm/index.js';
import { FsObjectBackend } from '../../src/store/fs-object-backend.js';
import { objectIdOf } from '../../src/store/layout.js';
import { ObjectStore } from '../../src/store/objects.js';
import { RANGE_RECORD_SIZE, encodeRangeRecord, isRangeRecord } from '../../src/store/range-records.js';
import { Store, internals } from '../../src/store/store.js';
import { bazaar, freshStore } from '../helpers/cli.js';
import { damageStored, removeStored, storedBytes } from '../helpers/stored-objects.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('range records');
const SED = (): string => sampleRpms().find((f) => f.endsWith('/sed-4.9-alt1.x86_64.rpm')) as string;
const layoutOf = (dir: string): number => JSON.parse(readFileSync(join(dir, 'bazaar-store.json'), 'utf8')).layout;

async function headerOf(path: string): Promise<{ bytes: Buffer; offset: number }> {
  const rpm = await readRpmFile(path);
  return { bytes: Buffer.from(rpm.header.bytes), offset: rpm.headerOffset };
}

t('add stores the header as a range of the .rpm: 64 bytes, read back verified, fsck clean, layout 5', async () => {
  const dir = freshStore('range-add');
  assert.is(layoutOf(dir), 4);
  assert.is(bazaar(['add', '--store', dir, SED()]).status, 0);
  const { bytes } = await headerOf(SED());
  const id = objectIdOf(bytes);
  const stored = storedBytes(dir, id);
  assert.is(stored.length, RANGE_RECORD_SIZE);
  assert.ok(isRangeRecord(stored));
  assert.is(layoutOf(dir), 5, 'raised before the first record: an older bazaar refuses the store');
  const store = await Store.open(dir);
  assert.ok((await store.readBytes(id)).equals(bytes));
  assert.is(await store.storedSize(id), 8 + bytes.length + 12, 'handed on as the header stored raw');
  assert.is(store.contentFile(id), null, 'not a raw file to send');
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  assert.match(bazaar(['show', '--store', dir, 'sed']).stdout, /sed-4\.9-alt1/);
});

t('a store written before (headers whole, layout 4) opens, reads, fscks and gcs clean; a new add there stores ranges', async () => {
  const dir = freshStore('range-old');
  // the files backend as every bazaar before this one wrote: no range records
  const before = new FsObjectBackend(dir);
  Object.defineProperty(before, 'holdsRanges', { value: false });
  const old = await Store.open(dir, { objectBackend: before });
  await old.add([SED()]);
  const { bytes } = await headerOf(SED());
  const id = objectIdOf(bytes);
  assert.ok(!isRangeRecord(storedBytes(dir, id)), 'the header is stored whole');
  assert.is(layoutOf(dir), 4);
  assert.ok((await (await Store.open(dir)).readBytes(id)).equals(bytes));
  for (const cmd of [['fsck'], ['gc'], ['fsck']]) { const r = bazaar([...cmd, '--store', dir]); assert.is(r.status, 0, `${cmd}: ${r.stdout}${r.stderr}`); }
  const other = sampleRpms().find((f) => f.endsWith('/setup-2.2.9-alt1.noarch.rpm')) as string;
  assert.is(bazaar(['add', '--store', dir, other]).status, 0);
  assert.ok(isRangeRecord(storedBytes(dir, objectIdOf((await headerOf(other)).bytes))));
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
});

t('deleting the source of a kept record stores the bytes whole first; a record with no source is never written', async () => {
  const dir = freshStore('range-gc');
  const objects = new ObjectStore(new FsObjectBackend(dir));
  const source = Buffer.concat([Buffer.from('lead '), readFileSync(SED())]);
  const part = source.subarray(100, 3000);
  const r = await objects.stageBytes(source);
  const h = await objects.stageRange(Buffer.from(part), r.id, 100);
  await objects.commit([r, h]);
  assert.ok(isRangeRecord(storedBytes(dir, h.id)));
  await objects.deleteAll([r.id]);
  assert.is(await objects.has(r.id), false);
  assert.ok(!isRangeRecord(storedBytes(dir, h.id)), 'stored whole now');
  assert.ok((await new ObjectStore(new FsObjectBackend(dir)).readBytes(h.id)).equals(part));
  // a header committed without its source (absent from the store) is stored whole
  const lone = Buffer.from(source.subarray(5000, 6000));
  const s = await objects.stageRange(lone, objectIdOf(Buffer.from('not stored')), 0);
  await objects.commit([s]);
  assert.ok(!isRangeRecord(storedBytes(dir, s.id)));
  assert.ok((await new ObjectStore(new FsObjectBackend(dir)).readBytes(s.id)).equals(lone));
});

t('a flipped bit in a record, or its .rpm gone, is damage naming the header; fsck exits 1', async () => {
  const dir = freshStore('range-damage');
  assert.is(bazaar(['add', '--store', dir, SED()]).status, 0);
  const id = objectIdOf((await headerOf(SED())).bytes);
  const undo = damageStored(dir, id, (b) => { b[45] ^= 1; });
  let check = await internals(await Store.open(dir)).objects.check(id);
  assert.match(String(check), /CRC-32/);
  let fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout + fsck.stderr, id.slice(7, 19));
  undo();
  assert.is(bazaar(['fsck', '--store', dir]).status, 0, 'undone: clean again');
  await removeStored(dir, objectIdOf(readFileSync(SED()))); // as gc deletes: the header is stored whole first
  assert.ok(!isRangeRecord(storedBytes(dir, id)));
  assert.is(bazaar(['fsck', '--store', dir]).status, 1, 'the .rpm a build names is missing');
  // a record (its CRC intact) whose source is not there
  const again = freshStore('range-damage-2');
  assert.is(bazaar(['add', '--store', again, SED()]).status, 0);
  const { bytes, offset } = await headerOf(SED());
  damageStored(again, id, (b) => { encodeRangeRecord({ source: objectIdOf(Buffer.from('absent')), offset, length: bytes.length }).copy(b); });
  check = await internals(await Store.open(again)).objects.check(id);
  assert.match(String(check), /stored as bytes \d+-\d+ of sha256:[0-9a-f]{64}, which is not in the store/);
  fsck = bazaar(['fsck', '--store', again]);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout + fsck.stderr, id.slice(7, 19));
});

t('a batch read takes a header from its compressed source\'s first frame only: its bytes or nothing for every flip there, as the one-object read answers', async () => {
  const dir = freshStore('range-batch');
  const objects = new ObjectStore(new FsObjectBackend(dir));
  const text = Buffer.from(Array.from({ length: 400 }, (_, i) => `line ${i} of a compressible source\n`).join(''));
  const path = join(dir, 'tmp', 'source');
  writeFileSync(path, text);
  // cut into two frames at 3000, as an .rpm at its payload: the range lies in the first
  const r = await objects.stageFile(path, text.length, { cutAt: 3000 });
  const part = text.subarray(100, 3000);
  const h = await objects.stageRange(Buffer.from(part), r.id, 100);
  await objects.commit([r, h]);
  assert.ok(isRangeRecord(storedBytes(dir, h.id)));
  const fresh = (): ObjectStore => new ObjectStore(new FsObjectBackend(dir));
  assert.ok((await fresh().readManyVerified([h.id]))[0]?.equals(part), 'intact: resolved by the batch path');
  const stored = storedBytes(dir, r.id);
  let given = 0;
  for (let at = 0; at < stored.length; at++) {
    const undo = damageStored(dir, r.id, (b) => { b[at] ^= 0x10; });
    const reader = fresh();
    const [got] = await reader.readManyVerified([h.id]);
    const alone = await reader.check(h.id);
    if (got !== null) {
      assert.ok(got.equals(part), `flip at ${at}: the header's bytes`);
      assert.is(alone, null, `flip at ${at}: read alone, intact too`);
      given++;
    }
    undo();
  }
  assert.ok(given > 0 && given < stored.length, 'flips past the first frame leave the header readable, flips inside it do not');
});

t.run();
