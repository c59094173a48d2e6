/**
 * The HistoryBackend contract over files (refs.git, a bare repository stock git reads),
 * and over PostgreSQL (scripts/engines/postgres.sh, started once for this file; skipped
 * by name where it is not installed): plus what only PostgreSQL has to show, a
 * transaction's objects sent in one statement, hosts writing the same objects at once,
 * hosts racing for a guarded ref, the state witness of writers on several hosts, and a
 * store whose state and history are in PostgreSQL through a kill -9 of the server.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { allEntries } from '../../src/store/history/branch-tree.js';
import { createChannel, readChannel } from '../../src/store/channels.js';
import { MemoryObjectBackend } from '../../src/store/memory-object-backend.js';
import { Store } from '../../src/store/store.js';
import type { StoreOptions } from '../../src/store/store.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { FsHistoryBackend } from '../../src/store/history/fs-history-backend.js';
import { GitRepo } from '../../src/store/history/git-repo.js';
import { PgHistoryBackend } from '../../src/store/history/pg-history-backend.js';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';
import type { StoreState } from '../../src/store/state-backend.js';
import { readStoreState, recordState } from '../../src/store/state-witness.js';
import { looseFile, run } from '../contracts/history-backend.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { postgres, testWithEngine } from '../helpers/engines.js';

const t = suite('history backends');

run((name, fn) => t(name, fn), 'files', async () => {
  const root = tempDir('history');
  mkdirSync(join(root, 'tmp'));
  const gitdir = join(root, 'refs.git');
  const backend = new FsHistoryBackend(gitdir, root);
  await backend.init();
  return {
    backend,
    again: () => new FsHistoryBackend(gitdir, root),
    damage: (oid, body) => {
      const path = join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
      chmodSync(path, 0o644);
      writeFileSync(path, looseFile('blob', body));
    },
    damageRef: (name, text) => writeFileSync(join(gitdir, 'refs', ...name.split('/')), `${text}\n`),
  };
});

t('a store is opened only with a history backend of the kind its marker records', async () => {
  const dir = freshStore('history-kind');
  const before = storeSnapshot(dir);
  // never connects: the marker is read first
  const historyBackend = new PgHistoryBackend({ url: 'postgresql://nobody@127.0.0.1:1/none', schema: 'never' });
  const err = await Store.open(dir, { historyBackend }).then(() => null, (e: unknown) => e as BazaarError);
  assert.is(err?.code, 'ERR_USAGE');
  assert.match(err!.message, 'keeps its history in files, not in postgresql: open it without historyBackend');
  assert.equal(storeSnapshot(dir), before, 'the store is unchanged');
  await historyBackend.close();
});

const opened: PgHistoryBackend[] = [];
const closing: PgStateBackend[] = [];
const objectIdText = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
let schemas = 0;
async function pgBackend(schema: string): Promise<PgHistoryBackend> {
  const b = new PgHistoryBackend({ url: (await postgres()).url, schema });
  opened.push(b);
  return b;
}

run((name, fn) => testWithEngine(t, name, 'postgres', fn), 'postgresql', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const backend = await pgBackend(schema);
  await backend.init();
  return {
    backend,
    again: () => pgBackend(schema),
    damage: (oid, body) => backend.corrupt(oid, body),
    damageRef: (name, text) => backend.corruptRef(name, text),
  };
});

/** Counts the statements sent through pg pools while `fn` runs. */
async function statements(fn: () => Promise<void>): Promise<number> {
  const proto = pg.Pool.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) { n++; return original.apply(this, args); };
  try { await fn(); } finally { proto.query = original; }
  return n;
}

