/**
 * Channels, pins, rm and gc retention through the library, on repos/sample builds:
 * rule-channels, rule-coexistence, rule-channel-atomic-publish, rule-retention,
 * rule-image-pins, rule-identity (the store refuses a rebuild under a taken NEVRA and
 * changes nothing).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { channelLog, diffChannel, listChannels, resolveChannelRev, restoreChannel } from '../../src/store/channel-history.js';
import { addToChannel, channelBuilds, createChannel, publishChannel, readChannel, removeFromChannel } from '../../src/store/channels.js';
import type { ChannelState } from '../../src/store/channels.js';
import type { ObjectId } from '../../src/store/layout.js';
import { listPins, pinPackage, unpinPackage } from '../../src/store/pins.js';
import { Reachability } from '../../src/store/reachability.js';
import { removePackage } from '../../src/store/remove.js';
import { retentionRoots } from '../../src/store/retention.js';
import { Store, internals } from '../../src/store/store.js';
import type { Snapshot } from '../../src/store/snapshot.js';
import { freshStore } from '../helpers/cli.js';
import { storeContentSnapshot } from '../helpers/store-snapshot.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('channels');
const RPMS = join(projectRoot, 'repos/sample/RPMS');
const rpm = (nevra: string): string => join(RPMS, nevra.slice(nevra.lastIndexOf('.') + 1), `${nevra}.rpm`);
const OPENSSL = ['openssl-1.1.1w-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64'];
const BASH = ['bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64'];
const DAY = 86_400_000;

/** Reads through a fresh snapshot (what every reader does). */
const rd = <T>(store: Store, fn: (s: Snapshot) => Promise<T>): Promise<T> => store.read(fn);
const channel = (store: Store, name: string, commit?: string): Promise<ChannelState> => rd(store, (s) => readChannel(store, s, name, commit));
const find = (store: Store, ref: string): Promise<{ id: ObjectId; manifest: ObjectId; record: ObjectId }> =>
  rd(store, async (s) => { const b = await store.findPackage(s, ref); return { id: b.build.header, manifest: b.build.manifest, record: b.value }; });

async function storeWith(nevras: string[]): Promise<Store> {
  const store = await Store.open(freshStore('channels'));
  await store.add(nevras.map(rpm), { unpack: true }); // the file objects are counted below
  return store;
}

/** Every byte of objects, refs and config, and the index's content (its files churn on open). */
async function snapshot(store: Store): Promise<string[]> {
  return [...storeContentSnapshot(store.dir), ...(await store.list()).map((p) => `index: ${p.key} ${p.value}`)];
}

async function rejects(p: Promise<unknown>, code: string): Promise<Error> {
  try { await p; } catch (err) {
    assert.ok(isBazaarError(err), `a BazaarError, got ${String(err)}`);
    assert.is((err as { code: string }).code, code, (err as Error).message);
    return err as Error;
  }
  throw new assert.Assertion({ message: `expected ${code}`, generated: false, operator: 'rejects', expects: code, actual: 'no error' });
}

/** Every object a build record names: itself, its header, .rpm, manifest, trees and file blobs. */
async function objectsOf(store: Store, record: ObjectId): Promise<Set<ObjectId>> {
  const b = await store.build(record);
  const out = new Set<ObjectId>([record, b.header, b.manifest, ...b.variants.map((v) => v.rpm)]);
  const m = await store.manifest(b.manifest);
  for (const f of m.files) if (f.id) out.add(f.id);
  const walk = async (tree: ObjectId): Promise<void> => {
    out.add(tree);
    const value = JSON.parse((await store.readBytes(tree)).toString('utf8')) as { entries: Array<{ id?: ObjectId; kind: string }> };
    for (const e of value.entries) if (e.id) { if (e.kind === 'dir') await walk(e.id); else out.add(e.id); }
  };
  await walk(m.tree);
  return out;
}

