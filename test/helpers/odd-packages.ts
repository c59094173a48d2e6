/**
 * Packages whose headers exercise every rule of createrepo_c's metadata writer, built
 * with make-rpm.ts: odd bytes in every kind of string, every dependency flag and version
 * shape, the requires filters, file types and the primary file filter, changelog time
 * collisions, missing tags, source and v3 headers. Each is one .rpm; the oracle test
 * runs createrepo_c and bazaar on all of them.
 */
import { TagType } from '../../src/rpm/tags.js';
import { makePackageRpm } from './make-rpm.js';
import type { DepSpec, PackageSpec } from './make-rpm.js';

const b = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const LATIN1 = b('caf', [0xe9], ' cr', [0xe8], 'me ', [0xbf], ' ', [0x80], ' end');
const UTF8 = 'Ünïcödé ✓ 😀 ž';
const SPECIALS = 'a<b>&c"d\'e\tf\rg\nh';

const FLAGS = [0, 1, 2, 3, 4, 6, 8, 9, 10, 12, 14, 15, 16 | 8, (1 << 24) | 8];
const VERSIONS = ['', '1', '1-2', '2:1-2', ':1', '1:', 'abc:1', ' 1:2', '-1:2', '1.0-', '1-2-3', '0:0', '+1:2', '1a:2', `0${':'}${'x'.repeat(5)}-`];

/** Dependencies crossing every flag with every version shape. */
function depMatrix(prefix: string): DepSpec[] {
  const out: DepSpec[] = [];
  FLAGS.forEach((flags, i) => VERSIONS.forEach((version, j) => out.push({ name: `${prefix}${i}-${j}`, flags, version })));
  return out;
}

function strings(): PackageSpec {
  return {
    name: 'odd-strings', version: '1.0', release: '1', arch: 'x86_64',
    summary: LATIN1, description: b('line1\nline2\r\n', [0xff, 0xfe], ' latin'), license: UTF8, group: SPECIALS,
    url: b('http://x/', [0xe9]), vendor: 'V & <Co>', packager: b('P', [0xc3]), buildhost: b([0xf0, 0x9f, 0x98, 0x80]),
    sourcerpm: b('odd-', [0xe9], '.src.rpm'),
    provides: [{ name: LATIN1 }, { name: UTF8, flags: 8, version: b('1:', [0xe9], '-2') }, { name: SPECIALS, flags: 12, version: '2' }],
    requires: [{ name: b('req', [0xe9]) }, { name: 'r"q' }, { name: 'r\tq', flags: 2, version: 'v<1>' }],
    files: [{ path: b('/etc/caf', [0xe9]) }, { path: '/usr/bin/a&b' }, { path: '/usr/share/x<y>' }, { path: `/usr/share/${UTF8}` }],
    changelogs: [
      { time: 1700000000, name: b('Ren', [0xe9], ' <r@x>  '), text: b('- fix ', [0xe9], '\r\n- <tag> & more') },
      { time: 1690000000, name: ` ${UTF8} `, text: SPECIALS },
    ],
  };
}

function latin1Version(): PackageSpec {
  // other.xml writes <version> through plain xmlNewProp: no Latin-1 conversion there
  return { name: 'odd-version', version: b('1.', [0xe9], 'x'), release: b([0xe8], 'a', [0xc3, 0x22], 'z'), epoch: 3, arch: 'noarch' };
}

