/**
 * The ObjectBackend contract: what the store relies on of whatever keeps its object bytes
 * (object-backend.ts). Every implementation runs this suite with a factory that gives a
 * fresh, empty backend and a way to damage the bytes it stores, as a disk or a bucket
 * could. The backend keeps encoded bytes under ids and never hashes; the ObjectStore over
 * it verifies, so damage and absence are checked through one as the store reads them.
 */
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { objectIdOf } from '../../src/store/layout.js';
import type { ObjectId } from '../../src/store/layout.js';
import type { ObjectBackend, StagedObject } from '../../src/store/object-backend.js';
import { ObjectStore } from '../../src/store/objects.js';
import type { Register } from './state-backend.js';

export interface ObjectBackendUnderTest {
  backend: ObjectBackend;
  /** Changes one byte of the stored bytes of `id` (a flipped bit on disk). */
  damage(id: ObjectId): void | Promise<void>;
}

/** Encoded bytes as a test writes them: the backend stores whatever it is given. */
export const bytes = (text: string, size = text.length): Buffer => Buffer.from(text.repeat(Math.ceil(size / text.length)).slice(0, size));

export async function written(backend: ObjectBackend, data: Buffer, options: { chunks?: number; loose?: boolean } = {}): Promise<StagedObject> {
  const slot = await backend.createSlot(options.loose ? { loose: true } : {});
  if (options.chunks === undefined) slot.writeWhole(data);
  else {
    const step = Math.ceil(data.length / options.chunks);
    for (let at = 0; at < data.length; at += step) await slot.append(data.subarray(at, at + step));
    await slot.close();
  }
  return { id: objectIdOf(data), slot: slot.token, size: data.length };
}

/** Writes and commits `data` straight to the backend. */
export async function put(backend: ObjectBackend, data: Buffer, options: { chunks?: number; loose?: boolean } = {}): Promise<ObjectId> {
  const s = await written(backend, data, options);
  await backend.commit([s]);
  return s.id;
}

