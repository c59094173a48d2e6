/**
 * The derived caches under `<store>/cache/` and their one owner (src/store/caches/): a
 * commit's cache is built from its nearest cached ancestor's, past missing and damaged
 * ones; gc prunes every family; a damaged entry of any family is rebuilt, never believed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { prepareChannelUniverse } from '../../src/resolver/catalog-source.js';
import { checkoutFilesDir, derivedEntryPath, fileLocatorPath, packageIndexPath, rpmmdCacheDir, rpmmdGenerationDir, universeCacheDir } from '../../src/store/caches/paths.js';
import { checkSealedDir } from '../../src/store/caches/sealed-dir.js';
import { addToChannel, createChannel, deleteChannel, removeFromChannel, renameChannel } from '../../src/store/channels.js';
import { MAX_DELTA_DEPTH, indexFileHead, readIndexFile } from '../../src/store/package-index-file.js';
import { PACKAGES_BRANCH, channelBranch } from '../../src/store/ref-paths.js';
import { Store } from '../../src/store/store.js';
import { bazaar, bazaarBytes, freshStore, tempDir } from '../helpers/cli.js';
import { importDir, newStore } from '../helpers/checkout-fixtures.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { appFor, nevraOf } from '../helpers/server.js';

const t = suite('derived caches');

const binaries = (): string[] => sampleRpms().filter((f) => !f.includes('/SRPMS/'));

t('an index is built from the nearest cached ancestor\'s, past a missing and a damaged one', async () => {
  const dir = freshStore('nearest');
  const store = await Store.open(dir);
  const rpms = binaries().slice(0, 5);
  for (const rpm of rpms) await store.add([rpm]); // one commit of `packages` each, every index cached
  const commits = (await store.read((s) => s.log(PACKAGES_BRANCH))).map((c) => c.oid); // newest first
  assert.ok(commits.length >= 5);
  const [head, parent, grandparent, base] = commits;
  const listed = (await store.list()).map((b) => b.nevra);

  const listFresh = async (): Promise<{ nevras: string[]; notices: string[] }> => {
    const notices: string[] = [];
    const s = await Store.open(dir, { onNotice: (l) => notices.push(l) });
    return { nevras: (await s.list()).map((b) => b.nevra), notices };
  };
  rmSync(packageIndexPath(dir, head));
  rmSync(packageIndexPath(dir, parent));
  writeFileSync(packageIndexPath(dir, grandparent), readFileSync(packageIndexPath(dir, grandparent), 'utf8').replace(/"/, "'"));
  const fromBase = await listFresh();
  assert.equal(fromBase.nevras, listed);
  assert.equal(fromBase.notices, [], `built from ${base.slice(0, 12)}'s index: no first-use notice`);
  assert.ok(readFileSync(packageIndexPath(dir, head), 'utf8').length > 0, 'the head\'s index is cached again');

  // Without any cached ancestor it is built from nothing, and says so: the same list.
  for (const name of readdirSync(join(dir, 'cache', 'index'))) rmSync(join(dir, 'cache', 'index', name));
  const fromNothing = await listFresh();
  assert.equal(fromNothing.nevras, listed);
  assert.equal(fromNothing.notices, [`building the package index of ${head.slice(0, 12)} (first use; later ones are incremental)`]);
});

/** Each commit of a branch, newest first. */
async function commitsOf(store: Store, branch: string): Promise<string[]> {
  return (await store.read((s) => s.log(branch))).map((c) => c.oid);
}

/** What each commit's index reads as now, and what it is when built again from nothing (no cached index at all). */
async function indexesAgainstRebuilt(dir: string, commits: readonly string[]): Promise<Array<{ read: unknown; rebuilt: unknown }>> {
  const read = commits.map((c) => readIndexFile(dir, c));
  rmSync(join(dir, 'cache', 'index'), { recursive: true });
  const out: Array<{ read: unknown; rebuilt: unknown }> = [];
  for (const [i, c] of commits.entries()) {
    const fresh = await Store.open(dir);
    const index = await fresh.indexOf(c);
    out.push({ read: read[i], rebuilt: { builds: index.builds, extras: index.extras } });
    rmSync(join(dir, 'cache', 'index'), { recursive: true }); // each from nothing, not from the one before
  }
  return out;
}