function deps(): PackageSpec {
  return {
    name: 'odd-deps', version: '2', release: '1', arch: 'x86_64', epoch: 1,
    provides: [...depMatrix('p'), { name: 'self', flags: 8, version: '1:2-1' }, { name: 'dupe' }],
    requires: [
      ...depMatrix('r'),
      { name: 'rpmlib(PayloadIsXz)', flags: (1 << 24) | 8, version: '5.2-1' },
      { name: 'rpmlib(Weird)' },
      { name: '/usr/bin/own' }, { name: '/usr/share/own' }, { name: '/etc/own', flags: 8, version: '1' }, { name: '/usr/bin/notown' },
      { name: 'self', flags: 8, version: '1:2-1' }, { name: 'self', flags: 12, version: '1:2-1' },
      { name: 'dupe' }, { name: 'dupe' }, { name: 'twice', flags: 8, version: '1' }, { name: 'twice', flags: 8, version: '1' },
      { name: 'twice', flags: 8 | (1 << 9), version: '1' }, { name: 'twice', flags: 8, version: '1' },
      { name: 'pre', flags: 1 << 6 }, { name: 'pre-script', flags: 1 << 9 }, { name: 'post-script', flags: 1 << 10 },
      { name: 'preun', flags: 1 << 11 }, { name: 'pretrans', flags: 1 << 7 }, { name: 'missingok', flags: (1 << 19) | 12, version: '3' },
      { name: 'libc.so.6()(64bit)' }, { name: 'libc.so.6(GLIBC_2.3.4)(64bit)' }, { name: 'libc.so.6(GLIBC_2.14)(64bit)' },
      { name: 'libc.so.6(GLIBC_PRIVATE)(64bit)' }, { name: 'libc.so.6(GLIBC_2.2.5)(64bit)' }, { name: 'libc.so.6' },
      { name: '(a or b)' }, { name: '' },
    ],
    conflicts: [{ name: 'c', flags: 10, version: '0:1' }, { name: '' }],
    obsoletes: [{ name: '' }],
    recommends: [{ name: 'rec', flags: 8, version: '1' }],
    suggests: [{ name: 'sug' }], supplements: [{ name: 'sup', flags: 4, version: '1' }], enhances: [{ name: 'enh' }],
    oldSuggests: [{ name: 'old-sug' }, { name: 'old-rec', flags: 1 << 27 }],
    oldEnhances: [{ name: 'old-enh', flags: 8, version: '2' }, { name: 'old-sup', flags: (1 << 27) | 12, version: '3' }],
    files: [{ path: '/usr/bin/own', mode: 0o100755 }, { path: '/usr/share/own' }, { path: '/etc/own' }],
  };
}

function files(): PackageSpec {
  const dir = 0o40755;
  return {
    name: 'odd-files', version: '1', release: '1', arch: 'noarch',
    files: [
      { path: '/etc', mode: dir }, { path: '/etc/conf.d', mode: dir, flags: 64 }, { path: '/etc/ghost', flags: 64 },
      { path: '/etc/cfg', flags: 1 | 16 }, { path: '/usr/lib/sendmail' }, { path: '/usr/lib/sendmail.real' },
      { path: '/opt/x/sbin/tool' }, { path: '/opt/bin' }, { path: '/opt/bin/', mode: dir }, { path: '/usr/libexec/cabin/x' },
      { path: '/usr/share/doc/README', flags: 2 }, { path: '/var/run/sock', mode: 0o140755 }, { path: '/dev/null', mode: 0o20666 },
      { path: '/usr/etc/x' }, { path: '/link', mode: 0o120777 },
    ],
  };
}

function changelogs(): PackageSpec {
  const t = 1600000000;
  const entries = [t, t, t, t - 5, t - 5, t - 4, t - 100, t - 100, t - 200, t - 300, t - 300, t - 300, t - 400].map((time, i) => ({
    time, name: i % 3 === 0 ? `Author ${i}   ` : i % 3 === 1 ? ' ' : `A${i}`, text: `- entry ${i}`,
  }));
  return { name: 'odd-changelog', version: '1', release: '1', arch: 'noarch', changelogs: entries };
}

/** Headers missing the fields rpmbuild always writes. */
function missing(): PackageSpec[] {
  return [
    { name: 'no-strings', version: '1', release: '1', omit: [1004, 1005, 1007, 1014, 1016, 1022] },
    { name: 'no-fileflags', version: '1', release: '1', files: [{ path: '/usr/bin/x' }], requires: [{ name: '/usr/bin/x' }], omit: [1037] },
    { name: 'no-dep-flags', version: '1', release: '1', requires: [{ name: 'a' }], provides: [{ name: 'b', flags: 8, version: '1' }], omit: [1048] },
    { name: 'no-buildtime', version: '1', release: '1', omit: [1006, 1009] },
    {
      name: 'big-sizes', version: '1', release: '1',
      extra: [{ tag: 5009, type: TagType.INT64, value: [2 ** 40 + 7] }],
    },
    {
      name: 'i18n', version: '1', release: '1', extra: [
        { tag: 100, type: TagType.STRING_ARRAY, value: ['C', 'de'] },
        { tag: 1004, type: TagType.I18NSTRING, value: ['English', 'Deutsch'] },
        { tag: 1016, type: TagType.I18NSTRING, value: ['Group', 'Gruppe'] },
      ]
    },
    { name: 'array-name', version: '1', release: '1', extra: [{ tag: 1020, type: TagType.STRING_ARRAY, value: ['u1', 'u2'] }] },
    { name: 'empty-strings', version: '1', release: '1', summary: '', description: '', url: '', vendor: '', packager: '', license: '' },
  ];
}