testWithEngine(t, 'postgresql: a commit of a transaction (its commit, trees and blobs) is one statement at flush, none before', 'postgres', async () => {
  const backend = await pgBackend(`h${process.pid}_${schemas++}`);
  await backend.init();
  const repo = new GitRepo(backend);
  let head = '';
  const written = await statements(async () => {
    const blobs = Array.from({ length: 40 }, (_, i) => ({ mode: '100644', name: `p${i}`, oid: repo.writeBlob(`value ${i}\n`) }));
    const tree = repo.writeTree([{ mode: '40000', name: 'a', oid: repo.writeTree(blobs) }]);
    head = repo.writeCommit({ tree, parents: [], message: 'add', timestamp: 1_700_000_000 });
  });
  assert.is(written, 0, 'writes are held in memory');
  assert.is(await statements(() => repo.flush()), 1, 'and sent in one statement');
  assert.is(await statements(() => repo.flush()), 0, 'nothing is sent twice');
  assert.is((await new GitRepo(await pgBackend(backend.label.match(/schema (\w+)/)![1])).readCommit(head)).message, 'add');
});

testWithEngine(t, 'postgresql: a walk of a tree reads its entries one query per tree, not one per object; a damaged one is still named', 'postgres', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const writer = new GitRepo(await pgBackend(schema));
  const values = Array.from({ length: 100 }, (_, i) => writer.writeBlob(objectIdText(i)));
  const root = writer.writeTree([
    { mode: '40000', name: 'a', oid: writer.writeTree(values.slice(0, 50).map((oid, i) => ({ mode: '100644', name: `p${i}`, oid }))) },
    { mode: '40000', name: 'b', oid: writer.writeTree(values.slice(50).map((oid, i) => ({ mode: '100644', name: `p${i}`, oid }))) },
  ]);
  await writer.flush();
  const reader = new GitRepo(await pgBackend(schema));
  let entries = new Map<string, string>();
  const sent = await statements(async () => { entries = await allEntries(reader, root); });
  assert.is(entries.size, 100);
  assert.is(entries.get('b/p3'), objectIdText(53));
  assert.ok(sent <= 4, `${sent} statements for 3 trees and 100 values`);
  const damagedAt = values[77];
  await (await pgBackend(schema)).corrupt(damagedAt, Buffer.from(objectIdText(0)));
  const err = await allEntries(new GitRepo(await pgBackend(schema)), root).then(() => null, (e: unknown) => e as BazaarError);
  assert.is(err?.code, 'ERR_STORE_DAMAGED');
  assert.match(err!.message, damagedAt);
});

testWithEngine(t, 'postgresql: hosts writing the same objects at once all succeed and agree', 'postgres', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const hosts = await Promise.all([0, 1, 2].map(() => pgBackend(schema)));
  await hosts[0].init();
  const repos = hosts.map((h) => new GitRepo(h));
  for (let round = 0; round < 5; round++) {
    const oids = repos.map((r, i) => Array.from({ length: 200 }, (_, k) => r.writeBlob(`shared ${round} ${(k * (i + 1)) % 200}\n`)));
    await Promise.all(repos.map((r) => r.flush()));
    for (const list of oids) for (const oid of list) assert.ok(await hosts[(round + 1) % 3].read(oid), `${oid} stored`);
  }
});

testWithEngine(t, 'postgresql: hosts racing to move one guarded ref: exactly one wins each round', 'postgres', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const hosts = await Promise.all([0, 1, 2, 3].map(() => pgBackend(schema)));
  const repos = hosts.map((h) => new GitRepo(h));
  let at: string | null = null;
  for (let round = 0; round < 10; round++) {
    const commits = repos.map((r, i) => r.writeCommit({ tree: r.writeTree([]), parents: [], message: `round ${round} host ${i}`, timestamp: round }));
    const won = await Promise.all(repos.map((r, i) => r.setRefs([[`heads/h${i}`, commits[i]]], { name: 'bazaar/state', from: at, to: commits[i] })));
    assert.is(won.filter(Boolean).length, 1, `one winner in round ${round}: ${won}`);
    const winner = won.indexOf(true);
    at = commits[winner];
    assert.is(await hosts[0].readRef('bazaar/state'), at);
    assert.is(await hosts[1].readRef(`heads/h${winner}`), at, 'the winner\'s refs moved with it');
  }
});

