/**
 * Hostile and broken archives: each is refused with ERR_BAD_INPUT and a one-line message
 * naming what is wrong, within a bounded time (a generous timeout only catches hangs).
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLayerArchive } from '../../src/archive/read-layer.js';
import { isBazaarError } from '../../src/errors.js';
import { archive, chardev, dir, file, fixChecksum, hardlink, header, pax, symlink, END } from '../helpers/tar-craft.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('tar-hostile');
const HANG = 20_000;

/** Feeds `bytes` in odd-sized chunks, so every header straddles a chunk boundary somewhere. */
async function* chunks(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += 77) yield bytes.subarray(i, i + 77);
}

async function drain(bytes: Buffer): Promise<number> {
  let n = 0;
  for await (const e of readLayerArchive(chunks(bytes))) {
    n++;
    if (e.content) for await (const c of e.content()) void c;
  }
  return n;
}

async function refused(bytes: Buffer): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('hangs')), HANG); });
  try {
    await Promise.race([drain(bytes), hang]);
  } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), `not ERR_BAD_INPUT: ${(err as Error).stack}`);
    const message = (err as Error).message;
    assert.not.match(message, /\n/, 'one line');
    return message;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('accepted');
}

t('paths that escape the root', async () => {
  assert.match(await refused(archive(file('../x', 'evil'))), /tar entry "\.\.\/x" at offset 0: a '\.\.' component/);
  assert.match(await refused(archive(file('/etc/passwd', 'evil'))), /"\/etc\/passwd" at offset 0: absolute path/);
  assert.match(await refused(archive(dir('a/'), file('a/../../x', 'evil'))), /"a\/\.\.\/\.\.\/x" at offset 512: a '\.\.' component/);
  assert.match(await refused(archive(pax([['path', '../../root/.ssh/authorized_keys']]), file('innocent', 'k'))), /"\.\.\/\.\.\/root\/\.ssh\/authorized_keys" at offset 0/);
});

t('an entry beneath a symlink of the archive', async () => {
  assert.match(await refused(archive(symlink('a', '/etc'), file('a/passwd', 'evil'))), /"a\/passwd" at offset 512: lies beneath the symlink "a" -> "\/etc"/);
  assert.match(await refused(archive(symlink('a', '.'), dir('a/b/'))), /lies beneath the symlink "a"/);
  assert.match(await refused(archive(file('f', 'x'), file('f/g', 'y'))), /"f\/g" at offset 1024: lies beneath "f", which is not a directory/);
});

t('hardlinks out of the layer, forward, or through a symlink', async () => {
  assert.match(await refused(archive(hardlink('h', '../../etc/shadow'))), /"h" at offset 0 \(hardlink target "\.\.\/\.\.\/etc\/shadow"\): a '\.\.' component/);
  assert.match(await refused(archive(hardlink('h', '/etc/shadow'))), /absolute path/);
  assert.match(await refused(archive(hardlink('h', 'later'), file('later', 'x'))), /"h" at offset 0: hardlink to "later", which is not earlier in the layer/);
  assert.match(await refused(archive(symlink('a', '/etc'), hardlink('h', 'a/shadow'))), /hardlink target "a\/shadow" lies beneath the symlink "a"/);
  assert.match(await refused(archive(dir('d/'), hardlink('h', 'd'))), /hardlink to the directory "d"/);
});

t('truncated at every 512-byte boundary (and inside blocks)', async () => {
  const whole = archive(
    dir('etc/'), file('etc/hosts', '127.0.0.1 localhost\n'), pax([['path', `${'long/'.repeat(40)}name`], ['SCHILY.xattr.user.a', 'b']]),
    file('x', Buffer.alloc(1500, 7)), header({ name: '././@LongLink', typeflag: 'L', size: 301 }), Buffer.concat([Buffer.from(`${'n/'.repeat(149)}nn`), Buffer.alloc(212)]),
    file('ignored', 'z'), symlink('s', 'etc/hosts'),
  );
  assert.is(await drain(whole), 5);
  for (let end = 0; end < whole.length; end += 512) {
    const message = await refused(whole.subarray(0, end));
    assert.match(message, /truncated|end-of-archive|zero block/, `cut at ${end}: ${message}`);
  }
  for (const end of [100, 1100, 2100, whole.length - 1]) assert.match(await refused(whole.subarray(0, end)), /truncated|zero block/);
  const gz = gzipSync(whole);
  assert.match(await refused(gz.subarray(0, gz.length - 10)), /gzip data is corrupt|truncated/);
});

