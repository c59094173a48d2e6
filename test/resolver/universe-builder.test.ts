/**
 * A universe built from records given a batch at a time writes the bytes a full save of
 * the same records writes (encodeUniverse), over random universes where a package's name
 * is often first met as another's capability (a string that becomes hot after it was
 * numbered), with rpm's order and a channel's own; and a string the file cannot hold is
 * refused as the full save refuses it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { nevraKey } from '../../src/rpm/index.js';
import { MemorySource, pkg } from '../../src/resolver/memory-source.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { UniverseBuilder } from '../../src/resolver/universe-builder.js';
import { encodeUniverse } from '../../src/resolver/universe-cache.js';
import { build, random } from './random-universe.js';

const t = suite('universe builder');

type Order = ((a: PackageRecord, b: PackageRecord) => number) | undefined;

const byBuildtime = (a: PackageRecord, b: PackageRecord): number => (a.buildtime ?? 0) - (b.buildtime ?? 0) || (nevraKey(a) < nevraKey(b) ? -1 : nevraKey(a) > nevraKey(b) ? 1 : 0);

function fullSave(records: PackageRecord[], compare: Order): Uint8Array {
  const src = new MemorySource(records);
  return encodeUniverse(compare ? Object.assign(src, { compare }) : src);
}

function built(records: PackageRecord[], compare: Order): Uint8Array {
  const b = new UniverseBuilder();
  for (const r of records) b.add(r);
  assert.is(b.count, records.length);
  return b.finish('test', compare);
}

for (const [seed, compare] of [[11, undefined], [12, undefined], [13, byBuildtime], [14, byBuildtime]] as const) {
  t(`seed ${seed}: the same bytes as a full save${compare ? ' (a channel order)' : ''}`, () => {
    const r = random(seed);
    const byKey = new Map<string, PackageRecord>();
    for (let serial = 0; byKey.size < 500; serial++) { const b = build(r, serial); byKey.set(nevraKey(b), b); }
    const records = [...byKey.keys()].sort().map((k) => byKey.get(k) as PackageRecord);
    const expected = Buffer.from(fullSave(records, compare));
    const got = Buffer.from(built(records, compare));
    assert.ok(expected.length > 0);
    assert.ok(got.equals(expected), `${got.length} bytes against ${expected.length}`);
  });
}

t('a hot string first met as a capability, and no x86_64 package: the same bytes', () => {
  const records = [
    pkg('a-1-1.noarch', { requires: ['zlib >= 1', 'b'], files: ['/usr/bin/a'] }),
    pkg('b-2-1.i586', { provides: ['zlib = 1.2'], requires: ['/usr/bin/a'] }),
    pkg('zlib-1.2-1.aarch64', { obsoletes: ['b < 3'] }),
  ];
  assert.ok(Buffer.from(built(records, undefined)).equals(Buffer.from(fullSave(records, undefined))));
});

t('a string the file cannot hold is refused, as a full save refuses it', () => {
  const bad = pkg('a-1-1.x86_64');
  bad.provides = [{ name: 'line\nbreak', flags: '', evr: '' }];
  const b = new UniverseBuilder();
  try {
    b.add(bad);
    assert.unreachable('added');
  } catch (err) {
    assert.instance(err, BazaarError);
    assert.is((err as BazaarError).code, 'ERR_BAD_INPUT');
  }
  assert.throws(() => fullSave([bad], undefined), (err: unknown) => err instanceof BazaarError && err.code === 'ERR_BAD_INPUT');
});

t.run();
