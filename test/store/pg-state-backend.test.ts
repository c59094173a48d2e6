/**
 * PgStateBackend against a real PostgreSQL 15 (scripts/engines/postgres.sh, started once
 * for this file; skipped by name where it is not installed): the StateBackend contract,
 * the compare-and-swap raced by separate connections pools (hosts), the schema made once
 * by hosts attaching together, kill -9 of the server mid-commit, and no credential in any
 * error.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { PgConnection } from '../../src/store/pg-connection.js';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';
import type { StoreState } from '../../src/store/state-backend.js';
import { run } from '../contracts/state-backend.js';
import { postgres, testWithEngine } from '../helpers/engines.js';

const t = suite('PgStateBackend (PostgreSQL)');
const opened: PgStateBackend[] = [];
let schemas = 0;

/** A backend over a schema no other test uses (a fresh store). */
async function fresh(schema = `t${process.pid}_${schemas++}`, url?: string): Promise<PgStateBackend> {
  const engine = await postgres();
  const b = new PgStateBackend({ url: url ?? engine.url, schema });
  opened.push(b);
  return b;
}

const HEAD = (n: number): string => n.toString(16).padStart(40, '0');
const stateOf = (seq: number, writer = 0): StoreState => ({ seq, time: 1_700_000_000_000 + seq, heads: { packages: HEAD(seq * 1000 + writer), 'images/va': HEAD(writer) } });

async function refusal(p: Promise<unknown>): Promise<BazaarError> {
  try { await p; } catch (err) {
    assert.instance(err, BazaarError);
    return err as BazaarError;
  }
  throw new Error('expected a refusal');
}

run((name, fn) => testWithEngine(t, name, 'postgres', fn), 'postgresql', async () => {
  const backend = await fresh();
  return { backend, damage: (seq, text) => backend.corrupt(seq, text) };
});

testWithEngine(t, 'two hosts race for each seq: exactly one commit wins, the loser changes nothing', 'postgres', async () => {
  const schema = `race${process.pid}`;
  const hosts = [await fresh(schema), await fresh(schema), await fresh(schema)];
  for (let seq = 1; seq <= 25; seq++) {
    const results = await Promise.all(hosts.map((h, i) => h.commit(stateOf(seq, i + 1))));
    assert.is(results.filter(Boolean).length, 1, `one winner of seq ${seq}: ${results}`);
    const winner = results.indexOf(true) + 1;
    for (const h of hosts) assert.equal(await h.read(seq), stateOf(seq, winner), 'every host reads the winner');
  }
  assert.equal(await hosts[2].list(), Array.from({ length: 25 }, (_, i) => i + 1));
  assert.is(await hosts[0].commit(stateOf(27)), false, 'a seq beyond latest + 1 is refused');
  assert.is(await hosts[0].commit(stateOf(25)), false, 'and so is one taken');
  assert.is(await hosts[1].latestSeq(), 25);
});

testWithEngine(t, 'hosts attaching at once to a new schema both make it (no collision)', 'postgres', async () => {
  const schema = `attach${process.pid}`;
  const hosts = await Promise.all([fresh(schema), fresh(schema), fresh(schema), fresh(schema)]);
  assert.equal(await Promise.all(hosts.map((h) => h.latestSeq())), [0, 0, 0, 0]);
  assert.is(await hosts[3].commit(stateOf(1)), true);
  assert.is(await hosts[0].latestSeq(), 1);
});

testWithEngine(t, 'kill -9 of PostgreSQL mid-commit, then restart: each state is there whole or not at all, and nothing acknowledged is lost', 'postgres', async () => {
  const engine = await postgres();
  const writer = await fresh();
  // large records, so that the server is busy with one when it dies
  const big = (seq: number): StoreState => {
    const heads: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) heads[`channels/c${i}`] = HEAD(seq * 10_000 + i);
    return { seq, time: 1_700_000_000_000 + seq, heads };
  };
  const acknowledged: number[] = [];
  let failedSeq = 0;
  let killed = false;
  const loop = (async () => {
    for (let seq = 1; ; seq++) {
      try {
        if (await writer.commit(big(seq))) acknowledged.push(seq);
        else throw new Error(`commit ${seq} lost a race nobody ran`);
      } catch (err) {
        if (!killed) throw err;
        assert.instance(err, BazaarError);
        assert.is((err as BazaarError).code, 'ERR_STORE_UNAVAILABLE');
        failedSeq = seq;
        return;
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 300)));
  killed = true;
  await engine.kill9();
  await loop;
  assert.ok(acknowledged.length > 0, 'commits were acknowledged before the kill');
  assert.is(failedSeq, acknowledged.length + 1, 'the commit in flight failed with a typed error');
  await engine.restart();
  const reader = await fresh(writer.label.match(/schema (\w+)/)![1]);
  const seqs = await reader.list();
  for (const seq of acknowledged) assert.equal(await reader.read(seq), big(seq), `acknowledged state ${seq} is there whole`);
  assert.ok(seqs.length === acknowledged.length || (seqs.length === failedSeq && seqs[seqs.length - 1] === failedSeq), `nothing else but the one in flight: ${seqs.length} kept, ${acknowledged.length} acknowledged`);
  if (seqs.includes(failedSeq)) assert.equal(await reader.read(failedSeq), big(failedSeq), 'the one in flight, if there, is whole');
  const next = seqs.length + 1;
  assert.is(await reader.commit(big(next)), true, 'the next commit after the restart succeeds');
  assert.is(await writer.commit(big(next + 1)), true, 'and the writer that saw the crash carries on with new connections');
});

