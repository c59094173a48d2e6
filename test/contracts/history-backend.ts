/**
 * The HistoryBackend contract (src/store/history/history-backend.ts): what GitRepo relies
 * on of wherever git objects and refs live. Every implementation runs this suite with a
 * factory that gives a fresh, empty backend, a second backend over the same place (another
 * host, or the next process), and ways to damage a stored object or ref.
 */
import { deflateSync } from 'node:zlib';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { GitRepo } from '../../src/store/history/git-repo.js';
import type { HistoryBackend } from '../../src/store/history/history-backend.js';
import type { Register } from './state-backend.js';

export interface HistoryBackendUnderTest {
  backend: HistoryBackend;
  /** Another backend over the same history (another host, a later process). */
  again(): HistoryBackend | Promise<HistoryBackend>;
  /** Replaces the stored copy of `oid` with one whose body is `body` (a changed byte, a torn write). */
  damage(oid: string, body: Buffer): void | Promise<void>;
  /** Writes `text` where ref `name` is kept. */
  damageRef(name: string, text: string): void | Promise<void>;
}

const someOid = (n: number): string => n.toString(16).padStart(40, 'a');

async function damaged(p: Promise<unknown>, oid: string): Promise<void> {
  try { await p; } catch (err) {
    assert.instance(err, BazaarError);
    assert.is((err as BazaarError).code, 'ERR_STORE_DAMAGED');
    assert.match((err as BazaarError).message, oid);
    return;
  }
  assert.unreachable('a damaged object is refused (ERR_STORE_DAMAGED)');
}

