/**
 * Packs of small objects (src/store/object-packs.ts): one file per commit instead of one
 * per object, merged so their number stays small, verified on read like loose objects,
 * rewritten by gc without its garbage, healed by `fsck --repair` when the index is
 * damaged, and safe against kill -9 at every filesystem event of a commit that merges.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FsObjectBackend, mergedIds } from '../../src/store/fs-object-backend.js';
import { PackFile, PackSet, PackWriter, idOfKey } from '../../src/store/object-packs.js';
import { PackStaging } from '../../src/store/pack-staging.js';
import { encodeRangeRecord } from '../../src/store/range-records.js';
import type { PackedLocation } from '../../src/store/object-packs.js';
import type { ObjectId } from '../../src/store/layout.js';
import { ObjectStore } from '../../src/store/objects.js';
import { Store, internals } from '../../src/store/store.js';
import { CLI, bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { replaceStored, storedBytes, storedIds } from '../helpers/stored-objects.js';

const t = suite('packs');
const packFiles = (dir: string): string[] => { try { return readdirSync(join(dir, 'objects', 'pack')).filter((n) => n.endsWith('.pack')); } catch { return []; } };
const looseFiles = (dir: string): number => readdirSync(join(dir, 'objects')).filter((d) => d !== 'pack').reduce((n, d) => n + readdirSync(join(dir, 'objects', d)).length, 0);

t('the small objects of one add share one pack; large ones stay loose; the store says layout 5 (packs, and range records: docs/store.md#range-records)', async () => {
  const dir = freshStore('packs-one');
  const r = bazaar(['add', '--store', dir, ...sampleRpms()]);
  assert.is(r.status, 0, r.stderr);
  const ids = await storedIds(dir);
  assert.is(packFiles(dir).length, 1, 'one commit, one pack');
  assert.ok(looseFiles(dir) < ids.length / 10, `${looseFiles(dir)} loose files for ${ids.length} objects`);
  assert.is(JSON.parse(readFileSync(join(dir, 'bazaar-store.json'), 'utf8')).layout, 5);
  const store = await Store.open(dir);
  for (const id of ids) assert.is(await internals(store).objects.check(id), null, id);
});

t('packs are merged as commits add them: their number stays bounded and every object stays', async () => {
  const dir = freshStore('packs-merge');
  const store = await Store.open(dir);
  const ids: ObjectId[] = [];
  for (let i = 0; i < 40; i++) ids.push(await internals(store).objects.put(Buffer.from(`object number ${i}\n`)));
  assert.ok(packFiles(dir).length <= 13, `${packFiles(dir).length} packs after 40 commits`);
  const fresh = await Store.open(dir);
  for (const id of ids) assert.ok((await fresh.readBytes(id)).toString().startsWith('object number'));
  assert.equal((await storedIds(dir)).sort(), [...ids].sort());
});

/** A pack in `dir` of `n` objects of `size` random bytes each (ids made up: a pack does not hash what it holds); its objects in write order. */
function writtenPack(dir: string, n: number, size: number): { pack: PackFile; objects: Array<[ObjectId, Buffer]> } {
  mkdirSync(dir, { recursive: true });
  const writer = new PackWriter(join(dir, 'tmp'));
  const objects: Array<[ObjectId, Buffer]> = [];
  for (let i = 0; i < n; i++) {
    const entry: [ObjectId, Buffer] = [`sha256:${randomBytes(32).toString('hex')}`, randomBytes(size)];
    writer.add(...entry);
    objects.push(entry);
  }
  const path = join(dir, writer.finish());
  renameSync(writer.tmpPath, path);
  return { pack: new PackFile(path), objects };
}

t('a pack is copied (merged, rewritten by gc) object by object in the order it was written, each with its bytes', () => {
  const { pack, objects } = writtenPack(tempDir('packs-order'), 3000, 700);
  const seen: Array<[ObjectId, Buffer]> = [];
  assert.ok(pack.eachObject((key, bytes) => seen.push([idOfKey(key), Buffer.from(bytes)])));
  assert.equal(seen.map(([id]) => id), objects.map(([id]) => id), 'write order, not id order: one commit\'s objects stay together');
  for (let i = 0; i < objects.length; i++) assert.ok(seen[i][1].equals(objects[i][1]), `the bytes of object ${i}`);
});

