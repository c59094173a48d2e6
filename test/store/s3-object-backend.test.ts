/**
 * S3ObjectBackend against a real Ceph RADOS Gateway (scripts/engines/ceph-rgw.sh, a
 * one-node cluster started once for this file, about 15 s; skipped by name where Ceph is
 * not installed): the ObjectBackend contract, If-None-Match honoured, multipart uploads
 * and ranged reads, hosts writing the same object at once, staging swept only after the
 * grace period, kill -9 of the gateway mid-upload, and no credential in any error.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { objectIdOf } from '../../src/store/layout.js';
import type { ObjectId } from '../../src/store/layout.js';
import { S3ObjectBackend } from '../../src/store/s3-object-backend.js';
import type { S3ObjectOptions } from '../../src/store/s3-object-backend.js';
import { bytes, listed, put, run, streamed, written } from '../contracts/object-backend.js';
import { cephGateway, testWithEngine } from '../helpers/engines.js';

const t = suite('S3ObjectBackend (Ceph RADOS Gateway)');
const BUCKET = 'bazaar-test';
const opened: S3ObjectBackend[] = [];
let prefixes = 0;
let bucketMade: Promise<void> | null = null;

/** A backend over a key prefix no other test uses (a fresh store), 5 MiB parts. */
async function fresh(options: Partial<S3ObjectOptions> = {}): Promise<S3ObjectBackend> {
  const engine = await cephGateway();
  const b = new S3ObjectBackend({
    bucket: BUCKET, endpoint: engine.endpoint, region: engine.region, prefix: `t${prefixes++}/`, partSize: 5 << 20,
    credentials: { accessKeyId: engine.accessKeyId, secretAccessKey: engine.secretAccessKey }, ...options,
  });
  opened.push(b);
  if (b.bucket === BUCKET) {
    bucketMade ??= b.ensureBucket();
    await bucketMade;
  }
  return b;
}

/** Keys under the backend's staging/ and its unfinished uploads. */
async function leftovers(b: S3ObjectBackend, prefix: string): Promise<{ keys: number; uploads: number }> {
  const keys = await b.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}staging/` }));
  const uploads = await b.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${prefix}staging/` }));
  return { keys: keys.KeyCount ?? 0, uploads: uploads.Uploads?.length ?? 0 };
}

/** Records the S3 operations a backend sends, with their Range header. */
function recorded(b: S3ObjectBackend): Array<{ op: string; range?: string }> {
  const log: Array<{ op: string; range?: string }> = [];
  b.client.middlewareStack.add((next, context) => async (args) => {
    const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
    log.push({ op: String(context.commandName), ...(headers.range ? { range: headers.range } : {}) });
    return next(args);
  }, { step: 'finalizeRequest', name: 'recordForTest' });
  return log;
}

async function refusal(p: Promise<unknown>): Promise<BazaarError> {
  try { await p; } catch (err) {
    assert.instance(err, BazaarError, String(err));
    return err as BazaarError;
  }
  throw new Error('expected a refusal');
}

run((name, fn) => testWithEngine(t, name, 'ceph', fn), 's3', async () => {
  const backend = await fresh();
  return {
    backend,
    damage: async (id: ObjectId) => {
      const b = Buffer.from((await backend.readWhole(id))!);
      b[Math.floor(b.length / 2)] ^= 0x10;
      await backend.corrupt(id, b);
    },
  };
});

testWithEngine(t, 'If-None-Match is honoured: a second write of an id never overwrites it; only a loose (repair) write does', 'ceph', async () => {
  const b = await fresh();
  for (const size of [1000, 6 << 20]) {
    const first = bytes('the first bytes under this id ', size);
    const other = bytes('OTHER bytes claiming the same id ', size);
    const id = objectIdOf(first);
    await b.commit([{ ...(await written(b, first, size > 1000 ? { chunks: 3 } : {})), id }]);
    await b.commit([{ ...(await written(b, other, size > 1000 ? { chunks: 3 } : {})), id }]);
    assert.ok((await b.readWhole(id))?.equals(first), `the first write stays (${size} bytes)`);
    await b.commit([{ ...(await written(b, other, { loose: true, ...(size > 1000 ? { chunks: 3 } : {}) })), id }]);
    assert.ok((await b.readWhole(id))?.equals(other), `a repair replaces it (${size} bytes)`);
  }
});

