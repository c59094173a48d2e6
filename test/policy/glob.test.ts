/**
 * Glob patterns (src/policy/glob.ts) against glibc's fnmatch(3), the behaviour they
 * promise: random patterns over the characters that mean something (`* ? [ ] ! ^ - \`)
 * and texts over the same, every answer compared. And patterns no RegExp could take: a
 * 40 KB pattern (was "Invalid regular expression", exit 70) and star-heavy patterns
 * against long texts answer at once.
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGlob, globMatch } from '../../src/policy/glob.js';
import { misbehaviour, runInProcess } from '../helpers/in-process.js';
import { freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { testWith } from '../helpers/tools.js';

const t = suite('glob');

testWith(t, 'agrees with glibc fnmatch(3) on 20,000 random patterns and texts', ['/usr/bin/python3'], () => {
  const rand = seededRandom('glob oracle');
  const pick = (chars: string, max: number): string => {
    let s = '';
    for (let n = Math.floor(rand() * (max + 1)); n > 0; n--) s += chars[Math.floor(rand() * chars.length)];
    return s;
  };
  // and, always, the sets the pattern ends inside a range of (random ones find them in about one run of 50)
  const pairs: Array<[string, string]> = [['[*-', '[-'], ['[a-', '[a-'], ['[[-', '[-'], ['[[-', '[['], ['[!a-', '[!a-'], ['[--', '[--'], ['[a--', '[a--'], ['[-', '[-'],
  // a range that starts with `[` itself (seed 2027315103 found it)
  ['[]*[-', '[]a[-'], ['[][?[-', '[][a[-'], ['[][?[-', '[]?[-']];
  for (let i = 0; i < 20_000; i++) pairs.push([pick('ab*?[]!^-\\', 8), pick('ab-]![\\^*?', 6)]);
  const oracle = `
import ctypes, json, sys
libc = ctypes.CDLL(None)
print(json.dumps([libc.fnmatch(p.encode(), s.encode(), 0) == 0 for p, s in json.load(sys.stdin)]))`;
  const r = spawnSync('/usr/bin/python3', ['-c', oracle], { input: JSON.stringify(pairs), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.is(r.status, 0, r.stderr);
  const want = JSON.parse(r.stdout) as boolean[];
  const wrong = pairs.filter(([p, s], i) => globMatch(p, s) !== want[i]).slice(0, 5);
  assert.equal(wrong, [], 'patterns where we and fnmatch differ');
});

t('the forms the docs name', () => {
  assert.ok(globMatch('libssl*', 'libssl3'));
  assert.ok(globMatch('kernel-image-?td-def', 'kernel-image-std-def'));
  assert.ok(globMatch('x[!0-9]', 'xa'));
  assert.not.ok(globMatch('x[!0-9]', 'x1'));
  assert.ok(globMatch('x[^0-9]', 'xa'));
  assert.ok(globMatch('[a-c]z', 'bz'));
  assert.ok(globMatch('a\\*b', 'a*b'));
  assert.not.ok(globMatch('a\\*b', 'axb'));
  assert.ok(globMatch('[]]', ']'), 'a ] first in a set is one of its characters');
  assert.ok(globMatch('a[', 'a['), 'an unclosed [ is itself');
  assert.ok(globMatch('?', 'é') && globMatch('?', '😀'), '? is one character, not one UTF-16 unit');
});

t('a 40 KB pattern and star-heavy patterns answer at once', () => {
  const started = Date.now();
  const stars = '*'.repeat(40_000);
  assert.ok(globMatch(stars, 'bash'));
  assert.not.ok(globMatch(`${'a'.repeat(40_000)}`, 'a'));
  assert.ok(globMatch(`${'a*'.repeat(20_000)}`, 'a'.repeat(20_000)));
  const pathological = compileGlob(`${'*a'.repeat(30)}b`); // exponential for a backtracking RegExp
  assert.not.ok(pathological('a'.repeat(5_000)));
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

t('bazaar ls with a 40 KB glob lists what matches (was exit 70 "Invalid regular expression")', async () => {
  const store = freshStore('glob-ls');
  const sed = sampleRpms().find((f) => f.endsWith('/sed-4.9-alt1.x86_64.rpm')) as string;
  assert.is((await runInProcess(['add', sed, '--store', store])).status, 0);
  const all = await runInProcess(['ls', '*'.repeat(40_000), '--store', store]);
  assert.is(misbehaviour(all), null);
  assert.match(all.stdout, /^sed-1:4\.9-alt1\.x86_64\t/);
  const none = await runInProcess(['ls', `${'s?'.repeat(20_000)}`, '--store', store]);
  assert.is(misbehaviour(none), null);
  assert.is(none.stdout, '');
});

t('what packagers write, and sets that fnmatch reads its own way', () => {
  const cases: Array<[string, string, boolean]> = [
    ['lib*', 'libssl3', true], ['lib*', 'glibc', false], ['*ssl*', 'libssl3', true], ['pyrt-?.*', 'pyrt-3.12', true],
    ['*-2.4.1-alt1.noarch', 'webapp-2.4.1-alt1.noarch', true], ['bash', 'bash', true], ['bash', 'bash5', false],
    ['[a-c]*', 'bash', true], ['[!a-c]*', 'bash', false], ['[^a-c]*', 'dash', true], ['[]]x', ']x', true], ['[!]]x', 'ax', true], ['[!]]x', ']x', false],
    ['a\\*b', 'a*b', true], ['a\\*b', 'axb', false], ['[ab', '[ab', true], ['[a-]', '-', true], ['*', '', true], ['?', '', false],
    ['?', 'é', true], ['[z-a]', 'm', false], ['[z-a]', 'z', false], ['**a**', 'a', true], ['a*b*c', 'aXbYc', true], ['a*b*c', 'aXbY', false],
    [`${'*a'.repeat(200)}x`, 'a'.repeat(300), false], [`${'*?'.repeat(200)}x`, 'a'.repeat(300), false], ['['.repeat(20_000), 'x', false],
  ];
  for (const [pattern, text, want] of cases) assert.is(globMatch(pattern, text), want, `${pattern.slice(0, 40)} ~ ${text.slice(0, 40)}`);
});

t.run();