t('a pack removed while it is copied is reported, not copied in part', () => {
  const { pack } = writtenPack(tempDir('packs-vanish'), 64, 60 << 10);
  let visited = 0;
  const whole = pack.eachObject(() => { if (visited++ === 0) rmSync(pack.path); });
  assert.is(whole, false);
  assert.ok(visited < 64, `${visited} objects visited of 64`);
  assert.is(pack.eachObject(() => assert.unreachable('a gone pack has nothing to visit')), false);
});

t('the listing: every object once, in id order, though it lies loose and packed and in two packs; strays listed', async () => {
  const dir = freshStore('packs-listing');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms()]).status, 0);
  const before = await storedIds(dir);
  const [pack] = packFiles(dir);
  // the same pack under a second name, a loose copy of a packed object, a stray in each place
  const copy = `${'0'.repeat(64)}.pack`;
  cpSync(join(dir, 'objects', 'pack', pack), join(dir, 'objects', 'pack', copy));
  const backend = new FsObjectBackend(dir);
  const packed = before.find((id) => backend.locate(id)?.path.endsWith('.pack')) as ObjectId;
  replaceStored(dir, packed, storedBytes(dir, packed));
  mkdirSync(join(dir, 'objects', 'zz'));
  writeFileSync(join(dir, 'objects', 'zz', 'note'), 'x');
  writeFileSync(join(dir, 'objects', 'pack', 'note'), 'x');
  const ids: ObjectId[] = [];
  const strays: string[] = [];
  for await (const e of new FsObjectBackend(dir).list()) {
    if ('id' in e) ids.push(e.id);
    else if ('stray' in e) strays.push(e.stray);
  }
  assert.equal(ids, [...before].sort(), 'each id once, in order');
  assert.equal(strays, [join(dir, 'objects', 'zz', 'note'), join(dir, 'objects', 'pack', 'note')]);
});

t('merged ids: sorted sources give one sorted list, each id once; a source out of order never lists an id twice', () => {
  const src = (...xs: string[]): Iterator<{ id: ObjectId }> => xs.map((x) => ({ id: `sha256:${x}` as ObjectId }))[Symbol.iterator]();
  assert.equal([...mergedIds([src('01', '05', '09'), src('02', '05'), src(), src('05', '0a')])], ['01', '02', '05', '09', '0a'].map((x) => `sha256:${x}`));
  const out = [...mergedIds([src('03', '01', '04'), src('01', '02')])];
  assert.equal(out.length, new Set(out).size);
});

t('a damaged pack index: objects still read, fsck names the pack, --repair rewrites it', async () => {
  const dir = freshStore('packs-index');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms().slice(0, 6)]).status, 0);
  const [pack] = packFiles(dir);
  const path = join(dir, 'objects', 'pack', pack);
  const bytes = readFileSync(path);
  bytes[bytes.length - 60] ^= 0x40; // inside the index, before the footer
  writeFileSync(path, bytes);
  const ls = bazaar(['ls', '--store', dir]);
  assert.is(ls.status, 0, ls.stderr);
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout, pack);
  assert.match(fsck.stdout, 'index does not match its checksum');
  const repair = bazaar(['fsck', '--repair', '--store', dir]);
  assert.is(repair.status, 0, repair.stdout + repair.stderr);
  assert.match(repair.stdout, 'rewritten');
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
  // rewritten in the order it was written, the pack is its undamaged self, same name and all
  assert.not.ok(packFiles(dir).includes(pack) && readFileSync(path).equals(bytes), 'the damaged pack is gone');
});

t('a pack index whose records point at other objects: no lookup takes a wrong place, every object reads', async () => {
  const dir = freshStore('packs-index-lies');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms().slice(0, 6)]).status, 0);
  const ids = await storedIds(dir);
  const nevra = bazaar(['ls', '--store', dir]).stdout.split(/\s/)[0];
  const [pack] = packFiles(dir);
  const path = join(dir, 'objects', 'pack', pack);
  const bytes = readFileSync(path);
  // each record keeps its id and takes the next record's place (offset and length)
  const at = Number(bytes.readBigUInt64LE(bytes.length - 48));
  const count = bytes.readUInt32LE(bytes.length - 40);
  assert.ok(count > 2, `${count} objects in the pack`);
  const places = Array.from({ length: count }, (_, i) => Buffer.from(bytes.subarray(at + i * 44 + 32, at + i * 44 + 44)));
  for (let i = 0; i < count; i++) places[(i + 1) % count].copy(bytes, at + i * 44 + 32);
  writeFileSync(path, bytes);
  // a fresh reader probes the index on disk (object-packs.ts): a record's place must name its id
  const store = await Store.open(dir);
  for (const id of ids) assert.is(await internals(store).objects.check(id), null, id);
  const shown = bazaar(['show', '--store', dir, '--json', nevra]);
  assert.is(shown.status, 0, shown.stderr);
  assert.ok(nevra.startsWith(`${JSON.parse(shown.stdout).name}-`), nevra);
});

