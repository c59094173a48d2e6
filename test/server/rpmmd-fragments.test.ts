/**
 * rpm-md fragments as packed derived data (rpmmd/fragments.ts, store DerivedPacks):
 * `bazaar add` formats them, so a channel's first generation formats nothing; a damaged
 * entry is never served (rebuilt, and reported by fsck); gc drops entries of deleted builds;
 * the store holds a pack per write, not a file per build.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RepoCache } from '../../src/server/repo-cache.js';
import { fragmentPacks, prepareFragments } from '../../src/rpmmd/fragments.js';
import { MAX_PACKS } from '../../src/store/caches/derived-packs.js';
import { derivedPacksDir } from '../../src/store/caches/paths.js';
import { createChannel, publishChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { bazaar, freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('rpm-md fragments');
const KIND_DIR = (dir: string): string => derivedPacksDir(dir, 'rpmmd-fragments-v2');
const binaries = (): string[] => sampleRpms().filter((f) => !f.includes('/SRPMS/'));

async function generate(dir: string): Promise<{ notices: string[]; primary: string }> {
  const notices: string[] = [];
  const store = await Store.open(dir);
  const gen = await store.read((v) => new RepoCache(store, (l) => notices.push(l)).generation(v, 'c'));
  const repodata = join(gen.dir, 'repodata');
  const name = readdirSync(repodata).find((n) => n.endsWith('-primary.xml.gz'));
  return { notices, primary: gunzipSync(readFileSync(join(repodata, name ?? 'missing'))).toString('utf8') };
}

t('bazaar add writes the fragments: the first generation formats none, from one pack', async () => {
  const dir = freshStore('frag-add');
  const rpms = binaries();
  assert.is(bazaar(['--store', dir, 'add', ...rpms]).status, 0);
  assert.equal(readdirSync(KIND_DIR(dir)).filter((n) => n.endsWith('.pack')).length, 1);
  const store = await Store.open(dir);
  await createChannel(store, 'c');
  await publishChannel(store, 'c', (await store.list()).map((b) => b.nevra));
  const { notices, primary } = await generate(dir);
  assert.match(notices.join('\n'), / 0 formatted now/);
  assert.is(primary.split('<package type="rpm">').length - 1, rpms.length);
});

t('builds that came without fragments are formatted and packed a batch at a time, none kept in memory', async () => {
  const dir = freshStore('frag-batch');
  const store = await Store.open(dir);
  await store.add(binaries()); // the library's add: no fragments written
  await createChannel(store, 'c');
  await publishChannel(store, 'c', (await store.list()).map((b) => b.nevra));
  const builds = await store.list();
  const { made, labels, formatted } = await prepareFragments(store, builds.map((b) => ({ value: b.value })), 1); // a pack per build
  assert.is(formatted, builds.length);
  assert.is(made.size, 0, 'every entry made is in a pack, read back from there');
  assert.is(labels.size, builds.length);
  const packs = readdirSync(KIND_DIR(dir)).filter((n) => n.endsWith('.pack'));
  assert.ok(packs.length > 1 && packs.length <= MAX_PACKS, `${packs.length} packs: written in batches, merged past ${MAX_PACKS}`);
  const batched = await generate(dir);
  assert.match(batched.notices.join('\n'), / 0 formatted now/);
  // the same channel state generated again with no fragments at all: formatted in one batch, the same bytes
  rmSync(join(dir, 'cache', 'packs'), { recursive: true });
  rmSync(join(dir, 'cache', 'rpmmd'), { recursive: true });
  const inOne = await generate(dir);
  assert.match(inOne.notices.join('\n'), new RegExp(` ${builds.length} formatted now`));
  assert.is(batched.primary, inOne.primary);
});

t('a damaged entry is never served: fsck reports it, a generation formats it again', async () => {
  const dir = freshStore('frag-damage');
  assert.is(bazaar(['--store', dir, 'add', ...binaries()]).status, 0);
  const store = await Store.open(dir);
  await createChannel(store, 'c');
  await publishChannel(store, 'c', (await store.list()).map((b) => b.nevra));
  const clean = (await generate(dir)).primary;
  // flip a byte inside the first entry's body (stored deflated, from the pack's start)
  const [pack] = readdirSync(KIND_DIR(dir)).filter((n) => n.endsWith('.pack'));
  const path = join(KIND_DIR(dir), pack);
  const bytes = readFileSync(path);
  bytes[10] ^= 0x20;
  writeFileSync(path, bytes);
  const report = await (await Store.open(dir)).fsck();
  assert.ok(report.notes.some((n) => n.includes('cache/packs/rpmmd-fragments-v2/') && n.includes('damaged')), report.notes.join('\n'));
  // a new channel state: generated again, the damaged entry formatted anew
  const s2 = await Store.open(dir);
  await publishChannel(s2, 'c', (await s2.list()).map((b) => b.nevra).slice(1));
  await publishChannel(s2, 'c', (await s2.list()).map((b) => b.nevra));
  const again = await generate(dir);
  assert.match(again.notices.join('\n'), / 0 formatted now/); // labels are sound; the body is remade on read
  assert.is(again.primary.replace(/<revision>[^<]*<\/revision>/, ''), clean.replace(/<revision>[^<]*<\/revision>/, ''));
});

t('gc\'s pruning drops the entries of objects it deleted, and keeps the rest', async () => {
  const dir = freshStore('frag-gc');
  assert.is(bazaar(['--store', dir, 'add', ...binaries().slice(0, 3)]).status, 0);
  const store = await Store.open(dir);
  const builds = await store.list();
  const packs = fragmentPacks(store);
  packs.refresh();
  for (const b of builds) assert.ok(packs.label(b.value), b.nevra);
  const gone = builds[0].value;
  packs.prune((id) => id !== gone); // what pruneCaches passes: gc's kept objects
  assert.is(packs.label(gone), undefined);
  for (const b of builds.slice(1)) assert.ok(packs.read(b.value), b.nevra);
  assert.equal(readdirSync(KIND_DIR(dir)).filter((n) => n.endsWith('.pack')).length, 1);
});

t.run();