export async function streamed(backend: ObjectBackend, id: ObjectId): Promise<Buffer | null> {
  const s = await backend.readStream(id);
  if (s === null) return null;
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

export async function listed(backend: ObjectBackend): Promise<string[]> {
  const out: string[] = [];
  for await (const e of backend.list()) out.push('id' in e ? e.id : JSON.stringify(e));
  return out.sort();
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try { await p; } catch (err) {
    assert.instance(err, BazaarError);
    assert.is((err as BazaarError).code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

export function run(suite: Register, name: string, factory: () => Promise<ObjectBackendUnderTest>): void {
  suite(`${name}: a written object is invisible until its commit, then read whole, streamed and sized as written`, async () => {
    const { backend } = await factory();
    assert.type(backend.kind, 'string');
    assert.type(backend.label, 'string');
    const small = bytes('small object ', 300);
    const large = bytes('a large object written in chunks ', 300_000);
    const loose = bytes('a small object a repair writes loose ', 500);
    const staged = [await written(backend, small), await written(backend, large, { chunks: 7 }), await written(backend, loose, { loose: true })];
    for (const s of staged) {
      assert.is(await backend.has(s.id), false, 'not visible before its commit');
      assert.is(await backend.readWhole(s.id), null);
      assert.is(await backend.storedSize(s.id), null);
    }
    assert.equal(await listed(backend), [], 'nothing listed before the commit');
    assert.type(await backend.commit(staged), 'boolean');
    for (const [s, data] of [[staged[0], small], [staged[1], large], [staged[2], loose]] as const) {
      assert.ok(await backend.has(s.id));
      assert.ok((await backend.readWhole(s.id))?.equals(data), 'read whole as written');
      assert.ok((await streamed(backend, s.id))?.equals(data), 'streamed as written');
      assert.is(await backend.storedSize(s.id), data.length);
    }
  });

  suite(`${name}: a missing id is absent everywhere, and a typed error when read`, async () => {
    const { backend } = await factory();
    const id = objectIdOf(Buffer.from('never written'));
    assert.is(await backend.has(id), false);
    assert.is(await backend.readWhole(id), null);
    assert.is(await backend.readStream(id), null);
    assert.is(await backend.storedSize(id), null);
    const objects = new ObjectStore(backend);
    await rejects(objects.readBytes(id), 'ERR_STORE_OBJECT_NOT_FOUND');
    assert.is(await objects.check(id), 'missing');
  });

  suite(`${name}: what is discarded or aborted never becomes visible`, async () => {
    const { backend } = await factory();
    const a = await written(backend, bytes('discarded small ', 100));
    const b = await written(backend, bytes('discarded large ', 200_000), { chunks: 3 });
    await backend.discard([a, b]);
    const slot = await backend.createSlot();
    await slot.append(bytes('aborted ', 100));
    await slot.abort();
    for (const id of [a.id, b.id, objectIdOf(bytes('aborted ', 100))]) assert.is(await backend.has(id), false);
    assert.equal(await listed(backend), []);
  });

  suite(`${name}: putting the same object again is harmless, in one commit or another`, async () => {
    const { backend } = await factory();
    const data = bytes('the same content twice ', 200);
    const big = bytes('the same large content twice ', 150_000);
    await backend.commit([await written(backend, data), await written(backend, data), await written(backend, big, { chunks: 2 }), await written(backend, big, { chunks: 5 })]);
    await backend.commit([await written(backend, data), await written(backend, big, { chunks: 3 })]);
    assert.equal(await listed(backend), [objectIdOf(data), objectIdOf(big)].sort(), 'each listed once');
    assert.ok((await backend.readWhole(objectIdOf(data)))?.equals(data));
    assert.ok((await streamed(backend, objectIdOf(big)))?.equals(big));
    const objects = new ObjectStore(backend);
    const id = await objects.put(Buffer.from('put twice'));
    assert.is(await objects.put(Buffer.from('put twice')), id, 'same content, same id');
    assert.is((await listed(backend)).filter((x) => x === id).length, 1);
  });

  suite(`${name}: a slot commits once`, async () => {
    const { backend } = await factory();
    for (const options of [{}, { chunks: 2 }, { loose: true }]) {
      const s = await written(backend, bytes(`committed once ${JSON.stringify(options)} `, 100_000), options);
      await backend.commit([s]);
      let threw = false;
      try { await backend.commit([s]); } catch { threw = true; }
      assert.ok(threw, `a second commit of the same slot fails (${JSON.stringify(options)})`);
    }
  });

  suite(`${name}: damaged bytes are found when read, and a commit of the object replaces them`, async () => {
    const { backend, damage } = await factory();
    const objects = new ObjectStore(backend);
    const small = await objects.put(Buffer.from('an object to damage\n'.repeat(20)));
    const large = await objects.put(bytes('a large object to damage ', 2_500_000));
    for (const id of [small, large]) {
      await damage(id);
      assert.ok(await backend.has(id), 'a damaged object is still there');
      await rejects(objects.readBytes(id), 'ERR_STORE_OBJECT_CORRUPT');
      assert.match(String(await objects.check(id)), /./, 'check says what is wrong');
    }
    // a repair writes the object again, even though it exists, and its copy is read
    const w = await objects.writer({ rewrite: true });
    await w.write(Buffer.from('an object to damage\n'.repeat(20)));
    await objects.commit([await w.finish()]);
    assert.is(await objects.check(small), null, 'the rewritten copy is read');
    assert.ok((await objects.readBytes(small)).equals(Buffer.from('an object to damage\n'.repeat(20))));
  });

  suite(`${name}: a large object written from one reused buffer reads back as written (frames compress while the next is read)`, async () => {
    const { backend } = await factory();
    const objects = new ObjectStore(backend);
    const frame = 1 << 20;
    const reused = Buffer.alloc(frame);
    const whole: Buffer[] = [];
    const w = await objects.writer();
    for (let i = 0; i < 9; i++) {
      for (let at = 0; at < frame; at += 4) reused.writeUInt32LE((i * 2654435761 + at * 40503) >>> 0, at);
      whole.push(Buffer.from(reused));
      await w.write(reused); // the writer must not keep a view of the caller's buffer
    }
    const s = await w.finish();
    await objects.commit([s]);
    const expected = Buffer.concat(whole);
    assert.is(s.id, objectIdOf(expected));
    assert.ok((await objects.readBytes(s.id)).equals(expected), 'every frame holds the bytes it was given');
    assert.is(await objects.check(s.id), null);
  });

  suite(`${name}: deleteAll removes exactly the ids it is given (one not there is no error)`, async () => {
    const { backend } = await factory();
    const objects = new ObjectStore(backend);
    const ids: ObjectId[] = [];
    for (let i = 0; i < 6; i++) ids.push(await objects.put(Buffer.from(`object ${i}\n`.repeat(i === 5 ? 40_000 : 3))));
    await backend.deleteAll([ids[1], ids[3], ids[5], objectIdOf(Buffer.from('never there'))]);
    assert.equal(await listed(backend), [ids[0], ids[2], ids[4]].sort());
    for (const i of [1, 3, 5]) assert.is(await backend.has(ids[i]), false);
    for (const i of [0, 2, 4]) assert.ok((await objects.readBytes(ids[i])).equals(Buffer.from(`object ${i}\n`.repeat(3))));
  });

  suite(`${name}: list names every committed object once, whatever the number of commits`, async () => {
    const { backend } = await factory();
    const objects = new ObjectStore(backend);
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) ids.add(await objects.put(Buffer.from(`listed ${i % 30}\n`)));
    assert.equal(await listed(backend), [...ids].sort());
  });
}
