/** The warm-start cache: same records back, same answers with and without prebuilt deps. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRepository } from '../../src/rpmmd/read-repository.js';
import { MemorySource } from '../../src/resolver/memory-source.js';
import { Pool, type IndexedSource } from '../../src/resolver/provides-index.js';
import { resolve } from '../../src/resolver/solve.js';
import { loadUniverseCache, saveUniverseCache } from '../../src/resolver/universe-cache.js';
import { isBazaarError } from '../../src/errors.js';
import { corpusDir, testWith } from '../helpers/tools.js';
import { records } from './scenario.js';

const t = suite('universe cache');

t('round-trips records, including rich deps, pre bits and files', async () => {
  const src = new MemorySource(records([
    ['a-1:2.0-1.x86_64', { requires: ['(b or c >= 2)', 'd'], prereqs: ['/bin/sh'], files: ['/usr/bin/a'], obsoletes: ['old < 2'] }],
    ['b-1-1.noarch', { provides: ['d = 1'], conflicts: ['c'] }],
    ['c-2-1.noarch'],
  ]));
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    await saveUniverseCache(dir, src);
    const back = await loadUniverseCache(dir);
    assert.equal(back.packages(), src.packages());
    assert.ok((back as IndexedSource).prebuiltDeps, 'dependency answers are stored');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('a directory without a cache is ERR_REPO', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    writeFileSync(join(dir, 'universe.v1.bin'), 'junk');
    await loadUniverseCache(dir).then(() => assert.unreachable(), (err) => assert.ok(isBazaarError(err, 'ERR_REPO')));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

testWith(t, 'on a real repository, prebuilt answers change no result', ['corpus'], async () => {
  const repo = await readRepository(join(corpusDir, 'repodata/libzypp-11.0-update'));
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    await saveUniverseCache(dir, repo);
    const cold = new Pool(repo);
    const warm = new Pool(await loadUniverseCache(dir));
    const names = [...cold.byName.keys()].sort();
    assert.ok(names.length > 500);
    for (const name of names) {
      const a = resolve(cold, { jobs: [{ kind: 'install', name }] });
      const b = resolve(warm, { jobs: [{ kind: 'install', name }] });
      assert.is(a.ok, b.ok, name);
      if (a.ok && b.ok) assert.equal(a.install.map((id) => cold.nevra(id)).sort(), b.install.map((id) => warm.nevra(id)).sort(), name);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
