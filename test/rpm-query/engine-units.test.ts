/**
 * The engine's small rpm ports as tables (expected values taken from rpm 4.18's own
 * answers), and runRpmQuery over repos/sample without rpm installed: what a user of the
 * library sees with no oracle around.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { strftimeC } from '../../src/rpm-query/c-time.js';
import { cleanPath } from '../../src/rpm-query/clean-path.js';
import { fileFlagsString, verifyString, Verify } from '../../src/rpm-query/format-values.js';
import { FormatError, parseQueryFormat } from '../../src/rpm-query/format-parser.js';
import { padField } from '../../src/rpm-query/format-render.js';
import { memoryDb } from '../../src/rpm-query/installed-db.js';
import type { InstalledPackage } from '../../src/rpm-query/installed-db.js';
import { permsString } from '../../src/rpm-query/perms-string.js';
import { applyPipe } from '../../src/rpm-query/rpmpopt-aliases.js';
import { fnmatch, mireRegexText, patternMatcher } from '../../src/rpm-query/rpm-pattern.js';
import { runRpmQuery } from '../../src/rpm-query/run-rpm-query.js';
import { T } from '../../src/rpm-query/tag-numbers.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('query engine units');

t('cleanPath is rpmCleanPath (values from rpm -qf\'s messages)', () => {
  const table: Array<[string, string]> = [
    ['/usr//share/./doc/../doc/', '/usr/share/doc'], ['/./etc/', '/etc'], ['//', '/'], ['/etc/..', ''],
    ['/nonexistent/a/../b', '/nonexistent/b'], ['/a/b/../../c', '/c'], ['/a/./b/.', '/a/b'], ['/a/..b/c', '/a/..b/c'],
    ['/a/.../b', '/a/.../b'], ['/x/y/z/../..', '/x'], ['/../a', '/../a'], ['/a/b/..', '/a'], ['///a///b///', '/a/b'],
  ];
  for (const [input, want] of table) assert.is(cleanPath(input), want, input);
});

t('rpm\'s default match patterns: anchored, `.` `+` `^` literal, `*` any, the rest regex', () => {
  assert.is(mireRegexText('lib*'), '^lib.*$');
  assert.is(mireRegexText('a.b+c'), '^a\\.b\\+c$');
  assert.is(mireRegexText('^x'), '\\^x$');
  assert.is(mireRegexText('x$'), '^x$');
  assert.is(mireRegexText('[a.]*'), '^[a.].*$');
  const m = (p: string, v: string): boolean => { const f = patternMatcher(T.NAME, p); return typeof f === 'function' && f(v); };
  assert.ok(m('lib*', 'libc6') && !m('lib*', 'glibc'));
  assert.ok(m('lib?', 'li') && m('lib?', 'lib') && !m('lib?', 'libc'), '? is a regex quantifier, as rpm has it');
  assert.ok(m('a|b', 'a') && m('!lib*', 'bash') && !m('!lib*', 'libx'));
  assert.ok(m('[[:digit:]]*', '7zip') && !m('[[:digit:]]*', 'zip'));
  assert.ok(fnmatch('*.conf', 'a.conf') && !fnmatch('*.conf', '.conf') && !fnmatch('*', 'a/b') && fnmatch('[a-c]?', 'bx'));
});

t('field widths are printf\'s, malformed ones printed as the spec', () => {
  assert.is(padField('-10', 'bash'), 'bash      ');
  assert.is(padField('10', 'bash'), '      bash');
  assert.is(padField('010', 'bash'), '      bash');
  assert.is(padField('2', 'bash'), 'bash');
  assert.is(padField('5-3', 'bash'), '%5-3s');
});

t('format parse errors carry rpm\'s messages', () => {
  const table: Array<[string, string]> = [
    ['%{BOGUS}', 'unknown tag: "BOGUS"'], ['%{NAME:bogus}', 'unknown tag: "NAME"'], ['%{NAME', 'missing } after %{'],
    ['%{}', 'empty tag name'], ['%{NAME:}', 'empty tag format'], ['%a{NAME}', 'invalid field width'], ['%', 'missing { after %'],
    ['[x', '] expected at end of array'], ['x]', 'unexpected ]'], ['}', 'unexpected }'], ['x\\', 'escaped char expected after \\'],
    ['%|NAME{x}|', '? expected in expression'], ['%|NAME?x|', '{ expected after ? in expression'], ['%|NAME?{x}', '} expected in expression'],
    ['%|NAME?{x}y', ': expected following ? subexpression'], ['%|NAME?{x}:y|', '{ expected after : in expression'],
    ['%|NAME?{x}:{y}z', '| expected at end of expression'],
  ];
  for (const [format, message] of table) {
    assert.throws(() => parseQueryFormat(format), (e: unknown) => e instanceof FormatError && e.message === message, format);
  }
  assert.equal(parseQueryFormat('%|BOGUS?{a}:{b}|')[0], { type: 'cond', tag: -1, then: [{ type: 'string', text: 'a' }], otherwise: [{ type: 'string', text: 'b' }] });
});

t('small formatters: perms, fflags, verify strings, C-locale dates', () => {
  assert.is(permsString(0o104755), '-rwsr-xr-x');
  assert.is(permsString(0o41777), 'drwxrwxrwt');
  assert.is(permsString(0o120777), 'lrwxrwxrwx');
  assert.is(permsString(0o20620), 'crw--w----');
  assert.is(fileFlagsString(1 | 16), 'cn');
  assert.is(fileFlagsString(2 | 64 | 128), 'dgl');
  assert.is(verifyString(Verify.FILESIZE | Verify.FILEDIGEST | Verify.MTIME, '.'), 'S.5....T.');
  assert.is(verifyString(Verify.READFAIL | Verify.FILEDIGEST, '.'), '..?......');
  const tz = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    assert.is(strftimeC('%c', 0n), 'Thu Jan  1 00:00:00 1970');
    assert.is(strftimeC('%a %b %d %Y', 1732233600n), 'Fri Nov 22 2024');
  } finally {
    if (tz === undefined) delete process.env.TZ; else process.env.TZ = tz;
  }
});

t('--last and --dupes filters (rpm\'s sort|sed|awk and sort|uniq -d pipes)', () => {
  assert.is(applyPipe('dupes', 'b.x\na.x\nb.x\nc\nb.x\n'), 'b.x\n');
  assert.is(applyPipe('last', '100 a-1-1.noarch Thu\n300 b-1-1.noarch Sat\npackage x is not installed\n'),
    `${'b-1-1.noarch'.padEnd(45)} Sat\n${'a-1-1.noarch'.padEnd(45)} Thu\n${'package'.padEnd(45)} x is not installed\n`);
});

async function sampleDb(installTime?: number): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  for (const f of sampleRpms()) {
    const { header, signature } = await readRpmFile(f);
    if (header.has(T.SOURCERPM)) out.push({ header, signature, installTime });
  }
  return out;
}

async function run(args: string[], packages: InstalledPackage[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRpmQuery(args, memoryDb(packages), { stdout: (c) => { out += Buffer.from(c).toString('latin1'); }, stderr: (s) => { err += s; } });
  return { code, out, err };
}

t('runRpmQuery over repos/sample: names, exit codes, not-installed packages', async () => {
  const pkgs = await sampleDb(1700000000);
  let r = await run(['-q', 'webapp', 'bash', 'nosuch'], pkgs);
  assert.is(r.out, 'webapp-2.4.1-alt1.noarch\nbash-5.2.26-alt1.x86_64\nbash-5.2.26-alt2.x86_64\npackage nosuch is not installed\n');
  assert.is(r.code, 1);
  r = await run(['-qa'], pkgs);
  assert.is(r.out.split('\n').filter(Boolean).length, pkgs.length);
  r = await run(['-q', '--qf', '[%{FILENAMES}\n]', 'webapp'], pkgs);
  assert.ok(r.out.includes('/etc/webapp/webapp.conf\n'));
  r = await run(['-q', '--whatprovides', 'webserver', 'nothing-provides-this'], pkgs);
  assert.is(r.out, 'webserver-1.24.0-alt1.x86_64\nno package provides nothing-provides-this\n');
  assert.is(r.code, 1);
});

t('-qi says (not installed) without an install time, and dates it with one', async () => {
  const without = await run(['-qi', 'webapp'], await sampleDb());
  assert.match(without.out, /^Install Date: \(not installed\)$/m);
  const withTime = await run(['-qi', 'webapp'], await sampleDb(1700000000));
  assert.match(withTime.out, /^Install Date: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d 2023$/m);
});

t('bad input never throws: unknown option, bad format, --root mismatch, --version', async () => {
  const pkgs = await sampleDb(1);
  let r = await run(['--bogus'], pkgs);
  assert.equal([r.code, r.err, r.out], [1, 'rpm: --bogus: unknown option\n', '']);
  r = await run(['-q', '--qf', '%{NOPE}', 'webapp'], pkgs);
  assert.equal([r.code, r.err], [0, 'error: incorrect format: unknown tag: "NOPE"\n']);
  r = await run(['-q', '--root', '/elsewhere', 'webapp'], pkgs);
  assert.is(r.code, 1);
  assert.match(r.err, /--root \/elsewhere/);
  r = await run(['--version'], pkgs);
  assert.match(r.out, /^RPM version 4\.18\.0 \(bazaar-rpm\)\n$/);
  r = await run(['--help'], pkgs);
  assert.is(r.code, 0);
  assert.match(r.out, /bazaar-rpm/);
});

t.run();
