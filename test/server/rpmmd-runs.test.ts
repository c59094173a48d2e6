/**
 * A channel's rpm-md written in runs of packages, each a gzip member (server/rpmmd-segments.ts,
 * rpmmd/write/segmented-documents.ts): a republish after one package changed copies the
 * unchanged runs from the previous generation, and what it writes is byte for byte what a
 * generation from scratch writes, whichever process wrote the previous generation (runs.json,
 * server/rpmmd-runs-file.ts); a previous generation that is damaged is not copied from.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RepoCache } from '../../src/server/repo-cache.js';
import { prepareRpmmdFragments } from '../../src/rpmmd/fragments.js';
import { sealDir } from '../../src/store/caches/sealed-dir.js';
import { createChannel, publishChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';

const t = suite('rpm-md runs');
const N = 400;

/** A store with N generated packages and the channel `c` of all but the first. */
async function channelStore(label: string): Promise<{ store: Store; keys: string[] }> {
  const src = tempDir(`${label}-rpms`);
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    const f = join(src, `pkg${i}-1.0-alt1.rpm`);
    writeFileSync(f, makePackageRpm({
      name: `pkg${i}`, version: '1.0', release: 'alt1', arch: 'x86_64', summary: `Package ${i}`, description: `Number ${i}.`,
      license: 'GPL', group: 'Other', requires: [{ name: `pkg${(i + 1) % N}` }],
      changelogs: [{ time: 1700000000, name: 'P <p@example.org> 1.0-alt1', text: `- change ${i}` }],
    }));
    files.push(f);
  }
  // a fixed clock: a build record holds when it was added, and its id decides where the
  // runs are cut (rpmmd-segments.ts); with the time of day the cut could fall so that
  // fewer runs than the assertions need were left unchanged (one run in ~70)
  const store = await Store.open(freshStore(label), { now: () => 1_700_000_000_000 });
  const added = await store.add(files);
  await prepareRpmmdFragments(store, added);
  await createChannel(store, 'c');
  const keys = added.map((a) => a.nevra);
  await publishChannel(store, 'c', keys.slice(1));
  return { store, keys };
}

/** repodata/'s files (name: bytes). */
function files(dir: string): Map<string, Buffer> {
  const repodata = join(dir, 'repodata');
  return new Map(readdirSync(repodata).sort().map((n) => [n, readFileSync(join(repodata, n))]));
}

const reusedOf = (notices: string[]): number => Number(/(\d+) runs of packages reused/.exec(notices.at(-1) ?? '')?.[1] ?? NaN);

t('a republish copies the unchanged runs and writes what a generation from scratch writes', async () => {
  const { store, keys } = await channelStore('runs-reuse');
  const notices: string[] = [];
  const running = new RepoCache(store, (l) => notices.push(l));
  await store.read((v) => running.generation(v, 'c'));
  assert.is(reusedOf(notices), 0);
  await publishChannel(store, 'c', keys); // the first package comes in
  const gen = await store.read((v) => running.generation(v, 'c'));
  const reused = reusedOf(notices);
  assert.ok(reused >= 2, notices.join('\n')); // 400 packages are about 6 runs: all but the changed one copied
  const copied = files(gen.dir);
  // the same commit from scratch (a fresh cache, every generation deleted): the very same bytes
  rmSync(join(gen.dir, '..'), { recursive: true });
  const scratchNotices: string[] = [];
  const scratch = await store.read((v) => new RepoCache(store, (l) => scratchNotices.push(l)).generation(v, 'c'));
  assert.is(reusedOf(scratchNotices), 0);
  assert.equal([...files(scratch.dir).keys()], [...copied.keys()]);
  for (const [name, bytes] of files(scratch.dir)) assert.ok(bytes.equals(copied.get(name) as Buffer), name);
  // one document of several gzip members, read whole as one: every package, once
  const primaryName = [...copied.keys()].find((n) => n.endsWith('-primary.xml.gz')) as string;
  const primary = gunzipSync(copied.get(primaryName) as Buffer).toString('latin1');
  assert.match(primary, new RegExp(`packages="${N}"`));
  assert.is(primary.split('<package type="rpm">').length - 1, N);
  assert.ok(primary.endsWith('</metadata>'));
});

