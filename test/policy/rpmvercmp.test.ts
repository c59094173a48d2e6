import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rpmvercmp } from '../../src/policy/rpmvercmp.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('rpmvercmp');

t('tilde sorts before everything, caret after the end', () => {
  assert.is(rpmvercmp('1.0~rc1', '1.0'), -1);
  assert.is(rpmvercmp('1.0^git1', '1.0'), 1);
  assert.is(rpmvercmp('1.0^git1', '1.0.1'), -1);
  assert.is(rpmvercmp('1.010', '1.9'), 1);
  assert.is(rpmvercmp('1.0a', '1.0.1'), -1);
});

testWith(t, "rpm's own rpmvercmp.at cases (corpus rpmvercmp.tsv)", ['corpus'], () => {
  const rows = readFileSync(join(corpusDir, 'rpmvercmp.tsv'), 'utf8').split('\n').filter(Boolean);
  assert.ok(rows.length > 80);
  for (const row of rows) {
    const [a, b, want] = row.split('\t');
    assert.is(rpmvercmp(a, b), Number(want), `${a} vs ${b}`);
  }
});

t.run();