t('a pack deleted after a reader listed it (gc): a lookup past the probes looks again, it does not fail', async () => {
  const dir = freshStore('packs-gone');
  const store = await Store.open(dir);
  const ids: ObjectId[] = [];
  for (let i = 0; i < 6; i++) ids.push(await internals(store).objects.put(Buffer.from(`small object ${i}\n`)));
  assert.ok(packFiles(dir).length >= 2, `${packFiles(dir).length} packs`);
  // which pack holds which object (a reader of its own)
  const where = new Map(ids.map((id) => [id, (new PackSet(join(dir, 'objects', 'pack')).find(id) as PackedLocation).pack.path]));
  const names = packFiles(dir).sort();
  const gone = join(dir, 'objects', 'pack', names[0]);
  const inLast = ids.find((id) => where.get(id)?.endsWith(names[names.length - 1])) as ObjectId;
  const inGone = ids.find((id) => where.get(id) === gone) as ObjectId;
  const packs = new PackSet(join(dir, 'objects', 'pack'));
  // a lookup probes the pack of the last hit first, then the others in order: 32 use up the holding pack's probes
  for (let i = 0; i < 32; i++) assert.is(packs.find(inLast)?.pack.path, where.get(inLast));
  rmSync(gone);
  // the next lookup asks the checked indexes in order, the first pack's among them, and finds it gone: no error, it looks again
  assert.is(packs.find(inLast)?.pack.path, where.get(inLast));
  assert.is(packs.find(inGone), null);
});

t('a probe reads the window where an evenly spread id lies; an id outside it (ids not spread evenly) is still found', () => {
  const dir = tempDir('packs-window');
  // 2,000 ids that all begin with four zero bytes: each is expected at record 0, so most lie past the window
  const ids = Array.from({ length: 2000 }, (_, i) => `sha256:00000000${i.toString(16).padStart(8, '0')}${'ab'.repeat(24)}` as ObjectId);
  const w = new PackWriter(join(dir, 'pack.tmp'));
  const at = new Map(ids.map((id, i) => [id, w.add(id, Buffer.from(`body ${i}`))]));
  const name = w.finish();
  renameSync(join(dir, 'pack.tmp'), join(dir, name));
  for (const i of [0, 5, 999, 1500, 1999]) {
    const found = new PackFile(join(dir, name)).probe(Buffer.from(ids[i].slice(7), 'hex'));
    assert.ok(found !== 'unsure', `record ${i} found by the probe`);
    assert.is(found.offset, at.get(ids[i]));
    assert.is(found.length, `body ${i}`.length);
  }
  const absent = Buffer.from(`00000000${'ff'.repeat(28)}`, 'hex');
  assert.is(new PackFile(join(dir, name)).probe(absent), 'unsure');
  assert.is(new PackSet(dir).find(`sha256:${absent.toString('hex')}` as ObjectId), null);
});

t('findMany answers every id of a batch as find does: in several packs, absent, malformed, in a pack written after the listing, in a pack deleted since', () => {
  const dir = tempDir('packs-find-many');
  const packsOf = [writtenPack(dir, 500, 20), writtenPack(dir, 40, 20), writtenPack(dir, 3, 20)];
  const packs = new PackSet(dir);
  const held = packsOf.flatMap((p) => p.objects.map(([id]) => id));
  const absent = Array.from({ length: 50 }, () => `sha256:${randomBytes(32).toString('hex')}` as ObjectId);
  // ids the store never makes: upper-case hex reads as the same bytes (a reader's hash check refuses the content), fewer digits fail
  const upper = `sha256:${held[7].slice(7).toUpperCase()}` as ObjectId;
  const asked = [...held, ...absent, upper].sort(() => Math.random() - 0.5);
  const where = (at: PackedLocation | null): string => (at ? `${at.pack.path}@${at.offset}+${at.length}` : 'absent');
  const expect = asked.map((id) => where(new PackSet(dir).find(id)));
  assert.equal(packs.findMany(asked).map(where), expect);
  assert.is(expect.filter((w) => w !== 'absent').length, held.length + 1, 'every held id found, nothing else');
  for (const short of ['sha256:abc', `sha256:${'zz'.repeat(32)}`] as ObjectId[]) {
    assert.throws(() => new PackSet(dir).find(short));
    assert.throws(() => packs.findMany([...held.slice(0, 40), short]));
  }
  // a pack written after the set listed its packs: a miss in every listed pack lists them again
  const later = writtenPack(dir, 60, 20);
  const laterIds = later.objects.map(([id]) => id);
  assert.equal(packs.findMany([...laterIds, ...held.slice(0, 10)]).map((at) => at?.pack.path), [...laterIds.map(() => later.pack.path), ...held.slice(0, 10).map((id) => new PackSet(dir).find(id)?.pack.path)]);
  // a pack deleted after the listing, before its index was read (gc): skipped, its objects absent, the others found
  const listed = new PackSet(dir);
  assert.is(listed.list().length, 4);
  rmSync(packsOf[1].pack.path);
  const gone = packsOf[1].objects.map(([id]) => id);
  const kept = packsOf[0].objects.map(([id]) => id);
  assert.equal(listed.findMany([...gone, ...kept]).map((at) => at === null), [...gone.map(() => true), ...kept.map(() => false)]);
});

