/** `bazaar import-tree`: every file comes back byte-identical, links and modes kept, gc keeps it. */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ObjectId } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import type { TreeObject } from '../../src/store/kinds/tree.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const t = suite('import-tree');

function makeTree(): string {
  const root = tempDir('tree');
  mkdirSync(join(root, 'etc/deep/er'), { recursive: true });
  writeFileSync(join(root, 'etc/a.conf'), 'same bytes\n');
  writeFileSync(join(root, 'etc/deep/b.conf'), 'same bytes\n');
  writeFileSync(join(root, 'etc/deep/er/big'), Buffer.alloc(2_500_000, 7));
  writeFileSync(join(root, 'empty'), '');
  chmodSync(join(root, 'etc/a.conf'), 0o600);
  symlinkSync('etc/a.conf', join(root, 'link'));
  return root;
}

t('files read back byte-identical; symlinks and modes kept; identical content stored once', async () => {
  const src = makeTree();
  const dir = freshStore('import');
  const r = bazaar(['import-tree', src, '--name', 'test', '--json', '--store', dir]);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.files, 4);
  const store = await Store.open(dir);
  const read = async (id: ObjectId): Promise<TreeObject> => JSON.parse((await store.readBytes(id)).toString());
  const root = await read(out.root);
  const etc = await read(root.entries.find((e) => e.name === 'etc')!.id!);
  const a = etc.entries.find((e) => e.name === 'a.conf')!;
  assert.is(a.mode & 0o777, 0o600);
  assert.ok((await store.readBytes(a.id!)).equals(readFileSync(join(src, 'etc/a.conf'))));
  const deep = await read(etc.entries.find((e) => e.name === 'deep')!.id!);
  assert.is(deep.entries.find((e) => e.name === 'b.conf')!.id, a.id, 'same content, same object');
  const er = await read(deep.entries.find((e) => e.name === 'er')!.id!);
  assert.ok((await store.readBytes(er.entries[0].id!)).equals(readFileSync(join(src, 'etc/deep/er/big'))));
  assert.is(root.entries.find((e) => e.name === 'link')!.target, 'etc/a.conf');
  assert.is(JSON.parse(bazaar(['gc', '--json', '--store', dir]).stdout).deleted, 0, 'gc keeps an imported tree');
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
});

t('a bad name or a missing directory changes nothing', () => {
  const dir = freshStore('import-bad');
  const before = storeSnapshot(dir);
  assert.is(bazaar(['import-tree', makeTree(), '--name', '../x', '--store', dir]).status, 2);
  const missing = bazaar(['import-tree', '/nonexistent/dir', '--name', 'x', '--store', dir]);
  assert.is(missing.status, 2, missing.stderr);
  assert.is(missing.stderr.trim().split('\n').length, 1);
  assert.equal(storeSnapshot(dir), before);
});

t.run();