testWithEngine(t, 'postgresql: the state witness of writers on several hosts only moves forward (a late writer does not move it back)', 'postgres', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const url = (await postgres()).url;
  const states = new PgStateBackend({ url, schema });
  closing.push(states);
  const hosts = await Promise.all([0, 1, 2].map(() => pgBackend(schema)));
  const repos = hosts.map((h) => new GitRepo(h));
  const head = (n: number): string => n.toString(16).padStart(40, '0');
  const stateOf = (seq: number): StoreState => ({ seq, time: 1_700_000_000_000 + seq * 1000, heads: { packages: head(seq), [`channels/c${seq}`]: head(100 + seq) } });
  assert.ok(await states.commit(stateOf(1)));
  await recordState(repos[0], stateOf(1));
  for (let seq = 2; seq <= 4; seq++) assert.ok(await states.commit(stateOf(seq)));
  // three writers (hosts) committed states 2, 3 and 4; their witnesses land newest first
  await recordState(repos[2], stateOf(4), stateOf(3));
  await recordState(repos[1], stateOf(3), stateOf(2));
  await recordState(repos[0], stateOf(2), stateOf(1));
  let reading = await readStoreState(states, repos[1]);
  assert.equal(reading.damage, [], 'no damage');
  assert.is(reading.recorded?.seq, 4, 'the record stayed at the newest state');
  // and at once, in any order
  for (let seq = 5; seq <= 7; seq++) assert.ok(await states.commit(stateOf(seq)));
  await Promise.all([recordState(repos[0], stateOf(5), stateOf(4)), recordState(repos[1], stateOf(6), stateOf(5)), recordState(repos[2], stateOf(7), stateOf(6))]);
  reading = await readStoreState(states, repos[0]);
  assert.equal(reading.damage, []);
  assert.is(reading.recorded?.seq, 7);
  assert.equal(Object.fromEntries(await repos[2].readRefs('heads')), stateOf(7).heads, 'the branch refs are the newest state\'s');
  // and it still witnesses: a state row changed by hand is damage, and the record holds the state
  await states.corrupt(7, '{"seq":7,');
  reading = await readStoreState(states, repos[1]);
  assert.ok(reading.damage.length > 0, 'a damaged state row is reported');
  assert.is(reading.source, 'git');
  assert.equal(reading.state, stateOf(7), 'and the state is read from its record');
});

/** The state and history of three hosts over one schema, and states named by their seq. */
async function threeHosts(): Promise<{ states: PgStateBackend; repos: GitRepo[]; stateOf: (seq: number) => StoreState }> {
  const schema = `h${process.pid}_${schemas++}`;
  const states = new PgStateBackend({ url: (await postgres()).url, schema });
  closing.push(states);
  const repos = (await Promise.all([0, 1, 2].map(() => pgBackend(schema)))).map((h) => new GitRepo(h));
  const head = (n: number): string => n.toString(16).padStart(40, '0');
  const stateOf = (seq: number): StoreState => ({ seq, time: 1_700_000_000_000 + seq * 1000, heads: { packages: head(seq), [`channels/c${seq % 2}`]: head(100 + seq) } });
  return { states, repos, stateOf };
}

