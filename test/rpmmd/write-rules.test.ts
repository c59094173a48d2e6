/**
 * createrepo_c's rules as data tables, checked without createrepo_c (the oracle tests
 * in write-createrepo.test.ts check the same rules end to end against the tool): version
 * splitting, the libc.so.6 choice, XML escaping of text and attributes with Latin-1 and
 * UTF-8 bytes, changelog time collisions, package order, and one whole package.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RpmHeader } from '../../src/rpm/header.js';
import { createrepoOrder } from '../../src/rpmmd/write/createrepo-order.js';
import { crStrToEvr } from '../../src/rpmmd/write/evr-split.js';
import { filelistsPackage } from '../../src/rpmmd/write/filelists-xml.js';
import { HeaderView } from '../../src/rpmmd/write/header-view.js';
import { compareLibcDependency } from '../../src/rpmmd/write/libc-compare.js';
import { mdChangelogs } from '../../src/rpmmd/write/md-changelogs.js';
import { forbiddenControlChars, mdPackage } from '../../src/rpmmd/write/md-package.js';
import { otherPackage } from '../../src/rpmmd/write/other-xml.js';
import { isPrimaryPath } from '../../src/rpmmd/write/primary-path.js';
import { primaryPackage } from '../../src/rpmmd/write/primary-xml.js';
import type { RepoPackage } from '../../src/rpmmd/write/repo-package.js';
import { isStructurallyUtf8, xmlAttr, xmlAttrRaw, xmlText } from '../../src/rpmmd/write/xml-escape.js';
import { buildHeader, packageEntries } from '../helpers/make-rpm.js';
import type { PackageSpec } from '../helpers/make-rpm.js';

const t = suite('rpmmd writer rules');

/** Bytes written as a byte string, for readable tables: `bytes('caf', 0xe9)`. */
const bytes = (...parts: Array<string | number>): string => parts.map((p) => (typeof p === 'number' ? String.fromCharCode(p) : p)).join('');

t('cr_str_to_evr: epoch, version and release as createrepo_c splits them', () => {
  const table: Array<[string, string | null, string | null, string | null, boolean]> = [
    ['', null, null, null, false],
    ['1', '0', '1', null, false],
    ['1.0-2', '0', '1.0', '2', false],
    ['3:1.0-2', '3', '1.0', '2', false],
    ['3:1.0', '3', '1.0', null, false],
    [':1', '0', '1', null, false],
    ['1:', '1', '', null, false],
    ['1.0-', '0', '1.0', null, false],
    ['1-2-3', '0', '1', '2-3', false],
    ['abc:1', null, '1', null, true],
    ['1a:2', null, '2', null, true],
    [' 1:2', ' 1', '2', null, false],
    ['-1:2', '-1', '2', null, false],
    ['+:2', null, '2', null, true],
    ['1.0-2:3', null, '3', null, true],
  ];
  for (const [input, epoch, version, release, bad] of table) {
    assert.equal(crStrToEvr(input), { epoch, version, release, bad }, JSON.stringify(input));
  }
});

t('libc.so.6: the highest symbol version wins; no parentheses lose', () => {
  const table: Array<[string, string, number]> = [
    ['libc.so.6(GLIBC_2.3.4)(64bit)', 'libc.so.6(GLIBC_2.14)(64bit)', 2],
    ['libc.so.6(GLIBC_2.14)(64bit)', 'libc.so.6(GLIBC_2.3.4)(64bit)', 1],
    ['libc.so.6()(64bit)', 'libc.so.6(GLIBC_2.2.5)(64bit)', 2],
    ['libc.so.6', 'libc.so.6()(64bit)', 2],
    ['libc.so.6', 'libc.so.6', 0],
    // the digit search runs past ')' into "(64bit)": a version without digits loses
    ['libc.so.6(GLIBC_PRIVATE)(64bit)', 'libc.so.6(GLIBC_2.2.5)(64bit)', 2],
    ['libc.so.6(GLIBC_2.4)', 'libc.so.6(GLIBC_2.4)(64bit)', 0],
  ];
  for (const [a, b, want] of table) assert.is(compareLibcDependency(a, b), want, `${a} vs ${b}`);
});

