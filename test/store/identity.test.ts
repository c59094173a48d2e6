/**
 * Build identity on what cannot drift (docs/versioning-policy.md#rule-identity): a build
 * is its rpm header. Re-signed files of one build are signature variants of it; a store
 * written by layout 1 (whose manifests carried fewer fields) migrates, and re-adding the
 * same .rpm files to it changes nothing; a different header under a taken NEVRA is still
 * refused, naming both.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { addToChannel, createChannel, readChannel } from '../../src/store/channels.js';
import { servedVariant } from '../../src/store/kinds/build.js';
import { objectIdOf } from '../../src/store/layout.js';
import type { ObjectId } from '../../src/store/layout.js';
import { listPins } from '../../src/store/pins.js';
import { channelLog } from '../../src/store/channel-history.js';
import { Store } from '../../src/store/store.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('identity');
const rand = seededRandom('identity');

/** Corpus files grouped by header (build id), only groups of several files. */
async function headerGroups(): Promise<Array<{ id: ObjectId; files: string[] }>> {
  const groups = new Map<ObjectId, string[]>();
  for (const f of corpusRpms()) {
    let id: ObjectId;
    try { id = objectIdOf((await readRpmFile(f)).header.bytes); } catch { continue; }
    groups.set(id, [...(groups.get(id) ?? []), f]);
  }
  return [...groups].filter(([, files]) => files.length > 1).map(([id, files]) => ({ id, files }));
}

