/** The rpm-md reader: tags, flags, pre, files, entities, compressions, real repositories. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readPrimary } from '../../src/rpmmd/primary-reader.js';
import { parseRepomd, primaryPath } from '../../src/rpmmd/repomd.js';
import { readRepository } from '../../src/rpmmd/read-repository.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { isBazaarError } from '../../src/errors.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('rpmmd primary reader');

const PRIMARY = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
<package type="rpm">
  <name>foo</name>
  <arch>x86_64</arch>
  <version epoch="2" ver="1.0" rel="3.fc40"/>
  <summary>a &lt;summary&gt; with <![CDATA[]]>no tags</summary>
  <location href="Packages/f/foo-1.0-3.fc40.x86_64.rpm"/>
  <format>
    <rpm:provides>
      <rpm:entry name="foo" flags="EQ" epoch="2" ver="1.0" rel="3.fc40"/>
      <rpm:entry name="libfoo.so.1()(64bit)"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="/bin/sh" pre="1"/>
      <rpm:entry name="bar" flags="GE" epoch="0" ver="2"/>
      <rpm:entry name="baz" flags="LT" ver="3" rel="1"/>
      <rpm:entry name="(a &gt;= 1 or b)"/>
    </rpm:requires>
    <rpm:conflicts><rpm:entry name="old" flags="LE" epoch="0" ver="1"/></rpm:conflicts>
    <rpm:obsoletes><rpm:entry name="foo-legacy" flags="GT" epoch="0" ver="0.9"/></rpm:obsoletes>
    <rpm:recommends><rpm:entry name="weak"/></rpm:recommends>
    <file>/usr/bin/foo</file>
    <file type="dir">/etc/foo &amp; co</file>
  </format>
</package>
<package type="rpm">
  <name>bar</name>
  <arch>noarch</arch>
  <version epoch="0" ver="2.1" rel="1"/>
  <format><rpm:provides/></format>
</package>
</metadata>
`;

async function readAll(file: string): Promise<PackageRecord[]> {
  const out: PackageRecord[] = [];
  await readPrimary(file, (p) => out.push(p));
  return out;
}

t('reads identity, every dependency kind, pre, files and entities', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    writeFileSync(join(dir, 'primary.xml'), PRIMARY);
    const [foo, bar] = await readAll(join(dir, 'primary.xml'));
    assert.equal([foo.name, foo.epoch, foo.version, foo.release, foo.arch], ['foo', 2, '1.0', '3.fc40', 'x86_64']);
    assert.is(foo.location, 'Packages/f/foo-1.0-3.fc40.x86_64.rpm');
    assert.equal(foo.provides, [{ name: 'foo', flags: '=', evr: '2:1.0-3.fc40' }, { name: 'libfoo.so.1()(64bit)', flags: '', evr: '' }]);
    assert.equal(foo.requires, [
      { name: '/bin/sh', flags: '', evr: '', pre: true },
      { name: 'bar', flags: '>=', evr: '0:2' },
      { name: 'baz', flags: '<', evr: '3-1' },
      { name: '(a >= 1 or b)', flags: '', evr: '' },
    ]);
    assert.equal(foo.conflicts, [{ name: 'old', flags: '<=', evr: '0:1' }]);
    assert.equal(foo.obsoletes, [{ name: 'foo-legacy', flags: '>', evr: '0:0.9' }]);
    assert.equal(foo.files, ['/usr/bin/foo', '/etc/foo & co']);
    assert.equal([bar.name, bar.arch, bar.provides.length], ['bar', 'noarch', 0]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('entries are told apart by every byte, shared when equal, and a > inside a quoted value (either quote) stays in it', async () => {
  // the scanner finds a repeated entry by a hash of its bytes: near-identical entries must
  // stay distinct, equal ones in different packages come out equal
  const entry = (name: string, ver: string): string => `<rpm:entry name="${name}" flags="GE" epoch="0" ver="${ver}"/>`;
  const pkgXml = (n: string, reqs: string[]): string => `<package type="rpm"><name>${n}</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>`
    + `<format><rpm:requires>${reqs.join('')}</rpm:requires></format></package>`;
  const xml = `<?xml version="1.0"?><metadata packages="3">
${pkgXml('a', [entry('lib', '1.0'), entry('lib', '1.1'), entry('lib', '11.0'), entry('lib2', '1.0')])}
${pkgXml('b', [entry('lib', '1.1'), "<rpm:entry name='x > y' flags='LT' ver='2'/>", '<rpm:entry name="q" flags="EQ" ver="a>b"/>'])}
${pkgXml('c', [entry('lib', '1.0')])}
</metadata>`;
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    writeFileSync(join(dir, 'p.xml'), xml);
    const [a, b, c] = await readAll(join(dir, 'p.xml'));
    assert.equal(a.requires.map((d) => `${d.name} ${d.evr}`), ['lib 0:1.0', 'lib 0:1.1', 'lib 0:11.0', 'lib2 0:1.0']);
    assert.equal(b.requires, [{ name: 'lib', flags: '>=', evr: '0:1.1' }, { name: 'x > y', flags: '<', evr: '2' }, { name: 'q', flags: '=', evr: 'a>b' }]);
    assert.equal(c.requires, [{ name: 'lib', flags: '>=', evr: '0:1.0' }]);
    assert.is(b.requires[0], a.requires[1], 'one shared object per distinct entry');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('an entry\'s EVR is formatEvr of its attributes: empty or absent epoch and release left out, entities and UTF-8 decoded', async () => {
  // the scanner joins epoch, ver and rel from their bytes: every form must read as formatEvr writes it
  const forms: Array<[string, string]> = [
    ['epoch="0" ver="1.0" rel="2"', '0:1.0-2'], ['ver="1.0" rel="2"', '1.0-2'], ['epoch="" ver="1.0" rel=""', '1.0'],
    ['epoch="3" ver="1.0"', '3:1.0'], ['ver="1.0" rel="" epoch="7"', '7:1.0'], ['epoch="1" ver="" rel="x"', '1:-x'],
    ['ver="1&amp;2" rel="&#x3b1;"', '1&2-\u03b1'], ['epoch="0" ver="2.0\u00e9" rel="1\u00df"', '0:2.0\u00e9-1\u00df'],
    [`ver="${'9'.repeat(400)}" rel="${'r'.repeat(300)}"`, `${'9'.repeat(400)}-${'r'.repeat(300)}`],
  ];
  const reqs = forms.map(([attrs], i) => `<rpm:entry name="d${i}" flags="EQ" ${attrs}/>`).join('');
  const xml = `<?xml version="1.0"?><metadata packages="1"><package type="rpm"><name>a</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>`
    + `<format><rpm:requires>${reqs}</rpm:requires></format></package></metadata>`;
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    writeFileSync(join(dir, 'p.xml'), xml);
    const [a] = await readAll(join(dir, 'p.xml'));
    assert.equal(a.requires.map((d) => d.evr), forms.map(([, evr]) => evr));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('20,000 distinct entries over 2,000 packages: every one read back, repeats shared (the entry table grows and rehashes)', async () => {
  const pkgs: string[] = [];
  for (let p = 0; p < 2000; p++) {
    const reqs: string[] = [];
    for (let k = 0; k < 10; k++) reqs.push(`<rpm:entry name="lib${(p * 10 + k) % 20000}" flags="GE" epoch="0" ver="${p}.${k}"/>`, '<rpm:entry name="libc6" flags="GE" ver="2.34"/>');
    pkgs.push(`<package type="rpm"><name>p${p}</name><arch>x86_64</arch><version epoch="0" ver="1" rel="1"/><format><rpm:requires>${reqs.join('')}</rpm:requires></format></package>`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    writeFileSync(join(dir, 'p.xml'), `<?xml version="1.0"?><metadata packages="2000">${pkgs.join('\n')}</metadata>`);
    const all = await readAll(join(dir, 'p.xml'));
    assert.is(all.length, 2000);
    for (const [p, rec] of all.entries()) {
      assert.is(rec.requires.length, 20);
      for (let k = 0; k < 10; k++) assert.equal(rec.requires[2 * k], { name: `lib${(p * 10 + k) % 20000}`, flags: '>=', evr: `0:${p}.${k}` });
    }
    assert.is(all[0].requires[1], all[1999].requires[19], 'one shared object for the repeated entry');
    assert.equal(all[1999].requires[1], { name: 'libc6', flags: '>=', evr: '2.34' });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('gzip and plain give the same records; a tiny stream chunking cannot split a package wrongly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    writeFileSync(join(dir, 'p.xml'), PRIMARY);
    writeFileSync(join(dir, 'p.xml.gz'), gzipSync(PRIMARY));
    assert.equal(await readAll(join(dir, 'p.xml.gz')), await readAll(join(dir, 'p.xml')));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

for (const [tool, ext, args] of [['zstd', 'zst', ['-q', '-c']], ['xz', 'xz', ['-c']], ['bzip2', 'bz2', ['-c']]] as const) {
  testWith(t, `${tool}-compressed primary reads like the plain one`, [tool], async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
    try {
      writeFileSync(join(dir, 'p.xml'), PRIMARY);
      const r = spawnSync(tool, [...args, join(dir, 'p.xml')]);
      assert.is(r.status, 0);
      writeFileSync(join(dir, `p.xml.${ext}`), r.stdout);
      assert.equal(await readAll(join(dir, `p.xml.${ext}`)), await readAll(join(dir, 'p.xml')));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

t('a multi-megabyte primary: pieces cut between packages, multi-byte text anywhere, a package larger than a chunk', async () => {
  // 1 MiB decompressed chunks are cut into pieces at </package>: every record must come
  // through whole wherever the cuts and the non-ASCII characters fall
  const want: Array<{ name: string; version: string; files: string[] }> = [];
  const body: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const files = i === 1234
      ? Array.from({ length: 80000 }, (_, k) => `/usr/share/big/ünï-${k}`) // > 2 MiB: a whole chunk inside one package
      : [`/usr/lib/p${i}/${i % 7 === 0 ? 'dätä-€' : 'data'}-${'x'.repeat(i % 300)}`];
    want.push({ name: `p${i}`, version: `${i}.0`, files });
    body.push(`<package type="rpm"><name>p${i}</name><arch>x86_64</arch><version epoch="0" ver="${i}.0" rel="1"/>`
      + `<summary>${i % 5 === 0 ? 'résumé ✓ ' : ''}${'s'.repeat(i % 500)}</summary><format>`
      + `<rpm:requires><rpm:entry name="lib${i % 50}" flags="GE" epoch="0" ver="1"/></rpm:requires>`
      + `${files.map((f) => `<file>${f}</file>`).join('')}</format></package>`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    writeFileSync(join(dir, 'p.xml.gz'), gzipSync(`<?xml version="1.0"?><metadata packages="4000">\n${body.join('\n')}\n</metadata>\n`));
    const got = await readAll(join(dir, 'p.xml.gz'));
    assert.is(got.length, want.length);
    got.forEach((p, i) => {
      assert.equal({ name: p.name, version: p.version, files: p.files }, want[i], p.name);
      assert.equal(p.requires, [{ name: `lib${i % 50}`, flags: '>=', evr: '0:1' }]);
    });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('repomd.xml locates the primary; a missing repository is ERR_REPO', async () => {
  const entries = parseRepomd('<repomd><data type="other"><location href="o.xml"/></data><data type="primary"><location href="repodata/p.xml.zst"/></data></repomd>');
  assert.equal(entries, [{ type: 'other', href: 'o.xml' }, { type: 'primary', href: 'repodata/p.xml.zst' }]);
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-'));
  try {
    await primaryPath(dir).then(() => assert.unreachable('no repomd'), (err) => assert.ok(isBazaarError(err, 'ERR_REPO')));
    mkdirSync(join(dir, 'repodata'));
    writeFileSync(join(dir, 'repodata/repomd.xml'), '<repomd></repomd>');
    await primaryPath(dir).then(() => assert.unreachable('no primary'), (err) => assert.ok(isBazaarError(err, 'ERR_REPO')));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

testWith(t, 'real repositories: package counts match the metadata, file lists and obsoletes come through', ['corpus'], async () => {
  const root = join(corpusDir, 'repodata');
  const expect: Record<string, number> = {
    'libzypp-11.0-update': 2430, 'libzypp-Delta': 162, 'libzypp-obs_virtualbox_11_1': 78, 'librepo-repo_yum_03': 21,
    'createrepo_c-repo_01': 1, 'createrepo_c-repo_02': 2, 'createrepo_c-repo_04': 2, 'dnf5-repomd-repo1': 3,
  };
  for (const [name, count] of Object.entries(expect)) {
    const src = await readRepository(join(root, name));
    assert.is(src.packages().length, count, name);
  }
  const zypp = (await readRepository(join(root, 'libzypp-11.0-update'))).packages();
  assert.ok(zypp.some((p) => p.files.length > 0), 'file lists');
  assert.ok(zypp.some((p) => p.obsoletes.length > 0), 'obsoletes');
  assert.ok(zypp.some((p) => p.requires.some((d) => d.name.startsWith('/'))), 'file dependencies');
});

testWith(t, 'the 63,440-package universe streams in bounded time', ['corpus'], async () => {
  const t0 = performance.now();
  const src = await readRepository(join(corpusDir, 'universe-debian'));
  const ms = performance.now() - t0;
  assert.is(src.packages().length, 63440);
  assert.ok(src.packages().filter((p) => p.requires.some((d) => d.name.startsWith('('))).length > 5000, 'rich deps');
  assert.ok(ms < 20000, `loaded in ${ms.toFixed(0)} ms`);
});

t.run();