t('a write leaves its index as a delta on its parent\'s: read through the chain, it is the index built from nothing', async () => {
  const dir = freshStore('index-delta');
  const store = await Store.open(dir);
  const rpms = binaries().slice(0, 6);
  await store.add([rpms[0] as string]); // a store's first index is a full one
  await createChannel(store, 'c');
  for (const rpm of rpms.slice(1)) {
    await store.add([rpm]);
    await addToChannel(store, 'c', [nevraOf(rpm)]);
  }
  await removeFromChannel(store, 'c', [nevraOf(rpms[2] as string)]);
  const packages = await commitsOf(store, PACKAGES_BRANCH);
  const channel = await commitsOf(store, channelBranch('c'));
  const heads = packages.map((c) => indexFileHead(dir, c));
  assert.equal(heads.at(-1), { kind: 'full' });
  assert.equal(heads.slice(0, -1).map((h) => h?.kind === 'delta' && h.depth), [5, 4, 3, 2, 1], 'each add is a delta on the one before');
  assert.equal(indexFileHead(dir, channel[0] as string)?.kind, 'delta', 'a removal from a channel too');
  for (const { read, rebuilt } of await indexesAgainstRebuilt(dir, [...packages, ...channel])) assert.equal(read, rebuilt);
});

t('a chain of deltas ends: past its depth the next index is a full one, and gc keeps the bases of the deltas it keeps', async () => {
  const dir = freshStore('index-chain');
  const store = await Store.open(dir);
  const rpms = binaries().slice(0, MAX_DELTA_DEPTH + 3);
  assert.ok(rpms.length === MAX_DELTA_DEPTH + 3, 'enough sample packages');
  for (const rpm of rpms) await store.add([rpm]);
  const commits = await commitsOf(store, PACKAGES_BRANCH);
  const depths = commits.map((c) => { const h = indexFileHead(dir, c); return h?.kind === 'delta' ? h.depth : 0; }).reverse();
  assert.equal(depths, [0, ...Array.from({ length: MAX_DELTA_DEPTH }, (_, i) => i + 1), 0, 1]);
  await store.gc();
  const left = readdirSync(join(dir, 'cache', 'index')).map((n) => n.replace(/\.v1$/, '')).sort();
  assert.equal(left, [commits[0], commits[1]].sort(), 'the head\'s delta and the full index it is on');
  assert.ok(readIndexFile(dir, commits[0] as string) !== null, 'the head still reads without a rebuild');
});

t('a store that holds a delta\'s base in memory reads the delta alone (a server after an upload)', async () => {
  const dir = freshStore('index-held');
  const store = await Store.open(dir);
  for (const rpm of binaries().slice(0, 3)) await store.add([rpm]);
  const [head, parent] = await commitsOf(store, PACKAGES_BRANCH);
  const expected = readIndexFile(dir, head as string);
  const server = await Store.open(dir);
  await server.indexOf(parent as string); // held
  rmSync(packageIndexPath(dir, parent as string)); // its file gone: only the held index can serve as the base
  const index = await server.indexOf(head as string);
  assert.equal({ builds: index.builds, extras: index.extras }, expected);
  assert.equal(indexFileHead(dir, head as string)?.kind, 'delta', 'read on the held base, not rebuilt');
});