const shuffled = <T>(list: T[]): T[] => list.map((x) => [rand(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);

testWith(t, 'every corpus build whose header several files share adds as one build with a variant per file', ['corpus'], async () => {
  const groups = await headerGroups();
  assert.ok(groups.length >= 4, `the corpus has re-signed builds (${groups.length} groups)`);
  const names = groups.flatMap((g) => g.files).map((f) => f.slice(f.lastIndexOf('/') + 1));
  for (const must of ['hello-2.0-1.x86_64-signed.rpm', 'hello-2.0-1.x86_64-v3-signed.rpm', 'hello-2.0-1.x86_64-signed-with-subkey.rpm', 'hello-2.0-1.x86_64-signed-mldsa87.rpm', 'hello-2.0-1.x86_64.rpm']) {
    assert.ok(names.includes(must), `${must} shares its header with the others`);
  }
  for (const g of groups) {
    const store = await Store.open(freshStore('variants'));
    await createChannel(store, 'c');
    // one at a time, in a random order: each file after another is accepted
    const order = shuffled(g.files);
    for (const f of order) {
      const [r] = await store.add([f], { channel: 'c' });
      assert.is(r.id, g.id, `${f}: its build id is the header digest`);
    }
    const builds = await store.list();
    assert.is(builds.length, 1, `${g.files.length} files, one build`);
    const record = await store.read((s) => store.findPackage(s, g.id));
    assert.equal(record.build.variants.map((v) => v.rpm).sort(), g.files.map((f) => objectIdOf(readFileSync(f))).sort(), 'each signature variant is kept');
    // the channel serves the most recently added signed variant
    const lastSigned = [...order].reverse().find((f) => (record.build.variants.find((v) => v.rpm === objectIdOf(readFileSync(f)))?.signatures.length ?? 0) > 0);
    const state = await store.read((s) => readChannel(store, s, 'c'));
    const inChannel = await store.build(state.builds[0].value);
    if (lastSigned) assert.is(servedVariant(inChannel).rpm, objectIdOf(readFileSync(lastSigned)), 'the channel serves the latest signed variant');
    // every variant reads back byte-identical
    for (const f of g.files) {
      const cat = spawnSync(process.execPath, [join(projectRoot, 'dist/bin/bazaar.js'), 'cat', '--store', store.dir, objectIdOf(readFileSync(f))], { maxBuffer: 64 << 20 });
      assert.ok(cat.stdout.equals(readFileSync(f)), `${f} comes back byte for byte`);
    }
    assert.ok((await store.fsck()).ok);
  }
});

testWith(t, 'an unsigned add, then the signed file (rpmsign --addsign): the channel serves the signed one once re-added to it', ['corpus'], async () => {
  const group = (await headerGroups()).find((g) => g.files.some((f) => f.endsWith('hello-2.0-1.x86_64.rpm')));
  assert.ok(group);
  const unsigned = group.files.find((f) => f.endsWith('hello-2.0-1.x86_64.rpm')) as string;
  const signedFile = group.files.find((f) => f.endsWith('hello-2.0-1.x86_64-signed.rpm')) as string;
  const store = await Store.open(freshStore('addsign'));
  await createChannel(store, 'p11');
  await store.add([unsigned], { channel: 'p11' });
  const served = async (): Promise<ObjectId> => servedVariant(await store.build((await store.read((s) => readChannel(store, s, 'p11'))).builds[0].value)).rpm;
  assert.is(await served(), objectIdOf(readFileSync(unsigned)));
  const [again] = await store.add([signedFile]);
  assert.is(again.added, true, 'a new variant is something added');
  assert.is(await served(), objectIdOf(readFileSync(unsigned)), 'the channel keeps what it was given until told');
  const change = await addToChannel(store, 'p11', ['hello']);
  assert.equal(change.updated, ['hello-2.0-1.x86_64']);
  assert.is(await served(), objectIdOf(readFileSync(signedFile)), 'now it serves the signed variant');
  const log = await store.read((s) => channelLog(store, s, 'p11'));
  assert.equal(log[0].changed, ['hello-2.0-1.x86_64'], 'the log says the build stayed and its record changed');
});

t('a different build under a taken NEVRA is refused, naming both build ids', async () => {
  const dir = freshStore('conflict');
  const original = sampleRpms().find((f) => f.endsWith('va-watchdog-1.5-alt3.noarch.rpm')) as string;
  assert.is(bazaar(['add', '--store', dir, original]).status, 0);
  const before = storeSnapshot(dir);
  const rebuild = join(projectRoot, 'test/fixtures/rebuild/va-watchdog-1.5-alt3.noarch.rpm');
  const r = bazaar(['add', '--store', dir, rebuild]);
  assert.is(r.status, 2);
  const a = objectIdOf((await readRpmFile(original)).header.bytes);
  const b = objectIdOf((await readRpmFile(rebuild)).header.bytes);
  assert.match(r.stderr, a);
  assert.match(r.stderr, b);
  assert.equal(storeSnapshot(dir), before);
});

t('a store written by layout 1 opens, migrates once, keeps channels, pins and history, and re-adding its .rpm files changes nothing', async () => {
  const dir = join(tempDir('layout1'), 'store');
  mkdirSync(dir);
  const untar = spawnSync('sh', ['-c', `zstd -dc '${join(projectRoot, 'test/fixtures/store-layout1/sample-store.tar.zst')}' | tar -x -C '${dir}'`]);
  assert.is(untar.status, 0, untar.stderr.toString());
  const ls = bazaar(['ls', '--store', dir]);
  assert.is(ls.status, 0, ls.stderr);
  assert.match(ls.stderr, 'migrating the store to layout 4', 'says it migrates');
  assert.is(ls.stdout.trim().split('\n').length, 37, 'every package of the fixture');
  assert.is(JSON.parse(readFileSync(join(dir, 'bazaar-store.json'), 'utf8')).layout, 4);
  const store = await Store.open(dir);
  await store.read(async (s) => {
    assert.equal((await readChannel(store, s, 'sample')).builds.map((b) => b.nevra).sort(), ['openssl-3.1.4-alt1.x86_64', 'webserver-1.24.0-alt1.x86_64']);
    assert.equal((await readChannel(store, s, 'alt')).settings, { order: 'alt' });
    assert.equal((await listPins(store, s)).map((p) => [p.nevra, p.reason]), [['openssl-1.1.1w-alt1.x86_64', 'legacy VA']]);
    const log = await channelLog(store, s, 'sample');
    assert.match(log[0].message, 'migrate to store layout 2');
    assert.equal([log[0].added, log[0].removed], [[], []], 'the migration changed no build of the channel');
    assert.ok(log.length >= 4, 'the history before the migration is still there');
  });
  assert.ok((await store.fsck()).ok, 'fsck is clean after the migration');
  const before = storeSnapshot(dir);
  const again = bazaar(['add', '--json', '--store', dir, ...sampleRpms().filter((f) => !f.endsWith('.src.rpm'))]);
  assert.is(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).filter((r: { added: boolean }) => r.added), [], 'nothing new');
  assert.equal(storeSnapshot(dir), before, 're-adding the same .rpm files to a migrated store writes nothing');
  assert.is(bazaar(['show', '--store', dir, 'webserver']).status, 0);
  // a build of the old store restored from a layout-1 channel state
  const restore = bazaar(['channel', 'restore', '--store', dir, 'sample', 'HEAD~2']);
  assert.is(restore.status, 0, restore.stderr);
  assert.match(restore.stdout, '+ bash-5.2.26-alt2.x86_64');
});

t.run();