t('rule-channels: create, add and remove are one commit each, logged; removing keeps the build in the store', async () => {
  const store = await storeWith(OPENSSL);
  await createChannel(store, 'sample');
  const add = await addToChannel(store, 'sample', OPENSSL, { message: 'both openssl builds for the VA images' });
  assert.equal([...add.added].sort(), [...OPENSSL].sort(), 'added what was asked');
  const again = await addToChannel(store, 'sample', [OPENSSL[0] as string]);
  assert.is(again.commit, add.commit, 'adding a build already there makes no commit');
  assert.equal(again.unchanged, [OPENSSL[0]]);
  const rm = await removeFromChannel(store, 'sample', [OPENSSL[0] as string]);
  assert.equal(rm.removed, [OPENSSL[0]]);
  const log = await rd(store, (s) => channelLog(store, s, 'sample'));
  assert.is(log.length, 3, 'create, add, remove');
  assert.match(log[2]?.message ?? '', /^create channel sample \(order rpm\)/);
  assert.equal(log[1]?.added, [...OPENSSL].sort());
  assert.match(log[1]?.message ?? '', 'both openssl builds for the VA images');
  assert.equal(log[0]?.removed, [OPENSSL[0]]);
  assert.equal(log[0]?.added, []);
  assert.equal((await rd(store, (s) => diffChannel(store, s, 'sample', 'HEAD~2'))).added, [OPENSSL[1]], 'diff from the empty channel to now');
  assert.equal((await store.list()).map((p) => p.nevra).sort(), [...OPENSSL].sort(), 'both builds still in the store');
  assert.equal((await rd(store, (s) => listChannels(store, s))).map((c) => [c.name, c.builds]), [['sample', 1]]);
});

t('rule-channels: bad names, unknown channels and unknown packages are refused and change nothing', async () => {
  const store = await storeWith(OPENSSL);
  await createChannel(store, 'sample');
  const before = await snapshot(store);
  await rejects(createChannel(store, '../escape'), 'ERR_CHANNEL');
  await rejects(createChannel(store, 'x.lock'), 'ERR_CHANNEL');
  await rejects(createChannel(store, 'sample'), 'ERR_CHANNEL');
  await rejects(addToChannel(store, 'nope', OPENSSL), 'ERR_CHANNEL');
  await rejects(addToChannel(store, 'sample', [OPENSSL[1] as string, 'bash-5.2.26-alt1.x86_64']), 'ERR_PACKAGE_NOT_FOUND');
  await rejects(addToChannel(store, 'sample', ['openssl']), 'ERR_PACKAGE_AMBIGUOUS');
  await rejects(removeFromChannel(store, 'sample', [OPENSSL[0] as string]), 'ERR_PACKAGE_NOT_FOUND');
  await rejects(rd(store, (s) => diffChannel(store, s, 'sample', 'HEAD~5')), 'ERR_CHANNEL');
  assert.equal(await snapshot(store), before);
  assert.is((await channel(store, 'sample')).builds.length, 0, 'the good reference in a bad add was not added');
});

t('rule-coexistence: a channel holding two versions of one name lists both, newest first', async () => {
  const store = await storeWith([...OPENSSL, ...BASH]);
  await createChannel(store, 'sample');
  await addToChannel(store, 'sample', [...OPENSSL, ...BASH]);
  const listed = (await channelBuilds(store, await channel(store, 'sample'))).map((b) => b.nevra);
  assert.equal(listed, ['bash-5.2.26-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64', 'openssl-1.1.1w-alt1.x86_64']);
});

t('rule-coexistence: an alt-order channel records its order and lists by it', async () => {
  const store = await storeWith(BASH);
  await createChannel(store, 'sisyphus', { order: 'alt', priorityBranch: 'sisyphus' });
  assert.equal((await channel(store, 'sisyphus')).settings, { order: 'alt', priorityBranch: 'sisyphus' });
  await rejects(createChannel(store, 'rpmish', { priorityBranch: 'p11' }), 'ERR_CHANNEL');
  await addToChannel(store, 'sisyphus', ['bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64']);
  assert.equal((await channelBuilds(store, await channel(store, 'sisyphus'))).map((b) => b.release), ['alt2', 'alt1']);
});

t('rule-channel-atomic-publish: publish replaces the whole set in one commit, or changes nothing', async () => {
  const store = await storeWith([...OPENSSL, ...BASH]);
  await createChannel(store, 'p11');
  await addToChannel(store, 'p11', [OPENSSL[0] as string, BASH[0] as string]);
  const head = (await channel(store, 'p11')).commit;
  const before = await snapshot(store);
  await rejects(publishChannel(store, 'p11', [OPENSSL[1] as string, BASH[1] as string, 'no-such-1-1.x86_64']), 'ERR_PACKAGE_NOT_FOUND');
  assert.equal(await snapshot(store), before, 'a failed publish wrote nothing');
  const r = await publishChannel(store, 'p11', [OPENSSL[1] as string, BASH[1] as string, BASH[0] as string]);
  assert.equal(r.added.sort(), [BASH[1], OPENSSL[1]].sort());
  assert.equal(r.removed, [OPENSSL[0]]);
  const log = await rd(store, async (s) => s.log('channels/p11'));
  assert.is(log.length, 3, 'create, add, one publish commit');
  assert.is(log[1]?.oid, head, 'the publish commit sits directly on the old head');
  assert.equal((await channel(store, 'p11')).builds.map((b) => b.nevra).sort(), [BASH[0], BASH[1], OPENSSL[1]].sort());
});