t('a delta whose base is damaged or gone is rebuilt, never believed', async () => {
  const dir = freshStore('index-delta-damage');
  const store = await Store.open(dir);
  for (const rpm of binaries().slice(0, 4)) await store.add([rpm]);
  const [head, parent, , first] = await commitsOf(store, PACKAGES_BRANCH);
  const listed = (await store.list()).map((b) => b.nevra);
  const listFresh = async (): Promise<{ nevras: string[]; notices: string[] }> => {
    const notices: string[] = [];
    const s = await Store.open(dir, { onNotice: (l) => notices.push(l) });
    return { nevras: (await s.list()).map((b) => b.nevra), notices };
  };
  // hostile headers, each with its checksum made right: the chain's depths are checked
  const [second] = (await commitsOf(store, PACKAGES_BRANCH)).slice(2);
  const parentFile = readFileSync(packageIndexPath(dir, parent as string), 'utf8');
  assert.ok(readIndexFile(dir, parent as string) !== 'damaged', 'the chain reads as written');
  for (const [edit, why] of [
    [parentFile.replace(/ \d+ \d+\n/, ' 99 1\n'), 'a delta deeper than a chain may be'],
    [parentFile.replace(/ \d+ \d+\n/, ' 5 1\n'), 'a delta whose base is not one less deep'],
    [parentFile.replace(/^(\S+ 1 \S+) \S+/, `$1 ${parent as string}`), 'a delta on itself (not read in a loop)'],
  ] as const) {
    writeFileSync(packageIndexPath(dir, parent as string), resummed(edit));
    assert.is(readIndexFile(dir, parent as string), 'damaged', why);
  }
  writeFileSync(packageIndexPath(dir, parent as string), parentFile);

  writeFileSync(packageIndexPath(dir, first as string), readFileSync(packageIndexPath(dir, first as string), 'utf8').replace(/"/, "'"));
  assert.is(readIndexFile(dir, head as string), 'damaged', 'a damaged base damages the chain on it');
  const afterDamage = await listFresh();
  assert.equal(afterDamage.nevras, listed);
  // every ancestor's chain goes through the damaged base: built from nothing, and said so
  assert.equal(afterDamage.notices, [`the package index of ${(head as string).slice(0, 12)} was damaged; rebuilding it`, `building the package index of ${(head as string).slice(0, 12)} (first use; later ones are incremental)`]);
  assert.equal(indexFileHead(dir, head as string), { kind: 'full' }, 'the rebuilt index is a full one');
  rmSync(packageIndexPath(dir, head as string));
  rmSync(packageIndexPath(dir, first as string));
  assert.is(readIndexFile(dir, second as string), null, 'a delta on a base that is gone is no index');
  assert.equal((await listFresh()).nevras, listed);
});

/** An index file's text with its checksum made right again (a hostile edit, not damage). */
function resummed(text: string): string {
  const body = text.slice(0, text.lastIndexOf('#sum '));
  return `${body}#sum ${createHash('sha256').update(body).digest('hex')}\n`;
}

/** A channel's served rpm-md: repomd.xml and the uncompressed primary it names. */
async function served(app: Awaited<ReturnType<typeof appFor>>['app'], channel: string): Promise<{ repomd: string; primary: Buffer }> {
  const res = await app.request(`/repo/${channel}/repodata/repomd.xml`);
  assert.is(res.status, 200, `${channel}: repomd.xml`);
  const repomd = await res.text();
  const href = /<location href="(repodata\/[^"]+-primary\.xml\.gz)"/.exec(repomd)?.[1] as string;
  const primary = await app.request(`/repo/${channel}/${href}`);
  assert.is(primary.status, 200, `${channel}: ${href}`);
  return { repomd, primary: gunzipSync(Buffer.from(await primary.arrayBuffer())) };
}

t('gc removes the rpm-md of channels deleted or renamed; of a live one, generations the server let go', async () => {
  const dir = freshStore('rpmmd-gc');
  const store = await Store.open(dir);
  const rpms = binaries().filter((f) => /\/(bash|sed|grep|setup)-/.test(f));
  await store.add(rpms);
  const [bash, sed, grep, setup] = ['bash', 'sed', 'grep', 'setup'].map((n) => nevraOf(rpms.find((f) => f.includes(`/${n}-`)) as string));
  for (const [channel, nevra] of [['gone', bash], ['old', sed], ['kept', grep]]) {
    await createChannel(store, channel);
    await addToChannel(store, channel, [nevra]);
  }
  const head = async (channel: string): Promise<string> => (await store.read(async (s) => s.head(channelBranch(channel)))) as string;
  // Three server processes, each after a change of `kept`: none saw the one before its
  // predecessor, so none pruned it.
  const first = (await appFor(dir)).app;
  for (const channel of ['gone', 'old', 'kept']) await served(first, channel);
  const kept1 = await head('kept');
  await addToChannel(store, 'kept', [bash]);
  await served((await appFor(dir)).app, 'kept');
  const kept2 = await head('kept');
  await addToChannel(store, 'kept', [setup]);
  await served((await appFor(dir)).app, 'kept');
  const kept3 = await head('kept');
  assert.equal(readdirSync(join(dir, 'cache', 'rpmmd')).sort(), ['gone', 'kept', 'old']);
  assert.equal(readdirSync(rpmmdCacheDir(dir, 'kept')).sort(), [kept1, kept2, kept3].sort());

  await deleteChannel(store, 'gone');
  await renameChannel(store, 'old', 'new');
  await store.gc();
  assert.equal(readdirSync(join(dir, 'cache', 'rpmmd')).sort(), ['kept'], 'the deleted and the renamed channel\'s rpm-md is gone');
  assert.equal(readdirSync(rpmmdCacheDir(dir, 'kept')).sort(), [kept1, kept2, kept3].sort(), 'generations written within the hour are left');
  const later = await Store.open(dir, { now: () => Date.now() + 2 * 3600_000 });
  await later.gc();
  assert.equal(readdirSync(rpmmdCacheDir(dir, 'kept')).sort(), [kept2, kept3].sort(), 'the head\'s generation and the one before it stay, as the server keeps them');
  const renamed = await served((await appFor(dir)).app, 'new');
  assert.match(renamed.primary.toString(), '<name>sed</name>', 'the renamed channel is served under its new name');
});

