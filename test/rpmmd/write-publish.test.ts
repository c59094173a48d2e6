/**
 * writeRepository as the server will use it: atomic regeneration under a concurrent
 * reader, what is kept and pruned, abort and failure leaving the old repository intact,
 * the package count for inputs of unknown length, bad input (missing tags, control
 * characters, a 100,000-file package) and bounded memory over 60,000 packages. No
 * external tool is needed: documents are checked with the strict test parser.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { RpmHeader } from '../../src/rpm/header.js';
import { noCompression } from '../../src/rpmmd/write/compressor.js';
import type { RepoPackage } from '../../src/rpmmd/write/repo-package.js';
import { writeRepository } from '../../src/rpmmd/write/write-repository.js';
import { DOC_TYPES, readRepodata } from '../helpers/createrepo.js';
import { buildHeader, packageEntries } from '../helpers/make-rpm.js';
import type { PackageSpec } from '../helpers/make-rpm.js';
import { childElements, parseXml } from '../helpers/xml-parse.js';

const t = suite('rpmmd writer: publishing, streaming, bad input');

const temp = (): string => mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-pub-'));

function pkg(spec: PackageSpec, i = 0): RepoPackage {
  return {
    header: new RpmHeader(buildHeader(packageEntries(spec)), String(spec.name)),
    href: `Packages/${String(spec.name)}-${i}.rpm`, size: 1000 + i, checksum: { type: 'sha256', hex: i.toString(16).padStart(64, '0') },
    headerStart: 280, headerEnd: 2000, fileTime: 1700000000,
  };
}

const simple = (n: number, prefix = 'p'): RepoPackage[] => Array.from({ length: n }, (_, i) => pkg({
  name: `${prefix}${i}`, version: '1', release: '1', files: [{ path: `/usr/bin/${prefix}${i}` }, { path: `/usr/share/doc/${prefix}${i}` }],
  requires: [{ name: 'libc.so.6()(64bit)' }], changelogs: [{ time: 1600000000, name: 'me', text: `- ${i}` }],
}, i));

/** Every document parses, and each lists `n` packages (attribute and elements). */
function checkDocuments(dir: string, n: number): void {
  const data = readRepodata(dir);
  parseXml(data.repomd);
  for (const type of DOC_TYPES) {
    const root = parseXml(data.docs[type].open);
    assert.is(root.attrs.find(([k]) => k === 'packages')?.[1], String(n), `${type} packages=`);
    assert.is(childElements(root, 'package').length, n, `${type} <package> count`);
  }
}

