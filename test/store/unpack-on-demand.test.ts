/**
 * Packages keep their files in their .rpm until a layer needs them (ingest-rpm.ts,
 * `unpack`): `add` stores no file object, yet names every file by its content's id;
 * fsck finds that whole; the first layer over the package stores exactly the objects
 * `add --unpack` would have; a damaged .rpm stops that layer with a clear error.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ObjectId } from '../../src/store/layout.js';
import { Store, internals } from '../../src/store/store.js';
import { bazaar, freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { flipStoredBit, storedIds } from '../helpers/stored-objects.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const t = suite('unpack on demand');
const PACKAGES = ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'coreutils'];
const files = (): string[] => sampleRpms().filter((f) => /\/(filesystem-|setup-|libc6-2\.38-alt2\.|bash-5\.2\.26-alt1\.|coreutils-)[^/]*\.rpm$/.test(f) && !/\/(SRPMS|i586)\//.test(f));

/** The file object ids the manifests of the store's packages name. */
async function fileIds(dir: string): Promise<Set<ObjectId>> {
  const store = await Store.open(dir);
  const out = new Set<ObjectId>();
  for (const b of await store.read((s) => store.list(s))) {
    const m = await store.manifest((await store.read((s) => store.findPackage(s, b.nevra))).build.manifest);
    for (const f of m.files) if (f.id && f.size > 0) out.add(f.id);
  }
  return out;
}

function ok(dir: string, args: string[]): string {
  const r = bazaar([...args, '--store', dir]);
  assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

t('add stores no file object; the first layer stores the same ones add --unpack does; fsck is clean throughout', async () => {
  const lazy = freshStore('unpack-lazy');
  const eager = freshStore('unpack-eager');
  ok(lazy, ['add', ...files()]);
  ok(eager, ['add', '--unpack', ...files()]);
  const named = await fileIds(lazy);
  assert.equal([...named].sort(), [...(await fileIds(eager))].sort(), 'the same file ids either way');
  assert.ok(named.size > 20);
  const before = new Set(await storedIds(lazy));
  assert.equal([...named].filter((id) => before.has(id)), [], 'no file content stored by add');
  assert.ok(new Set(await storedIds(eager)).size > before.size + named.size - 1);
  assert.is(bazaar(['fsck', '--store', lazy]).status, 0, 'files still in their .rpm are not damage');

  ok(lazy, ['layer', 'create', 'base@1.0.0', '--package', ...PACKAGES]);
  const after = new Set(await storedIds(lazy));
  assert.equal([...named].filter((id) => !after.has(id)), [], 'every file of the layer\'s packages is stored now');
  const store = await Store.open(lazy);
  for (const id of named) assert.is(await internals(store).objects.check(id), null, id);
  assert.is(bazaar(['fsck', '--store', lazy]).status, 0);
  assert.is(JSON.parse(ok(lazy, ['gc', '--json'])).deleted, 0, 'a layer\'s files are kept');
});

t('a layer over a package whose .rpm is damaged fails naming it, and changes nothing', async () => {
  const dir = freshStore('unpack-damaged');
  ok(dir, ['add', ...files()]);
  const bash = JSON.parse(ok(dir, ['show', '--json', 'bash-5.2.26-alt1.x86_64']));
  flipStoredBit(dir, bash.rpm as ObjectId, 0.5, 3);
  const before = storeSnapshot(dir);
  const r = bazaar(['layer', 'create', 'base@1.0.0', '--package', ...PACKAGES, '--store', dir]);
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, bash.rpm);
  assert.equal(storeSnapshot(dir), before, 'the store is unchanged');
});

t.run();
