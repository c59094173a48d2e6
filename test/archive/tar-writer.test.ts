/**
 * The writer against real tools: a directory with every file type, special modes, owners,
 * xattrs, hardlinks, long and non-UTF-8 names is written by us and unpacked by GNU tar
 * and bsdtar, and the unpacked tree must equal the original (lstat + getfattr).
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLayerArchive, readLayerDirectory } from '../../src/archive/read-layer.js';
import { writeLayerArchive } from '../../src/archive/write-layer-archive.js';
import { writeTar } from '../../src/archive/tar-writer.js';
import { zstdFrames } from '../../src/compress/zstd-frames.js';
import type { LayerEntry } from '../../src/archive/layer-entry.js';
import { isBazaarError } from '../../src/errors.js';
import { tempDir } from '../helpers/cli.js';
import { collect, makeRichTree, run, snapshotTree } from '../helpers/layer-fixtures.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('tar-writer');
const TREE_TOOLS = ['getfattr', 'setfattr', 'mknod', 'mkfifo'];

let srcDir = '';
const source = (): string => {
  if (!srcDir && hasTool('setfattr')) { srcDir = tempDir('rich'); makeRichTree(srcDir); }
  return srcDir;
};

async function entriesOf(dir: string): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  for await (const e of readLayerDirectory(dir)) out.push(e);
  return out;
}

async function bytesOf(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts);
}

const plain = (): string => `${tempDir('out')}/layer.tar`;

testWith(t, 'GNU tar --xattrs unpacks our .tar into the same tree', ['tar', ...TREE_TOOLS], async () => {
  const out = plain();
  await writeLayerArchive(await entriesOf(source()), out, { compression: 'none' });
  const x = tempDir('gnu-x');
  run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', out, '-C', x]);
  assert.equal(Object.fromEntries(snapshotTree(x)), Object.fromEntries(snapshotTree(source())));
});

testWith(t, 'GNU tar --zstd unpacks our .tar.zst into the same tree', ['tar', 'zstd', ...TREE_TOOLS], async () => {
  const out = `${tempDir('out')}/layer.tar.zst`;
  await writeLayerArchive(await entriesOf(source()), out);
  const x = tempDir('gnu-zx');
  run('tar', ['--zstd', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', out, '-C', x]);
  assert.equal(Object.fromEntries(snapshotTree(x)), Object.fromEntries(snapshotTree(source())));
});

testWith(t, 'bsdtar unpacks our .tar.zst into the same tree', ['bsdtar', ...TREE_TOOLS], async () => {
  const out = `${tempDir('out')}/layer.tar.zst`;
  await writeLayerArchive(await entriesOf(source()), out);
  const x = tempDir('bsd-x');
  run('bsdtar', ['--xattrs', '--numeric-owner', '-xpf', out, '-C', x]);
  assert.equal(Object.fromEntries(snapshotTree(x)), Object.fromEntries(snapshotTree(source())));
});

testWith(t, 'tar -tvf lists modes, owners, devices and links as written', ['tar', ...TREE_TOOLS], async () => {
  const out = plain();
  await writeLayerArchive(await entriesOf(source()), out, { compression: 'none' });
  const lines = run('tar', ['-tvf', out, '--numeric-owner']).toString().split('\n');
  const line = (suffix: string): string => lines.find((l) => l.includes(` ${suffix}`)) ?? `(no line for ${suffix})`;
  assert.match(line('bin/su'), /^-rwsr-xr-x 0\/0 +70000 /);
  assert.match(line('bin/wall'), /^-rwxr-sr-x /);
  assert.match(line('tmp/'), /^drwxrwxrwt /);
  assert.match(line('dev/tty1'), /^crw--w---- 0\/0 +4,1 /);
  assert.match(line('dev/sda'), /^brw-rw---- 0\/0 +8,0 /);
  assert.match(line('dev/fifo'), /^prw-r--r-- /);
  assert.match(line('home/user/data'), /^-rw-r--r-- 3000000\/3000001 /);
  assert.match(line('bin/su-hardlink'), /^hrwsr-xr-x .* link to bin\/su$/);
  assert.match(line('abs-link'), /-> \/etc\/passwd$/);
});

t('the same entries give the same bytes, compressed or not', async () => {
  const dir = tempDir('det');
  run('sh', ['-c', `mkdir -p ${dir}/a/b && echo x > ${dir}/a/b/c && ln -s c ${dir}/a/b/l && touch -h -d @1700000000 ${dir}/a/b/* ${dir}/a/b ${dir}/a ${dir}`]);
  const once = await bytesOf(writeTar(await entriesOf(dir)));
  const twice = await bytesOf(writeTar(await entriesOf(dir)));
  assert.ok(once.equals(twice));
  const z1 = await bytesOf(zstdFrames((async function* () { yield once; })()));
  const z2 = await bytesOf(zstdFrames((async function* () { yield twice; })()));
  assert.ok(z1.equals(z2));
});

testWith(t, 'the archive reads back to the entries it was written from', ['tar', ...TREE_TOOLS], async () => {
  const out = `${tempDir('out')}/layer.tar.zst`;
  await writeLayerArchive(await entriesOf(source()), out);
  assert.equal(await collect(readLayerArchive(out)), await collect(readLayerDirectory(source())));
});

testWith(t, 'a .tar.zst of many small frames is one zstd stream to zstd -d and to our decoder', ['zstd'], async () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const entries: LayerEntry[] = [
    { path: '.', kind: 'dir', mode: 0o40755, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} },
    { path: 'big', kind: 'file', mode: 0o100644, uid: 0, gid: 0, size: big.length, mtime: 0, xattrs: {}, content: async function* () { yield big; } },
  ];
  const tar = await bytesOf(writeTar(entries));
  const zst = await bytesOf(zstdFrames(writeTar(entries), 16 << 10));
  let frames = 0;
  for (let i = zst.indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])); i >= 0; i = zst.indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), i + 1)) frames++;
  assert.ok(frames >= 19, `${frames} frames`);
  assert.ok(run('zstd', ['-dc'], { input: zst }).equals(tar));
  const file = `${tempDir('frames')}/x.tar.zst`;
  await writeLayerArchive(entries, file);
  const back = await collect(readLayerArchive((async function* () { yield zst; })()));
  assert.is(back[1].sha256, (await collect(readLayerArchive(file)))[1].sha256);
  assert.ok(readFileSync(file).length < tar.length);
});

async function refusal(entries: LayerEntry[]): Promise<string> {
  try {
    await bytesOf(writeTar(entries));
  } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), String(err));
    return (err as Error).message;
  }
  throw new Error('not refused');
}

t('refuses what a tar archive cannot say, naming the path', async () => {
  const base = { mode: 0o100644, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} };
  const f = (path: string): LayerEntry => ({ ...base, path, kind: 'file' });
  assert.match(await refusal([{ ...base, path: 'sock', kind: 'socket', mode: 0o140755 }]), /"sock": a socket cannot be stored/);
  assert.match(await refusal([{ ...base, path: 'h', kind: 'hardlink', linkTo: 'f' }, f('f')]), /"h": hardlink to "f", which is not written before it/);
  assert.match(await refusal([f('d/.wh.x')]), /reserved for whiteouts/);
  assert.match(await refusal([f('../x')]), /'\.\.'/);
  assert.match(await refusal([f('/abs')]), /absolute path/);
  assert.match(await refusal([f('a//b')]), /not a normalised layer path/);
  assert.match(await refusal([{ ...f('short'), size: 10, content: async function* () { yield Buffer.from('abc'); } }]), /content is 3 bytes, the entry says 10/);
  assert.match(await refusal([{ ...f('x'), xattrs: { 'user.a=b': Buffer.from('v') } }]), /'=' or NUL/);
});

t.run();