t('rule-identity: a different build under a taken NEVRA is refused and the store is byte-for-byte unchanged', async () => {
  const store = await storeWith(['va-watchdog-1.5-alt3.noarch', ...OPENSSL]);
  await createChannel(store, 'sample');
  const before = await snapshot(store);
  const rebuild = join(projectRoot, 'test/fixtures/rebuild/va-watchdog-1.5-alt3.noarch.rpm');
  const err = await rejects(store.add([rebuild]), 'ERR_NEVRA_CONFLICT');
  assert.match(err.message, 'va-watchdog-1.5-alt3.noarch');
  assert.match(err.message, rebuild);
  await rejects(store.add([rpm('bash-5.2.26-alt1.x86_64'), rebuild], { channel: 'sample' }), 'ERR_NEVRA_CONFLICT');
  assert.equal(await snapshot(store), before);
  const same = await store.add([rpm('va-watchdog-1.5-alt3.noarch')]);
  assert.is(same[0]?.added, false, 'the same build again is idempotent');
  assert.equal(await snapshot(store), before, 'and idempotent means nothing written');
});

t('rule-channels: add --channel puts new and already stored builds in the channel under the same lock', async () => {
  const store = await storeWith([OPENSSL[0] as string]);
  await createChannel(store, 'sample');
  await rejects(store.add([rpm(OPENSSL[1] as string)], { channel: 'nope' }), 'ERR_CHANNEL');
  assert.is((await store.list()).length, 1, 'an unknown channel refuses the add before anything is stored');
  await store.add(OPENSSL.map(rpm), { channel: 'sample' });
  assert.equal((await channel(store, 'sample')).builds.map((b) => b.nevra).sort(), [...OPENSSL].sort());
});

t('rule-retention: gc keeps a build removed from channel and store while history in the window reaches it, then deletes only its unshared objects', async () => {
  const store = await storeWith(BASH);
  writeFileSync(join(store.dir, 'config.json'), JSON.stringify({ retention: { days: 30 } }));
  await createChannel(store, 'sample');
  await addToChannel(store, 'sample', BASH);
  const old = await find(store, BASH[0] as string);
  const kept = await find(store, BASH[1] as string);
  const oldObjects = await objectsOf(store, old.record);
  const keptObjects = await objectsOf(store, kept.record);
  const shared = [...oldObjects].filter((id) => keptObjects.has(id));
  const unique = [...oldObjects].filter((id) => !keptObjects.has(id));
  assert.ok(shared.length > 0 && unique.length > 0, `bash alt1 and alt2 share some files (${shared.length}) and not others (${unique.length})`);

  await rejects(removePackage(store, BASH[0] as string), 'ERR_PACKAGE_IN_USE');
  await removeFromChannel(store, 'sample', [BASH[0] as string]);
  assert.is((await store.gc()).deleted, 0, 'still in packages: nothing to delete');
  await removePackage(store, BASH[0] as string);
  await rejects(find(store, BASH[0] as string), 'ERR_PACKAGE_NOT_FOUND');

  const inWindow = await store.gc({ now: Date.now() + 29 * DAY });
  assert.is(inWindow.retentionDays, 30, 'the window comes from config.json');
  assert.is(inWindow.deleted, 0);
  for (const id of oldObjects) assert.ok(await store.has(id), `${id} kept inside the window`);

  const after = await store.gc({ now: Date.now() + 31 * DAY });
  assert.is(after.deleted, unique.length, 'exactly the unshared objects of the old build');
  for (const id of unique) assert.not.ok(await store.has(id), `${id} deleted after the window`);
  for (const id of keptObjects) assert.ok(await store.has(id), `${id} (alt2, incl. files shared with alt1) kept`);
  const fsck = await store.fsck();
  assert.equal([fsck.problems, fsck.history], [[], []], 'pruned history is not damage');
  assert.ok(fsck.ok);
  assert.is(fsck.pruned, 1, 'fsck counts the pruned build record (what it named is unknowable once it is gone)');
  assert.is((await rd(store, (s) => channelLog(store, s, 'sample')))[1]?.added.length, 2, 'history itself is never rewritten');
});

