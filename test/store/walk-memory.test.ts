/**
 * The walk behind fsck and gc reads objects ahead of itself in bounded parts
 * (reachability.ts readAhead, docs/store.md "Memory"): one level of a tree of many
 * directories was read and parsed whole, which held ~80 MB at once for 800 directories
 * of 500 files. Read a part at a time, the walk still checks the same objects and reports
 * the same problems.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ObjectStore } from '../../src/store/objects.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Reachability } from '../../src/store/reachability.js';
import { Store, internals } from '../../src/store/store.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { removeStored, storedIds } from '../helpers/stored-objects.js';

const t = suite('walk memory');

t('a tree of 300 directories: the walk reads ahead at most 64 objects a call, and fsck still finds a directory gone from the middle', async () => {
  const tree = join(tempDir('walk-tree'), 'tree');
  for (let d = 0; d < 300; d++) {
    mkdirSync(join(tree, `d${d}`), { recursive: true });
    writeFileSync(join(tree, `d${d}`, 'f'), `file ${d}\n`);
  }
  const dir = freshStore('walk-memory');
  const imported = bazaar(['import-tree', tree, '--name', 'wide', '--store', dir, '--json']);
  assert.is(imported.status, 0, imported.stderr);

  const read = ObjectStore.prototype.readManyVerified;
  let most = 0;
  ObjectStore.prototype.readManyVerified = function (this: ObjectStore, ids: readonly ObjectId[], ...rest: [number?, { packedFirst?: boolean }?]) {
    most = Math.max(most, ids.length);
    return read.call(this, ids, ...rest);
  };
  try {
    const clean = await (await Store.open(dir)).fsck();
    assert.ok(clean.ok, JSON.stringify(clean.problems));
    assert.ok(clean.objects >= 600, `${clean.objects} objects: the directories and their files`);
    assert.ok(most <= 64, `${most} objects read in one call: the 300 directories of one level were read whole`);
    assert.ok(most > 1, 'the walk read ahead at all');

    // one directory's tree gone from the middle of the level: named, with its path
    const root = (JSON.parse(imported.stdout) as { root: ObjectId }).root;
    const store = await Store.open(dir);
    const entries = (JSON.parse((await internals(store).objects.readBytes(root)).toString()) as { entries: Array<{ name: string; id: ObjectId }> }).entries;
    const gone = entries.find((e) => e.name === 'd150')?.id as ObjectId;
    await removeStored(dir, gone);
    const damaged = await (await Store.open(dir)).fsck();
    assert.not.ok(damaged.ok);
    assert.equal(damaged.problems.map((p) => [p.id, p.problem]), [[gone, 'missing']]);
    assert.match(damaged.problems[0].what, '/d150');
  } finally {
    ObjectStore.prototype.readManyVerified = read;
  }
});

/** fsck of `dir`, with the number of entries its walk's table held and whether it reached each of `ids`. */
async function fsckWalk(dir: string, ids: readonly ObjectId[]): Promise<{ ok: boolean; problems: Array<[ObjectId, string, string]>; objects: number; entries: number; reached: ObjectId[] }> {
  const problems = Reachability.prototype.problems;
  let entries = -1;
  let reached: ObjectId[] = [];
  Reachability.prototype.problems = function (this: Reachability) {
    entries = (this as unknown as { table: { size: number } }).table.size;
    reached = ids.filter((id) => this.reaches(id));
    return problems.call(this);
  };
  try {
    const r = await (await Store.open(dir)).fsck();
    return { ok: r.ok, problems: r.problems.map((p) => [p.id, p.problem, p.what]), objects: r.objects, entries, reached };
  } finally {
    Reachability.prototype.problems = problems;
  }
}

t('files a package names that stay in its .rpm get no entry in the walk; a layer\'s file gone is still found, and gc keeps the stored ones', async () => {
  const dir = freshStore('walk-absent-files');
  const rpms = sampleRpms().filter((f) => /\/(filesystem-|setup-|libc6-2\.38-alt2\.|bash-5\.2\.26-alt1\.|coreutils-)[^/]*\.rpm$/.test(f) && !/\/(SRPMS|i586)\//.test(f));
  assert.is(bazaar(['add', ...rpms, '--store', dir]).status, 0);
  const store = await Store.open(dir);
  const named = new Set<ObjectId>();
  for (const b of await store.read((s) => store.list(s))) {
    const m = await store.manifest((await store.read((s) => store.findPackage(s, b.nevra))).build.manifest);
    for (const f of m.files) if (f.id && f.size > 0) named.add(f.id);
  }
  assert.ok(named.size > 20, `${named.size} files named`);
  const lazy = await fsckWalk(dir, [...named]);
  assert.ok(lazy.ok, JSON.stringify(lazy.problems));
  assert.equal(lazy.reached, [], 'no file in its .rpm has an entry');
  assert.ok(lazy.entries <= lazy.objects, `${lazy.entries} entries for ${lazy.objects} stored objects`);

  const made = bazaar(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'coreutils', '--store', dir]);
  assert.is(made.status, 0, made.stderr);
  const stored = new Set(await storedIds(dir));
  const layered = [...named].filter((id) => stored.has(id));
  assert.ok(layered.length > 20, 'the layer stored its files');
  const whole = await fsckWalk(dir, layered);
  assert.ok(whole.ok, JSON.stringify(whole.problems));
  assert.equal(whole.reached, layered, 'every stored file is reached');
  const gc = bazaar(['gc', '--json', '--store', dir]);
  assert.is(gc.status, 0, gc.stderr);
  assert.is(JSON.parse(gc.stdout).deleted, 0, 'gc keeps the layer\'s files');

  // one of them gone: the packages may lack it, the layer may not
  await removeStored(dir, layered[0]);
  const damaged = await fsckWalk(dir, []);
  assert.not.ok(damaged.ok);
  assert.equal(damaged.problems.map((p) => [p[0], p[1]]), [[layered[0], 'missing']]);
  assert.match(damaged.problems[0][2], /^file \//);
});

t.run();