testWithEngine(t, 'postgresql: a reading during which another host commits and records its state is taken again, not damage (the upload answered 503 "state N is missing")', 'postgres', async () => {
  const { states, repos, stateOf } = await threeHosts();
  assert.ok(await states.commit(stateOf(1)));
  await recordState(repos[0], stateOf(1));
  // host 1 commits and records state 2 right after this host read state 1, before it reads the record and refs
  let between: (() => Promise<void>) | null = async () => {
    assert.ok(await states.commit(stateOf(2)));
    await recordState(repos[1], stateOf(2), stateOf(1));
  };
  const racing = new Proxy(states, {
    get(target, prop) {
      if (prop === 'latest') {
        return async () => {
          const s = await target.latest();
          const run = between;
          between = null;
          if (run) await run();
          return s;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  for (const quick of [false, true]) {
    if (quick) {
      between = async () => { assert.ok(await states.commit(stateOf(3))); await recordState(repos[2], stateOf(3), stateOf(2)); };
    }
    const reading = await readStoreState(racing, repos[0], { quick });
    assert.is(between, null, 'the other host wrote between the reads');
    assert.equal(reading.damage, [], `no damage (quick: ${quick})`);
    assert.is(reading.state.seq, quick ? 3 : 2, 'the newest state is read');
  }
});

testWithEngine(t, 'postgresql: the state record several commits behind, while their writers on other hosts are between commit and record, is a note; a branch ref at no state between is still damage', 'postgres', async () => {
  const { states, repos, stateOf } = await threeHosts();
  assert.ok(await states.commit(stateOf(1)));
  await recordState(repos[0], stateOf(1));
  for (let seq = 2; seq <= 4; seq++) assert.ok(await states.commit(stateOf(seq)));
  // the writer of state 3 has set its refs, not yet the record; those of 2 and 4 nothing yet
  await repos[1].setRefs(Object.entries(stateOf(3).heads).map(([b, c]) => [`heads/${b}`, c] as [string, string]));
  let reading = await readStoreState(states, repos[0]);
  assert.equal(reading.damage, [], 'writers in flight are not damage');
  assert.is(reading.state.seq, 4);
  assert.ok(reading.notes.some((n) => n.includes('3 behind the state (4)')), reading.notes.join('; '));
  await repos[2].setRefs([['heads/packages', 'f'.repeat(40)]]);
  reading = await readStoreState(states, repos[0]);
  assert.ok(reading.damage.some((d) => d.what === 'git ref refs/heads/packages'), JSON.stringify(reading.damage));
});

testWithEngine(t, 'postgresql: kill -9 of PostgreSQL during the writes of a store whose state and history live there: every acknowledged write is there, fsck is clean from another host, and writes go on', 'postgres', async () => {
  const engine = await postgres();
  const schema = `h${process.pid}_${schemas++}`;
  const objectBackend = new MemoryObjectBackend();
  const backends = (): StoreOptions => {
    const stateBackend = new PgStateBackend({ url: engine.url, schema });
    const historyBackend = new PgHistoryBackend({ url: engine.url, schema });
    closing.push(stateBackend);
    opened.push(historyBackend);
    return { objectBackend, stateBackend, historyBackend };
  };
  const store = await Store.init(join(tempDir('pg-store'), 'store'), backends());
  await store.add([sampleRpms()[0]]);
  const acknowledged: string[] = [];
  let killed = false;
  const loop = (async () => {
    for (let i = 0; ; i++) {
      try {
        await createChannel(store, `c${i}`);
        acknowledged.push(`c${i}`);
      } catch (err) {
        if (!killed) throw err;
        assert.instance(err, BazaarError);
        assert.is((err as BazaarError).code, 'ERR_STORE_UNAVAILABLE', (err as Error).message);
        return;
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 600 + Math.floor(Math.random() * 400)));
  killed = true;
  await engine.kill9();
  await loop;
  assert.ok(acknowledged.length > 0, 'writes were acknowledged before the kill');
  await engine.restart();
  const other = await Store.init(join(tempDir('pg-store'), 'store'), backends());
  const report = await other.fsck();
  assert.ok(report.ok, JSON.stringify({ history: report.history, state: report.state, problems: report.problems }));
  for (const name of acknowledged) assert.is((await other.read((v) => readChannel(other, v, name))).name, name, `acknowledged channel ${name} is there`);
  await createChannel(store, 'after');
  await createChannel(other, 'after-other');
  const again = await store.fsck();
  assert.ok(again.ok, JSON.stringify({ history: again.history, state: again.state }));
  assert.equal(again.notes, [], 'the witness is up to date after the next writes');
  assert.ok((await store.read((v) => readChannel(store, v, 'after-other'))), 'each host sees the other\'s write');
});

t.after(async () => { await Promise.all([...opened.splice(0), ...closing.splice(0)].map((b) => b.close().catch(() => {}))); });

t.run();