t('rule-retention: --retention-days overrides the config; 0 keeps current states only', async () => {
  const store = await storeWith(OPENSSL);
  await createChannel(store, 'sample');
  await addToChannel(store, 'sample', OPENSSL);
  await removeFromChannel(store, 'sample', [OPENSSL[0] as string]);
  await removePackage(store, OPENSSL[0] as string);
  const { roots } = await rd(store, (s) => retentionRoots(store.dir, s, internals(store).states, { retentionDays: 0 }));
  assert.ok(roots.every((r) => r.live), 'only kept states');
  assert.equal(roots.map((r) => r.branch).sort(), ['channels/sample', 'packages']);
  assert.ok((await store.gc({ retentionDays: 1 })).deleted === 0);
  const r = await store.gc({ retentionDays: 0 });
  assert.ok(r.deleted > 0);
  await rejects(store.gc({ retentionDays: -1 }), 'ERR_BAD_INPUT');
  writeFileSync(join(store.dir, 'config.json'), '{"retention": {"days": "forever"}}');
  await rejects(store.gc(), 'ERR_BAD_INPUT');
});

t('rule-image-pins: a pin reaches its build for gc, and rm refuses a pinned build', async () => {
  const store = await storeWith(BASH);
  await pinPackage(store, BASH[0] as string, 'core-os 11.0 requires it');
  const pinned = await find(store, BASH[0] as string);
  assert.equal((await rd(store, (s) => listPins(store, s))).map((p) => [p.nevra, p.reason]), [[BASH[0], 'core-os 11.0 requires it']]);
  await rejects(removePackage(store, BASH[0] as string), 'ERR_PACKAGE_IN_USE');
  await rd(store, async (s) => {
    const pinsOnly = (await retentionRoots(store.dir, s, internals(store).states, { retentionDays: 0 })).roots.filter((r) => r.branch === 'pins');
    const reach = new Reachability(internals(store).objects);
    await reach.walk(s, pinsOnly);
    assert.equal(await reach.problems(), []);
    for (const id of await objectsOf(store, pinned.record)) assert.ok(reach.reaches(id), `the pin alone reaches ${id}`);
  });
  await unpinPackage(store, 'bash');
  assert.equal(await rd(store, (s) => listPins(store, s)), []);
  // by build id, as pin takes it (the header's or the record's): the pins hold pin records, not headers
  for (const id of [pinned.id, pinned.record]) {
    await pinPackage(store, id, 'by id');
    assert.is((await unpinPackage(store, id)).nevra, BASH[0], `unpinned by ${id}`);
    assert.equal(await rd(store, (s) => listPins(store, s)), []);
    await rejects(unpinPackage(store, id), 'ERR_PACKAGE_NOT_FOUND');
  }
  await rejects(unpinPackage(store, 'bash'), 'ERR_PACKAGE_NOT_FOUND');
  await removePackage(store, BASH[0] as string);
  assert.is((await store.gc({ retentionDays: 0 })).deleted > 0, true, 'unpinned and removed: gc may delete it');
});

t('rule-channels: a past state is restored as a new commit; one whose build left the store names it', async () => {
  const store = await storeWith(OPENSSL);
  await createChannel(store, 'sample');
  await addToChannel(store, 'sample', OPENSSL);
  const both = (await channel(store, 'sample')).commit;
  await removeFromChannel(store, 'sample', OPENSSL);
  const r = await restoreChannel(store, 'sample', both);
  assert.equal([...r.added].sort(), [...OPENSSL].sort());
  assert.is((await rd(store, async (s) => s.log('channels/sample'))).length, 4, 'create, add, remove, restore: nothing rewritten');
  assert.is(await rd(store, async (s) => resolveChannelRev(s, 'sample', both.slice(0, 8))), both);
  await removeFromChannel(store, 'sample', [OPENSSL[0] as string]);
  await removePackage(store, OPENSSL[0] as string);
  const err = await rejects(restoreChannel(store, 'sample', both), 'ERR_PACKAGE_NOT_FOUND');
  assert.match(err.message, OPENSSL[0] as string);
  assert.equal((await channel(store, 'sample')).builds.map((b) => b.nevra), [OPENSSL[1]], 'a refused restore changes nothing');
});

t.run();