t('regeneration is atomic: a reader polling repomd.xml and its files never sees a partial or missing one', async () => {
  const dir = temp();
  try {
    await writeRepository(simple(50), dir);
    // the reader runs in its own process, so it really interleaves with the writer
    const reader = spawn(process.execPath, ['-e', `
      const fs = require('fs'), zlib = require('zlib'), crypto = require('crypto'), path = require('path');
      const dir = process.argv[1]; let reads = 0; const end = Date.now() + 60000;
      const stop = path.join(dir, 'STOP');
      while (!fs.existsSync(stop) && Date.now() < end) {
        const xml = fs.readFileSync(path.join(dir, 'repodata/repomd.xml'), 'utf8');
        if (!xml.endsWith('</repomd>\\n')) throw new Error('partial repomd.xml');
        for (const m of xml.matchAll(/<checksum type="sha256">(\\w+)<\\/checksum>[\\s\\S]*?<location href="([^"]+)"/g)) {
          let bytes;
          try { bytes = fs.readFileSync(path.join(dir, m[2])); } catch (e) { throw new Error('missing ' + m[2] + ' (' + e.code + ')'); }
          if (crypto.createHash('sha256').update(bytes).digest('hex') !== m[1]) throw new Error('checksum of ' + m[2]);
          zlib.gunzipSync(bytes);
        }
        reads++;
      }
      console.log(reads);
    `, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    reader.stdout.on('data', (d: Buffer) => { out += d; });
    reader.stderr.on('data', (d: Buffer) => { err += d; });
    const exited = new Promise<number | null>((resolve) => reader.on('close', resolve));
    for (let g = 0; g < 12; g++) await writeRepository(simple(40 + g * 5, `g${g}-`), dir);
    writeFileSync(join(dir, 'STOP'), '');
    assert.is(await exited, 0, err);
    assert.ok(Number(out) > 0, `the reader read ${out} times`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('the previous generation is kept, older ones pruned, foreign files, the rest of the directory and live writers\' staging left alone', async () => {
  const dir = temp();
  try {
    mkdirSync(join(dir, 'repodata'), { recursive: true });
    writeFileSync(join(dir, 'repodata/comps.xml'), '<comps/>');
    writeFileSync(join(dir, 'keep.txt'), 'x');
    // staging left by a writer that died (its pid is gone), and by one still running (us)
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(join(dir, `.repodata.tmp-${dead}-0123abcd`));
    mkdirSync(join(dir, `.repodata.tmp-${process.ppid}-0123abcd`));
    const gens = [];
    for (let g = 0; g < 3; g++) gens.push(await writeRepository(simple(3, `x${g}-`), dir));
    const names = readdirSync(join(dir, 'repodata')).sort();
    const expected = [...gens[1].records, ...gens[2].records].map((r) => r.href.slice('repodata/'.length));
    assert.equal(names, [...expected, 'comps.xml', 'repomd.xml'].sort());
    assert.ok(existsSync(join(dir, 'keep.txt')));
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('.')), [`.repodata.tmp-${process.ppid}-0123abcd`], 'only the live writer\'s staging is left');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('simple file names: the directory is swapped whole', async () => {
  const dir = temp();
  try {
    await writeRepository(simple(2), dir, { uniqueFilenames: false });
    const r = await writeRepository(simple(4), dir, { uniqueFilenames: false });
    assert.equal(readdirSync(join(dir, 'repodata')).sort(), ['filelists.xml.gz', 'other.xml.gz', 'primary.xml.gz', 'repomd.xml']);
    assert.equal(r.records.map((x) => x.href), ['repodata/primary.xml.gz', 'repodata/filelists.xml.gz', 'repodata/other.xml.gz']);
    checkDocuments(dir, 4);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('abort and failure: the previous repository stays as it was, nothing is left behind', async () => {
  const dir = temp();
  try {
    await writeRepository(simple(5), dir);
    const before = readFileSync(join(dir, 'repodata/repomd.xml'));
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<RepoPackage> {
      for (const [i, p] of simple(20).entries()) { if (i === 10) controller.abort(); yield p; }
    }
    await writeRepository(slow(), dir, { signal: controller.signal }).then(() => assert.unreachable('aborted'), (err: Error) => assert.is(err.name, 'AbortError'));
    const bad = [...simple(3), { ...simple(1)[0], checksum: { type: 'sha256' as const, hex: 'nope' } }];
    await writeRepository(bad, dir).then(() => assert.unreachable('bad checksum'), (err) => assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), String(err)));
    assert.ok(readFileSync(join(dir, 'repodata/repomd.xml')).equals(before));
    assert.equal(readdirSync(dir).sort(), ['repodata']);
    checkDocuments(dir, 5);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('unknown or wrong counts are corrected: a generator, a wrong count and skipped packages give the array call\'s bytes', async () => {
  const dir = temp();
  try {
    const pkgs = [...simple(30), pkg({ name: 'ctl', version: '1', release: '1', summary: 'x\x01' }, 99)];
    await writeRepository(pkgs.filter((p) => !p.href.includes('ctl')), join(dir, 'a'), { revision: '1', timestamp: 1 });
    async function* gen(): AsyncGenerator<RepoPackage> { yield* pkgs; }
    const r1 = await writeRepository(gen(), join(dir, 'b'), { revision: '1', timestamp: 1 });
    const r2 = await writeRepository(pkgs, join(dir, 'c'), { revision: '1', timestamp: 1, count: 7 });
    assert.is(r1.packages, 30);
    assert.equal(r1.skipped.map((s) => s.href), ['Packages/ctl-99.rpm']);
    assert.match(r1.skipped[0].reason, /control character in summary/);
    const a = readFileSync(join(dir, 'a/repodata/repomd.xml'));
    assert.ok(a.equals(readFileSync(join(dir, 'b/repodata/repomd.xml'))), 'generator');
    assert.ok(a.equals(readFileSync(join(dir, 'c/repodata/repomd.xml'))), 'wrong count');
    assert.is(r2.packages, 30);
    checkDocuments(join(dir, 'b'), 30);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('no compression: plain documents, no open checksum or size in repomd.xml', async () => {
  const dir = temp();
  try {
    const r = await writeRepository(simple(3), dir, { compressor: noCompression });
    assert.ok(r.records.every((x) => x.href.endsWith('.xml') && x.openChecksum === undefined && x.openSize === undefined));
    const repomd = readFileSync(join(dir, 'repodata/repomd.xml'), 'utf8');
    assert.not.match(repomd, /open-/);
    checkDocuments(dir, 3);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('bad input: missing tags, odd strings and a 100,000-file package give well-formed documents', async () => {
  const dir = temp();
  try {
    const files = Array.from({ length: 100_000 }, (_, i) => ({ path: `/usr/share/huge/d${i % 100}/f${i}`, mode: i % 1000 === 0 ? 0o40755 : 0o100644 }));
    const pkgs = [
      pkg({ name: 'bare', version: '1', release: '1', omit: [1004, 1005, 1007, 1014, 1016, 1022, 1006, 1009, 1044, 100] }, 1),
      pkg({ name: 'no-version', version: '1', release: '1', omit: [1001, 1002] }, 2),
      pkg({
        name: 'odd', version: '1', release: '1', summary: Buffer.from([0xff, 0xfe, 0x3c, 0x26, 0xc0, 0x80, 0xed, 0xa0, 0x80]), description: 'tab\there\r\nline',
        requires: [{ name: Buffer.from([0x22, 0x3c, 0xe9]) }], changelogs: [{ time: 1, name: Buffer.from([0xf4, 0x90, 0x80, 0x80]), text: Buffer.from([0xef, 0xbf, 0xbf]) }]
      }, 3),
      pkg({ name: 'ctl', version: '1', release: '1', files: [{ path: '/usr/bin/a\x1fb' }] }, 4),
      pkg({ name: 'huge', version: '1', release: '1', files }, 5),
      pkg({ name: 'dirs-without-names', version: '1', release: '1', files: [{ path: '/a/b' }], omit: [1117] }, 6),
    ];
    const r = await writeRepository(pkgs, dir);
    assert.equal(r.skipped.map((s) => s.href), ['Packages/ctl-4.rpm']);
    checkDocuments(dir, 5);
    const filelists = parseXml(readRepodata(dir).docs.filelists.open);
    const huge = childElements(filelists, 'package').find((p) => p.attrs.some(([k, v]) => k === 'name' && v === 'huge'))!;
    assert.is(childElements(huge, 'file').length, 100_000);
    const primary = readRepodata(dir).docs.primary.open.toString('utf8');
    assert.match(primary, /<name>bare<\/name>\n {2}<arch><\/arch>/);
    assert.match(primary, /<rpm:sourcerpm>\(none\)<\/rpm:sourcerpm>/, 'rpm calls a package without SOURCERPM binary');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('bounded memory: 60,000 packages stream through without the heap growing with them', async () => {
  const dir = temp();
  try {
    const template = simple(50);
    const n = 60_000;
    // the earlier tests' garbage collected first, so that it neither hides growth nor counts as it
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let samples = 0;
    // sampled as the writer takes packages (every 500th), not on a timer: a fast run gave a timer too few samples
    function* many(): Generator<RepoPackage> {
      for (let i = 0; i < n; i++) {
        if (i % 500 === 0) { samples++; peak = Math.max(peak, process.memoryUsage().heapUsed); }
        yield { ...template[i % 50], href: `Packages/m${i}.rpm`, checksum: { type: 'sha256', hex: i.toString(16).padStart(64, '0') } };
      }
    }
    const r = await writeRepository(many(), dir, { count: n });
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    assert.is(r.packages, n);
    // garbage counts too (it is collected when V8 likes), so the bound is loose; what it
    // rules out is memory proportional to the packages (60,000 package strings alone
    // would be hundreds of MiB)
    const mb = (peak - base) / 2 ** 20;
    assert.is(samples, n / 500, 'memory sampled as the packages were taken');
    assert.ok(mb < 96, `heap grew by ${mb.toFixed(0)} MiB`);
    if (process.env.BAZAAR_DEBUG) console.log(`heap grew by ${mb.toFixed(1)} MiB (base ${(base / 2 ** 20).toFixed(0)} MiB, ${samples} samples)`);
    const primary = gunzipSync(readFileSync(join(dir, r.records[0].href)));
    assert.is(primary.toString('latin1').split('<package ').length - 1, n);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
