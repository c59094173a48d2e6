/**
 * The StateBackend contract: what the store relies on of whatever keeps its state
 * (state-backend.ts): the newest state, a compare-and-swap commit of the next one, old
 * ones pruned but never the newest, a damaged record refused (never believed) and set
 * aside by a repair. Every implementation runs this suite with a factory that gives a
 * fresh, empty backend and a way to damage a stored record.
 */
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import type { StateBackend, StoreState } from '../../src/store/state-backend.js';

export interface StateBackendUnderTest {
  backend: StateBackend;
  /** Overwrites the stored record of state `seq` with `text` (a changed byte, a torn write). */
  damage(seq: number, text: string): void | Promise<void>;
}

const HEAD = (n: number): string => n.toString(16).padStart(40, '0');
const state = (seq: number, extra: Partial<StoreState> = {}): StoreState =>
  ({ seq, time: 1_700_000_000_000 + seq, heads: { packages: HEAD(seq), [`channels/c${seq % 3}`]: HEAD(seq + 100) }, ...extra });

async function damaged(fn: () => Promise<unknown>): Promise<void> {
  try { await fn(); } catch (err) {
    assert.instance(err, BazaarError);
    assert.is((err as BazaarError).code, 'ERR_STORE_DAMAGED');
    return;
  }
  assert.unreachable('a damaged record is refused (ERR_STORE_DAMAGED)');
}

/** Registers a test (uvu's suite, or a wrapper that skips by name where an engine is absent). */
export type Register = (name: string, fn: () => Promise<void>) => void;

export function run(suite: Register, name: string, factory: () => Promise<StateBackendUnderTest>): void {
  suite(`${name}: an empty backend holds the empty state`, async () => {
    const { backend } = await factory();
    assert.type(backend.kind, 'string');
    assert.type(backend.label, 'string');
    assert.equal(await backend.latest(), { seq: 0, time: 0, heads: {} });
    assert.is(await backend.latestSeq(), 0);
    assert.equal(await backend.list(), []);
    assert.is(await backend.read(1), null);
  });

  suite(`${name}: a committed state reads back as it was, gc's horizon included, and is the newest at once`, async () => {
    const { backend } = await factory();
    for (let seq = 1; seq <= 5; seq++) {
      const s = state(seq, seq === 4 ? { prunedBefore: 1_600_000_000 } : {});
      assert.is(await backend.commit(s), true);
      assert.equal(await backend.latest(), s);
      assert.is(await backend.latestSeq(), seq, 'latestSeq follows a commit immediately');
    }
    assert.equal(await backend.read(4), state(4, { prunedBefore: 1_600_000_000 }));
    assert.equal(await backend.read(2), state(2));
    assert.equal(await backend.list(), [1, 2, 3, 4, 5], 'ascending');
    assert.is(await backend.read(6), null, 'a state never written is absent');
  });

  suite(`${name}: commit is a compare-and-swap on the sequence number`, async () => {
    const { backend } = await factory();
    assert.is(await backend.commit(state(1)), true);
    const other = { ...state(1), heads: { packages: HEAD(999) } };
    assert.is(await backend.commit(other), false, 'a second writer of seq 1 loses');
    assert.equal(await backend.read(1), state(1), 'and changes nothing');
    assert.equal(await backend.latest(), state(1));
  });

  suite(`${name}: a stored state is a copy the committer cannot change afterwards`, async () => {
    const { backend } = await factory();
    const s = state(1);
    await backend.commit(s);
    s.heads.packages = HEAD(7);
    s.heads['images/new'] = HEAD(8);
    assert.equal(await backend.read(1), state(1));
    const read = await backend.latest();
    read.heads.packages = HEAD(9);
    assert.equal(await backend.latest(), state(1), 'nor can a reader change it');
  });

  suite(`${name}: prune forgets older states but never the newest`, async () => {
    const { backend } = await factory();
    for (let seq = 1; seq <= 6; seq++) await backend.commit(state(seq));
    await backend.prune(4);
    assert.equal(await backend.list(), [4, 5, 6]);
    assert.is(await backend.read(2), null);
    await backend.prune(100);
    assert.equal(await backend.list(), [6], 'the newest stays');
    assert.equal(await backend.latest(), state(6));
  });

  suite(`${name}: a damaged record is refused, and once set aside it is no longer read`, async () => {
    const { backend, damage } = await factory();
    for (let seq = 1; seq <= 3; seq++) await backend.commit(state(seq));
    await damage(2, '{"seq":2,"time":1700000000002,"heads":{"packages":"' + HEAD(666) + '"},"sum":"0"}\n');
    await damaged(() => backend.read(2));
    await damage(3, '{"seq":3,');
    await damaged(() => backend.read(3));
    await damaged(() => backend.latest());
    assert.type(await backend.setAside(3), 'string');
    assert.type(await backend.setAside(2), 'string');
    assert.equal(await backend.list(), [1]);
    assert.is(await backend.read(3), null);
    assert.equal(await backend.latest(), state(1));
    assert.is(await backend.commit(state(2)), true, 'the next writer takes the number again');
    assert.equal(await backend.latest(), state(2));
  });
}
