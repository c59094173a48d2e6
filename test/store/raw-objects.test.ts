/**
 * Objects zstd hardly shrinks (.rpm files, squashfs: already compressed) are stored raw:
 * the raw marker, the content as it is, the CRC trailer (compress/codec.ts). Their id is
 * unchanged, reads verify them as before, packs and fsck know them, and `contentFile`
 * says where their content lies for a server that sends it itself.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { objectPath } from '../../src/store/layout.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Store, internals } from '../../src/store/store.js';
import { bazaar, bazaarBytes, freshStore } from '../helpers/cli.js';
import { storedBytes } from '../helpers/stored-objects.js';
import { testWith } from '../helpers/tools.js';

const t = suite('raw objects');
const RAW_MARKER = Buffer.from([0x5c, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]);

async function put(dir: string, data: Buffer): Promise<{ store: Store; id: ObjectId }> {
  const store = await Store.open(dir);
  return { store, id: await internals(store).objects.put(data) };
}

function fileBytes(at: { path: string; offset: number; size: number }): Buffer {
  return readFileSync(at.path).subarray(at.offset, at.offset + at.size);
}

t('a large incompressible object is stored raw, loose: marker, content, trailer; its content lies in the file as it is', async () => {
  const dir = freshStore('raw-large');
  const data = randomBytes(3_300_000); // several 1 MiB pieces: the first decides for all
  const { store, id } = await put(dir, data);
  const file = readFileSync(objectPath(dir, id));
  assert.is(file.length, data.length + 8 + 12, 'no compression, no frame headers: 20 bytes beside the content');
  assert.ok(file.subarray(0, 8).equals(RAW_MARKER));
  assert.ok(file.subarray(8, 8 + data.length).equals(data));
  const at = store.contentFile(id);
  assert.ok(at !== null);
  assert.is(at.path, objectPath(dir, id));
  assert.is(at.size, data.length);
  assert.ok(fileBytes(at).equals(data));
  assert.ok((await store.readBytes(id)).equals(data), 'read back, verified');
  assert.is(await store.storedStream(id), null, 'no zstd stream to hand a client');
  assert.ok(bazaarBytes(['cat', '--store', dir, id]).stdout.equals(data));
});

t('a small incompressible object is packed raw; contentFile points into the pack', async () => {
  const dir = freshStore('raw-small');
  const data = randomBytes(11_000);
  const { store, id } = await put(dir, data);
  const at = store.contentFile(id);
  assert.ok(at !== null);
  assert.match(at.path, '/objects/pack/');
  assert.ok(fileBytes(at).equals(data));
  assert.ok(storedBytes(dir, id).subarray(0, 8).equals(RAW_MARKER));
  assert.ok((await (await Store.open(dir)).readBytes(id)).equals(data));
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
});

testWith(t, 'a compressible object stays zstd frames (zstd -dc reads it), with no content file', ['zstd'], async () => {
  const dir = freshStore('raw-not');
  const data = Buffer.from('a line that repeats\n'.repeat(200_000));
  const { store, id } = await put(dir, data);
  assert.is(store.contentFile(id), null);
  const z = spawnSync('zstd', ['-dc', objectPath(dir, id)], { maxBuffer: 64 << 20 });
  assert.is(z.status, 0);
  assert.ok(z.stdout.equals(data));
  assert.ok(await store.storedStream(id) !== null);
});

t('zstd must save at least 3% of the first piece: 10% saved stays zstd, none saved is raw', async () => {
  const dir = freshStore('raw-threshold');
  // random bytes whose every tenth block of 1 KiB is zeros: zstd saves about a tenth
  const tenth = randomBytes(200_000);
  for (let i = 0; i < tenth.length; i += 10_240) tenth.fill(0, i, i + 1024);
  const { store, id: ten } = await put(dir, tenth);
  assert.is(store.contentFile(ten), null, 'a tenth saved: zstd');
  const { id: none } = await put(dir, randomBytes(200_000));
  assert.ok(store.contentFile(none) !== null, 'random bytes are raw');
});

t('a flipped bit or a truncation in a raw object is damage: reads refuse it, fsck names it', async () => {
  const dir = freshStore('raw-damage');
  const data = randomBytes(200_000);
  const { id } = await put(dir, data);
  const path = objectPath(dir, id);
  const good = readFileSync(path);
  const flipped = Buffer.from(good);
  flipped[100_000] ^= 0x01;
  writeFileSync(path, flipped);
  const err = await (await Store.open(dir)).readBytes(id).catch((e: unknown) => e);
  assert.ok(err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_CORRUPT', String(err));
  assert.match((err as Error).message, 'CRC-32');
  let fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout, id);
  writeFileSync(path, good.subarray(0, good.length - 5));
  const cut = await (await Store.open(dir)).readBytes(id).catch((e: unknown) => e);
  assert.ok(cut instanceof BazaarError && cut.code === 'ERR_STORE_OBJECT_CORRUPT', String(cut));
  fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 1);
  writeFileSync(path, good);
  assert.is(bazaar(['fsck', '--store', dir]).status, 0, 'intact again');
});

t('an empty object and a tiny one round-trip (zstd would grow them: raw)', async () => {
  const dir = freshStore('raw-tiny');
  for (const data of [Buffer.alloc(0), Buffer.from('x'), Buffer.from('{"kind":"x"}')]) {
    const { id } = await put(dir, data);
    assert.ok((await (await Store.open(dir)).readBytes(id)).equals(data));
  }
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
});

t.run();
