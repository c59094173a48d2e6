import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { compareEvr, compareEvrText, evrTextProblem } from '../../src/policy/evr.js';
import { formatEvr, parseEvr, splitEvr } from '../../src/rpm/nevra.js';
import { altRpmvercmp, rpmvercmp } from '../../src/policy/rpmvercmp.js';
import { oracleLabelCompare } from '../helpers/python-rpm-oracle.js';
import { corpusDir, projectRoot, testWith } from '../helpers/tools.js';

const t = suite('rpmvercmp');

t('rule-rpmvercmp: tilde sorts before everything, caret after the end', () => {
  assert.is(rpmvercmp('1.0~rc1', '1.0'), -1);
  assert.is(rpmvercmp('1.0^git1', '1.0'), 1);
  assert.is(rpmvercmp('1.0^git1', '1.0.1'), -1);
  assert.is(rpmvercmp('1.010', '1.9'), 1);
  assert.is(rpmvercmp('1.0a', '1.0.1'), -1);
});

/** Rows of test/policy/rpmvercmp.table.txt (read from the source tree, not dist). */
function tableRows(): Array<{ left: string; right: string; want: number; line: number }> {
  const text = readFileSync(join(projectRoot, 'test/policy/rpmvercmp.table.txt'), 'utf8');
  const rows: Array<{ left: string; right: string; want: number; line: number }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cols = line.split(/\s+/);
    assert.is(cols.length, 3, `table line ${i + 1} has three columns`);
    rows.push({ left: cols[0] as string, right: cols[1] as string, want: Number(cols[2]), line: i + 1 });
  });
  return rows;
}

t('rule-evr-order: every row of rpmvercmp.table.txt, both ways round', () => {
  const rows = tableRows();
  assert.ok(rows.length > 50);
  for (const r of rows) {
    assert.is(compareEvrText(r.left, r.right), r.want, `line ${r.line}: ${r.left} vs ${r.right}`);
    assert.is(compareEvrText(r.right, r.left), -r.want || 0, `line ${r.line} reversed`);
  }
});

testWith(t, 'rule-evr-order: rpmvercmp.table.txt agrees with rpm.labelCompare', ['python:rpm'], () => {
  const rows = tableRows();
  const want = oracleLabelCompare(rows.map((r) => [r.left, r.right] as const));
  rows.forEach((r, i) => assert.is(r.want, want[i], `line ${r.line}: ${r.left} vs ${r.right}: the table says ${r.want}, rpm ${want[i]}`));
});

testWith(t, "rule-rpmvercmp: rpm's own rpmvercmp.at cases (corpus rpmvercmp.tsv)", ['corpus'], () => {
  const rows = readFileSync(join(corpusDir, 'rpmvercmp.tsv'), 'utf8').split('\n').filter(Boolean);
  assert.ok(rows.length > 80);
  for (const row of rows) {
    const [a, b, want] = row.split('\t') as [string, string, string];
    assert.is(rpmvercmp(a, b), Number(want), `${a} vs ${b}`);
  }
});

testWith(t, "rule-rpmvercmp: rpm's known oddities (corpus rpmvercmp-oddities.tsv): non-ASCII letters are separators", ['corpus'], () => {
  const rows = readFileSync(join(corpusDir, 'rpmvercmp-oddities.tsv'), 'utf8').split('\n').filter(Boolean);
  assert.ok(rows.length >= 12);
  for (const row of rows) {
    const [a, b, want] = row.split('\t') as [string, string, string];
    assert.is(rpmvercmp(a, b), Number(want), `${a} vs ${b}`);
  }
});

t('rule-alt-segment-order: ALT reverses only the letter-versus-number rule', () => {
  assert.is(altRpmvercmp('1.0a', '1.0.1'), 1);
  assert.is(altRpmvercmp('xyz.4', '8'), 1);
  assert.is(altRpmvercmp('10xyz', '10.1xyz'), 1);
  assert.is(altRpmvercmp('alt1.qa1', 'alt1.1'), 1);
  // Everything else is upstream's.
  for (const [a, b] of [['1.0~rc1', '1.0'], ['1.0^git1', '1.0'], ['1.0^git1', '1.0.1'], ['1.010', '1.9'], ['1.0a', '1.0'], ['alt1', 'alt1.1'], ['abc', 'abd'], ['1.01', '1.1']] as const) {
    assert.is(altRpmvercmp(a, b), rpmvercmp(a, b), `${a} vs ${b}`);
  }
});

t('rule-evr-order: splitEvr splits as rpm parseEVR, parseEvr/formatEvr round-trip', () => {
  assert.equal(splitEvr('2:1.0-alt1'), { epoch: '2', version: '1.0', release: 'alt1' });
  assert.equal(splitEvr(':1.0'), { epoch: '0', version: '1.0', release: null });
  assert.equal(splitEvr('a:1-2-3'), { epoch: null, version: 'a:1-2', release: '3' });
  assert.equal(splitEvr('1.0-'), { epoch: null, version: '1.0', release: '' });
  for (const s of ['1:2.0-alt1', '2.0', '2.0-alt1', '0:1']) assert.is(formatEvr(parseEvr(s)), s);
  assert.is(compareEvr(parseEvr('1.0-alt1'), parseEvr('1:0.9-alt1')), -1);
  assert.is(compareEvr(parseEvr('0:1.0-alt1'), parseEvr('1.0-alt1')), 0);
});

t('rule-evr-order: EVRs rpm refuses are refused (empty version, NUL byte, huge parsed epoch)', () => {
  for (const bad of ['', '1:', '-alt1', ':-', 'a\0b']) {
    assert.ok(evrTextProblem(bad) !== null, `'${bad}' has a problem`);
    assert.throws(() => compareEvrText(bad, '1.0'), (e: unknown) => isBazaarError(e, 'ERR_VERSION'));
  }
  assert.is(evrTextProblem('1:0'), null);
  assert.throws(() => parseEvr('99999999999999999999:1'), (e: unknown) => isBazaarError(e, 'ERR_VERSION'));
  // ... while the text comparison handles any epoch exactly.
  assert.is(compareEvrText('99999999999999999999:1', '99999999999999999998:1'), 1);
});

t.run();
