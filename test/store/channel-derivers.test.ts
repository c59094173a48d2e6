/**
 * Store.onChannelCommit: derived data of a channel made after each write that moves it,
 * once the writers' lock is free; a failure is a notice, and the commit stands.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createChannel, deleteChannel, readChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from '../helpers/cli.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('channel derivers');
const rpm = join(projectRoot, 'repos/sample/RPMS/noarch/setup-2.2.9-alt1.noarch.rpm');

t('run once per write that moves a channel, after the lock is released, never for a deleted one', async () => {
  const notices: string[] = [];
  const store = await Store.init(freshStore('derivers'), { onNotice: (l) => notices.push(l) });
  const seen: string[] = [];
  store.onChannelCommit(async (channel) => {
    seen.push(channel);
    // the lock is free: another write may run from here (it moves no channel)
    await store.write(async () => undefined);
  });
  await createChannel(store, 'one');
  await createChannel(store, 'two');
  await store.add([rpm], { channel: 'one' });
  await store.add([rpm]); // moves no channel
  await deleteChannel(store, 'two');
  assert.equal(seen, ['one', 'two', 'one']);
  assert.equal(notices, []);
});

t('a failing deriver is a notice; the commit stands', async () => {
  const notices: string[] = [];
  const store = await Store.init(freshStore('derivers-fail'), { onNotice: (l) => notices.push(l) });
  store.onChannelCommit(async () => { throw new Error('disk on fire'); });
  await createChannel(store, 'c');
  await store.add([rpm], { channel: 'c' });
  const state = await store.read((view) => readChannel(store, view, 'c'));
  assert.is(state.builds.length, 1, 'the add is committed');
  assert.ok(notices.some((l) => l.includes('channel c: derived data not prepared (disk on fire)')), notices.join('\n'));
});

t('background: the write returns first; a channel that moves again before its turn is derived once more, not once per write', async () => {
  const notices: string[] = [];
  const store = await Store.init(freshStore('derivers-background'), { onNotice: (l) => notices.push(l) });
  const seen: string[] = [];
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => { open = resolve; });
  store.onChannelCommit(async (channel) => {
    seen.push(channel);
    await gate;
    if (channel === 'bad') throw new Error('disk on fire');
  }, { background: true });
  await createChannel(store, 'one');
  await store.add([rpm], { channel: 'one' }); // returns while 'one' is being derived
  await createChannel(store, 'bad');
  await deleteChannel(store, 'bad');
  await createChannel(store, 'two');
  await deleteChannel(store, 'two');
  assert.equal(seen, ['one'], 'the writes did not wait for the derivation');
  open();
  await store.derived();
  assert.equal(seen, ['one', 'one', 'bad', 'two'], 'each channel queued once while it waited');
  const second: string[] = [];
  store.onChannelCommit(async (channel) => { second.push(channel); }, { background: true });
  await createChannel(store, 'three');
  await createChannel(store, 'four');
  await store.derived();
  assert.equal(seen.slice(4), ['three', 'four'], 'the first background deriver again');
  assert.equal(second, ['three', 'four'], 'and a second one, for each channel');
  assert.equal(notices, ['channel bad: derived data not prepared (disk on fire); the first reader makes it']);
});

t.run();
