/**
 * A universe updated from a base file answers every question as a full save of the same
 * packages does: records, names and every package's dependency answers, over random
 * universes and random changes, one after another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nevraKey } from '../../src/rpm/index.js';
import { MemorySource, pkg } from '../../src/resolver/memory-source.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { loadUniverseCache, parseUniverse, saveUniverseCache, type CachedSource } from '../../src/resolver/universe-cache.js';
import { updatedUniverse, type UniverseChange } from '../../src/resolver/universe-update.js';
import { random, build } from './random-universe.js';
import { sameUniverse } from './universe-compare.js';
import { readRepository } from '../../src/rpmmd/read-repository.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('universe update');

/** Records by key, in key order, as a channel saves them. */
const sorted = (byKey: Map<string, PackageRecord>): PackageRecord[] => [...byKey.keys()].sort().map((k) => byKey.get(k) as PackageRecord);

async function fullSave(dir: string, records: PackageRecord[], compare?: (a: PackageRecord, b: PackageRecord) => number): Promise<CachedSource> {
  const src = new MemorySource(records);
  await saveUniverseCache(dir, compare ? Object.assign(src, { compare }) : src);
  return loadUniverseCache(dir);
}

const asSource = (bytes: Uint8Array): CachedSource => parseUniverse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'update', 'update');

/** By build time, then key: a channel order other than rpm's, which the answers' preference reads. */
const byBuildtime = (a: PackageRecord, b: PackageRecord): number => (a.buildtime ?? 0) - (b.buildtime ?? 0) || (nevraKey(a) < nevraKey(b) ? -1 : nevraKey(a) > nevraKey(b) ? 1 : 0);