t('a process that did not write the previous generation copies its runs from runs.json', async () => {
  const { store, keys } = await channelStore('runs-restart');
  const first = await store.read((v) => new RepoCache(store).generation(v, 'c'));
  assert.ok(readFileSync(join(first.dir, 'runs.json'), 'utf8').startsWith('{"version":1,'));
  await publishChannel(store, 'c', keys);
  // a new cache object is what a restarted server, or another worker, has: nothing in memory
  const notices: string[] = [];
  const gen = await store.read((v) => new RepoCache(store, (l) => notices.push(l)).generation(v, 'c'));
  assert.ok(reusedOf(notices) >= 2, notices.join('\n'));
  const primaryName = readdirSync(join(gen.dir, 'repodata')).find((n) => n.endsWith('-primary.xml.gz')) as string;
  const primary = gunzipSync(readFileSync(join(gen.dir, 'repodata', primaryName))).toString('latin1');
  assert.is(primary.split('<package type="rpm">').length - 1, N);
  // a runs.json made to point elsewhere breaks the seal: nothing is copied, the text is whole
  const runsPath = join(gen.dir, 'runs.json');
  const runs = JSON.parse(readFileSync(runsPath, 'utf8')) as { primary: { runs: number[][] } };
  for (const r of runs.primary.runs) r[1] += 1;
  writeFileSync(runsPath, JSON.stringify(runs));
  await publishChannel(store, 'c', keys.slice(3));
  const again: string[] = [];
  const next = await store.read((v) => new RepoCache(store, (l) => again.push(l)).generation(v, 'c'));
  // the first generation is still on disk, whole: its runs are the ones copied
  assert.ok(reusedOf(again) >= 1, again.join('\n'));
  const nextPrimary = readdirSync(join(next.dir, 'repodata')).find((n) => n.endsWith('-primary.xml.gz')) as string;
  const text = gunzipSync(readFileSync(join(next.dir, 'repodata', nextPrimary))).toString('latin1');
  assert.is(text.split('<package type="rpm">').length - 1, N - 3);
  assert.ok(text.endsWith('</metadata>'));
  // sealed again after the lie (as a hostile writer of the cache could): each member is
  // inflated whole before it is copied, so none is, and none is counted as reused
  const nextRuns = join(next.dir, 'runs.json');
  const lie = JSON.parse(readFileSync(nextRuns, 'utf8')) as Record<'primary' | 'filelists' | 'other', { runs: number[][] }>;
  for (const type of ['primary', 'filelists', 'other'] as const) for (const r of lie[type].runs) r[1] += 1;
  writeFileSync(nextRuns, JSON.stringify(lie));
  rmSync(join(next.dir, 'sums'), { force: true });
  await sealDir(next.dir);
  await publishChannel(store, 'c', keys.slice(4));
  const last: string[] = [];
  const final = await store.read((v) => new RepoCache(store, (l) => last.push(l)).generation(v, 'c'));
  assert.is(reusedOf(last), 0, last.join('\n'));
  const finalPrimary = readdirSync(join(final.dir, 'repodata')).find((n) => n.endsWith('-primary.xml.gz')) as string;
  const finalText = gunzipSync(readFileSync(join(final.dir, 'repodata', finalPrimary))).toString('latin1');
  assert.is(finalText.split('<package type="rpm">').length - 1, N - 4);
});

t('a damaged previous generation is not copied from: the runs are compressed anew', async () => {
  const { store, keys } = await channelStore('runs-damaged');
  const notices: string[] = [];
  const running = new RepoCache(store, (l) => notices.push(l));
  const first = await store.read((v) => running.generation(v, 'c'));
  const clean = new Map([...files(first.dir)].filter(([n]) => n.endsWith('.gz')).map(([n, b]) => [n.replace(/^[0-9a-f]{64}-/, ''), gunzipSync(b)]));
  // flip a byte inside the previous primary (a run's member): its seal no longer checks
  const name = readdirSync(join(first.dir, 'repodata')).find((n) => n.endsWith('-primary.xml.gz')) as string;
  const path = join(first.dir, 'repodata', name);
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0x01;
  writeFileSync(path, bytes);
  await publishChannel(store, 'c', keys.slice(2)); // one package fewer
  const gen = await store.read((v) => running.generation(v, 'c'));
  assert.is(reusedOf(notices), 0, notices.join('\n'));
  const primary = gunzipSync(files(gen.dir).get(readdirSync(join(gen.dir, 'repodata')).find((n) => n.endsWith('-primary.xml.gz')) as string) as Buffer).toString('latin1');
  assert.is(primary.split('<package type="rpm">').length - 1, N - 2);
  // what it left out is the second package only: the rest is the clean text of before
  const before = (clean.get('primary.xml.gz') as Buffer).toString('latin1');
  const pkgs = (text: string): string[] => text.split('<package type="rpm">').slice(1).map((p) => p.replace(/<\/metadata>$/, ''));
  assert.equal(pkgs(primary), pkgs(before).filter((p) => !p.includes('<name>pkg1</name>')));
});

t.run();