/** Source packages by each of rpm's three rules, and a file list only rpm v3 has. */
function sources(): Array<[PackageSpec, { noRegion?: boolean }]> {
  return [
    [{ name: 'src-tag', version: '1', release: '1', sourcerpm: null, files: [{ path: 'src-tag.spec' }] }, {}],
    [{ name: 'src-guess', version: '1', release: '1', omit: [1044], files: [{ path: 'a.spec' }, { path: 'b.tar' }] }, {}],
    [{ name: 'bin-guess', version: '1', release: '1', omit: [1044], files: [{ path: '/usr/bin/x' }] }, {}],
    [{
      name: 'v3-style', version: '1', release: '2', epoch: 4, arch: 'i386',
      provides: [{ name: 'v3-style', flags: 8, version: '4:1-2' }, { name: 'v3-other' }],
      extra: [{ tag: 1027, type: TagType.STRING_ARRAY, value: ['/bin/v3', '/etc/v3.conf', '/usr/share/v3/data'] }],
      omit: [1116, 1117, 1118],
      files: [{ path: '/bin/v3' }, { path: '/etc/v3.conf' }, { path: '/usr/share/v3/data' }],
    }, { noRegion: true }],
    [{ name: 'v3-unversioned', version: '1', release: '1', provides: [{ name: 'v3-unversioned' }, { name: 'other' }], omit: [1113] }, { noRegion: true }],
  ];
}

/** Packages createrepo_c refuses (a C0 control), and ones it accepts despite one. */
function controls(): PackageSpec[] {
  return [
    { name: 'ctl-summary', version: '1', release: '1', summary: 'bell\x07' },
    { name: 'ctl-file', version: '1', release: '1', files: [{ path: '/usr/share/a\x01b' }] },
    { name: 'ctl-changelog', version: '1', release: '1', changelogs: [{ time: 1, name: 'x', text: 'esc\x1b[0m' }] },
    // skipped requires and changelogs past the limit are never checked
    {
      name: 'ctl-hidden', version: '1', release: '1', requires: [{ name: 'rpmlib(x\x02)' }],
      changelogs: Array.from({ length: 11 }, (_, i) => ({ time: 100 - i, name: 'x', text: i === 10 ? 'late\x03' : 'ok' }))
    },
  ];
}

/** Every odd package as `[file name, bytes]`. */
export function oddPackages(): Array<[string, Buffer]> {
  const specs: Array<[PackageSpec, { noRegion?: boolean }]> = [
    [strings(), {}], [latin1Version(), {}], [deps(), {}], [files(), {}], [changelogs(), {}],
    ...missing().map((p): [PackageSpec, object] => [p, {}]), ...sources(), ...controls().map((p): [PackageSpec, object] => [p, {}]),
  ];
  return specs.map(([spec, options]) => [String(spec.name), makePackageRpm(spec, options)]);
}

/**
 * Strings that createrepo_c writes as bytes that are not well-formed XML (a
 * non-character, an overlong and a surrogate sequence that libxml2's UTF-8 check lets
 * through, a lone Latin-1 byte at the end of an unconverted attribute), where bazaar
 * writes U+FFFD instead.
 */
export function nonCharacterPackages(): Array<[string, Buffer]> {
  const nonchar = b('x', [0xef, 0xbf, 0xbe], 'y');
  const overlong = b('x', [0xc0, 0xaf], 'y');
  const surrogate = b('x', [0xed, 0xa0, 0x80], 'y');
  const tail = b('dep', [0xef, 0xbf, 0xbf]);
  return [
    ['nonchar', makePackageRpm({ name: 'nonchar', version: '1', release: '1', summary: nonchar, description: overlong, url: surrogate, provides: [{ name: tail }, { name: nonchar }] })],
    // other.xml's unconverted <version>: a Latin-1 byte at the end is copied as it is
    ['latin1-tail', makePackageRpm({ name: 'latin1-tail', version: b('1.', [0xe9]), release: '1' })],
  ];
}