t('gc keeps signed rpm-md generations (<commit>.<keyid>) as it keeps unsigned ones: the head\'s and the one before', async () => {
  const dir = freshStore('rpmmd-gc-signed');
  const store = await Store.open(dir);
  const rpms = binaries().filter((f) => /\/(sed|grep)-/.test(f));
  await store.add(rpms);
  await createChannel(store, 'c');
  await addToChannel(store, 'c', [nevraOf(rpms[0])]);
  const first = (await store.read(async (s) => s.head(channelBranch('c')))) as string;
  await served((await appFor(dir)).app, 'c'); // unsigned
  assert.is(bazaar(['key', 'generate', 'repo', '--store', dir]).status, 0);
  await served((await appFor(dir)).app, 'c'); // signed
  await addToChannel(store, 'c', [nevraOf(rpms[1])]);
  const head = (await store.read(async (s) => s.head(channelBranch('c')))) as string;
  await served((await appFor(dir)).app, 'c'); // signed, by a server that saw none of the others (it prunes none)
  const names = readdirSync(rpmmdCacheDir(dir, 'c')).sort();
  const keyId = names.find((n) => n.startsWith(`${head}.`))?.slice(head.length + 1) as string;
  assert.match(keyId, /^[0-9a-f]{16}$/, names.join(' '));
  assert.equal(names, [first, `${first}.${keyId}`, `${head}.${keyId}`].sort(), 'three generations, two of them signed');
  await (await Store.open(dir, { now: () => Date.now() + 2 * 3600_000 })).gc();
  assert.equal(readdirSync(rpmmdCacheDir(dir, 'c')).sort(), [`${first}.${keyId}`, `${head}.${keyId}`].sort(), 'the head\'s and the newest before it stay');
});

t('gc removes what a killed universe writer left in a kept commit\'s directory, and nothing else', async () => {
  const dir = freshStore('universe-temps');
  const store = await Store.open(dir);
  store.onChannelCommit((channel) => prepareChannelUniverse(store, channel));
  await store.add(binaries().filter((f) => /\/(bash|sed)-/.test(f)));
  await createChannel(store, 'c');
  await addToChannel(store, 'c', binaries().filter((f) => /\/(bash|sed)-/.test(f)).map(nevraOf));
  const head = (await store.read(async (s) => s.head(channelBranch('c')))) as string;
  const at = universeCacheDir(dir, head);
  const made = readdirSync(at).sort();
  assert.equal(made, ['universe.v6.bin'], 'the commit made its universe, and the writer left no temp file');
  const gone = spawnSync('true').pid as number; // a process that has ended
  for (const name of [`.tmp-${gone}-0123abcd`, `universe.v6.bin.tmp-${gone}`, `.tmp-${process.pid}-feedf00d`]) writeFileSync(join(at, name), 'torn');
  await store.gc();
  assert.equal(readdirSync(at).sort(), [`.tmp-${process.pid}-feedf00d`, 'universe.v6.bin'], 'the dead writers\' temps are gone; a live writer\'s and the universe stay');
});

t('library gc prunes the checkout cache as bazaar gc does', async () => {
  const checkedOut = async (): Promise<Store> => {
    const store = await newStore();
    const src = tempDir('gc-co-src');
    writeFileSync(join(src, 'f'), 'prune me');
    const out = join(tempDir('gc-co-out'), 'tree');
    await checkout(store, [await importDir(store, src)], out, { mode: 'hardlink' });
    rmSync(out, { recursive: true }); // its cache entry is linked by nothing now
    // a temp entry of a process that is gone (no pid is that large)
    writeFileSync(join(checkoutFilesDir(store.dir), readdirSync(checkoutFilesDir(store.dir))[0], '.tmp-999999999-0-0123456789ab'), 'torn');
    return store;
  };
  const entries = (store: Store): string[] => readdirSync(checkoutFilesDir(store.dir)).flatMap((d) => readdirSync(join(checkoutFilesDir(store.dir), d)));
  const viaLibrary = await checkedOut();
  const viaCli = await checkedOut();
  const r = await viaLibrary.gc();
  const cli = bazaar(['gc', '--json', '--store', viaCli.dir]);
  assert.is(cli.status, 0, cli.stderr);
  assert.equal(r.checkoutCache, { removed: 1, trees: 0, bytes: 4 }, 'the dead process\'s temp entry; what was touched within the hour stays');
  assert.equal(JSON.parse(cli.stdout).checkoutCache, r.checkoutCache, 'the CLI reports what the library did');
  assert.equal(entries(viaLibrary).length, 1);
  assert.equal(entries(viaCli).length, 1);

  const later = await Store.open(viaLibrary.dir, { now: () => Date.now() + 2 * 3600_000 });
  const after = await later.gc();
  assert.is(after.checkoutCache.removed, 1, 'the unlinked entry, an hour later');
  assert.ok(after.checkoutCache.trees >= 1, 'and the cached trees');
  assert.equal(entries(viaLibrary), []);
});