t('a loose copy is read before a packed one (how a repair replaces a damaged packed object)', async () => {
  const dir = freshStore('packs-loose-first');
  const store = await Store.open(dir);
  const id = await internals(store).objects.put(Buffer.from('packed first'));
  const backend = internals(store).objects.backend as FsObjectBackend;
  assert.match(backend.locate(id)!.path, '/pack/');
  const w = await internals(store).objects.writer({ rewrite: true });
  await w.write(Buffer.from('packed first'));
  await internals(store).objects.commit([await w.finish()]);
  assert.not.match(backend.locate(id)!.path, '/pack/');
  assert.is((await store.readBytes(id)).toString(), 'packed first');
});

t('kill -9 at every filesystem event of an add whose commit merges packs: fsck clean, no object lost', async () => {
  const start = freshStore('packs-crash');
  const rpms = sampleRpms();
  // one pack per add, up to the limit, so the next add merges
  for (let i = 0; packFiles(start).length < 12; i++) assert.is(bazaar(['add', '--store', start, rpms[i]]).status, 0);
  const held = new Set(await storedIds(start));
  const args = ['add', rpms[rpms.length - 1], '--store'];
  const probe = join(tempDir('packs-probe'), 'store');
  cpSync(start, probe, { recursive: true });
  const counted = spawnSync(process.execPath, [CLI, ...args, probe], { encoding: 'utf8', env: { ...process.env, BAZAAR_FAULT_COUNT: '1' } });
  assert.is(counted.status, 0, counted.stderr);
  assert.ok(packFiles(probe).length < 12, 'the counted run merged packs');
  const events = Number(/fs-events: (\d+)/.exec(counted.stderr)?.[1]);
  for (let k = 1; k <= events; k++) {
    const dir = join(tempDir('packs-crash'), 'store');
    cpSync(start, dir, { recursive: true });
    spawnSync(process.execPath, [CLI, ...args, dir], { encoding: 'utf8', env: { ...process.env, BAZAAR_FAULT_AT: String(k) } });
    const fsck = await (await Store.open(dir)).fsck();
    assert.ok(fsck.ok, `fsck after a kill at event ${k}/${events}: ${JSON.stringify([fsck.problems, fsck.state])}`);
    const now = new Set(await storedIds(dir));
    assert.equal([...held].filter((id) => !now.has(id)), [], `no object lost after a kill at event ${k}`);
  }
});

const tmpFiles = (dir: string): string[] => { try { return readdirSync(join(dir, 'tmp')); } catch { return []; } };

t('a transaction past the staging memory spills its small objects into packs, never loose files', async () => {
  const dir = freshStore('packs-spill');
  const objects = new ObjectStore(new FsObjectBackend(dir, { stagingMemory: 2048 }));
  const staged = [];
  for (let i = 0; i < 120; i++) staged.push(await objects.stageBytes(Buffer.from(`small object ${i} ${'x'.repeat(i)}\n`)));
  assert.ok(tmpFiles(dir).length >= 2, `the staged objects spilled into packs in tmp/ (${tmpFiles(dir).length})`);
  await objects.commit(staged);
  assert.is(looseFiles(dir), 0, 'no loose file');
  assert.ok(packFiles(dir).length >= 2, `${packFiles(dir).length} packs`);
  assert.equal(tmpFiles(dir), [], 'nothing left in tmp/');
  const fresh = new ObjectStore(new FsObjectBackend(dir));
  for (const s of staged) assert.is(await fresh.check(s.id), null, s.id);
  assert.equal((await storedIds(dir)).sort(), staged.map((s) => s.id).sort());
});