t('bad checksums and garbage', async () => {
  const h = file('a', 'x');
  h[0] = 0x62; // "b", checksum not fixed
  assert.match(await refused(archive(h)), /tar header at offset 0: bad header checksum/);
  assert.match(await refused(Buffer.alloc(4096, 0x41)), /bad header checksum|not an octal number/);
  assert.match(await refused(Buffer.alloc(0)), /ends without the end-of-archive blocks/);
  assert.match(await refused(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00])), /archive: compressed with xz; a layer archive is \.tar\.zst, \.tar\.gz or \.tar/);
  const magic = header({ name: 'a' });
  magic.write('junk!\0', 257, 'latin1');
  assert.match(await refused(archive(fixChecksum(magic))), /unknown magic/);
  const nul = header({ name: 'a' });
  nul[1] = 0; nul[2] = 0x7a; // "a\0z": bytes after the name's NUL
  assert.match(await refused(archive(fixChecksum(nul))), /name field holds bytes after its NUL/);
  assert.match(await refused(Buffer.concat([END.subarray(0, 512), file('a', 'x'), END])), /lone zero block/);
});

t('absurd, negative and overflowing numbers', async () => {
  const giant = header({ name: 'big' });
  giant.fill(0, 124, 136);
  giant[124] = 0x80; giant[128] = 0x40; // base-256: 2^62
  assert.match(await refused(archive(fixChecksum(giant))), /"big"|offset 0: the size field overflows/);
  const negative = header({ name: 'neg' });
  negative.fill(0xff, 136, 148); // base-256 -1 as mtime
  assert.match(await refused(archive(fixChecksum(negative))), /mtime field is a negative base-256 number/);
  const octal = header({ name: 'huge', size: 0o77777777777 }); // 8 GiB - 1, no data follows
  assert.match(await refused(archive(octal)), /"huge" at offset 0: content ends \d+ bytes early \(truncated/);
  const bad = header({ name: 'x' });
  bad.write('12x45670', 100, 'latin1');
  assert.match(await refused(archive(fixChecksum(bad))), /mode field is not an octal number/);
  assert.match(await refused(archive(pax([['size', '99999999999999999999']]), file('a'))), /pax size=99999999999999999999 overflows/);
  assert.match(await refused(archive(pax([['mtime', '-86400.5']]), file('a'))), /is negative/);
  assert.match(await refused(archive(pax([['uid', '5000000000']]), file('a'))), /owner 5000000000:0 is not a Linux user\/group id/);
  assert.match(await refused(archive(pax([['gid', '1e9']]), file('a'))), /not a non-negative decimal/);
  assert.match(await refused(archive(header({ name: 'dev', typeflag: '3', devmajor: 5000 }))), /device 5000:0 is beyond Linux's limits/);
});

t('pax and GNU extension headers that are too big or malformed', async () => {
  assert.match(await refused(archive(header({ name: 'p', typeflag: 'x', size: 0o77777777777 }))), /pax header at offset 0: claims 8589934591 bytes \(more than the 8388608-byte limit\)/);
  assert.match(await refused(archive(header({ name: '././@LongLink', typeflag: 'L', size: 1 << 30 }))), /GNU long-name header at offset 0: claims/);
  const lying = Buffer.from('999999 path=a\n');
  assert.match(await refused(archive(header({ name: 'p', typeflag: 'x', size: lying.length }), Buffer.concat([lying, Buffer.alloc(512 - lying.length)]), file('a'))), /claims 999999 bytes/);
  const noNewline = Buffer.from('12 path=abc!');
  assert.match(await refused(archive(header({ name: 'p', typeflag: 'x', size: noNewline.length }), Buffer.concat([noNewline, Buffer.alloc(500)]), file('a'))), /does not end with a newline/);
  assert.match(await refused(archive(pax([['path', 'a\0b']]), file('a'))), /"a\\u0000b" at offset 0: the name holds a NUL byte/);
  const gnu = Buffer.from('x\0y');
  assert.match(await refused(archive(header({ name: '././@LongLink', typeflag: 'L', size: 3 }), Buffer.concat([gnu, Buffer.alloc(509)]), file('a'))), /the long name holds a NUL byte/);
  assert.match(await refused(archive(pax([['path', 'x']]))), /extension headers are followed by the end of the archive/);
  assert.match(await refused(archive(pax([['GNU.sparse.map', '0,10']]), file('a'))), /sparse files/);
  assert.match(await refused(archive(header({ name: 's', typeflag: 'S' }))), /GNU sparse file .* is not supported/);
  assert.match(await refused(archive(header({ name: 'z', typeflag: 'Z' }))), /unknown entry type "Z"/);
  assert.match(await refused(archive(pax([['SCHILY.xattr.__proto__', 'x']]), file('a'))), /"__proto__" is not a valid Linux xattr name/);
  assert.match(await refused(archive(pax([['SCHILY.acl.access', 'user::rw-']]), file('a'))), /ACLs in text form/);
});

t('names that repeat or play with whiteout markers', async () => {
  assert.match(await refused(archive(file('a', '1'), file('a', '2'))), /"a" at offset 1024: appears twice in the layer/);
  assert.match(await refused(archive(file('d/.wh...', ''))), /whites out "\.\.", which is no name/);
  assert.match(await refused(archive(dir('.wh.d/'))), /prefix is reserved for OCI whiteouts/);
  assert.match(await refused(archive(file('.wh..wh.plnk', ''))), /aufs metadata/);
  assert.match(await refused(archive(chardev('.'))), /the layer root is not a directory/);
  // An overlayfs whiteout takes its name like any file (an OCI one does not: see overlay tests).
  assert.match(await refused(archive(chardev('w'), file('w', 'x'))), /"w" at offset 512: appears twice/);
  assert.match(await refused(archive(chardev('w'), file('w/x', 'x'))), /"w\/x" at offset 512: lies beneath "w", which is not a directory/);
  assert.match(await refused(archive(file('w/x', 'x'), chardev('w'))), /"w" at offset 1024: a whiteout with entries beneath it/);
});

/** A zstd frame header asking for `window` bytes, then a block header and a little data, then nothing. */
function zstdBomb(kind: 'single-segment' | 'window-descriptor'): Buffer {
  const head = kind === 'single-segment'
    ? Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x00, 0x00, 0x00, 0x80]) // content size 2 GiB, single segment
    : Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8]); // window log 41
  return Buffer.concat([head, Buffer.from([0x25, 0x03, 0x00]), Buffer.alloc(40, 0x11)]);
}