testWithEngine(t, 'a large object goes up by multipart upload from staging/, is read by ranged GETs, and leaves nothing staged', 'ceph', async () => {
  const prefix = `t${prefixes}/`;
  const b = await fresh();
  const log = recorded(b);
  const data = Buffer.alloc(12 << 20);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  const slot = await b.createSlot();
  for (let at = 0; at < data.length; at += 1 << 20) await slot.append(data.subarray(at, at + (1 << 20)));
  await slot.close();
  assert.equal(log.filter((e) => e.op === 'UploadPartCommand').length, 3, 'three parts of 5, 5 and 2 MiB');
  assert.equal(await leftovers(b, prefix), { keys: 1, uploads: 0 }, 'the finished upload waits in staging/');
  assert.equal(await listed(b), [], 'where no reader lists it');
  const id = objectIdOf(data);
  await b.commit([{ id, slot: slot.token, size: data.length }]);
  assert.equal(await leftovers(b, prefix), { keys: 0, uploads: 0 }, 'its commit leaves nothing staged');
  log.length = 0;
  assert.ok((await streamed(b, id))?.equals(data), 'streamed as written');
  assert.equal(log.filter((e) => e.op === 'GetObjectCommand').map((e) => e.range), ['bytes=0-5242879', 'bytes=5242880-10485759', 'bytes=10485760-15728639']);
  assert.is(await b.storedSize(id), data.length);
});

testWithEngine(t, 'two hosts writing the same objects at once both succeed, and the objects are whole', 'ceph', async () => {
  const prefix = `t${prefixes++}/`;
  const a = await fresh({ prefix });
  const b = await fresh({ prefix });
  const datas = [bytes('shared small ', 3000), bytes('shared large ', 7 << 20)];
  await Promise.all([a, b].map(async (host) => host.commit(await Promise.all(datas.map((d, i) => written(host, d, i ? { chunks: 4 } : {}))))));
  for (const d of datas) {
    assert.ok((await a.readWhole(objectIdOf(d)))?.equals(d));
    assert.ok((await streamed(b, objectIdOf(d)))?.equals(d));
  }
  assert.equal(await listed(b), datas.map((d) => objectIdOf(d)).sort());
});

testWithEngine(t, 'gc grace: staging leftovers are swept only once older than the grace period, and a found object is renewed', 'ceph', async () => {
  const prefix = `t${prefixes}/`;
  const b = await fresh();
  const abandoned = await b.createSlot();
  await abandoned.append(bytes('an upload its writer abandoned ', 6 << 20)); // one part sent: an unfinished upload
  const closed = await b.createSlot();
  await closed.append(bytes('a staged object never committed ', 6 << 20));
  await closed.close();
  assert.equal(await leftovers(b, prefix), { keys: 1, uploads: 1 });
  assert.is(await b.sweepStaging(), 0, 'within the grace period (a writer on another host may be at work) nothing goes');
  assert.equal(await leftovers(b, prefix), { keys: 1, uploads: 1 });
  await new Promise((r) => setTimeout(r, 1100));
  assert.is(await b.sweepStaging(1000), 2, 'older than the grace period, both go');
  assert.equal(await leftovers(b, prefix), { keys: 0, uploads: 0 });

  const data = bytes('an old object written again ', 500);
  const id = await put(b, data);
  const times = async (): Promise<number> => { for await (const o of b.listWithTimes()) if ('id' in o && o.id === id) return o.lastModified.getTime(); return -1; };
  const before = await times();
  await new Promise((r) => setTimeout(r, 1100));
  await put(b, data);
  assert.ok((await times()) > before, 'a write that found the object renewed its LastModified');
});

testWithEngine(t, 'a batched presence check names exactly the ids that are not there', 'ceph', async () => {
  const b = await fresh();
  const present: ObjectId[] = [];
  for (let i = 0; i < 50; i++) present.push(await put(b, Buffer.from(`present ${i}\n`)));
  const absent = Array.from({ length: 30 }, (_, i) => objectIdOf(Buffer.from(`absent ${i}\n`)));
  const asked = [...present, ...absent].sort();
  assert.equal(await b.missing(asked), asked.filter((id) => absent.includes(id)), 'in the order asked');
  await b.deleteAll(present.slice(0, 5));
  assert.equal((await b.missing(present)).sort(), present.slice(0, 5).sort(), 'deleted ones are missing');
  assert.equal(await b.missing([]), []);
});