t('text and attributes escape as libxml2 serialises them; Latin-1 becomes UTF-8 first', () => {
  const table: Array<[string, string, string]> = [
    // input bytes, text, attribute
    ['plain', 'plain', 'plain'],
    ['a<b>&c"d\'e', 'a&lt;b&gt;&amp;c"d\'e', 'a&lt;b&gt;&amp;c&quot;d\'e'],
    ['t\tn\nr\r', 't\tn\nr&#13;', 't&#9;n&#10;r&#13;'],
    [bytes('caf', 0xe9), bytes('caf', 0xc3, 0xa9), 'caf&#xE9;'],
    [bytes('x', 0x80, 0xbf, 'y', 0xff), bytes('xy', 0xc3, 0xbf), 'xy&#xFF;'],
    [bytes(0xe2, 0x9c, 0x93), bytes(0xe2, 0x9c, 0x93), '&#x2713;'],
    [bytes(0xf0, 0x9f, 0x98, 0x80), bytes(0xf0, 0x9f, 0x98, 0x80), '&#x1F600;'],
    [bytes('x', 0xef, 0xbf, 0xbe, 'y'), bytes('x', 0xef, 0xbf, 0xbd, 'y'), '&#xEF;&#xBF;&#xBE;y'.replace(/^/, 'x')],
  ];
  for (const [input, text, attr] of table) {
    assert.is(xmlText(input), text, `text ${JSON.stringify(input)}`);
    assert.is(xmlAttr(input), attr, `attr ${JSON.stringify(input)}`);
  }
  assert.is(xmlText(null), '');
  assert.is(xmlAttr(undefined), '');
});

t('unconverted attributes (other.xml <version>): libxml2 reads Latin-1 bytes as if UTF-8', () => {
  assert.is(xmlAttrRaw(bytes('1.', 0xe9, 'x')), '1.&#xE9;x');
  assert.is(xmlAttrRaw(bytes(0xe8, 'a', 0xc3, '"z')), '&#x8843;&quot;z');
  // a lone byte at the end is copied by libxml2, which is not UTF-8: we write U+FFFD
  assert.is(xmlAttrRaw(bytes('1.', 0xe9)), '1.&#xFFFD;');
});

t("xmlCheckUTF8 checks structure only: overlongs and surrogates pass, bad lead bytes don't", () => {
  assert.ok(isStructurallyUtf8(bytes(0xc0, 0x80)));
  assert.ok(isStructurallyUtf8(bytes(0xed, 0xa0, 0x80)));
  assert.ok(isStructurallyUtf8(bytes(0xf7, 0xbf, 0xbf, 0xbf)));
  assert.not.ok(isStructurallyUtf8(bytes(0xf8, 0x88, 0x80, 0x80, 0x80)));
  assert.not.ok(isStructurallyUtf8(bytes('a', 0xc3)));
  assert.not.ok(isStructurallyUtf8(bytes(0xe9, 'x')));
});

t('primary paths: /etc/*, anything with bin/, /usr/lib/sendmail', () => {
  const yes = ['/etc/x', '/usr/bin/a', '/opt/x/sbin/y', '/usr/libexec/cabin/x', '/usr/lib/sendmail', '/bin/'];
  const no = ['/etc', '/usr/etc/x', '/usr/lib/sendmail.real', '/opt/bin', '/usr/share/binary'];
  for (const p of yes) assert.ok(isPrimaryPath(p), p);
  for (const p of no) assert.not.ok(isPrimaryPath(p), p);
});

function view(spec: PackageSpec): HeaderView {
  return new HeaderView(new RpmHeader(buildHeader(packageEntries(spec)), spec.name as string));
}

t('changelogs: first N in header order, written oldest first, equal times pushed apart', () => {
  const t0 = 1600000000;
  const times = [t0, t0, t0, t0 - 5, t0 - 5, t0 - 4];
  const h = view({ name: 'c', version: '1', release: '1', changelogs: times.map((time, i) => ({ time, name: `A${i}  `, text: `e${i}` })) });
  const all = mdChangelogs(h, -1);
  assert.equal(all.map((c) => [c.text, c.date]), [
    // e3 was pushed by e4; e5 is not pushed though e3 now shares its time: only a
    // repeat of the previous entry's original time counts
    ['e5', t0 - 4], ['e4', t0 - 5], ['e3', t0 - 4], ['e2', t0], ['e1', t0 + 1], ['e0', t0 + 2],
  ]);
  assert.equal(all.map((c) => c.author), ['A5', 'A4', 'A3', 'A2', 'A1', 'A0']);
  assert.equal(mdChangelogs(h, 2).map((c) => [c.text, c.date]), [['e1', t0], ['e0', t0 + 1]]);
  assert.equal(mdChangelogs(h, 0), []);
});

t('createrepo_c order: by file name, then directory, as bytes', () => {
  const hrefs = ['b/z.rpm', 'a.rpm', 'x/a.rpm', 'B.rpm', 'é.rpm', 'z.rpm'];
  assert.equal(hrefs.map((href) => ({ href })).sort(createrepoOrder).map((p) => p.href), ['B.rpm', 'a.rpm', 'x/a.rpm', 'z.rpm', 'b/z.rpm', 'é.rpm']);
});