t('zstd bombs and truncated zstd are refused', async () => {
  assert.match(await refused(zstdBomb('single-segment')), /zstd data is corrupt: .*(window|memory)/i);
  assert.match(await refused(zstdBomb('window-descriptor')), /zstd data is corrupt: .*(window|memory|not supported)/i);
  if (!hasTool('zstd')) return;
  // A tar with an 8 MiB file of zeros, compressed (a few hundred bytes), cut in the middle.
  const tar = Buffer.concat([header({ name: 'zeros', size: 8 << 20 }), Buffer.alloc(8 << 20), END]);
  const zst = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 }).stdout;
  assert.match(await refused(zst.subarray(0, Math.floor(zst.length / 2))), /zstd data is corrupt|truncated/);
  assert.match(await refused(Buffer.concat([zst.subarray(0, 4), Buffer.from([0xff, 0xff, 0xff])])), /zstd data is corrupt/);
});

testWith(t, 'a highly compressed zero-filled file streams in bounded memory', ['zstd'], async () => {
  const size = 256 << 20;
  const tar = Buffer.concat([header({ name: 'zeros', size }), Buffer.alloc(size), END]);
  const zst = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 }).stdout;
  const before = process.memoryUsage().rss;
  let peak = before;
  let bytes = 0;
  for await (const e of readLayerArchive(chunks(zst))) {
    for await (const c of e.content!()) { bytes += c.length; peak = Math.max(peak, process.memoryUsage().rss); }
  }
  assert.is(bytes, size);
  assert.ok(peak - before < 160 << 20, `rss grew by ${(peak - before) >> 20} MiB while streaming ${size >> 20} MiB`);
});

t.run();