t('transactions sharing a spill pack: a commit takes only its own objects, a discard leaves nothing behind', async () => {
  const dir = freshStore('packs-spill-shared');
  const objects = new ObjectStore(new FsObjectBackend(dir, { stagingMemory: 1024 }));
  const a = [];
  const b = [];
  for (let i = 0; i < 60; i++) {
    a.push(await objects.stageBytes(Buffer.from(`object of a, ${i} ${'a'.repeat(i)}`)));
    b.push(await objects.stageBytes(Buffer.from(`object of b, ${i} ${'b'.repeat(i)}`)));
  }
  await objects.commit(a);
  await objects.discard(b);
  assert.equal(tmpFiles(dir), [], 'no spill pack left in tmp/');
  assert.equal((await storedIds(dir)).sort(), a.map((s) => s.id).sort(), 'exactly the committed objects are stored');
  for (const s of a) assert.is(await objects.check(s.id), null, s.id);
});

t('kill -9 at every filesystem event of an add that spills its staged objects: fsck clean, then the same add succeeds', async () => {
  const start = freshStore('packs-spill-crash');
  // a store with history (a store's very first commit killed after its commit point is another matter)
  assert.is(bazaar(['add', '--store', start, sampleRpms()[4]]).status, 0);
  const rpms = sampleRpms().slice(0, 4);
  const env = { ...process.env, BAZAAR_STAGING_MEMORY: '4096' };
  const probe = join(tempDir('packs-spill-probe'), 'store');
  cpSync(start, probe, { recursive: true });
  const counted = spawnSync(process.execPath, [CLI, 'add', ...rpms, '--store', probe], { encoding: 'utf8', env: { ...env, BAZAAR_FAULT_COUNT: '1' } });
  assert.is(counted.status, 0, counted.stderr);
  assert.ok(packFiles(probe).length >= 2, 'the add spilled into more than one pack');
  const events = Number(/fs-events: (\d+)/.exec(counted.stderr)?.[1]);
  for (let k = 1; k <= events; k++) {
    const dir = join(tempDir('packs-spill-crash'), 'store');
    cpSync(start, dir, { recursive: true });
    spawnSync(process.execPath, [CLI, 'add', ...rpms, '--store', dir], { encoding: 'utf8', env: { ...env, BAZAAR_FAULT_AT: String(k) } });
    const fsck = await (await Store.open(dir)).fsck();
    assert.ok(fsck.ok, `fsck after a kill at event ${k}/${events}: ${JSON.stringify([fsck.problems, fsck.state])}`);
    if (k % 5 === 1) {
      const again = spawnSync(process.execPath, [CLI, 'add', ...rpms, '--store', dir], { encoding: 'utf8', env });
      assert.is(again.status, 0, again.stderr);
      assert.ok((await (await Store.open(dir)).fsck()).ok, `fsck after the add again (kill at ${k})`);
    }
  }
});


t('staging holds copies of what it is handed, not views of a shared buffer (a view of Node\'s 8 KiB pool kept the whole chunk)', () => {
  const staging = new PackStaging(() => { throw new Error('nothing here spills'); }, 1 << 20);
  const shared = Buffer.alloc(8192, 7);
  const small = shared.subarray(100, 300);
  const record = encodeRangeRecord({ source: `sha256:${'ab'.repeat(32)}` as ObjectId, offset: 10, length: 20 });
  record.copy(shared, 1000);
  const recordView = shared.subarray(1000, 1000 + record.length);
  const ids = [`sha256:${'01'.repeat(32)}`, `sha256:${'02'.repeat(32)}`] as ObjectId[];
  const tokens = [staging.hold(ids[0], small), staging.hold(ids[1], recordView)];
  const expected = [Buffer.from(small), Buffer.from(record)];
  shared.fill(0); // the caller reuses its buffer
  const got: Array<[ObjectId, Buffer]> = [];
  const plan = staging.forCommit(tokens);
  assert.ok(plan.copyRest({ add: (id: ObjectId, bytes: Buffer) => { got.push([id, bytes]); return 0; } } as unknown as PackWriter));
  assert.equal(got.map(([id]) => id), ids);
  got.forEach(([, bytes], i) => {
    assert.ok(bytes.equals(expected[i]), `object ${i} is the bytes it was staged with`);
    assert.ok(bytes.buffer !== shared.buffer, `object ${i} does not keep the caller's buffer`);
  });
  plan.settle();
});

t.run();
