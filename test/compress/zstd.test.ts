/**
 * compress's zstd owners: the one frame parser read against the zstd program's own view of
 * its frames, the one window limit on the store's frames too, and the one stream decoder
 * in bounded memory behind decompressStream (RPM payloads, rpm-md) as behind layer archives.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameEncoder, decompressFrames, frameLength } from '../../src/compress/codec.js';
import { decompressStream } from '../../src/compress/decompress-stream.js';
import { MAX_WINDOW, parseFrameHeader } from '../../src/compress/zstd-frame.js';
import { isBazaarError } from '../../src/errors.js';
import { testWith } from '../helpers/tools.js';

const t = suite('zstd');

const zstd = (args: string[], input: Buffer): Buffer => {
  const r = spawnSync('sh', ['-c', `zstd ${args.join(' ')}`], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

// First in the file: the process's peak RSS is still that of loading it.
testWith(t, 'a zstd bomb through decompressStream (RPM payloads, rpm-md) streams in bounded memory', ['zstd'], async () => {
  const size = 512 << 20;
  const bomb = spawnSync('sh', ['-c', `head -c ${size} /dev/zero | zstd -q -c`], { maxBuffer: 1 << 30 }).stdout;
  assert.ok(bomb.length < 64 << 10, `${bomb.length} bytes`);
  const peak = process.resourceUsage().maxRSS;
  const dec = decompressStream('zstd');
  dec.end(bomb); // one write: all of the input at once
  let bytes = 0;
  for await (const chunk of dec) {
    bytes += (chunk as Buffer).length;
    await new Promise((r) => setImmediate(r)); // a slow reader
  }
  const grew = (process.resourceUsage().maxRSS - peak) >> 10;
  assert.is(bytes, size);
  assert.ok(grew < 160, `peak RSS grew by ${grew} MiB while streaming ${size >> 20} MiB`);
});

testWith(t, 'the frame parser reads what zstd -lv says of its frames: window, content size, checksum, length', ['zstd'], () => {
  const data = Buffer.concat([randomBytes(3000), Buffer.alloc(300_000, 7), randomBytes(5000)]);
  const cases: string[][] = [['-q', '-c'], ['-q', '-c', '--no-check'], ['-q', '-c', '-1'], ['-q', '-c', '-19', '--long=27'], ['-q', '-c', '--no-content-size'], ['-q', '-c', '-19', '--no-content-size', '--long=25']];
  for (const args of cases) {
    for (const input of [data, data.subarray(0, 200), data.subarray(0, 70_000)]) {
      const frame = zstd(args, input);
      const file = `${process.env.TMPDIR ?? '/tmp'}/bazaar-zstd-lv-${process.pid}.zst`;
      spawnSync('sh', ['-c', `cat > ${file}`], { input: frame });
      const lv = spawnSync('zstd', ['-lv', file], { encoding: 'utf8' }).stdout;
      spawnSync('rm', ['-f', file]);
      const bytesOf = (label: string): number | null => { const m = new RegExp(`^${label}: .*\\((\\d+) B\\)$`, 'm').exec(lv); return m ? Number(m[1]) : null; };
      const h = parseFrameHeader(frame);
      const what = `zstd ${args.join(' ')} of ${input.length} bytes`;
      assert.is(h.window, bytesOf('Window Size'), `${what}: window`);
      assert.is(h.contentSize, bytesOf('Decompressed Size'), `${what}: content size`);
      assert.is(h.checksum, !/^Check: None$/m.test(lv), `${what}: checksum`);
      assert.is(h.dictionaryId, 0);
      assert.is(frameLength(frame), bytesOf('Compressed Size'), `${what}: the frame's length`);
      assert.is(frameLength(frame.subarray(0, frame.length - 1)), 0, `${what}: not yet whole`);
    }
  }
});

t('the product runs no zstd program: it decodes in process (system tools are the tests\' oracles)', () => {
  const src = fileURLToPath(new URL('../../../src/', import.meta.url));
  const files = readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 100);
  const runsZstd = files.filter((f) => /(spawn|spawnSync|execFile|execFileSync|findTool)\(\s*['"]zstd['"]/.test(readFileSync(join(src, f), 'utf8')));
  assert.equal(runsZstd, []);
});

t('a store frame asking for a window above the limit is damage, not a decoder failure', async () => {
  const encoder = new FrameEncoder();
  const content = Buffer.from('hello, '.repeat(50));
  const good = await encoder.frame(content);
  assert.is(good[4] & 0xe3, 0, 'bazaar\'s frames carry a window descriptor and no content size');
  // The same blocks under a header declaring the (true) content size and a 1 GiB window:
  // small enough a frame for the store's own check, too large a window for any decoder.
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x40 | (good[4] & 0x04), (30 - 10) << 3, 0, 0]);
  header.writeUInt16LE(content.length - 256, 6);
  const bad = Buffer.concat([header, good.subarray(6)]);
  assert.equal([parseFrameHeader(bad).window, parseFrameHeader(bad).contentSize], [1 << 30, content.length]);
  try {
    for await (const _ of decompressFrames((async function* () { yield bad; yield encoder.trailer(); })())) void _;
    assert.unreachable('decoded');
  } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_STORE_OBJECT_CORRUPT'), String(err));
    assert.is((err as Error).message, `a zstd frame asks for a ${1 << 30}-byte window (limit ${MAX_WINDOW})`);
  }
});

t.run();
