/**
 * Provide/require overlap, the rule every verdict rests on: a table of rpm's cases, and
 * thousands of random pairs against check_install_set.py's `overlap` (rpm's
 * rpmdsCompareEVR over python3-rpm's labelCompare, independent of our rpmvercmp).
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DependencyFlags } from '../../src/rpm/dependency.js';
import { overlaps } from '../../src/resolver/overlap.js';
import { testWith, toolsDir } from '../helpers/tools.js';

const t = suite('resolver overlap');

t('rpm cases: release rules, epochs, unversioned sides', () => {
  const rows: Array<[DependencyFlags, string, DependencyFlags, string, boolean]> = [
    ['=', '2.36-9', '>=', '2.36', true],
    ['=', '2.36-9', '>', '2.36', false], // "libc6 > 2.36" is not met by 2.36-9
    ['=', '2.36-9', '=', '2.36', true],
    ['>', '2-1', '=', '2', true], // the side without release has "=": always meets
    ['<', '2-1', '>=', '2', true],
    ['=', '2-1', '<', '2', false],
    ['=', '1:1.0-1', '>=', '2.0', true],
    ['=', '0:1.0-1', '=', '1.0-1', true],
    ['', '', '>=', '5', true],
    ['=', '1.0~rc1-1', '>=', '1.0', false],
    ['<=', '3', '>=', '3', true],
    ['<', '3', '>', '2', true],
    ['<', '2', '>', '3', false],
  ];
  for (const [pf, pe, rf, re, want] of rows) assert.is(overlaps(pf, pe, rf, re), want, `${pf} ${pe} vs ${rf} ${re}`);
});

testWith(t, 'agrees with rpm (check_install_set.py overlap) on 4000 random pairs', ['python:rpm'], () => {
  let seed = 12345;
  const r = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const FL: DependencyFlags[] = ['=', '<', '>', '<=', '>='];
  const evr = (): string => `${pick(['', '', '0:', '1:'])}${pick(['1', '2', '2.0', '1.0~rc1', '2^post'])}${pick(['', '-1', '-2', '-1.el9'])}`;
  const pairs = Array.from({ length: 4000 }, () => [pick(FL), evr(), pick(FL), evr()] as const);
  const py = `
import sys, json
sys.path.insert(0, ${JSON.stringify(toolsDir)})
from check_install_set import overlap, parse_evr, FLAGS
B = {'=': FLAGS['EQ'], '<': FLAGS['LT'], '>': FLAGS['GT'], '<=': FLAGS['LE'], '>=': FLAGS['GE']}
out = []
for pf, pe, rf, re in json.load(sys.stdin):
    a, b = parse_evr(pe), parse_evr(re)
    a = (a[0] or '0', a[1], a[2]); b = (b[0] or '0', b[1], b[2])
    out.append(overlap(B[pf], a, B[rf], b))
print(json.dumps(out))`;
  const res = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify(pairs), encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.is(res.status, 0, res.stderr);
  const want = JSON.parse(res.stdout) as boolean[];
  const bad = pairs.filter((p, i) => overlaps(p[0], p[1], p[2], p[3]) !== want[i]).slice(0, 10);
  assert.equal(bad, [], 'pairs where bazaar and rpm disagree');
});

t.run();
