/**
 * A Store over the memory backends (docs/store.md#backends): it adds, reads, writes, checks
 * and collects as one over files, keeps nothing of its objects or state on disk, and a
 * directory whose objects or state lived in memory is refused rather than read as damage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { createChannel, addToChannel, readChannel } from '../../src/store/channels.js';
import { MemoryObjectBackend } from '../../src/store/memory-object-backend.js';
import { MemoryStateBackend } from '../../src/store/memory-state-backend.js';
import { repair } from '../../src/store/repair.js';
import { Store, internals } from '../../src/store/store.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const t = suite('memory backends');

const rpm = (name: string): string => sampleRpms().find((p) => p.endsWith(`/${name}`))!;

async function memoryStore(): Promise<{ store: Store; dir: string; objects: MemoryObjectBackend; states: MemoryStateBackend }> {
  const dir = join(tempDir('mem-store'), 'store');
  const objects = new MemoryObjectBackend();
  const states = new MemoryStateBackend();
  return { store: await Store.init(dir, { objectBackend: objects, stateBackend: states }), dir, objects, states };
}

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (err) { assert.instance(err, BazaarError); return (err as BazaarError).code; }
  return 'no error';
}

t('a store over memory backends adds, reads, writes, checks and collects; nothing of its objects or state is on disk', async () => {
  const { store, dir, objects, states } = await memoryStore();
  const [added] = await store.add([rpm('etcskel-5.0-alt1.noarch.rpm'), rpm('bash-5.2.26-alt1.x86_64.rpm')]);
  assert.is(added.nevra, 'etcskel-5.0-alt1.noarch');
  assert.equal((await store.list()).map((b) => b.nevra), ['bash-5.2.26-alt1.x86_64', 'etcskel-5.0-alt1.noarch']);
  assert.is((await store.manifest(added.id)).name, 'etcskel');
  await createChannel(store, 'sample');
  await addToChannel(store, 'sample', ['etcskel']);
  assert.equal((await store.read((v) => readChannel(store, v, 'sample'))).builds.map((b) => b.nevra), ['etcskel-5.0-alt1.noarch']);
  assert.is(await states.latestSeq(), 3, 'three commits, in the memory state');
  assert.is(await store.latestSeq(), 3);
  const stored = [];
  for await (const e of objects.list()) stored.push(e);
  assert.ok(stored.length > 10, 'the objects are in the memory backend');
  assert.is(existsSync(join(dir, 'objects')), false, 'no objects/ directory');
  assert.is(existsSync(join(dir, 'state')), false, 'no state/ directory');
  const report = await store.fsck();
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.is(report.objects, stored.length);
  const gc = await store.gc({ retentionDays: 0 });
  assert.equal(gc.damage, []);
  assert.ok((await store.fsck()).ok, 'whole after gc');
  assert.equal(JSON.parse(readFileSync(join(dir, 'bazaar-store.json'), 'utf8')), { layout: 4, objects: 'memory', states: 'memory' }, 'the marker records the kinds (gc\'s layout raise keeps them)');
});

t('damage in memory is found by fsck and repaired as on disk', async () => {
  const { store, objects, states } = await memoryStore();
  const [added] = await store.add([rpm('etcskel-5.0-alt1.noarch.rpm')]);
  const header = (await store.build(added.id)).header;
  const bytes = Buffer.from((await objects.readWhole(header))!);
  bytes[bytes.length >> 1] ^= 1;
  objects.corrupt(header, bytes);
  states.corrupt(1, '{"seq":1,');
  const before = await store.fsck();
  assert.not.ok(before.ok);
  assert.ok(before.problems.some((p) => p.id === header), 'the damaged object is named');
  assert.ok(before.state.length > 0, 'the damaged state is named');
  const r = await repair(store);
  assert.ok(r.after.ok, JSON.stringify(r));
  assert.ok(r.repaired.some((line) => line.includes('memory state 1 (set aside)')), r.repaired.join('\n'));
  assert.is(await internals(store).objects.check(header), null, 'the header is whole again');
});

t('a directory whose objects or state lived in memory is refused, by the library and the CLI, and left as it is', async () => {
  const { dir } = await memoryStore();
  const before = storeSnapshot(dir);
  assert.is(await code(Store.open(dir)), 'ERR_STORE_LAYOUT');
  assert.is(await code(Store.open(dir, { objectBackend: new MemoryObjectBackend(), stateBackend: new MemoryStateBackend() })), 'ERR_STORE_LAYOUT', 'fresh memory backends hold nothing of it either');
  assert.is(await code(Store.init(dir)), 'ERR_STORE_LAYOUT');
  const ls = bazaar(['ls', '--store', dir]);
  assert.is(ls.status, 1, ls.stderr);
  assert.match(ls.stderr, 'kept in memory by the program that made it');
  assert.is(ls.stderr.trim().split('\n').length, 1);
  assert.equal(storeSnapshot(dir), before);
  const half = join(tempDir('mem-state'), 'store');
  await Store.init(half, { stateBackend: new MemoryStateBackend() });
  assert.is(existsSync(join(half, 'objects')), true, 'objects in files');
  assert.is(await code(Store.open(half)), 'ERR_STORE_LAYOUT', 'state in memory: refused though the objects are files');
});

t('a store over files is not opened with a memory backend', async () => {
  const dir = freshStore('files-mem');
  const before = storeSnapshot(dir);
  assert.is(await code(Store.open(dir, { objectBackend: new MemoryObjectBackend() })), 'ERR_USAGE');
  assert.is(await code(Store.open(dir, { stateBackend: new MemoryStateBackend() })), 'ERR_USAGE');
  assert.is(await code(Store.init(dir, { stateBackend: new MemoryStateBackend() })), 'ERR_USAGE');
  assert.equal(storeSnapshot(dir), before);
  assert.ok((await (await Store.open(dir)).fsck()).ok);
});

t.run();