testWithEngine(t, 'one commit staging the same bytes twice puts them once (a second PUT would meet a 412 and a renewing copy); both staged, readable once committed, nothing left staged', 'ceph', async () => {
  const b = await fresh();
  const data = Buffer.from('the same file in two packages\n');
  const [first, second] = [await written(b, data), await written(b, data)];
  const log = recorded(b);
  await b.commit([first, second]);
  assert.equal(log.map((e) => e.op), ['PutObjectCommand'], 'one PUT, no 412 answered by a HEAD and a copy');
  assert.ok((await b.readWhole(first.id))?.equals(data), 'readable');
  assert.equal(await leftovers(b, `t${prefixes - 1}/`), { keys: 0, uploads: 0 });
});

testWithEngine(t, 'kill -9 of the gateway mid-upload, then restart: the upload is a typed error, nothing half-written is visible, what was committed is whole', 'ceph', async () => {
  const engine = await cephGateway();
  const b = await fresh();
  const kept = bytes('committed before the kill ', 6 << 20);
  const keptId = await put(b, kept, { chunks: 2 });
  const slot = await b.createSlot();
  await slot.append(bytes('half an upload ', 5 << 20));
  await engine.kill9Gateway();
  const err = await refusal((async () => { await slot.append(bytes('the rest ', 5 << 20)); await slot.close(); })());
  assert.is(err.code, 'ERR_STORE_UNAVAILABLE', err.message);
  assert.match(err.message, /s3:\/\/bazaar-test/);
  await engine.restartGateway();
  assert.equal(await listed(b), [keptId], 'only the committed object');
  assert.ok((await streamed(b, keptId))?.equals(kept));
  assert.ok(await b.has(await put(b, bytes('written after the restart ', 100))), 'and writes go on');
});

testWithEngine(t, 'no credential appears in an error, its data, or the label', 'ceph', async () => {
  const engine = await cephGateway();
  const secret = 'wrong-secret-key-0123456789abcdefABCDEF';
  const cases: S3ObjectOptions[] = [
    { bucket: BUCKET, endpoint: engine.endpoint, credentials: { accessKeyId: engine.accessKeyId, secretAccessKey: secret } },
    { bucket: BUCKET, endpoint: engine.endpoint, credentials: { accessKeyId: 'NOSUCHKEY0123456789A', secretAccessKey: secret } },
    { bucket: BUCKET, endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: engine.accessKeyId, secretAccessKey: engine.secretAccessKey } },
  ];
  for (const options of cases) {
    const b = new S3ObjectBackend(options);
    opened.push(b);
    for (const call of [() => b.has(objectIdOf(Buffer.from('x'))), () => put(b, Buffer.from('x')), () => listed(b), () => b.ensureBucket()]) {
      const err = await refusal(call());
      assert.is(err.code, 'ERR_STORE_UNAVAILABLE', err.message);
      const shown = `${err.message}\n${JSON.stringify(err)}\n${String(err.stack)}\n${b.label}`;
      for (const key of [options.credentials!.secretAccessKey, options.credentials!.accessKeyId]) assert.not.ok(shown.includes(key), `no key in: ${err.message}`);
      assert.match(err.message, /s3:\/\/bazaar-test/, 'the message names the bucket');
    }
  }
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  try {
    assert.is((await refusal((async () => new S3ObjectBackend({ bucket: BUCKET, endpoint: engine.endpoint }))())).code, 'ERR_USAGE', 'no credentials at all: a usage error');
  } finally {
    if (saved.id !== undefined) process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.key !== undefined) process.env.AWS_SECRET_ACCESS_KEY = saved.key;
  }
});

testWithEngine(t, 'ensureBucket creates a missing bucket and is harmless when it exists', 'ceph', async () => {
  const b = await fresh({ bucket: `bazaar-new-${process.pid}`, prefix: '' });
  await b.ensureBucket();
  await b.ensureBucket();
  assert.ok(await b.has(await put(b, Buffer.from('in a new bucket'))));
});

t.after(() => { for (const b of opened.splice(0)) b.close(); });

t.run();