for (const [seed, compare] of [[1, undefined], [2, undefined], [3, byBuildtime], [4, byBuildtime], [5, undefined]] as const) {
  t(`seed ${seed}: ten changes in a row answer as full saves do${compare ? ' (a channel order)' : ''}`, async () => {
    const r = random(seed);
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-update-'));
    try {
      let serial = 0;
      const byKey = new Map<string, PackageRecord>();
      while (byKey.size < 400) { const b = build(r, serial++); byKey.set(nevraKey(b), b); }
      let current = await fullSave(join(dir, 'base'), sorted(byKey), compare);
      let updates = 0;
      for (let step = 0; step < 10; step++) {
        const keys = [...byKey.keys()];
        const removed = Array.from({ length: r(6) }, () => keys[r(keys.length)]);
        removed.push('gone-0:1-1.x86_64'); // a key the base lacks is passed over
        for (const k of removed) byKey.delete(k);
        const added: PackageRecord[] = [];
        for (let k = r(6); k > 0; k--) {
          const b = build(r, serial++);
          if (byKey.has(nevraKey(b))) continue;
          byKey.set(nevraKey(b), b); added.push(b);
        }
        const change: UniverseChange = { removed, added };
        const bytes = updatedUniverse(current, change, compare);
        const want = await fullSave(join(dir, `full-${step}`), sorted(byKey), compare);
        if (bytes === null) { current = want; continue; }
        updates++;
        const got = asSource(bytes);
        sameUniverse(got, want, `step ${step}`);
        current = got;
      }
      assert.ok(updates >= 8, `most steps update rather than save in full (${updates} of 10)`);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

t('a replaced build keeps its answers right where others named the old one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-update-'));
  try {
    const a1 = pkg('a-1-1.x86_64', { provides: ['liba = 1'], files: ['/usr/lib/a'] });
    const users = Array.from({ length: 40 }, (_, i) => pkg(`u${i}-1-1.x86_64`, { requires: [i % 4 ? 'other' : i % 8 ? 'liba' : '/usr/lib/a'] }));
    const base = await fullSave(join(dir, 'base'), [a1, ...users].sort((x, y) => (nevraKey(x) < nevraKey(y) ? -1 : 1)));
    const a2 = pkg('a-2-1.x86_64', { provides: ['liba = 2'], files: ['/usr/lib/a'] });
    const bytes = updatedUniverse(base, { removed: [nevraKey(a1)], added: [a2] });
    assert.ok(bytes, 'one build of 41 replaced, asked for by 10, is an update');
    const got = asSource(bytes);
    const want = await fullSave(join(dir, 'full'), [a2, ...users].sort((x, y) => (nevraKey(x) < nevraKey(y) ? -1 : 1)));
    sameUniverse(got, want, 'replaced');
    assert.is(got.record(0).version, '2');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('too large a change, or one key twice, is left to a full save (null)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-update-'));
  try {
    const r = random(9);
    const recs = new Map<string, PackageRecord>();
    for (let s = 0; recs.size < 80; s++) { const b = build(r, s); recs.set(nevraKey(b), b); }
    const base = await fullSave(join(dir, 'base'), sorted(recs));
    const many = Array.from({ length: 11 }, (_, i) => pkg(`new${i}-1-1.x86_64`));
    assert.is(updatedUniverse(base, { removed: [], added: many }), null, 'more than an eighth of the packages new');
    assert.ok(updatedUniverse(base, { removed: [], added: many.slice(1) }), 'an eighth of them new');
    assert.is(updatedUniverse(base, { removed: [], added: [pkg('twice-1-1.x86_64'), pkg('twice-1-1.x86_64')] }), null, 'one key added twice');
    const kept = base.record(3);
    assert.is(updatedUniverse(base, { removed: [], added: [pkg(`${kept.name}-${kept.epoch}:${kept.version}-${kept.release}.${kept.arch}`)] }), null, 'a key the base keeps');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('strings of removed builds are compacted by a full save once they are a quarter of the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-update-'));
  try {
    const files = (i: number): string[] => Array.from({ length: 30 }, (_, k) => `/opt/v${i}/file${k}`);
    const recs = Array.from({ length: 40 }, (_, i) => pkg(`q${String(i).padStart(2, '0')}-1-1.noarch`, { files: files(i) }));
    let current = await fullSave(join(dir, 'base'), recs);
    let nulls = 0;
    for (let step = 0; step < 40 && nulls === 0; step++) {
      const old = current.record(step % 40);
      const next = pkg(`${old.name}-1-${step + 2}.noarch`, { files: files(1000 + step) });
      const bytes = updatedUniverse(current, { removed: [nevraKey(old)], added: [next] });
      if (bytes === null) { nulls++; break; }
      current = asSource(bytes);
    }
    assert.is(nulls, 1, 'an update refuses once dead strings pass a quarter');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('the capability index takes added builds as extra pairs until a full save must lay them out again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-update-'));
  try {
    // users of each new build's library, so that every step's lookup must find them among the extra pairs
    const users = Array.from({ length: 40 }, (_, i) => pkg(`user${String(i).padStart(2, '0')}-1-1.x86_64`, { requires: [`libnew${i}.so`] }));
    let current = await fullSave(join(dir, 'base'), users);
    const all = [...users];
    let updates = 0;
    for (let step = 0; step < 40; step++) {
      // 300 files each: about 300 extra pairs per build, past 4,096 within 15 steps
      const files = Array.from({ length: 300 }, (_, k) => `/opt/new${step}/file${k}`);
      // and each asks for what the next one offers: found only among the extra pairs
      const next = pkg(`new${String(step).padStart(2, '0')}-1-1.x86_64`, { provides: [`libnew${step}.so`, `libnext${step}.so`], requires: [`libnext${step + 1}.so`], files });
      all.push(next);
      const bytes = updatedUniverse(current, { removed: [], added: [next] });
      const want = await fullSave(join(dir, `full-${step}`), [...all].sort((x, y) => (nevraKey(x) < nevraKey(y) ? -1 : 1)));
      if (bytes === null) { assert.ok(updates >= 10, `a full save only once the extra pairs pass their share (after ${updates} updates)`); return; }
      updates++;
      const got = asSource(bytes);
      sameUniverse(got, want, `step ${step}`);
      current = got;
    }
    assert.unreachable('the extra pairs never passed their share');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

testWith(t, 'on the 63,440-package Debian universe: 50 builds gone and 50 new answer as a full save does', ['corpus'], async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-update-'));
  try {
    const byKey = new Map<string, PackageRecord>();
    for (const p of (await readRepository(join(corpusDir, 'universe-debian'))).packages()) byKey.set(nevraKey(p), p);
    const base = await fullSave(join(dir, 'base'), sorted(byKey));
    const r = random(63440);
    const keys = [...byKey.keys()];
    const removed = Array.from({ length: 50 }, () => keys[r(keys.length)]);
    // new builds of real packages: what they provide and require is what real ones ask for
    const added = Array.from({ length: 50 }, () => ({ ...(byKey.get(keys[r(keys.length)]) as PackageRecord), release: `rebuilt${r(1000)}` }));
    for (const k of removed) byKey.delete(k);
    for (const a of added) byKey.set(nevraKey(a), a);
    const bytes = updatedUniverse(base, { removed, added });
    assert.ok(bytes, 'an update');
    sameUniverse(asSource(bytes), await fullSave(join(dir, 'full'), sorted(byKey)), 'debian');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
