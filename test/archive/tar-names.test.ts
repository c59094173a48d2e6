/** Names as bytes (surrogateescape), the one normal form of layer paths, and tree order. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareLayerPaths, normaliseLayerPath } from '../../src/archive/layer-path.js';
import { decodePathBytes, encodePathBytes } from '../../src/fs/path-bytes.js';
import { isBazaarError } from '../../src/errors.js';
import { seededRandom } from '../helpers/seeded-random.js';

const t = suite('tar-names');

t('every byte string survives decode then encode; UTF-8 decodes as text', () => {
  const rnd = seededRandom('tar-names');
  for (let i = 0; i < 5000; i++) {
    const bytes = Buffer.from(Array.from({ length: Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 256)));
    const s = decodePathBytes(bytes);
    assert.ok(encodePathBytes(s).equals(bytes), bytes.toString('hex'));
  }
  assert.is(decodePathBytes(Buffer.from('grüße/名前/😀')), 'grüße/名前/😀');
  assert.is(decodePathBytes(Buffer.from([0x61, 0xff, 0xe9, 0x62])), 'a\udcff\udce9b');
  assert.is(decodePathBytes(Buffer.from([0xed, 0xa0, 0x80])), '\udced\udca0\udc80', 'an encoded surrogate is not UTF-8');
  assert.is(decodePathBytes(Buffer.from([0xc0, 0xaf])), '\udcc0\udcaf', 'an overlong slash is not UTF-8');
  assert.throws(() => encodePathBytes('\ud800'), /lone surrogate/);
});

t('one normal form; escapes, NUL and over-long names refused', () => {
  const table: [string, string][] = [
    ['./a/b', 'a/b'], ['a//b/', 'a/b'], ['./', '.'], ['.', '.'], ['a/./b', 'a/b'], ['././x', 'x'], ['a/.../b', 'a/.../b'], ['..a', '..a'],
  ];
  for (const [raw, want] of table) assert.is(normaliseLayerPath(raw, 'test'), want, raw);
  for (const [raw, why] of [['../x', /'\.\.'/], ['a/..', /'\.\.'/], ['/x', /absolute/], ['', /empty/], ['a\0b', /NUL/], [`${'n'.repeat(256)}`, /NAME_MAX/], [`${'é'.repeat(128)}`, /NAME_MAX/]] as const) {
    try { normaliseLayerPath(raw, 'entry "x" at offset 0'); assert.unreachable(raw); } catch (err) {
      assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), String(err));
      assert.match((err as Error).message, why);
      assert.match((err as Error).message, /^entry "x" at offset 0: /);
    }
  }
  assert.is(normaliseLayerPath('é'.repeat(127), 'x').length, 127, '254 bytes is a valid name');
});

t('tree order: root first, then each directory directly followed by its contents, bytes compared', () => {
  const paths = ['a-b', 'a/z', '.', 'a', 'b', 'a/b/c', 'a\udcff', 'a/b', 'é', 'A'];
  assert.equal([...paths].sort(compareLayerPaths), ['.', 'A', 'a', 'a/b', 'a/b/c', 'a/z', 'a-b', 'a\udcff', 'b', 'é']);
});

t.run();
