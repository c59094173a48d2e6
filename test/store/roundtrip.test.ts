/**
 * Every file of every package reads back byte-identical from the store (checked against
 * rpm's own extraction, rpm2archive), and `bazaar cat` of a package's rpm blob is the
 * original file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nevraKey } from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { FileFlag } from '../../src/rpm/tags.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import { objectIdOf } from '../../src/store/layout.js';
import type { TreeObject } from '../../src/store/kinds/tree.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFastBytes } from '../helpers/cli-fast.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { testWith } from '../helpers/tools.js';

const t = suite('store round trip');

/** rpm's own extraction of the payload into a fresh directory. */
function extract(rpmPath: string): string {
  const dir = tempDir('extract');
  const r = spawnSync('sh', ['-c', 'rpm2archive -n - < "$1" | tar -x -C "$2" --no-same-owner 2>/dev/null', 'x', rpmPath, dir]);
  if (r.status !== 0) throw new Error(`rpm2archive ${rpmPath} failed`);
  return dir;
}

const trees = new Map<string, TreeObject>();
async function readTree(store: Store, id: ObjectId): Promise<TreeObject> {
  let tree = trees.get(id);
  if (!tree) { tree = JSON.parse((await store.readBytes(id)).toString()) as TreeObject; trees.set(id, tree); }
  return tree;
}

async function treeLookup(store: Store, root: ObjectId, path: string): Promise<TreeObject['entries'][number] | undefined> {
  let tree = await readTree(store, root);
  const parts = path.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const entry = tree.entries.find((e) => e.name === parts[i]);
    if (!entry || i === parts.length - 1) return entry;
    tree = await readTree(store, entry.id!);
  }
  return undefined;
}

async function roundTrip(files: string[]): Promise<void> {
  // One store per set of distinct NEVRAs (a store refuses a second build under a taken NEVRA).
  const groups: Array<{ keys: Set<string>; files: string[] }> = [];
  for (const f of files) {
    const key = nevraKey(packageMeta((await readRpmFile(f)).header, f));
    let g = groups.find((x) => !x.keys.has(key));
    if (!g) { g = { keys: new Set(), files: [] }; groups.push(g); }
    g.keys.add(key);
    g.files.push(f);
  }
  let checkedFiles = 0;
  for (const g of groups) {
    const dir = freshStore('roundtrip');
    const store = await Store.open(dir);
    const added = await store.add(g.files, { unpack: true });
    for (const a of added) {
      const b = (await store.read((s) => store.findPackage(s, a.id))).build;
      const m = await store.manifest(b.manifest);
      const rpmId = objectIdOf(readFileSync(a.path));
      assert.ok(b.variants.some((v) => v.rpm === rpmId), `${a.path} is a variant of its build`);
      const cat = bazaarFastBytes(['cat', '--store', dir, rpmId]); // the CLI's dispatch in the test worker
      assert.is(cat.status, 0, cat.stderr);
      assert.ok(cat.stdout.equals(readFileSync(a.path)), `bazaar cat of the rpm blob of ${a.path} is the original file`);
      const root = extract(a.path);
      for (const f of m.files) {
        if (f.flags & FileFlag.GHOST) continue;
        const onDisk = join(root, f.path);
        const type = f.mode & 0o170000;
        if (type === 0o100000) {
          assert.ok(f.id, `${a.nevra} ${f.path} has a blob`);
          const bytes = await store.readBytes(f.id!);
          assert.ok(existsSync(onDisk), `${f.path} extracted by rpm`);
          assert.ok(bytes.equals(readFileSync(onDisk)), `${a.nevra} ${f.path} reads back byte-identical`);
          const entry = await treeLookup(store, m.tree, f.path);
          assert.is(entry?.id, f.id, `tree entry of ${f.path}`);
          checkedFiles++;
        } else if (type === 0o120000 && existsSync(onDisk) && lstatSync(onDisk).isSymbolicLink()) {
          assert.is(readlinkSync(onDisk), f.linkto);
          assert.is((await treeLookup(store, m.tree, f.path))?.target, f.linkto);
        }
      }
    }
  }
  assert.ok(checkedFiles > 0);
}

testWith(t, 'repos/sample: files byte-identical, rpm blobs identical', ['rpm2archive'], async () => {
  await roundTrip(sampleRpms());
});

testWith(t, 'shared corpus: files byte-identical, rpm blobs identical', ['rpm2archive', 'corpus'], async () => {
  await roundTrip(corpusRpms());
});

t.run();
