/**
 * Import -> checkout round trips of a real directory holding every file type, special
 * modes, owners (the tests run as root), user/trusted/security xattrs, hardlinks, long
 * and non-UTF-8 names: from the directory itself, from a .tar.zst our writer made and
 * from one GNU tar made; compared with lstat and getfattr (layer-fixtures.ts).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { readLayerDirectory } from '../../src/archive/read-layer.js';
import { writeLayerArchive } from '../../src/archive/write-layer-archive.js';
import type { LayerEntry } from '../../src/archive/layer-entry.js';
import { importLayerEntries } from '../../src/layer/import-layer-entries.js';
import type { TreeEntry } from '../../src/store/kinds/tree.js';
import { tempDir } from '../helpers/cli.js';
import { importArchive, importDir, newStore, objectsOf, snap } from '../helpers/checkout-fixtures.js';
import { makeRichTree, run } from '../helpers/layer-fixtures.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('checkout-roundtrip');
const TREE_TOOLS = ['getfattr', 'setfattr', 'mknod', 'mkfifo'];

let srcDir = '';
const source = (): string => {
  if (!srcDir && hasTool('setfattr')) { srcDir = tempDir('co-rich'); makeRichTree(srcDir); }
  return srcDir;
};

testWith(t, 'copy checkout of an imported directory equals it (devices listed as skipped)', TREE_TOOLS, async () => {
  const store = await newStore();
  const root = await importDir(store, source());
  const out = `${tempDir('co-copy')}/tree`;
  const r = await checkout(store, [root], out, { mode: 'copy' });
  assert.equal(snap(out), snap(source(), { devices: false }));
  assert.equal(r.skipped, [{ path: 'dev/big-minor', kind: 'char' }, { path: 'dev/sda', kind: 'block' }, { path: 'dev/tty1', kind: 'char' }]);
  assert.is(r.files, 14);
  assert.is(r.links, 3, 'su-hardlink, su-elsewhere, short-hardlink-to-long link to their first name');
  assert.is(r.copies, 11);
  assert.is(r.fifos, 1);
  assert.is(statSync(out).mode & 0o7777, 0o755, 'a root the checkout made is 0755');
  assert.ok(r.notes.some((n) => n.includes('3 device nodes')), r.notes.join('\n'));
});

testWith(t, 'hardlink checkout equals it too, hardlinks within the layer kept as links', TREE_TOOLS, async () => {
  const store = await newStore();
  const root = await importDir(store, source());
  const out = `${tempDir('co-hl')}/tree`;
  const r = await checkout(store, [root], out, { mode: 'hardlink' });
  assert.equal(snap(out), snap(source(), { devices: false }));
  assert.is(r.cacheLinks + r.links, 14);
  assert.is(r.links, 3);
  assert.is(r.copies, 0);
});

testWith(t, 'a layer from our .tar.zst and one from GNU tar are the same tree as the directory', ['tar', 'zstd', ...TREE_TOOLS], async () => {
  const store = await newStore();
  const fromDir = await importDir(store, source());
  const ours = `${tempDir('co-tar')}/ours.tar.zst`;
  const entries: LayerEntry[] = [];
  for await (const e of readLayerDirectory(source())) entries.push(e);
  await writeLayerArchive(entries, ours);
  assert.is(await importArchive(store, ours), fromDir, 'our writer');
  const gnu = `${tempDir('co-tar')}/gnu.tar.zst`;
  run('tar', ['--zstd', '--xattrs', '--xattrs-include=*', '--format=pax', '--sort=name', '-cf', gnu, '-C', source(), '.']);
  const fromGnu = await importArchive(store, gnu);
  const out = `${tempDir('co-gnu')}/tree`;
  await checkout(store, [fromGnu], out, { mode: 'copy' });
  assert.equal(snap(out), snap(source(), { devices: false }), 'GNU tar');
  assert.is(fromGnu, fromDir, 'GNU tar: the very same tree');
});

t('hardlink groups name their first member in tree order, whatever order the stream gave', async () => {
  const store = await newStore();
  const file = (path: string, body: string): LayerEntry => ({ path, kind: 'file', mode: 0o100644, uid: 0, gid: 0, size: body.length, mtime: 5, xattrs: {}, content: async function* () { yield Buffer.from(body); } });
  const link = (path: string, to: string): LayerEntry => ({ path, kind: 'hardlink', mode: 0o100644, uid: 0, gid: 0, size: 0, mtime: 5, xattrs: {}, linkTo: to });
  async function* stream(): AsyncGenerator<LayerEntry> {
    yield { path: '.', kind: 'dir', mode: 0o40755, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} };
    yield { path: 'z', kind: 'dir', mode: 0o40755, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} };
    yield file('z/first-in-stream', 'same inode');
    yield link('a-later', 'z/first-in-stream');
    yield link('m', 'z/first-in-stream');
  }
  const layer = await importLayerEntries(objectsOf(store), stream());
  await objectsOf(store).commit(layer.staged);
  const top = (await store.readKind(layer.root, 'tree')).entries;
  const byName = new Map<string, TreeEntry>(top.map((e) => [e.name, e]));
  assert.is(byName.get('a-later')!.linkTo, 'a-later');
  assert.is(byName.get('m')!.linkTo, 'a-later');
  assert.is(byName.get('a-later')!.id, byName.get('m')!.id);
  const out = `${tempDir('co-grp')}/tree`;
  await checkout(store, [layer.root], out, { mode: 'copy' });
  const ino = (p: string): number => statSync(`${out}/${p}`).ino;
  assert.is(ino('m'), ino('a-later'));
  assert.is(ino('z/first-in-stream'), ino('a-later'));
  assert.is(readFileSync(`${out}/m`, 'utf8'), 'same inode');
});

t("owner names resolve through the image's own /etc/passwd and /etc/group; unknown ones become root, with a note", async () => {
  if (process.getuid?.() !== 0) return; // owners are only set as root
  const store = await newStore();
  const dir = tempDir('co-names');
  mkdirSync(`${dir}/etc`);
  writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\nsvc:x:123:456::/:/bin/false\n');
  writeFileSync(`${dir}/etc/group`, 'root:x:0:\nsvc:x:456:\nstaff:x:50:\n');
  writeFileSync(`${dir}/owned`, 'x');
  writeFileSync(`${dir}/ghost`, 'y');
  const base = await importDir(store, dir);
  // A package-style tree: owners by name, as ingest-rpm stores them.
  const tree = await store.readKind(base, 'tree');
  const named = tree.entries.map((e) => (e.name === 'owned' ? { ...e, user: 'svc', group: 'staff' } : e.name === 'ghost' ? { ...e, user: 'ghost', group: 'svc' } : e));
  const { encodeKind } = await import('../../src/store/kinds/index.js');
  const root = await objectsOf(store).put(encodeKind('tree', { entries: named }));
  const out = `${tempDir('co-names-out')}/tree`;
  const r = await checkout(store, [root], out, { mode: 'copy' });
  assert.equal([statSync(`${out}/owned`).uid, statSync(`${out}/owned`).gid], [123, 50]);
  assert.equal([statSync(`${out}/ghost`).uid, statSync(`${out}/ghost`).gid], [0, 456]);
  assert.ok(r.notes.some((n) => n.includes('user ghost')), r.notes.join('\n'));
});

t.run();
