/**
 * Bad input gets rpm's one-line error and rpm's exit code, never a crash: malformed
 * query formats, unknown tags and options, missing arguments, conflicting modes, paths
 * that need rpmCleanPath, and exit codes past rpm's cap of 254. Every case runs through
 * stock rpm and the engine over the same root (repos/sample, database only).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { compareWithRpm } from '../helpers/rpm-compare.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { engine, installRoot, removeRoot, rpm } from '../helpers/rpm-root.js';
import type { InstalledRoot } from '../helpers/rpm-root.js';
import { testWith } from '../helpers/tools.js';

const t = suite('bad input: rpm\'s errors and exit codes');

let root: Promise<InstalledRoot> | null = null;
function sampleRoot(): Promise<InstalledRoot> {
  root ??= (async () => {
    const files: string[] = [];
    for (const f of sampleRpms()) if ((await readRpmFile(f)).header.has(1044) && !f.includes('va-watchdog')) files.push(f);
    return installRoot(files, { justdb: true, prefix: 'badinput' });
  })();
  return root;
}

const BAD_FORMATS = [
  '%{BOGUS}\n', '%{NAME:bogus}\n', '%{NAME', '%{}', '%{:date}', '%{NAME:}', '%{=}', '%a{NAME}', '%5-3{NAME}|\n', '%-0010{NAME}|\n',
  '%', '%|', '[%{NAME}', '%{NAME}]', '}', 'x\\', '%|NAME?{x}', '%|NAME{x}|', '%|NAME?x|', '%|NAME?{x}:y|',
  '%|NAME?{x}:{y}', '%|NAME?{x}:{y}z', '%|NAME?{[x}|', '%|NAME?{x]}|', '[%{FILENAMES} %{REQUIRENAME}\n]', '%%{NAME}%%\n',
  '%|BOGUS?{yes}:{no}|\n', '%{RPMTAG_NAME}%{rpmtag_name}\n', '%{#}\n', '%{#NAME:date}\n', '[%{=NAME} %{=FILENAMES}\n]',
];

testWith(t, 'malformed query formats: rpm\'s "incorrect format" message, exit 0 as rpm\'s', ['rpm'], async () => {
  const r = await sampleRoot();
  const failures: string[] = [];
  for (const f of BAD_FORMATS) {
    for (const target of [['webapp', 'bash'], ['-a', 'nomatch*']]) {
      const d = await compareWithRpm(r, ['-q', '--qf', f, ...target]);
      if (d) failures.push(d);
    }
  }
  assert.equal(failures, [], failures.join('\n'));
});

const BAD_COMMAND_LINES: string[][] = [
  ['--bogus'], ['-qZ', 'webapp'], ['-q', '--qf'], ['-q', '--queryformat'], ['-qa', '-f', '/bin/sh'], ['-qf', '--whatprovides', 'x'],
  ['-q', '--root', 'relative', 'webapp'], ['--dbpath', 'relative', '-q', 'webapp'], ['-q'], ['-V'], ['-qp'], ['-v'],
  ['-q', '--nodeps', 'webapp'], ['-q', '--noscripts', 'webapp'], ['-q', '--nofiles', '--nomd5', 'webapp'],
  ['-q', '-V', 'nosuch'], ['-V', '-q', 'nosuch'], ['-q', '--', '-a'], ['-qa', '--quiet'], ['-q', '--quiet', 'nosuch', 'webapp'],
  ['-q', ...Array.from({ length: 300 }, (_, i) => `nosuch${i}`)], ['-qa', 'name=*', 'bogustag=x'],
  ['-qf', '/usr//share/./doc/../doc/', '/./etc/', '//', '/etc/..', '/nonexistent/a/../b', '.', './', '..'],
  ['-q', '--whatprovides', './nonexistent', '/etc/'], ['-q', '--pkgid', 'xyz'], ['-q', '--hdrid', '12'], ['-q', '--tid', 'nan'],
  ['--querytags'], ['-v', '--querytags'], ['-q', '--qf=%{NAME}\n', 'webapp'], ['-q', '-r'], ['-qiR', 'webapp'], ['-qRi', 'webapp'],
  ['-q', '--provides', '-i', 'webapp'], ['-q', '-i', 'webapp', '--qf', '%{NAME}\n'],
];

testWith(t, 'bad and odd command lines: rpm\'s message, output and exit code', ['rpm'], async () => {
  const r = await sampleRoot();
  const failures: string[] = [];
  for (const args of BAD_COMMAND_LINES) {
    const d = await compareWithRpm(r, args);
    if (d) failures.push(d);
  }
  assert.equal(failures, [], failures.join('\n'));
});

testWith(t, 'no mode at all: usage on stderr and rpm\'s exit code (the argument count, capped)', ['rpm'], async () => {
  const r = await sampleRoot();
  for (const args of [[], ['foo'], ['foo', 'bar', 'baz']]) {
    const full = args.length ? ['--root', r.root, ...args] : [];
    const want = rpm(full);
    const got = await engine(full, r.packages, r.root);
    assert.is(got.status, want.status, `exit code of rpm ${full.join(' ')}`);
    assert.ok(got.stderr.includes('Usage:'), 'usage is printed');
    assert.is(got.stdout.length, 0);
  }
});

testWith(t, 'options bazaar-rpm does not do are refused with one clear line and exit 1', ['rpm'], async () => {
  const r = await sampleRoot();
  for (const args of [['-i', 'x.rpm'], ['-Uvh', 'x.rpm'], ['-e', 'webapp'], ['--import', 'key'], ['-q', '--define', 'a b', 'webapp'], ['-q', '--dbpath', '/var/lib/rpm', 'webapp']]) {
    const got = await engine(['--root', r.root, ...args], r.packages, r.root);
    assert.is(got.status, 1, args.join(' '));
    assert.match(got.stderr, /^rpm: .*not supported by bazaar-rpm.*\n$/, args.join(' '));
    assert.is(got.stdout.length, 0);
  }
});

t.after(async () => {
  if (root) removeRoot((await root).root);
});

t.run();
