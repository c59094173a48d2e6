/**
 * Jobs as rows (store/pg-jobs.ts, docs/engines.md "Jobs") against a real PostgreSQL:
 * several backends over one schema stand for hosts. A job submitted on one is seen and
 * run by another, its upload byte for byte; one claim runs at a time across hosts; a claim
 * whose session ended (its host died) is taken again, and a job that outlives
 * JOB_ATTEMPTS claims fails with ERR_JOB_LOST, its upload dropped; an upload that breaks
 * off queues nothing. Skipped by name without PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JOB_ATTEMPTS } from '../../src/store/job-rows.js';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';
import { postgres, testWithEngine } from '../helpers/engines.js';

const t = suite('jobs as rows (PostgreSQL)');
const opened: PgStateBackend[] = [];
let schemas = 0;

/** `n` hosts over one new schema. */
async function hosts(n: number): Promise<PgStateBackend[]> {
  const engine = await postgres();
  const schema = `jobs${process.pid}_${schemas++}`;
  const made = Array.from({ length: n }, () => new PgStateBackend({ url: engine.url, schema }));
  opened.push(...made);
  return made;
}

async function* chunks(...parts: Buffer[]): AsyncIterable<Buffer> { for (const p of parts) yield p; }

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const got: Buffer[] = [];
  for await (const b of it) got.push(b);
  return Buffer.concat(got);
}

/** Large objects in the database (an upload's bytes). */
async function largeObjects(host: PgStateBackend): Promise<number> {
  const engine = await postgres();
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: engine.url });
  await c.connect();
  try { return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_largeobject_metadata')).rows[0].n); } finally { await c.end(); void host; }
}

testWithEngine(t, 'a job submitted on one host is seen and run by another, its upload byte for byte; one claim at a time across hosts', 'postgres', async () => {
  const [a, b] = await hosts(2);
  // more than one chunk of lo_put (1 MiB), cut at odd places
  const upload = randomBytes((2 << 20) + 12345);
  const submitted = await a.jobs.submit({ id: 'j1', kind: 'overlay', order: { image: 'web', layer: 'web-rw' } }, chunks(upload.subarray(0, 1000), upload.subarray(1000, (1 << 20) + 7), upload.subarray((1 << 20) + 7)));
  assert.is(submitted.status, 'queued');
  await a.jobs.submit({ id: 'j2', kind: 'overlay', order: { image: 'web', layer: 'web-rw' } }, chunks(Buffer.from('second')));
  const seen = await b.jobs.get('j1');
  assert.equal({ status: seen?.status, order: seen?.order, attempts: seen?.attempts }, { status: 'queued', order: { image: 'web', layer: 'web-rw' }, attempts: 0 });

  const claimed = await b.jobs.claim();
  assert.ok(claimed, 'b claims the oldest job');
  assert.is(claimed.record.id, 'j1');
  assert.is(await a.jobs.claim(), null, 'a claims nothing while b runs one (one at a time per store)');
  assert.is((await a.jobs.get('j1'))?.status, 'running');
  assert.ok((await collect(claimed.upload())).equals(upload), 'the upload comes back as submitted');
  await claimed.finish({ result: { layer: { version: '1.0.1' } } });
  assert.equal(await a.jobs.get('j1').then((r) => [r?.status, r?.result]), ['done', { layer: { version: '1.0.1' } }]);

  const second = await a.jobs.claim();
  assert.is(second?.record.id, 'j2', 'once b finished, a claims the next');
  assert.is((await collect(second!.upload())).toString(), 'second');
  await second!.finish({ error: { code: 'ERR_IMAGE', message: 'no such image' } });
  assert.equal((await b.jobs.get('j2'))?.error, { code: 'ERR_IMAGE', message: 'no such image' });
  assert.is(await b.jobs.claim(), null, 'nothing waits');
  assert.is(await a.jobs.get('nope'), undefined);
});

testWithEngine(t, 'a claim whose host died is taken again by another; past the attempts it fails with ERR_JOB_LOST and its upload is dropped', 'postgres', async () => {
  const all = await hosts(JOB_ATTEMPTS + 2);
  const [first] = all;
  const before = await largeObjects(first);
  await first.jobs.submit({ id: 'lost', kind: 'overlay', order: { image: 'web', layer: 'web-rw' } }, chunks(Buffer.from('bytes')));
  assert.is(await largeObjects(first), before + 1, 'the upload is stored beside the row');
  for (let attempt = 1; attempt <= JOB_ATTEMPTS; attempt++) {
    const host = all[attempt];
    const claimed = await host.jobs.claim();
    assert.ok(claimed, `attempt ${attempt} claims the job`);
    assert.is(claimed.record.attempts, attempt);
    assert.is((await first.jobs.get('lost'))?.status, 'running');
    await host.close(); // the host dies: its session, its lock and its claim with it
    // (its session ends as PostgreSQL reads the connection's end: at once, not by a timeout)
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'queued'; i++) { if (i) await new Promise((r) => setTimeout(r, 20)); status = (await first.jobs.get('lost'))?.status; }
    assert.is(status, 'queued', 'a claim of a dead session is waiting again, never running forever');
  }
  assert.is(await all[JOB_ATTEMPTS + 1].jobs.claim(), null, 'out of attempts: failed, not run again');
  const lost = await first.jobs.get('lost');
  assert.is(lost?.status, 'failed');
  assert.is(lost?.error?.code, 'ERR_JOB_LOST');
  assert.match(lost!.error!.message, 'upload it again');
  assert.is(await largeObjects(first), before, 'its upload is dropped');
});

testWithEngine(t, 'an upload that breaks off queues nothing and leaves no bytes behind', 'postgres', async () => {
  const [a] = await hosts(1);
  const before = await largeObjects(a);
  async function* broken(): AsyncIterable<Buffer> { yield randomBytes(3 << 20); throw new Error('the client went away'); }
  await a.jobs.submit({ id: 'broken', kind: 'overlay', order: {} }, broken()).then(() => assert.unreachable('submitted'), (err: Error) => assert.match(err.message, 'recording job broken'));
  assert.is(await a.jobs.get('broken'), undefined);
  assert.is(await largeObjects(a), before);
  assert.is(await a.jobs.claim(), null);
});

// (hosts that "died" above are closed already)
t.after(async () => { for (const b of opened.splice(0)) await b.close().catch(() => {}); });
t.run();
