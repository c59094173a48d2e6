/**
 * rule-evr-order and rule-rpmvercmp against rpm itself: at least 200,000 seeded random
 * `[E:]V[-R]` pairs, all answered by one python3-rpm process (rpm.ver + rpm.labelCompare),
 * checked against the library and against `bazaar vercmp --batch`. Replay a failure
 * with BAZAAR_SEED=<printed seed>.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { compareEvrText } from '../../src/policy/evr.js';
import { rpmvercmp } from '../../src/policy/rpmvercmp.js';
import { createRng, randomEvrPair, randomPart, runSeed } from '../helpers/random-evr.js';
import { oracleLabelCompare, oracleVercmp } from '../helpers/python-rpm-oracle.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const PAIRS = Number(process.env.BAZAAR_ORACLE_PAIRS ?? 200_000);
const seed = runSeed();
console.log(`evr-oracle seed ${seed} (replay with BAZAAR_SEED=${seed}), ${PAIRS} pairs`);

const rng = createRng(seed);
const pairs: Array<[string, string]> = [];
for (let i = 0; i < PAIRS; i++) pairs.push(randomEvrPair(rng));

let expected: number[] | undefined;
function oracle(): number[] {
  expected ??= oracleLabelCompare(pairs);
  assert.is(expected.length, pairs.length, 'the oracle answered every pair');
  return expected;
}

function firstMismatches(got: ArrayLike<number>, want: number[], label: (i: number) => string, max = 5): string[] {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < max; i++) {
    if (!Object.is(got[i], want[i])) bad.push(`${label(i)}: rpm ${want[i]}, bazaar ${got[i]}`);
  }
  return bad;
}

const t = suite('evr oracle');

testWith(t, `rule-evr-order: compareEvrText agrees with rpm.labelCompare on ${PAIRS} random pairs`, ['python:rpm'], () => {
  const want = oracle();
  const got = pairs.map(([a, b]) => {
    try { return compareEvrText(a, b); } catch (err) { if (isBazaarError(err, 'ERR_VERSION')) return NaN; throw err; }
  });
  const bad = firstMismatches(got, want, (i) => JSON.stringify(pairs[i]));
  assert.equal(bad, [], `seed ${seed}: ${bad.join('\n')}`);
  assert.ok(want.filter((x) => Number.isNaN(x)).length > 0, 'some pairs are ones rpm refuses, and bazaar refuses the same ones');
  // The generator must exercise all three answers, or the agreement proves little.
  for (const r of [-1, 0, 1]) assert.ok(want.filter((x) => x === r).length > PAIRS / 50, `answer ${r} is common`);
});

testWith(t, `rule-evr-order: bazaar vercmp --batch agrees with rpm.labelCompare on ${PAIRS} random pairs`, ['python:rpm'], () => {
  // A pair rpm refuses stops a batch (exit 2), so the batch gets only the comparable ones.
  const all = oracle();
  const keep = pairs.map((_, i) => i).filter((i) => !Number.isNaN(all[i]));
  const want = keep.map((i) => all[i] as number);
  const input = `${keep.map((i) => `${pairs[i]![0]}\t${pairs[i]![1]}`).join('\n')}\n`;
  const r = spawnSync(process.execPath, [join(projectRoot, 'dist/bin/bazaar.js'), 'vercmp', '--batch'], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.is(r.status, 0, r.stderr);
  const got = r.stdout.split('\n');
  assert.is(got.pop(), '', 'output ends with a newline');
  assert.is(got.length, keep.length, 'one result line per input line');
  const bad = firstMismatches(got.map(Number), want, (k) => `line ${k + 1} ${JSON.stringify(pairs[keep[k]!])}`);
  assert.equal(bad, [], `seed ${seed}: ${bad.join('\n')}`);
});

testWith(t, 'rule-rpmvercmp: rpmvercmp agrees with rpm on 50,000 random version strings', ['python:rpm'], () => {
  const r2 = createRng(seed ^ 0x5bd1e995);
  const vs: Array<[string, string]> = [];
  for (let i = 0; i < 50_000; i++) {
    const a = randomPart(r2, 8);
    vs.push([a, r2() < 0.5 ? randomPart(r2, 8) : a + randomPart(r2, 2)]);
  }
  const want = oracleVercmp(vs);
  const bad: string[] = [];
  vs.forEach(([a, b], i) => { if (rpmvercmp(a, b) !== want[i] && bad.length < 5) bad.push(`${a} vs ${b}: rpm ${want[i]}`); });
  assert.equal(bad, [], `seed ${seed}: ${bad.join('\n')}`);
});

t.run();
