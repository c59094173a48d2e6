/** The engine's tag table is rpm's: every name, number and type `rpm -v --querytags` lists. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allTagNames, tagByName, tagDisplayName } from '../../src/rpm-query/tag-table.js';
import { rpm } from '../helpers/rpm-root.js';
import { testWith } from '../helpers/tools.js';

const t = suite('tag table');

const TYPES = ['', 'char', 'int8', 'int16', 'int32', 'int64', 'string', 'blob', 'argv', 'i18nstring'];

testWith(t, 'names, numbers and types equal rpm -v --querytags', ['rpm'], () => {
  const lines = rpm(['-v', '--querytags']).stdout.toString('utf8').trim().split('\n');
  assert.ok(lines.length > 200, `rpm lists ${lines.length} tags`);
  const want = lines.map((l) => l.trim().split(/\s+/)).map(([n, v, ty]) => `${n} ${v} ${ty ?? ''}`).sort();
  const got = allTagNames().map((n) => { const i = tagByName(n)!; return `${n} ${i.value} ${TYPES[i.type]}`; }).sort();
  assert.equal(got, want);
});

t('names are case-insensitive; display names are rpm\'s capitalised longest alias', () => {
  assert.is(tagByName('nevra')?.value, 5016);
  assert.is(tagByName('NeVrA')?.value, 5016);
  assert.is(tagByName('P')?.value, 1047);
  assert.is(tagByName('NOSUCHTAG'), undefined);
  assert.is(tagDisplayName(1047), 'Providename');
  assert.is(tagDisplayName(1000), 'Name');
  assert.is(tagDisplayName(424242), '(unknown)');
});

t.run();
