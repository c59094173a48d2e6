/**
 * Ids a caller gives (the library, `bazaar cat`): every id bazaar prints can be read, and
 * an id of the wrong kind or no id at all is the caller's mistake (a typed usage error,
 * exit 2), never "corrupt" (damage, exit 1) nor a TypeError.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import { bazaar, bazaarBytes, freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { flipStoredBit, replaceStored, storedBytes, storedIds } from '../helpers/stored-objects.js';

const t = suite('asked ids');
const webapp = (): string => sampleRpms().find((f) => f.endsWith('/webapp-2.4.1-alt1.noarch.rpm')) as string;

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BazaarError, `a BazaarError, not ${String(err)}`);
    assert.is(err.code, code, err.message);
    assert.match(err.message, pattern);
    return;
  }
  assert.unreachable('no error');
}

t("the README's library example: manifest(added.id) gives the package's manifest", async () => {
  const store = await Store.init(freshStore('asked-readme'));
  const [added] = await store.add([webapp()]);
  const manifest = await store.manifest(added.id);
  assert.is(manifest.nevra, 'webapp-2.4.1-alt1.noarch');
  assert.ok(manifest.files.length > 0);
  const record = await store.build(added.id);
  assert.is(record.header, added.id, 'build(added.id) is that build');
  assert.equal(await store.manifest(record.manifest), manifest, 'by the manifest id too');
});

t('ids of the wrong kind, unknown ids and non-ids are typed caller errors', async () => {
  const store = await Store.init(freshStore('asked-kinds'));
  const [added] = await store.add([webapp()]);
  const record = await store.build(added.id);
  const manifest = await store.manifest(added.id);
  await rejects(store.manifest(record.variants[0].rpm), 'ERR_WRONG_KIND', /is a blob .* not a package/);
  await rejects(store.build(record.manifest), 'ERR_WRONG_KIND', /is a package, not a build/);
  await rejects(store.manifest(manifest.tree), 'ERR_WRONG_KIND', /is a tree, not a package/);
  await rejects(store.manifest(`sha256:${'0'.repeat(64)}` as ObjectId), 'ERR_STORE_OBJECT_NOT_FOUND', /not in the store/);
  for (const bad of [undefined, null, 42, '', 'webapp', 'sha256:123']) {
    await rejects(store.manifest(bad as unknown as ObjectId), 'ERR_USAGE', /is not an object id/);
    await rejects(store.build(bad as unknown as ObjectId), 'ERR_USAGE', /is not an object id/);
  }
});

t('bazaar cat reads every file id show --json prints, while the files still stay in the .rpm', async () => {
  const dir = freshStore('asked-cat');
  assert.is(bazaar(['add', '--store', dir, webapp()]).status, 0);
  const stored = new Set(await storedIds(dir));
  const shown = JSON.parse(bazaar(['show', '--json', '--store', dir, 'webapp']).stdout) as { files: Array<{ path: string; id?: ObjectId; size: number }> };
  const files = shown.files.filter((f) => f.id && f.size > 0);
  assert.ok(files.length >= 2);
  assert.ok(files.every((f) => !stored.has(f.id as ObjectId)), 'the files are not objects of their own yet');
  for (const f of files) {
    const r = bazaarBytes(['cat', '--store', dir, f.id as string]);
    assert.is(r.status, 0, `${f.path}: ${r.stderr}`);
    assert.is(`sha256:${createHash('sha256').update(r.stdout).digest('hex')}`, f.id, f.path);
  }
  assert.equal(new Set(await storedIds(dir)), stored, 'reading wrote no object');
  const none = bazaar(['cat', '--store', dir, `sha256:${'1'.repeat(64)}`]);
  assert.is(none.status, 2, 'an id nothing holds is bad input');
  assert.match(none.stderr, 'no object sha256:1111');
});

t('a record id and a manifest id are read straight; only a build id (header digest) is looked up in the index', async () => {
  const store = await Store.init(freshStore('asked-straight'));
  const [added] = await store.add([webapp()]);
  const recordId = await store.read(async (snap) => (await store.index(snap)).builds[0].value);
  const record = await store.build(added.id);
  // store.read takes a lease and the index: what a lookup by header needs, and a read by id does not
  let leases = 0;
  const read = store.read.bind(store);
  store.read = ((fn) => { leases++; return read(fn); }) as typeof store.read;
  assert.equal(await store.build(recordId), record, 'by record id');
  assert.equal((await store.manifest(recordId)).nevra, 'webapp-2.4.1-alt1.noarch', 'manifest by record id');
  assert.equal((await store.manifest(record.manifest)).nevra, 'webapp-2.4.1-alt1.noarch', 'manifest by its own id');
  assert.is(leases, 0, 'no index lookup for ids of stored records');
  assert.equal(await store.build(added.id), record, 'by build id');
  assert.is(leases, 1, 'a build id is looked up once');
});

t('readKinds reads many records in order, and names a damaged one as the one-object read does', async () => {
  const dir = freshStore('asked-kinds-many');
  const store = await Store.init(dir);
  await store.add(sampleRpms());
  const values = await store.read(async (snap) => (await store.index(snap)).builds.map((b) => b.value));
  assert.ok(values.length >= 3);
  const many = await store.readKinds([...values, values[0]], 'build');
  assert.equal(many, [...await Promise.all(values.map((v) => store.readKind(v, 'build'))), many[0]], 'in the order asked, a repeat included');
  // a damaged packed copy with a repair copy written loose beside it: the batch reads the
  // packed copy first, fails to verify it, and the one-object read finds the loose one
  const good = storedBytes(dir, values[2]);
  flipStoredBit(dir, values[2], 0.5);
  replaceStored(dir, values[2], good);
  assert.equal((await (await Store.open(dir)).readKinds(values, 'build'))[2], many[2], 'the repair copy stands in');
  const fresh = await Store.open(dir);
  flipStoredBit(dir, values[1], 0.5);
  await rejects(fresh.readKinds(values, 'build'), 'ERR_STORE_OBJECT_CORRUPT', new RegExp(values[1].replace('sha256:', '')));
  await rejects(fresh.readKinds([values[0], values[1]], 'package'), 'ERR_STORE_OBJECT_CORRUPT', /is a build, not a package/);
});

t.run();
