/**
 * A published layer whose objects were lost or damaged is healed by offering its content
 * again: `layer import` of the same directory, `layer create` of the same packages. The
 * layer's id is the same, so the published version stays and becomes whole (fsck clean,
 * the images on it read, the object set as before the loss); other content under a
 * published version is still refused, with the store unchanged.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeKind } from '../../src/store/kinds/index.js';
import { SNIPPET_DIR } from '../../src/store/kinds/snippet.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { flipStoredBit, removeStored, storedIds } from '../helpers/stored-objects.js';

const t = suite('layer restore');

const ok = (args: string[]): string => {
  const r = bazaarFast(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
};
const json = <T>(args: string[]): T => JSON.parse(ok([...args, '--json'])) as T;

interface Restore { id: string; check: unknown; restored: string[] }

let upper = '';
let pristine = '';
/**
 * base@1.0.0 (filesystem, sed), base@1.0.1 (filesystem alone: a removal published with
 * --force), va-rw@1.0.0 imported from `upper`; images web (base@1.0.0, va-rw) and lean
 * (base@1.0.1).
 */
function pristineStore(): string {
  if (pristine) return pristine;
  pristine = freshStore('layer-restore');
  const files = sampleRpms().filter((f) => /\/(filesystem-2|sed-4)/.test(f) && !f.endsWith('.src.rpm'));
  ok(['add', '--store', pristine, ...files]);
  ok(['layer', 'create', '--store', pristine, 'base@1.0.0', '--nodeps', '--package', 'filesystem', 'sed']);
  ok(['layer', 'create', '--store', pristine, 'base@1.0.1', '--package', 'filesystem', '--force']);
  upper = tempDir('upper');
  mkdirSync(join(upper, 'etc/app'), { recursive: true });
  writeFileSync(join(upper, 'etc/motd'), 'welcome to va1\n');
  writeFileSync(join(upper, 'etc/app/big.conf'), Buffer.alloc(3 << 20, 'x')); // several zstd frames: a loose object
  writeFileSync(join(upper, 'etc/app/small.conf'), 'port = 80\n');
  ok(['layer', 'import', '--store', pristine, '--xattrs', 'none', 'va-rw@1.0.0', upper]);
  ok(['image', 'create', '--store', pristine, 'web@1.0.0', '--nodeps', '--layer', 'base@1.0.0', '--layer', 'va-rw@1']);
  ok(['image', 'create', '--store', pristine, 'lean@1.0.0', '--nodeps', '--layer', 'base@1.0.1']);
  return pristine;
}

function copyOf(): string {
  const dir = join(tempDir('restore-copy'), 'store');
  cpSync(pristineStore(), dir, { recursive: true });
  return dir;
}

/** The layer object of `ref`, every object its tree reaches (trees and blobs), and which blobs are its snippets. */
async function layerObjects(dir: string, ref: string): Promise<{ id: ObjectId; tree: ObjectId; blobs: ObjectId[]; trees: ObjectId[]; snippets: ObjectId[] }> {
  const shown = json<{ id: ObjectId; tree: ObjectId }>(['layer', 'show', '--store', dir, ref]);
  const store = await Store.open(dir);
  const trees: ObjectId[] = [];
  const blobs: ObjectId[] = [];
  const snippets: ObjectId[] = [];
  const walk = async (id: ObjectId, path: string): Promise<void> => {
    trees.push(id);
    for (const e of decodeKind(await store.readBytes(id), id, 'tree').entries) {
      if (e.id === undefined) continue;
      if (e.kind === 'dir') { await walk(e.id, `${path}${e.name}/`); continue; }
      if (!blobs.includes(e.id)) blobs.push(e.id);
      if (path === `${SNIPPET_DIR}/`) snippets.push(e.id);
    }
  };
  await walk(shown.tree, '');
  return { id: shown.id, tree: shown.tree, blobs, trees, snippets };
}

/** What must hold after a restore: fsck clean, the listings and object set of the pristine store. */
async function assertWhole(dir: string): Promise<void> {
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 0, fsck.stdout);
  for (const args of [['image', 'ls'], ['layer', 'ls'], ['ls']]) {
    assert.equal(json(['--store', dir, ...args]), json(['--store', pristineStore(), ...args]), args.join(' '));
  }
  assert.equal((await storedIds(dir)).sort(), (await storedIds(pristineStore())).sort(), 'the same objects as before the loss');
}

