/**
 * Where syncfs cannot be had (`sync -f` absent or refused), a commit still makes what it
 * wrote durable before its state names it: the objects' files, and the history's loose
 * files and their directories, one fsync each (src/store/transaction.ts, docs/store.md).
 */
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { logFsyncs } from '../../src/fs/fs-ops.js';
import { Store } from '../../src/store/store.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('sync fallback');
/** git's empty tree: the state witness commit's. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const binaries = (): string[] => sampleRpms().filter((f) => !f.includes('/SRPMS/'));

/** The history's loose object files. */
function looseHistory(dir: string): string[] {
  const objects = join(dir, 'refs.git', 'objects');
  return readdirSync(objects).filter((f) => /^[0-9a-f]{2}$/.test(f)).flatMap((fan) => readdirSync(join(objects, fan)).map((n) => join(objects, fan, n)));
}

async function addLogged(dir: string, rpms: string[]): Promise<{ fsynced: string[]; written: string[] }> {
  const before = new Set(looseHistory(dir));
  const store = await Store.open(dir);
  const fsynced = logFsyncs();
  await store.add(rpms);
  return { fsynced: [...fsynced], written: looseHistory(dir).filter((f) => !before.has(f)) };
}

/** Runs `f` with a `sync` first on PATH that refuses (exit 1), as where `sync -f` is absent. */
async function withSyncRefused<T>(f: () => Promise<T>): Promise<T> {
  const bin = tempDir('fake-sync');
  writeFileSync(join(bin, 'sync'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(bin, 'sync'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    return await f();
  } finally {
    process.env.PATH = path;
  }
}

t('with sync -f refused, the history files a commit wrote are fsynced, with their directories, before it returns', async () => {
  const dir = freshStore('sync-fallback');
  const [first, second] = binaries();
  const refused = await withSyncRefused(() => addLogged(dir, [first as string]));
  assert.ok(refused.written.length > 0, 'the add wrote loose history objects');
  // The state's git witness is written after the commit point, best effort (state-witness.ts):
  // the next commit's sync covers it, as syncfs would. Everything else is durable before.
  const witness = readFileSync(join(dir, 'refs.git', 'refs', 'bazaar', 'state'), 'utf8').trim();
  const afterCommitPoint = new Set([witness, EMPTY_TREE].map((oid) => join(dir, 'refs.git', 'objects', oid.slice(0, 2), oid.slice(2))));
  const synced = new Set(refused.fsynced);
  const before = refused.written.filter((f) => !afterCommitPoint.has(f));
  assert.ok(before.length > 0);
  for (const f of before) {
    assert.ok(synced.has(f), `${f} fsynced`);
    assert.ok(synced.has(f.slice(0, f.lastIndexOf('/'))), `${f}'s directory fsynced`);
  }
  assert.ok(synced.has(join(dir, 'refs.git', 'objects')));

  // with syncfs, one sync -f covers them: no fsync each
  const covered = await addLogged(dir, [second as string]);
  assert.ok(covered.written.length > 0);
  assert.equal(covered.written.filter((f) => covered.fsynced.includes(f)), []);
  assert.ok((await (await Store.open(dir)).fsck()).ok, 'fsck finds the store clean');
});

t('with sync -f refused, a history pack written by a commit has its name in the pack directory made durable', async () => {
  const dir = freshStore('sync-fallback-pack');
  const rpms = tempDir('many-rpms');
  const files = Array.from({ length: 160 }, (_, i) => {
    const name = `p${String(i).padStart(4, '0')}`;
    const file = join(rpms, `${name}-1.0-alt1.x86_64.rpm`);
    writeFileSync(file, makePackageRpm({ name, version: '1.0', release: 'alt1', arch: 'x86_64', sourcerpm: `${name}-1.0-alt1.src.rpm` }));
    return file;
  });
  const packDir = join(dir, 'refs.git', 'objects', 'pack');
  const before = existsSync(packDir) ? readdirSync(packDir) : [];
  const { fsynced } = await withSyncRefused(() => addLogged(dir, files));
  assert.ok(readdirSync(packDir).some((n) => n.endsWith('.pack') && !before.includes(n)), 'the add wrote a history pack (enough objects)');
  assert.ok(fsynced.includes(packDir), 'the pack directory fsynced');
});

t.run();