export function run(suite: Register, name: string, factory: () => Promise<HistoryBackendUnderTest>): void {
  suite(`${name}: an empty history has no object and no ref`, async () => {
    const { backend } = await factory();
    assert.type(backend.kind, 'string');
    assert.type(backend.label, 'string');
    assert.is(await backend.read(someOid(1)), null);
    assert.is(await backend.readRef('heads/packages'), null);
    assert.equal([...await backend.readRefs('heads')], []);
  });

  suite(`${name}: a write is readable at once, and by another host once a ref names it (setRefs flushes first)`, async () => {
    const u = await factory();
    const repo = new GitRepo(u.backend);
    const blob = repo.writeBlob('value\n');
    const tree = repo.writeTree([{ mode: '100644', name: 'v', oid: blob }, { mode: '40000', name: 'd', oid: repo.writeTree([]) }]);
    const first = repo.writeCommit({ tree, parents: [], message: 'one', timestamp: 1_700_000_000 });
    const second = repo.writeCommit({ tree, parents: [first], message: 'two', timestamp: 1_700_000_100 });
    assert.equal(await u.backend.read(blob), { type: 'blob', body: Buffer.from('value\n') }, 'readable before any flush');
    await repo.setRef('heads/packages', second);
    const other = new GitRepo(await u.again());
    assert.is(await other.readRef('heads/packages'), second);
    assert.equal((await other.log(second)).map((c) => [c.message, c.timestamp]), [['two', 1_700_000_100], ['one', 1_700_000_000]]);
    assert.equal((await other.readTree(tree)).map((e) => e.name), ['d', 'v']);
    assert.is((await other.readBlob(blob)).toString(), 'value\n');
  });

  suite(`${name}: flush makes writes durable for another host; writing an object twice is harmless`, async () => {
    const u = await factory();
    const repo = new GitRepo(u.backend);
    const oids = Array.from({ length: 300 }, (_, i) => repo.writeBlob(`blob ${i}\n`));
    repo.writeBlob('blob 7\n');
    await repo.flush();
    await repo.flush();
    const again = await u.again();
    for (const [i, oid] of oids.entries()) assert.equal((await again.read(oid))?.body.toString(), `blob ${i}\n`);
    // another writer of the same objects (another host) changes nothing
    const other = new GitRepo(again);
    for (let i = 0; i < 300; i += 50) other.writeBlob(`blob ${i}\n`);
    await other.flush();
    assert.equal((await u.backend.read(oids[50]))?.body.toString(), 'blob 50\n');
  });

  suite(`${name}: a stored object that does not hash to its id is damage, never an answer; its next writer repairs it`, async () => {
    const u = await factory();
    const repo = new GitRepo(u.backend);
    const oid = repo.writeBlob('the real value\n');
    await repo.flush();
    await u.damage(oid, Buffer.from('another value\n'));
    await damaged((await u.again()).read(oid), oid);
    await damaged(new GitRepo(await u.again()).readBlob(oid), oid);
    const writer = new GitRepo(await u.again());
    assert.is(writer.writeBlob('the real value\n'), oid);
    await writer.flush();
    assert.equal((await (await u.again()).read(oid))?.body.toString(), 'the real value\n', 'rewritten whole');
  });

  suite(`${name}: refs are set, listed (nested names, sorted), removed, and unreadable text is 'garbage'`, async () => {
    const u = await factory();
    const repo = new GitRepo(u.backend);
    const c = repo.writeCommit({ tree: repo.writeTree([]), parents: [], message: 'x', timestamp: 1 });
    await repo.setRefs([['heads/packages', c], ['heads/channels/stable', c], ['heads/channels/a', c], ['bazaar/state', c]]);
    assert.equal([...await u.backend.readRefs('heads')], [['channels/a', c], ['channels/stable', c], ['packages', c]]);
    assert.equal([...(await u.backend.readRefs('heads/channels')).keys()], ['a', 'stable']);
    assert.equal([...(await u.backend.readRefs('bazaar')).keys()], ['state']);
    await repo.setRefs([['heads/channels/a', null], ['heads/packages', c]]);
    assert.equal(await new GitRepo(await u.again()).listRefs('heads'), ['channels/stable', 'packages']);
    assert.is(await u.backend.readRef('heads/channels/a'), null);
    await u.damageRef('heads/packages', 'not a commit id');
    assert.is(await u.backend.readRef('heads/packages'), 'garbage');
    assert.is((await u.backend.readRefs('heads')).get('packages'), 'garbage');
  });

  suite(`${name}: a guarded move happens only from the value read (a compare-and-swap), and the other refs move only with it`, async () => {
    const u = await factory();
    const repo = new GitRepo(u.backend);
    const [a, b, c] = [1, 2, 3].map((n) => repo.writeCommit({ tree: repo.writeTree([]), parents: [], message: `c${n}`, timestamp: n }));
    const guard = (from: string | null, to: string): { name: string; from: string | null; to: string } => ({ name: 'bazaar/state', from, to });
    assert.is(await repo.setRefs([['heads/x', a]], guard(null, a)), true, 'absent as expected');
    assert.is(await repo.setRefs([['heads/x', b]], guard(null, b)), false, 'not absent any more');
    assert.is(await repo.setRefs([['heads/x', c], ['heads/y', c]], guard(b, c)), false, 'not at b');
    const other = await u.again();
    assert.equal([...await other.readRefs('heads')], [['x', a]], 'nothing moved with a failed guard');
    assert.is(await other.readRef('bazaar/state'), a);
    assert.is(await repo.setRefs([['heads/x', c], ['heads/y', c]], guard(a, c)), true);
    assert.equal([...await other.readRefs('heads')], [['x', c], ['y', c]]);
    assert.is(await other.readRef('bazaar/state'), c);
    // another host's commit named by a guarded move reads there (flushed before the refs)
    assert.is((await new GitRepo(other).readCommit(c)).message, 'c3');
  });

  suite(`${name}: an id that is not in the history reads as missing (ERR_STORE_DAMAGED), never as empty`, async () => {
    const u = await factory();
    const repo = new GitRepo(u.backend);
    await damaged(repo.readCommit(someOid(2)), someOid(2));
    assert.is(await repo.exists(someOid(2)), false);
  });
}

/** A loose object file holding `body` under `oid`'s name (a damaged copy for files). */
export function looseFile(type: string, body: Buffer): Buffer {
  return deflateSync(Buffer.concat([Buffer.from(`${type} ${body.length}\u0000`), body]));
}
