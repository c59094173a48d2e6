/**
 * The checkout cache: hardlink checkouts share inodes with it (copy checkouts do not), a
 * second checkout reuses it, an entry per inode attribute set, damaged entries are found
 * (by stat, and by re-hashing with verifyCache: 'full') and replaced rather than linked,
 * attributes on cached files, copy checkouts copying intact entries (never a damaged one),
 * pruning, and an abort leaving nothing behind.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { checkoutFilesDir, checkoutTreesDir } from '../../src/store/caches/paths.js';
import { pruneCheckoutCache } from '../../src/store/caches/prune.js';
import { isBazaarError } from '../../src/errors.js';
import type { ObjectId } from '../../src/store/layout.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/cli.js';
import { importDir, newStore, snap } from '../helpers/checkout-fixtures.js';
import { fixTimes, run } from '../helpers/layer-fixtures.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('checkout-cache');
/** snap() compares the trees with getfattr's view of their attributes. */
const ORACLE = ['getfattr'];

let fixture: { store: Store; root: ObjectId; src: string } | undefined;
async function layer(): Promise<NonNullable<typeof fixture>> {
  if (!fixture) {
    const src = tempDir('cache-src');
    writeFileSync(`${src}/a`, 'alpha\n');
    writeFileSync(`${src}/b`, 'alpha\n'); // same content as a
    writeFileSync(`${src}/x`, 'x'.repeat(3 << 20));
    writeFileSync(`${src}/suid`, '#!/bin/sh\n');
    run('chmod', ['4755', `${src}/suid`]);
    writeFileSync(`${src}/ro`, 'alpha\n');
    run('chmod', ['0444', `${src}/ro`]); // same content, another mode: another inode
    if (hasTool('setfattr')) run('setfattr', ['-n', 'user.tag', '-v', 'v', `${src}/a`]);
    fixTimes(src);
    const store = await newStore();
    fixture = { store, root: await importDir(store, src), src };
  }
  return fixture;
}

const ino = (p: string): number => statSync(p).ino;
const fresh = (): string => `${tempDir('cache-out')}/tree`;

/** Every inode in the cache, by the file name's attributes part. */
function cacheInodes(store: Store): Set<number> {
  const out = new Set<number>();
  const top = checkoutFilesDir(store.dir);
  for (const sub of readdirSync(top)) for (const n of readdirSync(join(top, sub))) out.add(ino(join(top, sub, n)));
  return out;
}

testWith(t, 'a hardlink checkout shares inodes with the cache, one per content and inode attributes', ORACLE, async () => {
  const { store, root, src } = await layer();
  const out = fresh();
  const r = await checkout(store, [root], out, { mode: 'hardlink' });
  const cached = cacheInodes(store);
  for (const f of ['a', 'b', 'x', 'suid', 'ro']) assert.ok(cached.has(ino(`${out}/${f}`)), f);
  assert.is.not(ino(`${out}/b`), ino(`${out}/ro`), 'another mode is another inode');
  if (hasTool('setfattr')) assert.is.not(ino(`${out}/a`), ino(`${out}/b`), 'other xattrs: another inode');
  assert.is(ino(`${out}/b`), statSync(`${out}/b`).ino);
  assert.is(statSync(`${out}/suid`).mode & 0o7777, 0o4755);
  assert.equal(snap(out), snap(src));
  assert.is(r.cacheLinks, 5);
});

testWith(t, 'a copy checkout shares no inode with the cache', ORACLE, async () => {
  const { store, root, src } = await layer();
  await checkout(store, [root], fresh(), { mode: 'hardlink' }); // the cache exists
  const out = fresh();
  const r = await checkout(store, [root], out, { mode: 'copy' });
  const cached = cacheInodes(store);
  for (const f of ['a', 'b', 'x', 'suid', 'ro']) {
    assert.not.ok(cached.has(ino(`${out}/${f}`)), f);
    assert.is(statSync(`${out}/${f}`).nlink, 1);
  }
  assert.equal(snap(out), snap(src));
  assert.is(r.copies, 5);
  assert.is(r.cache, undefined);
});

t('a copy checkout copies intact cache entries (no decoding) and never creates one', async () => {
  const { src } = await layer();
  const store = await newStore(); // its own: no cache entries yet
  const root = await importDir(store, src);
  const first = fresh();
  const cold = await checkout(store, [root], first, { mode: 'copy' });
  assert.is(cold.cacheCopies, 0, 'no entries yet: every file decoded from the store');
  await checkout(store, [root], fresh(), { mode: 'hardlink' }); // the cache exists
  const out = fresh();
  const warm = await checkout(store, [root], out, { mode: 'copy' });
  assert.is(warm.copies, 5);
  assert.ok(warm.cacheCopies >= 4, `copied from the cache: ${warm.cacheCopies}`); // not as root, 'a' (user.tag) has no entry
  assert.is(readFileSync(`${out}/x`, 'utf8'), 'x'.repeat(3 << 20));
  assert.is(statSync(`${out}/suid`).mode & 0o7777, 0o4755);
  assert.is(statSync(`${out}/ro`).mode & 0o7777, 0o444);
  assert.is(statSync(`${out}/x`).mtimeMs, statSync(`${src}/x`).mtimeMs);
  assert.is(statSync(`${out}/x`).nlink, 1);
});

