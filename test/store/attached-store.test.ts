/**
 * A store attached to the engines (docs/engines.md): objects in S3 (Ceph's RADOS Gateway),
 * state and history in PostgreSQL, and a directory that holds only configuration and
 * caches. A second Store opened on another empty directory with the same backends is a
 * second host: it reads what the first wrote, at once, and fsck is clean on both. Skipped
 * by name where PostgreSQL or Ceph is not installed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { addToChannel, createChannel, readChannel } from '../../src/store/channels.js';
import { packageDetails } from '../../src/store/package-details.js';
import { Store, internals } from '../../src/store/store.js';
import { attachedHost, closeHosts, hostBackends } from '../helpers/attached-hosts.js';
import type { HostBackends } from '../helpers/attached-hosts.js';
import { testWithEngine } from '../helpers/engines.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('attached store (S3 objects, PostgreSQL state and history)');
let stores = 0;
const backendsOf = (name: string): Promise<HostBackends> => hostBackends(name);
const host = (name: string): ReturnType<typeof attachedHost> => attachedHost(name);

/** Every file under `dir`, relative. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

testWithEngine(t, 'packages added and a channel published on one host are listed, shown and fsck-clean from another; no directory holds the history; damaged history rows are found', ['postgres', 'ceph'], async () => {
  const name = `a${process.pid}_${stores++}`;
  const first = await host(name);
  const rpms = sampleRpms();
  assert.ok(rpms.length >= 3, 'the sample packages are there');
  const added = await first.store.add(rpms);
  assert.is(added.length, rpms.length);
  await createChannel(first.store, 'stable');
  const some = added.slice(0, 2).map((a) => a.nevra);
  await addToChannel(first.store, 'stable', some);

  const second = await host(name);
  const listed = (s: Store): Promise<string[]> => s.list().then((l) => l.map((b) => b.nevra).sort());
  assert.equal(await listed(second.store), added.map((a) => a.nevra).sort(), 'the second host lists every package');
  assert.equal(await second.store.latestSeq(), await first.store.latestSeq());
  const shown = await second.store.read((snap) => packageDetails(second.store, snap, some[0]));
  assert.is(`${shown.manifest.name}`, some[0].split('-').slice(0, -2).join('-'), 'show names the package');
  assert.equal(shown.json.id, added[0].id);
  assert.equal((await second.store.read((v) => readChannel(second.store, v, 'stable'))).builds.map((b) => b.nevra).sort(), [...some].sort(), 'the channel as published');

  // a write on the second host is read by the first at once
  await createChannel(second.store, 'testing');
  await addToChannel(second.store, 'testing', [added[2].nevra]);
  assert.equal((await first.store.read((v) => readChannel(first.store, v, 'testing'))).builds.map((b) => b.nevra), [added[2].nevra]);

  for (const h of [first, second]) {
    const report = await h.store.fsck();
    assert.ok(report.ok, JSON.stringify({ problems: report.problems, history: report.history, state: report.state }));
    const reading = await internals(h.store).readState();
    assert.equal(reading.damage, [], 'the state witness (refs in PostgreSQL) agrees with the state');
    assert.is(existsSync(join(h.dir, 'refs.git')), false, 'no refs.git');
    assert.is(existsSync(join(h.dir, 'objects')), false, 'no objects/');
    assert.is(existsSync(join(h.dir, 'state')), false, 'no state/');
    assert.equal(JSON.parse(readFileSync(join(h.dir, 'bazaar-store.json'), 'utf8')), { layout: 4, objects: 's3', states: 'postgresql', history: 'postgresql' });
  }
  // damage in the history rows is found by fsck on a third host (one whose cache never read them)
  const channelHead = (await internals(second.store).readState()).state.heads['channels/stable'];
  const third = await host(name);
  const { historyBackend } = await backendsOf(name);
  await historyBackend.corrupt(channelHead, Buffer.from('tree 0000000000000000000000000000000000000000\n'));
  const damaged = await third.store.fsck();
  assert.not.ok(damaged.ok);
  assert.ok(damaged.history.some((h) => h.branch === 'channels/stable' && (h.commit === channelHead || h.problem.includes(channelHead))), JSON.stringify(damaged.history));

  // the marker holds the host to the backends the store was made with
  const { objectBackend, stateBackend } = await backendsOf(name);
  const refused = await Store.open(second.dir, { objectBackend, stateBackend }).then(() => null, (err: unknown) => err as BazaarError);
  assert.is(refused?.code, 'ERR_USAGE');
  assert.match(refused!.message, 'keeps its history in postgresql, not in files');
  assert.equal(filesUnder(second.dir).filter((f) => !f.startsWith('cache/') && !f.startsWith('tmp/') && !f.startsWith('readers/')), ['bazaar-store.json'], 'the second host holds only its marker and caches');
});

t.after(closeHosts);

t.run();
