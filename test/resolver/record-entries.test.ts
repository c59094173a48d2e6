/**
 * The resolver's rows of a channel's builds (src/resolver/record-entries.ts): a universe
 * made from nothing writes a row for every build (source builds too), the next one made
 * from them is the same file byte for byte, and a damaged row is a miss, read again from
 * the build's objects and written back, never believed. A row decodes to the record
 * recordFrom makes; anything that is not a row is a miss. A channel kept by adds (each
 * commit's universe updated from its parent's) has a row for every build.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { channelSource, prepareChannelUniverse } from '../../src/resolver/catalog-source.js';
import { decodeRecordEntry, encodeRecordEntry, RECORDS_KIND } from '../../src/resolver/record-entries.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { derivedPacksDir, universeCacheDir } from '../../src/store/caches/paths.js';
import { addToChannel, createChannel } from '../../src/store/channels.js';
import { channelBranch } from '../../src/store/ref-paths.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { nevraOf } from '../helpers/server.js';

const t = suite('resolver record rows');

const packNames = (dir: string): string[] => readdirSync(derivedPacksDir(dir, RECORDS_KIND)).filter((n) => n.endsWith('.pack')).sort();

/** The channel's universe made now (its cache removed first), as the file it writes. */
async function universeFile(store: Store, channel: string): Promise<Buffer> {
  const head = (await store.read(async (s) => s.head(channelBranch(channel)))) as string;
  rmSync(universeCacheDir(store.dir, head), { recursive: true, force: true });
  await store.read((view) => channelSource(store, view, channel));
  const dir = universeCacheDir(store.dir, head);
  const [name] = readdirSync(dir);
  return readFileSync(join(dir, name));
}

t('rows for every build; the universe made from them is the same file; a damaged row is read again and written back', async () => {
  const dir = freshStore('record-rows');
  const store = await Store.open(dir);
  const rpms = sampleRpms();
  await store.add(rpms);
  await createChannel(store, 'c');
  await addToChannel(store, 'c', rpms.map(nevraOf));
  const builds = (await store.read(async (view) => (await store.index(view, channelBranch('c'))).builds)).length;
  assert.is(builds, rpms.length, 'source builds are in the channel too');

  const fromObjects = await universeFile(store, 'c');
  const [first] = packNames(dir);
  assert.ok(first, 'the first universe made from nothing wrote the rows');
  const path = join(derivedPacksDir(dir, RECORDS_KIND), first);
  const pack = readFileSync(path);
  assert.is(pack.readUInt32BE(pack.length - 48 + 8), builds, 'a row for every build, a source one included');

  const fromRows = await universeFile(store, 'c');
  assert.ok(fromRows.equals(fromObjects), 'the same file from the rows');
  assert.equal(packNames(dir), [first], 'nothing missed, nothing written');

  // a row's stored byte flipped (rows are plain text: a digit of the first row's JSON)
  const damaged = Buffer.from(pack);
  const digit = damaged.indexOf('1');
  damaged[digit] = damaged[digit] === 0x31 ? 0x32 : 0x31;
  writeFileSync(path, damaged);
  const again = await universeFile(store, 'c');
  assert.ok(again.equals(fromObjects), 'the damaged row was not believed');
  const names = packNames(dir);
  assert.is(names.length, 2, 'the missed row was written back');
  const written = readFileSync(join(derivedPacksDir(dir, RECORDS_KIND), names[1]));
  assert.is(written.readUInt32BE(written.length - 48 + 8), 1, 'one row: the damaged one');
  assert.ok((await universeFile(store, 'c')).equals(fromObjects), 'and the next universe reads it');
});

t('a channel kept by adds has a row for every build: each commit\'s universe update writes those of the builds it adds', async () => {
  const dir = freshStore('record-rows-adds');
  const store = await Store.open(dir);
  store.onChannelCommit((channel) => prepareChannelUniverse(store, channel));
  const rpms = sampleRpms();
  await store.add(rpms);
  await createChannel(store, 'c');
  const third = Math.ceil(rpms.length / 3);
  for (let at = 0; at < rpms.length; at += third) await addToChannel(store, 'c', rpms.slice(at, at + third).map(nevraOf));
  const written = packNames(dir);
  assert.is(written.length, Math.ceil(rpms.length / third), 'the first universe from nothing wrote its rows, each update the rows of what it added');

  rmSync(dirname(universeCacheDir(dir, 'any')), { recursive: true }); // every commit's: made from nothing, not from the parent's
  const fromRows = await universeFile(store, 'c');
  assert.equal(packNames(dir), written, 'the universe from nothing found every row: nothing read from the objects, nothing written');
  rmSync(dirname(universeCacheDir(dir, 'any')), { recursive: true });
  rmSync(derivedPacksDir(dir, RECORDS_KIND), { recursive: true });
  assert.ok((await universeFile(store, 'c')).equals(fromRows), 'the same file as from the objects');
});

t('a row decodes to the record it was made from; what is not a row is a miss; a source build is null', () => {
  const rec: PackageRecord = {
    name: 'a', epoch: 2, version: '1.0', release: 'alt1', arch: 'x86_64',
    provides: [{ name: 'a', flags: '=', evr: '2:1.0-alt1' }], requires: [{ name: '/bin/sh', flags: '', evr: '', pre: true }, { name: '(b or c)', flags: '', evr: '' }],
    conflicts: [], obsoletes: [{ name: 'old-a', flags: '<', evr: '1.0' }], files: ['/usr/bin/a', '/etc/ä'],
    buildId: `sha256:${'ab'.repeat(32)}`, buildtime: 1700000000, disttag: 'sisyphus+1',
  };
  assert.equal(decodeRecordEntry(encodeRecordEntry(rec)), rec);
  const plain: PackageRecord = { ...rec, buildtime: null as unknown as number };
  delete plain.disttag;
  assert.equal(decodeRecordEntry(encodeRecordEntry(plain)), plain, 'a null buildtime stays null, no disttag stays absent');
  assert.is(decodeRecordEntry(encodeRecordEntry(null)), null);
  for (const junk of ['', '{', '[]', '"a"', JSON.stringify([...JSON.parse(encodeRecordEntry(rec).toString()).slice(0, 12)]), JSON.stringify(JSON.parse(encodeRecordEntry(rec).toString()).map((v: unknown, i: number) => (i === 10 ? 7 : v)))]) {
    assert.is(decodeRecordEntry(Buffer.from(junk)), undefined, `not a row: ${junk.slice(0, 40)}`);
  }
});

t.run();
