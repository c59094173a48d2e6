/**
 * decodeWhole (one read, one decode: how readBytes and fsck now check a small object) must
 * refuse exactly what decodeStored (the stream) refuses: every single-byte change and
 * every truncation of a stored object, compressed, raw or in two frames, is an error from
 * both, or the same content from both.
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameEncoder, decodeStored, decodeWhole } from '../../src/compress/index.js';

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

t.run();