t('every object of an imported layer lost (its layer object too): importing the same directory again restores them', async () => {
  const dir = copyOf();
  const lost = await layerObjects(dir, 'va-rw@1.0.0');
  const all = [lost.id, ...lost.trees, ...lost.blobs];
  for (const id of all) await removeStored(dir, id);
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout, /missing sha256:/);
  assert.is(bazaar(['image', 'ls', '--store', dir]).status, 1, 'web is damaged');
  const before = storeSnapshot(dir);
  const dry = json<Restore>(['layer', 'import', '--store', dir, '--xattrs', 'none', '--dry-run', 'va-rw@1.0.0', upper]);
  assert.is(dry.check, null);
  assert.equal([...dry.restored].sort(), [...all].sort(), 'a dry run says what it would restore');
  assert.equal(storeSnapshot(dir), before, 'and writes nothing');
  const r = bazaar(['layer', 'import', '--store', dir, '--xattrs', 'none', 'va-rw@1.0.0', upper]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^layer va-rw@1\\.0\\.0 is published with this content: restored ${all.length} lost or damaged objects\\t${lost.id}$`, 'm'));
  await assertWhole(dir);
  const again = json<Restore>(['layer', 'import', '--store', dir, '--xattrs', 'none', 'va-rw@1.0.0', upper]);
  assert.equal(again.restored, [], 'a whole layer: nothing to restore');
});

t('a damaged blob (packed) and a damaged loose object of an imported layer are written again', async () => {
  const dir = copyOf();
  const objects = await layerObjects(dir, 'va-rw@1.0.0');
  for (const id of objects.blobs) flipStoredBit(dir, id, 0.5);
  assert.is(bazaar(['fsck', '--store', dir]).status, 1);
  const r = json<Restore>(['layer', 'import', '--store', dir, '--xattrs', 'none', 'va-rw@1.0.0', upper]);
  assert.equal([...r.restored].sort(), [...objects.blobs].sort());
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 0, fsck.stdout);
  const co = join(tempDir('restore-co'), 'web');
  ok(['image', 'checkout', '--store', dir, 'web', co]);
});

t('other content under a published version is refused in one line; the store is unchanged', () => {
  const dir = copyOf();
  const other = tempDir('other-upper');
  writeFileSync(join(other, 'motd'), 'something else\n');
  const before = storeSnapshot(dir);
  const r = bazaar(['layer', 'import', '--store', dir, '--xattrs', 'none', 'va-rw@1.0.0', other]);
  assert.is(r.status, 2);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /layer va-rw@1\.0\.0 is already published with other content, and published layers never change; publish a new version/);
  const created = bazaar(['layer', 'create', '--store', dir, 'base@1.0.0', '--package', 'filesystem']);
  assert.is(created.status, 2);
  assert.match(created.stderr, /layer base@1\.0\.0 is already published with other content/);
  assert.equal(storeSnapshot(dir), before);
});

t('layer create of a published version restores its lost snippet (the install time read from an intact one)', async () => {
  const dir = copyOf();
  const { snippets } = await layerObjects(dir, 'base@1.0.0');
  assert.is(snippets.length, 2, 'one snippet per package');
  await removeStored(dir, snippets[0] as ObjectId);
  assert.is(bazaar(['fsck', '--store', dir]).status, 1);
  const r = json<Restore>(['layer', 'create', '--store', dir, 'base@1.0.0', '--package', 'filesystem', 'sed']);
  assert.equal(r.restored, [snippets[0]]);
  await assertWhole(dir);
});

t('layer create of a forced version whose layer object, root tree and snippet are lost: made again, forced record and install time included', async () => {
  const dir = copyOf();
  const objects = await layerObjects(dir, 'base@1.0.1');
  // the layer object, its root tree and its snippet: nothing of it says when it was built but its commit
  const lost = [objects.id, objects.tree, ...objects.snippets];
  for (const id of lost) await removeStored(dir, id);
  assert.is(bazaar(['fsck', '--store', dir]).status, 1);
  assert.is(bazaar(['layer', 'create', '--store', dir, 'base@1.0.1', '--package', 'sed']).status, 2, 'other packages are other content');
  const r = json<Restore>(['layer', 'create', '--store', dir, 'base@1.0.1', '--package', 'filesystem']);
  assert.equal([...r.restored].sort(), [...lost].sort());
  assert.is(r.id, objects.id);
  assert.is(json<{ forced: unknown }>(['layer', 'show', '--store', dir, 'base@1.0.1']).forced !== null, true, 'the forced record is part of it');
  await assertWhole(dir);
});

t.run();
