/**
 * decodeWhole (one read, one decode: how readBytes and fsck now check a small object) must
 * refuse exactly what decodeStored (the stream) refuses: every single-byte change and
 * every truncation of a stored object, compressed, raw or in two frames, is an error from
 * both, or the same content from both.
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameEncoder, decodeStored, decodeWhole, decodeWholeBatch, decodeWholeUpTo } from '../../src/compress/index.js';
import { Store } from '../../src/store/index.js';
import { internals } from '../../src/store/store.js';
import { tempDir } from '../helpers/cli.js';
import { join } from 'node:path';

const t = suite('decodeWhole');

async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }
async function viaStream(stored: Buffer): Promise<Buffer | Error> {
  try { const parts: Buffer[] = []; for await (const p of decodeStored(once(stored))) parts.push(p); return Buffer.concat(parts); } catch (err) { return err as Error; }
}
async function viaWhole(stored: Buffer): Promise<Buffer | Error> {
  try { return Buffer.from(await decodeWhole(stored)); } catch (err) { return err as Error; }
}

async function encode(pieces: Buffer[], raw: boolean): Promise<Buffer> {
  const e = new FrameEncoder({ rawWhenIncompressible: raw });
  const frames: Buffer[] = [];
  for (const p of pieces) frames.push(await e.frame(p));
  return Buffer.concat([...frames, e.trailer()]);
}

const text = Buffer.from('a line of text that zstd shrinks well\n'.repeat(40));
const cases: Array<[string, () => Promise<Buffer>]> = [
  ['compressed, one frame', () => encode([text], true)],
  ['compressed, two frames (an .rpm cut at its payload)', () => encode([text.subarray(0, 300), text.subarray(300)], false)],
  ['raw', () => encode([randomBytes(700)], true)],
  ['empty', () => encode([Buffer.alloc(0)], true)],
];

for (const [name, make] of cases) {
  t(`${name}: every byte flipped and every truncation is refused by both, or decoded alike`, async () => {
    const stored = await make();
    const good = await viaWhole(stored);
    assert.ok(good instanceof Buffer, 'the intact object decodes');
    assert.equal(good, await viaStream(stored));
    let refused = 0;
    for (let i = 0; i < stored.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const bad = Buffer.from(stored);
        bad[i] ^= flip;
        const [w, s] = [await viaWhole(bad), await viaStream(bad)];
        if (w instanceof Error || s instanceof Error) { assert.ok(w instanceof Error && s instanceof Error, `byte ${i} ^ ${flip}: whole ${String(w)}, stream ${String(s)}`); refused++; } else assert.equal(w, s);
      }
    }
    for (let n = 0; n < stored.length; n++) {
      const [w, s] = [await viaWhole(stored.subarray(0, n)), await viaStream(stored.subarray(0, n))];
      assert.ok(w instanceof Error && s instanceof Error, `truncated to ${n}: whole ${String(w)}, stream ${String(s)}`);
    }
    assert.ok(refused > stored.length, 'the CRC catches flips everywhere');
  });
}

t('decodeWholeBatch (fsck: many objects, one native call) never gives what decodeWhole refuses, nor other content: every flip and truncation of one object among intact ones', async () => {
  const intact = await Promise.all(cases.map(([, make]) => make()));
  const expected = await Promise.all(intact.map(viaWhole));
  const all = await decodeWholeBatch(intact);
  for (let k = 0; k < intact.length; k++) assert.equal(all[k] === null ? null : Buffer.from(all[k] as Buffer), expected[k], `intact ${cases[k][0]}: decoded in the batch`);
  let nulls = 0;
  for (let c = 0; c < intact.length; c++) {
    const variants: Buffer[] = [];
    for (let i = 0; i < intact[c].length; i++) for (const flip of [0x01, 0x80]) { const bad = Buffer.from(intact[c]); bad[i] ^= flip; variants.push(bad); }
    for (let n = 0; n < intact[c].length; n++) variants.push(intact[c].subarray(0, n));
    for (const bad of variants) {
      const batch = [...intact.slice(0, c), bad, ...intact.slice(c + 1)];
      const got = await decodeWholeBatch(batch);
      for (let k = 0; k < batch.length; k++) {
        if (got[k] === null) { nulls++; continue; } // undecided here: the caller reads it the one-object way
        const whole = k === c ? await viaWhole(bad) : expected[k];
        assert.ok(whole instanceof Buffer, `${cases[c][0]}, a damaged copy: the batch decoded what decodeWhole refuses (${String(whole)})`);
        assert.equal(Buffer.from(got[k] as Buffer), whole);
      }
    }
  }
  assert.ok(nulls > 0, 'damage leaves entries undecided');
});

t('decodeWholeBatch: content holding the bytes of a frame boundary still comes back whole (objects of many frames, empty ones, in one call)', async () => {
  const stored = [await encode([text.subarray(0, 300), text.subarray(300)], false), await encode([Buffer.alloc(0)], false), await encode([text], false), await encode([Buffer.alloc(0)], true)];
  const got = await decodeWholeBatch(stored);
  assert.equal(got.map((b) => (b === null ? null : Buffer.from(b).toString())), [text.toString(), '', text.toString(), '']);
});

t('decodeWholeUpTo stops at its limit: null for more content, frames past the limit not decoded (a copy checkout reads a small file whole)', async () => {
  for (const raw of [true, false]) {
    const stored = await encode([text.subarray(0, 1000), text.subarray(1000)], raw);
    assert.equal(await decodeWholeUpTo(stored, text.length), text);
    assert.is(await decodeWholeUpTo(stored, text.length - 1), null);
    assert.is(await decodeWholeUpTo(stored, 10), null, 'over the limit after the first frame');
  }
  const rawStored = await encode([randomBytes(700)], true);
  assert.is(await decodeWholeUpTo(rawStored, 699), null, 'raw: the content length is known without reading it');
  // a damaged object is still refused, not taken for a large one
  const bad = Buffer.from(await encode([text], true));
  bad[5] ^= 1;
  try { await decodeWholeUpTo(bad, 10); assert.unreachable('a flipped bit'); } catch (err) { assert.match(String(err), /CRC-32/); }
});

t('readSmall: the object, verified, when it holds at most max bytes; null when more; damage and absence are errors as with readBytes', async () => {
  const store = await Store.init(join(tempDir('read-small'), 'store'));
  const big = Buffer.alloc(3 << 20, 7); // three frames that shrink to little: stored small, large inside
  const objects = internals(store).objects;
  const [small, large] = [await objects.put(text), await objects.put(big)];
  assert.equal(await store.readSmall(small, text.length), text);
  assert.is(await store.readSmall(small, text.length - 1), null);
  assert.ok((await store.storedSize(large))! < 64 << 10, 'the large object is stored in fewer bytes than the limit lets through');
  assert.is(await store.readSmall(large, 1 << 20), null, 'decoding stopped at the limit');
  try { await store.readSmall(`sha256:${'0'.repeat(64)}`, 100); assert.unreachable('absent'); } catch (err) { assert.is((err as { code?: string }).code, 'ERR_STORE_OBJECT_NOT_FOUND'); }
  await store.close();
});

t.run();
