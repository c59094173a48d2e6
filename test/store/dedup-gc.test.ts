/**
 * Storing the same content twice costs nothing; gc deletes exactly what nothing
 * references; the index is derived data that rebuilds itself; objects are standard zstd.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { objectPath, tmpDir } from '../../src/store/layout.js';
import { Store, internals } from '../../src/store/store.js';
import { bazaar, bazaarBytes, freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { testWith } from '../helpers/tools.js';
import { storedIds } from '../helpers/stored-objects.js';

const t = suite('dedup, gc, reindex');

async function objectCount(dir: string): Promise<number> { return (await storedIds(dir)).length; }

t('the same content is stored once: across packages, and on re-adding', async () => {
  const dir = freshStore('dedup');
  const store = await Store.open(dir);
  const added = await store.add(sampleRpms());
  // Every id the manifests name, counted with repetition vs. the objects on disk.
  const named: string[] = [];
  const owners = new Map<string, Set<string>>();
  for (const a of added) {
    const b = (await store.read((s) => store.findPackage(s, a.id))).build;
    const m = await store.manifest(b.manifest);
    named.push(a.id, b.manifest, ...b.variants.map((v) => v.rpm));
    for (const f of m.files) if (f.id) {
      named.push(f.id);
      if (!owners.has(f.id)) owners.set(f.id, new Set());
      owners.get(f.id)!.add(m.nevra);
    }
  }
  const shared = [...owners].filter(([, o]) => o.size > 1);
  assert.ok(shared.length > 0, 'some file content (COPYING texts) is shared between packages');
  assert.ok(new Set(named).size < named.length);
  const before = await objectCount(dir);
  const snapshot = storeSnapshot(dir);
  const again = bazaar(['add', '--store', dir, ...sampleRpms()]);
  assert.is(again.status, 0, again.stderr);
  assert.is(await objectCount(dir), before, 're-adding adds no object');
  assert.equal(storeSnapshot(dir), snapshot, 'nor any ref or state');
  assert.equal(again.stdout.trim().split('\n').map((l) => l.split('\t')[1]).sort(), added.map((a) => a.id).sort(), 'same ids');
});

t('a rebuild with identical files adds only its own rpm, manifest and changed content', async () => {
  const dir = freshStore('dedup-versions');
  const [alt1, alt2] = sampleRpms().filter((f) => /\/bash-5\.2\.26-alt[12]\.x86_64/.test(f));
  assert.ok(alt1 && alt2);
  const store = await Store.open(dir);
  const [a] = await store.add([alt1]);
  const before = await objectCount(dir);
  const [b] = await store.add([alt2]);
  const ba = (await store.read((s) => store.findPackage(s, a.id))).build;
  const bb = (await store.read((s) => store.findPackage(s, b.id))).build;
  const ma = await store.manifest(ba.manifest);
  const mb = await store.manifest(bb.manifest);
  const sharedFiles = mb.files.filter((f) => f.id && ma.files.some((g) => g.id === f.id)).length;
  assert.ok(sharedFiles > 0, 'alt2 shares file content with alt1');
  const newObjects = await objectCount(dir) - before;
  // its own header, .rpm, record and manifest, and the files alt1 does not have
  const distinctNew = new Set([bb.header, bb.manifest, bb.variants[0].rpm, 'record', ...mb.files.filter((f) => f.id && !ma.files.some((g) => g.id === f.id)).map((f) => f.id)]);
  assert.ok(newObjects <= distinctNew.size + 8, `${newObjects} new objects for ${distinctNew.size} new contents (+ trees)`);
});

t('gc deletes unreferenced objects and dead processes\' temp files, and nothing else', async () => {
  const dir = freshStore('gc');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms().slice(0, 8)]).status, 0);
  const store = await Store.open(dir);
  const orphan = await internals(store).objects.put(Buffer.from('nobody references me'));
  const stale = join(tmpDir(dir), '999999999-abcdef.tmp');
  writeFileSync(stale, 'left by a killed process');
  const before = await objectCount(dir);
  const r = JSON.parse(bazaar(['gc', '--json', '--store', dir]).stdout);
  assert.is(r.deleted, 1);
  assert.is(r.tempsRemoved, 1);
  assert.is(await objectCount(dir), before - 1);
  assert.is(await store.has(orphan), false);
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
  assert.is(JSON.parse(bazaar(['gc', '--json', '--store', dir]).stdout).deleted, 0, 'a second gc finds nothing');
});

t('the index is derived: deleted, it rebuilds by itself; reindex counts the packages', () => {
  const dir = freshStore('reindex');
  const rpms = sampleRpms().slice(0, 6);
  assert.is(bazaar(['add', '--store', dir, ...rpms]).status, 0);
  const listed = bazaar(['ls', '--store', dir]).stdout;
  rmSync(join(dir, 'cache'), { recursive: true });
  const rebuilt = bazaar(['ls', '--store', dir]);
  assert.is(rebuilt.stdout, listed);
  assert.match(rebuilt.stderr, 'building the package index', 'one line says the index is being built');
  writeFileSync(readdirSync(join(dir, 'cache', 'index')).map((n) => join(dir, 'cache', 'index', n))[0] as string, 'garbage');
  const fromDamaged = bazaar(['ls', '--store', dir]);
  assert.is(fromDamaged.stdout, listed, 'a damaged index is never believed');
  assert.match(fromDamaged.stderr, 'damaged; rebuilding');
  const r = JSON.parse(bazaar(['reindex', '--json', '--store', dir]).stdout);
  assert.is(r.packages, rpms.length);
  assert.is(bazaar(['ls', '--store', dir]).stdout, listed);
});

testWith(t, 'an object file is a standard zstd stream (zstd -d reads it), large ones in several frames', ['zstd'], async () => {
  const dir = freshStore('zstd');
  const store = await Store.open(dir);
  const big = Buffer.alloc(3_500_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const id = await internals(store).objects.put(big);
  const z = spawnSync('zstd', ['-dc', objectPath(dir, id)], { maxBuffer: 64 << 20 });
  assert.is(z.status, 0, z.stderr.toString());
  assert.ok(z.stdout.equals(big));
  assert.ok(bazaarBytes(['cat', '--store', dir, id]).stdout.equals(big));
});

t('store errors are clear: no store, unknown package, ambiguous name, bad id', () => {
  const none = bazaar(['ls', '--store', '/nonexistent/store']);
  assert.is(none.status, 2);
  assert.match(none.stderr, "bazaar init");
  const dir = freshStore('errors');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms()]).status, 0);
  const missing = bazaar(['show', '--store', dir, 'no-such-package']);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, 'no package no-such-package');
  const ambiguous = bazaar(['show', '--store', dir, 'openssl']);
  assert.is(ambiguous.status, 2);
  assert.match(ambiguous.stderr, 'openssl-1.1.1w-alt1.x86_64');
  assert.is(bazaar(['cat', '--store', dir, 'sha256:xyz']).status, 2);
  const unknown = bazaar(['cat', '--store', dir, `sha256:${'0'.repeat(64)}`]);
  assert.is(unknown.status, 2, 'an id the store does not hold is bad input, as an unknown package is');
  assert.match(unknown.stderr, /^bazaar cat: no object sha256:0+ in the store\n$/);
  assert.is(bazaar(['add', '--store', dir]).status, 2);
  assert.is(bazaar(['frobnicate']).status, 2);
});

t('packages are found by every spelling of their NEVRA', () => {
  const dir = freshStore('nevra');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms()]).status, 0);
  for (const ref of ['sed-1:4.9-alt1.x86_64', 'sed', 'webapp-2.4.1-alt1.noarch', 'webapp-0:2.4.1-alt1.noarch', 'bash-5.2.26-alt1.src']) {
    const r = bazaar(['show', '--json', '--store', dir, ref]);
    assert.is(r.status, 0, `${ref}: ${r.stderr}`);
  }
  const src = JSON.parse(bazaar(['show', '--json', '--store', dir, 'bash-5.2.26-alt1.src']).stdout);
  assert.is(src.arch, 'src');
  assert.is(JSON.parse(bazaar(['show', '--json', '--store', dir, 'sed']).stdout).epoch, 1);
});

t.run();