t('a copy checkout does not copy a cache entry changed through a hardlinked checkout: it decodes the object', async () => {
  const { store, root } = await layer();
  const one = fresh();
  await checkout(store, [root], one, { mode: 'hardlink' });
  const before = await checkout(store, [root], fresh(), { mode: 'copy' });
  appendFileSync(`${one}/x`, 'scribbled'); // the shared inode: the cache entry changes with it
  const out = fresh();
  const r = await checkout(store, [root], out, { mode: 'copy' });
  assert.is(readFileSync(`${out}/x`, 'utf8'), 'x'.repeat(3 << 20));
  assert.is(r.cacheCopies, before.cacheCopies - 1, 'x was decoded from the store');
  await checkout(store, [root], fresh(), { mode: 'hardlink' }); // replaces the damaged entry for the tests after
});

t('a second hardlink checkout reuses the cache: same inodes, nothing created', async () => {
  const { store, root } = await layer();
  const one = fresh();
  await checkout(store, [root], one, { mode: 'hardlink' });
  const two = fresh();
  const r = await checkout(store, [root], two, { mode: 'hardlink' });
  assert.equal(r.cache, { created: 0, reused: 5, replaced: 0 });
  for (const f of ['a', 'b', 'x', 'suid', 'ro']) assert.is(ino(`${two}/${f}`), ino(`${one}/${f}`), f);
});

t('a cache entry changed through a hardlinked checkout is found by stat and replaced, never linked', async () => {
  const { store, root } = await layer();
  const one = fresh();
  await checkout(store, [root], one, { mode: 'hardlink' });
  appendFileSync(`${one}/x`, 'scribbled'); // the shared inode: the cache entry changes with it
  const two = fresh();
  const r = await checkout(store, [root], two, { mode: 'hardlink' });
  assert.is(r.cache!.replaced, 1);
  assert.ok(r.notes.some((n) => n.includes('checkout cache entry for x') && n.includes('damaged')), r.notes.join('\n'));
  assert.is(readFileSync(`${two}/x`, 'utf8'), 'x'.repeat(3 << 20));
  assert.is.not(ino(`${two}/x`), ino(`${one}/x`));
});

t("damage that keeps size and time passes 'stat' but not verifyCache: 'full'", async () => {
  const { store, root } = await layer();
  const one = fresh();
  await checkout(store, [root], one, { mode: 'hardlink' });
  const st = statSync(`${one}/b`);
  writeFileSync(`${one}/b`, 'ALPHA\n');
  utimesSync(`${one}/b`, st.atime, st.mtime);
  const trusting = fresh();
  await checkout(store, [root], trusting, { mode: 'hardlink' });
  assert.is(readFileSync(`${trusting}/b`, 'utf8'), 'ALPHA\n', "'stat' trusts size and time (documented)");
  const careful = fresh();
  const r = await checkout(store, [root], careful, { mode: 'hardlink', verifyCache: 'full' });
  assert.is(r.cache!.replaced, 1);
  assert.is(readFileSync(`${careful}/b`, 'utf8'), 'alpha\n');
});

testWith(t, 'a cached tree that does not hash to its id is read from the store again', ORACLE, async () => {
  const { store, root, src } = await layer();
  await checkout(store, [root], fresh(), { mode: 'copy' }); // the root tree is cached now
  const hex = root.slice(7);
  const cached = join(checkoutTreesDir(store.dir), hex.slice(0, 2), hex.slice(2));
  // A valid tree, but another one: only the hash can tell.
  writeFileSync(cached, JSON.stringify({ kind: 'tree', v: 1, entries: [{ name: 'planted', kind: 'file', mode: 0o100644, user: '0', group: '0', size: 0 }] }));
  const out = fresh();
  await checkout(store, [root], out, { mode: 'hardlink' });
  assert.equal(snap(out), snap(src));
  assert.is(createHash('sha256').update(readFileSync(cached)).digest('hex'), hex, 'replaced by the real tree');
});

t('pruning removes entries no checkout links to any more', async () => {
  const store = await newStore();
  const src = tempDir('prune-src');
  writeFileSync(`${src}/f`, 'prune me');
  const root = await importDir(store, src);
  const out = fresh();
  await checkout(store, [root], out, { mode: 'hardlink' });
  const first = pruneCheckoutCache(store.dir);
  assert.equal([first.removed, first.trees], [0, 1], 'the file is still linked; the cached root tree goes');
  run('rm', ['-rf', out]);
  // gc's grace: an entry touched within the hour may be about to be linked by a running checkout
  assert.equal(pruneCheckoutCache(store.dir, { olderThanMs: 3_600_000 }), { removed: 0, trees: 0, bytes: 0 });
  assert.equal(pruneCheckoutCache(store.dir), { removed: 1, trees: 0, bytes: 8 });
});

t('an aborted checkout removes what it wrote', async () => {
  const { store, root } = await layer();
  const out = fresh();
  const ac = new AbortController();
  ac.abort();
  try {
    await checkout(store, [root], out, { mode: 'hardlink', signal: ac.signal });
    assert.unreachable('aborted');
  } catch (err) {
    assert.not.ok(isBazaarError(err), 'the abort reason, as is');
  }
  assert.not.ok(existsSync(out));
});

t.run();
