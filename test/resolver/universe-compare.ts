/** Whether two universe caches answer alike: the update tests' judge. */
import * as assert from 'uvu/assert';
import { nevraKey } from '../../src/rpm/index.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import type { CachedSource } from '../../src/resolver/universe-cache.js';

const plain = (r: PackageRecord): string => JSON.stringify([r.name, r.epoch, r.version, r.release, r.arch, r.provides, r.requires,
r.conflicts, r.obsoletes, r.files, r.location, r.buildId, r.disttag, r.buildtime]);

function answersOf(src: CachedSource, id: number): string {
  const pre = src.prebuiltDeps;
  if (!pre) throw new Error('no answers stored');
  const end = id + 1 < pre.offsets.length ? pre.offsets[id + 1] : pre.data.length;
  return pre.data.subarray(pre.offsets[id], end).join(' ');
}

/** Asserts that `got` answers as `want` does, package by package. */
export function sameUniverse(got: CachedSource, want: CachedSource, what: string): void {
  assert.is(got.count, want.count, `${what}: package count`);
  for (let id = 0; id < want.count; id++) {
    assert.is(plain(got.record(id)), plain(want.record(id)), `${what}: record ${id}`);
    assert.is(answersOf(got, id), answersOf(want, id), `${what}: answers of ${nevraKey(want.record(id))}`);
    const name = want.nameOf(id);
    assert.equal([...got.idsOfName(got.nameIdOf(name))], [...want.idsOfName(want.nameIdOf(name))], `${what}: builds of ${name}`);
  }
  assert.is(got.nameCount, want.nameCount, `${what}: name count`);
  assert.is(got.nameIdOf('no-such-name'), -1);
}
