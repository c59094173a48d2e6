/**
 * The reader against real tools: archives made by GNU tar (pax with xattrs, gnu, ustar,
 * v7) and bsdtar from a directory with every file type read back to exactly that
 * directory (lstat + getfattr), through every compression.
 */
import { createReadStream } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLayerArchive } from '../../src/archive/read-layer.js';
import { readTar } from '../../src/archive/tar-reader.js';
import { tempDir } from '../helpers/cli.js';
import { collect, entriesToTree, makeRichTree, run, snapshotTree } from '../helpers/layer-fixtures.js';
import type { Node } from '../helpers/layer-fixtures.js';
import { archive, file } from '../helpers/tar-craft.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('tar-reader');
const TREE_TOOLS = ['getfattr', 'setfattr', 'mknod', 'mkfifo'];

let srcDir = '';
const source = (): string => {
  if (!srcDir && hasTool('setfattr')) { srcDir = tempDir('rich'); makeRichTree(srcDir); }
  return srcDir;
};

const withoutXattrs = (m: Map<string, Node>): Record<string, Node> => Object.fromEntries([...m].map(([k, n]) => [k, { ...n, xattrs: {} }]));

async function treeOf(archivePath: string): Promise<Map<string, Node>> {
  return entriesToTree(await collect(readLayerArchive(archivePath), { names: false }));
}

testWith(t, 'GNU tar --format=pax --xattrs: every entry, mode, owner, link, device and xattr', ['tar', ...TREE_TOOLS], async () => {
  const out = `${tempDir('gnu')}/pax.tar`;
  run('tar', ['--xattrs', '--xattrs-include=*', '--format=pax', '-cf', out, '-C', source(), '.']);
  assert.equal(Object.fromEntries(await treeOf(out)), Object.fromEntries(snapshotTree(source())));
});

testWith(t, 'GNU tar --format=gnu (long names as L/K records; this format has no xattrs)', ['tar', ...TREE_TOOLS], async () => {
  const out = `${tempDir('gnu')}/gnu.tar`;
  run('tar', ['--format=gnu', '-cf', out, '-C', source(), '.']);
  assert.equal(withoutXattrs(await treeOf(out)), withoutXattrs(snapshotTree(source())));
});

testWith(t, 'bsdtar --format=pax (LIBARCHIVE.xattr and SCHILY.xattr records)', ['bsdtar', ...TREE_TOOLS], async () => {
  const out = `${tempDir('bsd')}/bsd.tar`;
  run('bsdtar', ['--format=pax', '--xattrs', '-cf', out, '-C', source(), '.']);
  assert.equal(Object.fromEntries(await treeOf(out)), Object.fromEntries(snapshotTree(source())));
});

testWith(t, 'GNU tar ustar (names split into the prefix field) and v7 archives', ['tar'], async () => {
  const cases: [string, string][] = [
    ['ustar', `${'p'.repeat(90)}/${'q'.repeat(60)}`], // name + prefix: 90 + 60 + 90 bytes
    ['v7', 'short/dir'], // v7 holds 100-byte names and no owner names
  ];
  for (const [format, deep] of cases) {
    const dir = tempDir(format);
    const leaf = format === 'v7' ? 'leaf' : 'r'.repeat(90);
    run('sh', ['-c', `mkdir -p ${dir}/${deep} && echo hi > ${dir}/${deep}/${leaf} && ln -s ${leaf} ${dir}/${deep}/l && chmod 1755 ${dir}/${deep}`]);
    const out = `${tempDir(format)}/${format}.tar`;
    run('tar', [`--format=${format}`, '-cf', out, '-C', dir, '.']);
    assert.equal(withoutXattrs(await treeOf(out)), Object.fromEntries(snapshotTree(dir, { xattrs: false })), format);
  }
});

testWith(t, '.tar.gz and .tar.zst (the zstd program\'s, -19) read the same as the .tar', ['tar', 'zstd', ...TREE_TOOLS], async () => {
  const dir = tempDir('comp');
  const out = `${dir}/a.tar`;
  run('tar', ['--xattrs', '--xattrs-include=*', '--format=pax', '-cf', out, '-C', source(), '.']);
  run('sh', ['-c', `gzip -k ${out} && zstd -q -19 -k ${out}`]);
  const want = await collect(readLayerArchive(out));
  assert.equal(await collect(readLayerArchive(`${out}.gz`)), want);
  assert.equal(await collect(readLayerArchive(`${out}.zst`)), want);
  assert.equal(await collect(readLayerArchive(createReadStream(`${out}.zst`))), want, 'from a stream');
});

t('entries can be skipped without reading their content; a body cannot be read late', async () => {
  const tar = archive(file('a', 'x'.repeat(1000)), file('b', 'yy'), file('c', ''));
  const seen: string[] = [];
  let first: { body(): AsyncIterable<Buffer> } | null = null;
  for await (const e of readTar((async function* () { yield tar.subarray(0, 700); yield tar.subarray(700); })())) {
    seen.push(`${e.path}@${e.offset}:${e.size}`);
    first ??= e;
  }
  assert.equal(seen, ['a@0:1000', 'b@1536:2', 'c@2560:0']);
  assert.throws(() => first!.body(), /body\(\) can be read once, before the next entry/);
});

t('a body read half-way is skipped to its end', async () => {
  const tar = archive(file('a', Buffer.alloc(5000, 1)), file('b', 'second'));
  const out: string[] = [];
  for await (const e of readTar((async function* () { for (let i = 0; i < tar.length; i += 100) yield tar.subarray(i, i + 100); })())) {
    for await (const chunk of e.body()) { out.push(`${e.path}:${chunk.toString().slice(0, 6)}`); break; }
  }
  assert.equal(out, ['a:\x01\x01\x01\x01\x01\x01', 'b:second']);
});

t.run();