function repoPackage(spec: PackageSpec): RepoPackage {
  const header = new RpmHeader(buildHeader(packageEntries(spec)), spec.name as string);
  return { header, href: `Packages/${spec.name}.rpm`, size: 1234, checksum: { type: 'sha256', hex: 'ab'.repeat(32) }, headerStart: 96, headerEnd: 900, fileTime: 1700000001 };
}

t('one whole package, as createrepo_c writes it', () => {
  const md = mdPackage(repoPackage({
    name: 'hello', version: '2.1', release: 'alt1', epoch: 2, arch: 'x86_64', summary: 'Say <hello>', description: 'Greets.',
    license: 'GPL', group: 'Games', url: 'http://h/', buildtime: 1700000000, buildhost: 'bh', size: 42,
    files: [{ path: '/usr/bin/hello', mode: 0o100755 }, { path: '/usr/share/hello', mode: 0o40755 }, { path: '/etc/hello.conf', flags: 64 }],
    provides: [{ name: 'hello', flags: 8, version: '2:2.1-alt1' }],
    requires: [
      { name: 'rpmlib(CompressedFileNames)', flags: (1 << 24) | 10, version: '3.0.4-1' }, { name: '/usr/bin/hello' }, { name: 'hello', flags: 8, version: '2:2.1-alt1' },
      { name: '/bin/sh', flags: 1 << 9 }, { name: 'libc.so.6(GLIBC_2.2.5)(64bit)' }, { name: 'libc.so.6(GLIBC_2.34)(64bit)' }, { name: 'foo', flags: 12, version: '1.0' },
    ],
    changelogs: [{ time: 1690000000, name: 'Me <me@x> 2.1-alt1', text: '- new' }],
  }));
  assert.is(primaryPackage(md), `<package type="rpm">
  <name>hello</name>
  <arch>x86_64</arch>
  <version epoch="2" ver="2.1" rel="alt1"/>
  <checksum type="sha256" pkgid="YES">${'ab'.repeat(32)}</checksum>
  <summary>Say &lt;hello&gt;</summary>
  <description>Greets.</description>
  <packager></packager>
  <url>http://h/</url>
  <time file="1700000001" build="1700000000"/>
  <size package="1234" installed="42" archive="0"/>
  <location href="Packages/hello.rpm"/>
  <format>
    <rpm:license>GPL</rpm:license>
    <rpm:vendor></rpm:vendor>
    <rpm:group>Games</rpm:group>
    <rpm:buildhost>bh</rpm:buildhost>
    <rpm:sourcerpm>hello-2.1-alt1.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="96" end="900"/>
    <rpm:provides>
      <rpm:entry name="hello" flags="EQ" epoch="2" ver="2.1" rel="alt1"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="/bin/sh" pre="1"/>
      <rpm:entry name="foo" flags="GE" epoch="0" ver="1.0"/>
      <rpm:entry name="libc.so.6(GLIBC_2.34)(64bit)"/>
    </rpm:requires>
    <file>/usr/bin/hello</file>
    <file type="ghost">/etc/hello.conf</file>
  </format>
</package>
`);
  assert.is(filelistsPackage(md), `<package pkgid="${'ab'.repeat(32)}" name="hello" arch="x86_64">
  <version epoch="2" ver="2.1" rel="alt1"/>
  <file>/usr/bin/hello</file>
  <file type="dir">/usr/share/hello</file>
  <file type="ghost">/etc/hello.conf</file>
</package>
`);
  assert.is(otherPackage(md), `<package pkgid="${'ab'.repeat(32)}" name="hello" arch="x86_64">
  <version epoch="2" ver="2.1" rel="alt1"/>
  <changelog author="Me &lt;me@x&gt; 2.1-alt1" date="1690000000">- new</changelog>
</package>
`);
});

t('control characters: refused in what createrepo_c keeps, ignored in what it drops', () => {
  const refused = mdPackage(repoPackage({ name: 'a', version: '1', release: '1', description: 'bell\x07' }));
  assert.is(forbiddenControlChars(refused), 'description');
  const hidden = mdPackage(repoPackage({ name: 'b', version: '1', release: '1', requires: [{ name: 'rpmlib(\x01)' }] }));
  assert.is(forbiddenControlChars(hidden), null);
  const href = mdPackage({ ...repoPackage({ name: 'c', version: '1', release: '1' }), href: 'bad\x1b.rpm' });
  assert.is(forbiddenControlChars(href), 'location href');
});

t.run();
