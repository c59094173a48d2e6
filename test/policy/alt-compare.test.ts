/** rule-alt-mode and rule-alt-segment-order: ALT rpm's rpmEVRDTCompare, modelled. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareAltBuilds, compareDisttags, disttagBranch } from '../../src/policy/alt-compare.js';
import type { AltBuild } from '../../src/policy/alt-compare.js';
import { compareEvrText } from '../../src/policy/evr.js';
import { parseEvr } from '../../src/rpm/nevra.js';
import { altRpmvercmp, rpmvercmp } from '../../src/policy/rpmvercmp.js';
import { createRng, randomPart, runSeed } from '../helpers/random-evr.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('alt-compare');

function build(evr: string, disttag: string | null = null, buildtime: number | null = null): AltBuild {
  return { ...parseEvr(evr), disttag, buildtime };
}

t('rule-alt-mode: a missing epoch counts as 0, and epochs come first', () => {
  assert.is(compareAltBuilds(build('0:1.0-alt1'), build('1.0-alt1')), 0);
  assert.is(compareAltBuilds(build('1:0.1-alt1', 'p9+1.1', 1), build('9.9-alt1', 'sisyphus+9.1', 9)), 1);
});

t('rule-alt-mode: the disttag decides after the release, by branch prefix only', () => {
  assert.is(compareAltBuilds(build('1.0-alt1', 'p10+300.1.1', 100), build('1.0-alt1', 'sisyphus+200.1.1', 50)), -1);
  assert.is(compareAltBuilds(build('1.0-alt1', 'p9+300.1.1', 100), build('1.0-alt1', 'p10+200.1.1', 50)), -1, 'p9 < p10 as numbers');
  assert.is(compareAltBuilds(build('1.0-alt2', 'p9+1.1', 1), build('1.0-alt1', 'sisyphus+9.1', 9)), 1, 'the release outranks the disttag');
  assert.is(compareDisttags('sisyphus+1.1', 'sisyphus+999.1'), 0, 'task numbers never decide');
  assert.is(disttagBranch('pad:p10+1.1'), 'p10', 'padding up to : is skipped');
  assert.is(disttagBranch('sisyphus'), '', 'no + means an empty branch prefix');
  assert.is(compareDisttags('old', 'p10+1.1'), -1, 'an empty prefix is older than any branch');
});

t('rule-alt-mode: the priority branch beats every other branch', () => {
  const p10 = build('1.0-alt1', 'p10+300.1.1', 100);
  const sis = build('1.0-alt1', 'sisyphus+200.1.1', 50);
  assert.is(compareAltBuilds(p10, sis, { priorityBranch: 'p10' }), 1);
  assert.is(compareAltBuilds(sis, p10, { priorityBranch: 'p10' }), -1);
  assert.is(compareAltBuilds(p10, sis, { priorityBranch: 'p11' }), -1, 'a priority branch neither has changes nothing');
  assert.is(compareAltBuilds(p10, build('1.0-alt1', 'p10+1.1', 999), { priorityBranch: 'p10' }), -1, 'same branch: build time decides');
});

t('rule-alt-mode: build time breaks ties, unless turned off; missing is oldest', () => {
  const early = build('1.0-alt1', 'sisyphus+2.1', 100);
  const late = build('1.0-alt1', 'sisyphus+1.1', 200);
  assert.is(compareAltBuilds(early, late), -1);
  assert.is(compareAltBuilds(early, late, { honorBuildtime: false }), 0);
  assert.is(compareAltBuilds(build('1.0-alt1', 'p10+1.1'), build('1.0-alt1', 'p10+1.1', 1)), -1);
  assert.is(compareAltBuilds(build('1.0-alt1', null, 300), build('1.0-alt1', 'p10+1.1', 200)), 1, 'one disttag missing: skip to build time');
});

t('rule-alt-segment-order: without letters, ALT and upstream agree (seeded random)', () => {
  const seed = runSeed();
  const rng = createRng(seed);
  for (let i = 0; i < 20_000; i++) {
    const a = randomPart(rng, 8).replace(/[a-zA-Z]/g, '');
    const b = rng() < 0.5 ? randomPart(rng, 8).replace(/[a-zA-Z]/g, '') : `${a}${randomPart(rng, 2).replace(/[a-zA-Z]/g, '')}`;
    assert.is(altRpmvercmp(a, b), rpmvercmp(a, b), `seed ${seed}: ${a} vs ${b}`);
    assert.is(altRpmvercmp(b, a), (-altRpmvercmp(a, b) || 0) as -1 | 0 | 1, `antisymmetric: ${a} vs ${b}`);
  }
});

testWith(t, "rule-alt-segment-order: ALT's order reads ALT's own changelog history as fewer downgrades", ['corpus'], () => {
  const lines = gunzipSync(readFileSync(join(corpusDir, 'alt-changelog-evrs.tsv.gz'))).toString('utf8').split('\n').filter(Boolean);
  assert.ok(lines.length > 100_000);
  let upDown = 0;
  let altDown = 0;
  let differ = 0;
  for (const line of lines) {
    const [newer, older] = line.split('\t') as [string, string];
    const up = compareEvrText(newer, older);
    const alt = compareAltBuilds(parseEvr(newer), parseEvr(older), { honorBuildtime: false });
    if (up < 0) upDown++;
    if (alt < 0) altDown++;
    if (up !== alt) differ++;
  }
  console.log(`changelog pairs read as downgrades: upstream order ${upDown}, ALT order ${altDown} (${differ} differ)`);
  assert.ok(differ > 0);
  assert.ok(altDown < upDown, `ALT ${altDown} < upstream ${upDown}`);
});

t.run();
