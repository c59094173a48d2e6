/** The warm-start cache: same records back, same answers with and without prebuilt deps. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import type { PackageRecord } from '../../src/resolver/source.js';
import { records } from './scenario.js';

const t = suite('universe cache');

/** The record's fields as a plain object (a cached record decodes its lists on first read). */
const plain = (r: PackageRecord): PackageRecord => {
  const { name, epoch, version, release, arch, provides, requires, conflicts, obsoletes, files, location, buildId, disttag, buildtime } = r;
  const out: PackageRecord = { name, epoch, version, release, arch, provides, requires, conflicts, obsoletes, files };
  return Object.assign(out, location === undefined ? {} : { location }, buildId === undefined ? {} : { buildId },
    disttag === undefined ? {} : { disttag }, buildtime === undefined ? {} : { buildtime });
};

t('round-trips records, including rich deps, pre bits and files', async () => {
  const src = new MemorySource(records([
    ['a-1:2.0-1.x86_64', { requires: ['(b or c >= 2)', 'd'], prereqs: ['/bin/sh'], files: ['/usr/bin/a'], obsoletes: ['old < 2'] }],
    ['b-1-1.noarch', { provides: ['d = 1'], conflicts: ['c'] }],
    ['c-2-1.noarch'],
  ]));
  Object.assign(src.packages()[1], { location: 'Packages/b/b-1-1.noarch.rpm', buildId: 'sha256:00ff', disttag: 'sisyphus+1', buildtime: 1700000000 });
  Object.assign(src.packages()[2], { location: 'elsewhere/c.rpm', files: ['/usr/share/ü/ünïcode'] });
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    await saveUniverseCache(dir, src);
    const back = await loadUniverseCache(dir);
    assert.equal(back.packages().map(plain), src.packages().map(plain));
    assert.ok((back as IndexedSource).prebuiltDeps, 'dependency answers are stored');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('the answers the solver reads in place are the decoded ones, from a cache and computed', async () => {
  // rich and plain requirements, rpmlib() and self-satisfied ones (no clause), conflicts and obsoletes
  const src = new MemorySource(records([
    ['a-1-1.x86_64', { requires: ['rpmlib(PayloadIsZstd)', 'a-extra', '(b or c >= 2)', 'd', '(e if b else c)'], provides: ['a-extra'], conflicts: ['(b and c)', 'e'], obsoletes: ['old < 2', 'c'] }],
    ['b-1-1.noarch', { provides: ['d = 1'], conflicts: ['c'] }],
    ['c-2-1.noarch', { requires: ['d'] }],
    ['e-1-1.noarch'],
    ['old-1-1.noarch'],
  ]));
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    await saveUniverseCache(dir, src);
    for (const pool of [new Pool(await loadUniverseCache(dir)), new Pool(src)]) {
      let rich = 0;
      for (let id = 0; id < pool.packages.length; id++) {
        const d = pool.deps(id);
        d.req.forEach((e, k) => {
          if (!e) return;
          if (e.cnf) rich++;
          assert.equal(pool.answerIds(id, 0, k), e.providers, `requirement ${k} of ${pool.nevra(id)}`);
          assert.equal(pool.dependency(id, 'requires', k), e.dep);
        });
        d.con.forEach((e, k) => assert.equal(pool.answerIds(id, 1, k), e.providers, `conflict ${k} of ${pool.nevra(id)}`));
        d.obs.forEach((e, k) => assert.equal(pool.answerIds(id, 2, k), e.matches, `obsoletes ${k} of ${pool.nevra(id)}`));
        const at = pool.reachAt(id);
        assert.equal(Array.from(pool.answerData.subarray(at + 1, at + 1 + pool.answerData[at])), d.reach, `reach of ${pool.nevra(id)}`);
      }
      assert.is(rich, 2, 'both rich requirements were read');
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

const rejects = async (dir: string, why: RegExp): Promise<void> => {
  await loadUniverseCache(dir).then(() => assert.unreachable(), (err) => {
    assert.ok(isBazaarError(err, 'ERR_REPO'), String(err));
    assert.match((err as Error).message, why);
  });
};

t('a directory without a cache, or with only an older format, is ERR_REPO', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    writeFileSync(join(dir, 'universe.v3.bin'), 'junk');
    writeFileSync(join(dir, 'universe.v3.strings'), 'junk');
    await rejects(dir, /holds no universe cache/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('writing a cache removes the files of the older format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    writeFileSync(join(dir, 'universe.v3.bin'), 'junk');
    await saveUniverseCache(dir, new MemorySource(records([['a-1-1.noarch']])));
    assert.throws(() => readFileSync(join(dir, 'universe.v3.bin')));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('any damaged byte, a truncation or another magic is ERR_REPO, never a wrong record', async () => {
  const src = new MemorySource(records([['a-1-1.x86_64', { requires: ['b'] }], ['b-1-1.noarch']]));
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    await saveUniverseCache(dir, src);
    const file = join(dir, 'universe.v6.bin');
    const good = readFileSync(file);
    for (let at = 4; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      writeFileSync(file, bad);
      await rejects(dir, /damaged/);
    }
    writeFileSync(file, good.subarray(0, good.length - 1));
    await rejects(dir, /damaged/);
    const other = Buffer.from(good);
    other[0] ^= 1;
    writeFileSync(file, other);
    await rejects(dir, /not a bazaar universe cache/);
    writeFileSync(file, good);
    assert.equal((await loadUniverseCache(dir)).packages().map(plain), src.packages().map(plain));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

testWith(t, 'on a real repository, prebuilt answers change no result', ['corpus'], async () => {
  const repo = await readRepository(join(corpusDir, 'repodata/libzypp-11.0-update'));
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cache-'));
  try {
    await saveUniverseCache(dir, repo);
    const cold = new Pool(repo);
    const warm = new Pool(await loadUniverseCache(dir));
    const names = [...new Set(repo.packages().map((r) => r.name))].sort();
    assert.ok(names.length > 500);
    // the columns' name lookup and arch scores answer as the records' Map does
    for (const name of [...names, 'no-such-package', '']) {
      assert.equal(warm.byName.get(name), cold.byName.get(name), name);
      assert.equal(warm.otherArchByName.get(name), cold.otherArchByName.get(name), name);
    }
    for (const p of cold.packages) {
      const q = warm.packages[p.id];
      assert.equal([q.name, q.arch, q.archScore, q.group], [p.name, p.arch, p.archScore, p.group], p.name);
      if (q.archScore > 0) assert.ok(q.group === warm.byName.get(q.name), 'a group is the byName list itself');
    }
    for (const name of names) {
      const a = resolve(cold, { jobs: [{ kind: 'install', name }] });
      const b = resolve(warm, { jobs: [{ kind: 'install', name }] });
      assert.is(a.ok, b.ok, name);
      if (a.ok && b.ok) assert.equal(a.install.map((id) => cold.nevra(id)).sort(), b.install.map((id) => warm.nevra(id)).sort(), name);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
