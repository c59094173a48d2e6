/**
 * rule-dependency-range: provide/require overlap, checked on hand-picked cases (what a
 * packager relies on) and against rpm's own rpmdsCompare (python3-rpm `rpm.ds.Compare`)
 * on seeded random pairs covering every combination of the <, >, = bits.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  SENSE_EQUAL, SENSE_GREATER, SENSE_LESS, dependencyOverlaps, flagsToSense, providesSatisfies, rangesOverlap,
} from '../../src/policy/dependency-range.js';
import type { Dependency, DependencyFlags } from '../../src/rpm/dependency.js';
import { senseToFlags } from '../../src/rpm/dependency.js';
import { createRng, randomEvr, runSeed } from '../helpers/random-evr.js';
import { oracleOverlap } from '../helpers/python-rpm-oracle.js';
import type { OracleRange } from '../helpers/python-rpm-oracle.js';
import { testWith } from '../helpers/tools.js';

const t = suite('dependency-range');

function dep(text: string): Dependency {
  const [name, flags = '', evr = ''] = text.split(' ');
  return { name: name as string, flags: flags as DependencyFlags, evr };
}
const sat = (provide: string, require: string): boolean => providesSatisfies(dep(provide), dep(require));

t('rule-dependency-range: a requirement without release matches any release of that version', () => {
  assert.ok(sat('foo = 1.0-alt3', 'foo = 1.0'));
  assert.ok(sat('foo = 1.0-alt3', 'foo >= 1.0'));
  assert.ok(sat('foo = 1.0-alt3', 'foo <= 1.0'));
  assert.not.ok(sat('foo = 1.0-alt3', 'foo < 1.0'), 'every release of 1.0 is 1.0, not below it');
  assert.not.ok(sat('foo = 1.0-alt3', 'foo > 1.0'), 'nor above it');
  assert.ok(sat('foo = 1.0', 'foo = 1.0-alt3'), 'and a provide without release matches a release requirement');
  // The surprise: the side without a release matches every release of its version, so
  // one release-less provide satisfies requirements on both sides of a release.
  assert.ok(sat('foo = 1.0', 'foo < 1.0-alt3'));
  assert.ok(sat('foo = 1.0', 'foo > 1.0-alt3'));
  assert.ok(sat('foo = 1.0-', 'foo = 1.0-alt3'), 'an empty release is no release');
  assert.not.ok(sat('foo = 1.0-alt3', 'foo > 1.0'), 'without = on the release-less side, no wildcard');
  assert.not.ok(sat('foo < 1.0', 'foo = 1.0-alt3'), 'in either direction');
});

t('rule-dependency-range: the five operators', () => {
  assert.ok(sat('foo = 2.0-alt1', 'foo > 1.9'));
  assert.not.ok(sat('foo = 2.0-alt1', 'foo > 2.0-alt1'));
  assert.ok(sat('foo = 2.0-alt1', 'foo >= 2.0-alt1'));
  assert.ok(sat('foo = 2.0-alt1', 'foo < 2.0-alt2'));
  assert.not.ok(sat('foo = 2.0-alt1', 'foo < 2.0-alt1'));
  assert.ok(sat('foo = 2.0-alt1', 'foo <= 2.0-alt1'));
  assert.ok(sat('foo = 2.0~rc1-alt1', 'foo < 2.0'), '~ prereleases come before the release');
  assert.ok(sat('foo = 2.0^git1-alt1', 'foo > 2.0'), '^ snapshots come after the base');
  assert.ok(sat('foo = 2.0^git1-alt1', 'foo < 2.0.1'), 'but before the next version');
});

t('rule-dependency-range: unversioned sides, empty EVRs and names', () => {
  assert.ok(sat('foo', 'foo >= 99'), 'an unversioned provide satisfies any versioned require');
  assert.ok(sat('foo = 1.0', 'foo'), 'an unversioned require is satisfied by any provide');
  assert.not.ok(sat('foo = 1.0', 'bar'), 'different names never overlap');
  assert.ok(rangesOverlap({ sense: SENSE_EQUAL, evr: '' }, { sense: SENSE_LESS, evr: '1.0' }), 'an empty EVR always overlaps');
});

t('rule-dependency-range: epochs, rpm 4.x: a missing epoch is 0', () => {
  assert.not.ok(sat('foo = 1:1.0', 'foo = 1.0'), 'epoch 1 is not epoch 0');
  assert.ok(sat('foo = 1:1.0', 'foo > 2.0'), 'so 1:1.0 is newer than 2.0');
  assert.ok(sat('foo = 0:1.0', 'foo = 1.0'), 'epoch 0 and no epoch are the same');
  assert.ok(sat('foo = 1.0', 'foo = 00:1.0'), 'in both directions, leading zeros included');
  assert.not.ok(sat('foo = 1.0', 'foo >= 1:0.1'), 'a requirement with an epoch is not met by a provide without one');
});

t('rule-dependency-range: the relation is symmetric, and <> works on raw bits', () => {
  const lg = SENSE_LESS | SENSE_GREATER;
  assert.not.ok(rangesOverlap({ sense: lg, evr: '1.0' }, { sense: SENSE_EQUAL, evr: '1.0' }), '"not equal" excludes 1.0');
  assert.ok(rangesOverlap({ sense: lg, evr: '1.0' }, { sense: SENSE_EQUAL, evr: '1.1' }));
  for (const f of ['', '<', '>', '=', '<=', '>='] as DependencyFlags[]) {
    assert.is(senseToFlags(flagsToSense(f)), f, `flags ${f} round-trip through sense bits`);
  }
  assert.is(dependencyOverlaps(dep('foo >= 2'), dep('foo = 1')), dependencyOverlaps(dep('foo = 1'), dep('foo >= 2')));
});

const EPOCHS = ['', '', '', '0:', '1:', '00:', '2:', ':'];
const VERSIONS = ['1.0', '1.0', '1.0~rc1', '1.0^git1', '1.0.1', '2', '1.0a', '1.00', '1_0'];
const RELEASES = ['', '', '-alt1', '-alt1.1', '-alt2', '-alt0.p10.1', '-', '-1'];

function randomRange(rng: () => number): OracleRange {
  // Every combination of <, >, = that rpm accepts: rpm.ds refuses all three bits at once.
  const sense = Math.floor(rng() * 7) << 1;
  const r = rng();
  let evr: string;
  if (r < 0.05) evr = '';
  else if (r < 0.8) evr = [EPOCHS, VERSIONS, RELEASES].map((l) => l[Math.floor(rng() * l.length)]).join('');
  else evr = randomEvr(rng);
  return { name: rng() < 0.95 ? 'foo' : 'bar', sense, evr };
}

testWith(t, 'rule-dependency-range: rangesOverlap agrees with rpm.ds(...).Compare on 30,000 random pairs', ['python:rpm'], () => {
  const seed = runSeed();
  console.log(`dependency-range seed ${seed} (replay with BAZAAR_SEED=${seed})`);
  const rng = createRng(seed);
  const pairs: Array<[OracleRange, OracleRange]> = [];
  for (let i = 0; i < 30_000; i++) pairs.push([randomRange(rng), randomRange(rng)]);
  const want = oracleOverlap(pairs);
  assert.is(want.length, pairs.length);
  const bad: string[] = [];
  let yes = 0;
  pairs.forEach(([a, b], i) => {
    const got = a.name === b.name && rangesOverlap(a, b);
    if (want[i]) yes++;
    if (got !== want[i] && bad.length < 8) bad.push(`${a.name} ${a.sense} '${a.evr}' vs ${b.name} ${b.sense} '${b.evr}': rpm ${want[i]}`);
  });
  assert.equal(bad, [], `seed ${seed}:\n${bad.join('\n')}`);
  assert.ok(yes > pairs.length / 5 && yes < (pairs.length * 4) / 5, 'both answers are common');
  // The Dependency-level API gives the same answers where the flags are printable.
  pairs.forEach(([a, b], i) => {
    const fa = senseToFlags(a.sense);
    const fb = senseToFlags(b.sense);
    if (flagsToSense(fa) !== a.sense || flagsToSense(fb) !== b.sense) return;
    const got = dependencyOverlaps({ name: a.name, flags: fa, evr: a.evr }, { name: b.name, flags: fb, evr: b.evr });
    if (got !== want[i] && bad.length < 8) bad.push(`${a.name} ${fa} ${a.evr} vs ${b.name} ${fb} ${b.evr}: rpm ${want[i]}`);
  });
  assert.equal(bad, [], `seed ${seed}:\n${bad.join('\n')}`);
});

t.run();