t('damage to the file locator, a derived entry or a channel\'s rpm-md is rebuilt, never believed', async () => {
  const dir = freshStore('cache-damage');
  const store = await Store.open(dir);
  const rpms = binaries().filter((f) => /\/(bash|sed|grep)-/.test(f));
  await store.add(rpms);
  await createChannel(store, 'sample');
  await addToChannel(store, 'sample', rpms.map(nevraOf));
  // A file that stays in its .rpm: reading it goes through the file locator.
  const sed = (await store.read((s) => store.findPackage(s, nevraOf(rpms.find((f) => f.includes('/sed-')) as string))));
  const file = (await store.manifest(sed.build.manifest)).files.find((f) => f.id && f.size > 100)!;
  const id = file.id!;
  const cat = (): Buffer => {
    const r = bazaarBytes(['cat', id, '--store', dir]);
    assert.is(r.status, 0, r.stderr);
    return r.stdout;
  };
  const bytes = cat();
  assert.is(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, id);
  const commit = (await store.read(async (s) => s.head(PACKAGES_BRANCH))) as string;
  const locator = fileLocatorPath(dir, commit);
  const locatorText = readFileSync(locator, 'utf8');
  const otherKey = locatorText.split('\n').slice(1).find((row) => row && !row.includes(sed.key))!.split(' ')[1];

  // The locator names another build for the file (its checksum unchanged).
  writeFileSync(locator, locatorText.replace(new RegExp(`^(${id.slice(7)}) .*$`, 'm'), `$1 ${otherKey}`));
  assert.ok(cat().equals(bytes));
  assert.is(readFileSync(locator, 'utf8'), locatorText, 'the locator is rebuilt');

  // The build's derived list of file ids leaves the file out (its checksum unchanged).
  const entry = derivedEntryPath(dir, 'files', sed.value);
  const entryText = readFileSync(entry, 'utf8');
  assert.match(entryText, id.slice(7));
  rmSync(locator);
  writeFileSync(entry, entryText.replace(`${id.slice(7)}`, '0'.repeat(64)));
  assert.ok(cat().equals(bytes));
  assert.is(readFileSync(entry, 'utf8'), entryText, 'the derived entry is rebuilt');

  // A channel's rpm-md: a flipped bit in its primary, packages.json truncated.
  const before = await served((await appFor(dir)).app, 'sample');
  const channelHead = (await store.read(async (s) => s.head(channelBranch('sample')))) as string;
  const gen = rpmmdGenerationDir(dir, 'sample', channelHead);
  assert.is(await checkSealedDir(gen), 'ok');
  const primaryFile = join(gen, 'repodata', readdirSync(join(gen, 'repodata')).find((n) => n.endsWith('-primary.xml.gz'))!);
  for (const damage of [() => { const b = readFileSync(primaryFile); b[b.length >> 1] ^= 0x10; writeFileSync(primaryFile, b); }, () => writeFileSync(join(gen, 'packages.json'), '{"Packages/')]) {
    damage();
    assert.is(await checkSealedDir(gen), 'damaged');
    const { app, log } = await appFor(dir);
    const after = await served(app, 'sample');
    assert.ok(after.primary.equals(before.primary), 'the same metadata, generated again');
    assert.ok(log.some((l) => l.includes('rpm-md of') && l.includes('was damaged; generating it again')), log.join('\n'));
    assert.is(await checkSealedDir(gen), 'ok');
    assert.is((await app.request(`/repo/sample/Packages/${nevraOf(rpms[0])}.rpm`)).status, 200);
  }
});

t.run();