testWithEngine(t, 'kill -9 of PostgreSQL while a transaction holds a pooled connection (between statements, and mid-statement): the transaction fails, the process lives on, and the pool serves again after a restart', 'postgres', async () => {
  const engine = await postgres();
  const db = new PgConnection({ url: engine.url, schema: `held${process.pid}` }, () => []);
  try {
    // Before the fix the lost connection raised 'error' on a client nobody listened to (the pool listens only while it is idle), and Node ended the process.
    const idle = await refusalOf(db.transaction('holding a connection', async (client) => {
      await client.query('SELECT 1');
      await engine.kill9();
      await new Promise((r) => setTimeout(r, 500)); // the backend's goodbye arrives while no statement runs
      return client.query('SELECT 1');
    }));
    assert.ok(idle.length > 0, 'the statement after the loss is refused');
    await engine.restart();
    const busy = await refusalOf(db.transaction('sleeping', async (client) => {
      const sleeping = client.query('SELECT pg_sleep(20)');
      sleeping.catch(() => undefined); // refused during the kill below, before it is returned
      await new Promise((r) => setTimeout(r, 300));
      await engine.kill9();
      return sleeping;
    }));
    assert.ok(busy.length > 0, 'the statement running at the kill is refused');
    await engine.restart();
    const answer = await db.transaction('after the restart', async (client) => (await client.query('SELECT 41 + 1 AS n')).rows[0] as { n: number });
    assert.is(answer.n, 42, 'a new connection answers');
  } finally { await db.end(); }
});

/** The message `p` is refused with. */
async function refusalOf(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (err) { return (err as Error).message; }
  throw new Error('expected a refusal');
}

/** Polls `fn` until it gives `want` (or 5 s pass); what it gave last. */
async function settles<T>(fn: () => T, want: T): Promise<T> {
  let got = fn();
  for (let i = 0; i < 100 && got !== want; i++) { await new Promise((r) => setTimeout(r, 50)); got = fn(); }
  return got;
}

testWithEngine(t, 'latestSeqNow: a commit or set-aside by another host is announced at once; null, never stale, while PostgreSQL is down', 'postgres', async () => {
  const engine = await postgres();
  const schema = `notify${process.pid}`;
  const [writer, server] = [await fresh(schema), await fresh(schema)];
  assert.is(server.latestSeqNow(), null, 'not known before the backend listens');
  assert.is(await settles(() => server.latestSeqNow(), 0), 0, 'then known without a query');
  for (let seq = 1; seq <= 3; seq++) {
    assert.is(await writer.commit(stateOf(seq)), true);
    assert.is(await settles(() => server.latestSeqNow(), seq), seq, `state ${seq}, committed by another host, is announced`);
  }
  await writer.setAside(3);
  assert.is(await settles(() => server.latestSeqNow(), 2), 2, 'a newest state set aside is announced too');
  await engine.kill9();
  assert.is(await settles(() => server.latestSeqNow(), null), null, 'the server is down: unknown, not a stale number');
  await engine.restart();
  assert.is(await settles(() => server.latestSeqNow(), 2), 2, 'known again after the restart');
  assert.is(await writer.commit(stateOf(3, 9)), true);
  assert.is(await settles(() => server.latestSeqNow(), 3), 3, 'and the listener, reconnected, hears new commits');
});

testWithEngine(t, 'no credential appears in an error, its data, or the label', 'postgres', async () => {
  const engine = await postgres();
  const password = 'Sekr3t-pg-Passw0rd';
  const cases = [
    `postgresql://postgres:${password}@127.0.0.1:${engine.port}/no_such_database`,
    `postgresql://nobody:${password}@127.0.0.1:${engine.port}/postgres`,
    `postgresql://postgres:${password}@127.0.0.1:1/postgres`,
  ];
  for (const url of cases) {
    const b = await fresh('creds', url);
    assert.not.match(b.label, password);
    for (const call of [() => b.latest(), () => b.commit(stateOf(1)), () => b.list()]) {
      const err = await refusal(call());
      assert.is(err.code, 'ERR_STORE_UNAVAILABLE', err.message);
      const shown = `${err.message}\n${JSON.stringify(err)}\n${String(err.stack)}\n${String(err.cause ?? '')}`;
      assert.not.match(shown, password, `no password in: ${err.message}`);
      assert.match(err.message, /127\.0\.0\.1/, 'the message names the server');
    }
  }
  const bad = await refusal((async () => new PgStateBackend({ url: `mysql://root:${password}@h/db` }))());
  assert.is(bad.code, 'ERR_BAD_INPUT');
  assert.not.match(bad.message, password);
});

testWithEngine(t, 'a damaged record is refused with ERR_STORE_DAMAGED naming the database, never the password', 'postgres', async () => {
  const b = await fresh();
  await b.commit(stateOf(1));
  await b.corrupt(1, '{"seq":1,');
  const err = await refusal(b.read(1));
  assert.is(err.code, 'ERR_STORE_DAMAGED');
  assert.match(err.message, /postgresql:\/\/postgres@127\.0\.0\.1/);
});

t.after(async () => { await Promise.all(opened.splice(0).map((b) => b.close().catch(() => {}))); });

t.run();
