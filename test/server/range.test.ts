/**
 * `Range` on objects as RFC 9110 (14.1, 14.2) has it: one valid range is served (206), one
 * that starts past the end is 416, and everything else (an invalid `bytes=5-3`, several
 * ranges, another unit, garbage, an `If-Range` that is not the ETag) is ignored: 200 with
 * the whole body.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rangeSpec, satisfy } from '../../src/server/send.js';
import type { ObjectId } from '../../src/store/layout.js';
import { freshStore } from '../helpers/cli.js';
import { appFor, binaryRpms, cli, nevraOf } from '../helpers/server.js';

const t = suite('server range');

t('rangeSpec: one valid range, else null (ignored)', () => {
  assert.equal(rangeSpec('bytes=0-3'), { first: 0, last: 3 });
  assert.equal(rangeSpec('bytes=5-'), { first: 5, last: null });
  assert.equal(rangeSpec('bytes=-7'), { first: null, last: 7 });
  assert.equal(rangeSpec('Bytes=1-1'), { first: 1, last: 1 }, 'the unit is case-insensitive');
  for (const ignored of ['bytes=5-3', 'bytes=0-1,3-4', 'items=0-1', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes 0-1', '', 'bytes=--1', 'bytes=0x1-2']) {
    assert.is(rangeSpec(ignored), null, ignored);
  }
  assert.is(rangeSpec(undefined), null);
});

t('satisfy: clamps the end, 416 past the end or for -0', () => {
  assert.equal(satisfy({ first: 2, last: 100 }, 10), { start: 2, end: 9 });
  assert.equal(satisfy({ first: null, last: 100 }, 10), { start: 0, end: 9 });
  assert.is(satisfy({ first: 10, last: null }, 10), 'unsatisfiable');
  assert.is(satisfy({ first: null, last: 0 }, 10), 'unsatisfiable');
});

t('GET with an invalid or malformed Range answers 200 with the whole object; a valid one 206; past the end 416', async () => {
  const file = binaryRpms().find((f) => f.includes('/webserver-1')) as string;
  const store = freshStore('range');
  cli(['add', file], store);
  const id = (JSON.parse(cli(['show', '--json', nevraOf(file)], store)) as { rpm: ObjectId }).rpm;
  const original = readFileSync(file);
  const { app } = await appFor(store);
  const whole = async (headers: Record<string, string>, why: string): Promise<void> => {
    const res = await app.request(`/v1/objects/${id}`, { headers });
    assert.is(res.status, 200, why);
    assert.is(res.headers.get('content-range'), null, why);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(original), `${why}: the whole object`);
  };
  await whole({ Range: 'bytes=5-3' }, 'last before first');
  await whole({ Range: 'bytes=0-1,4-5' }, 'several ranges');
  await whole({ Range: 'items=0-3' }, 'another unit');
  await whole({ Range: 'bytes=x-y' }, 'garbage');
  await whole({ Range: `bytes=${original.length + 10}-${original.length}` }, 'invalid, though starting past the end');
  await whole({ Range: 'bytes=0-3', 'If-Range': '"sha256:other"' }, 'If-Range not this ETag');
  await whole({ Range: 'bytes=0-3', 'If-Range': 'Wed, 21 Oct 2015 07:28:00 GMT' }, 'If-Range a date (no Last-Modified is sent)');
  const zstd = await app.request(`/v1/objects/${id}`, { headers: { Range: 'bytes=5-3', 'Accept-Encoding': 'zstd' } });
  assert.is(zstd.headers.get('content-encoding'), 'zstd', 'an ignored Range is no Range: the stored frames');
  const part = await app.request(`/v1/objects/${id}`, { headers: { Range: 'BYTES=0-3', 'If-Range': `"${id}"` } });
  assert.is(part.status, 206);
  assert.is(part.headers.get('content-range'), `bytes 0-3/${original.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(original.subarray(0, 4)));
  const past = await app.request(`/v1/objects/${id}`, { headers: { Range: `bytes=${original.length}-${original.length + 5}` } });
  assert.is(past.status, 416);
  assert.is(past.headers.get('content-range'), `bytes */${original.length}`);
});

t.run();
