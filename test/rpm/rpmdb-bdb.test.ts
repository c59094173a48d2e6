/**
 * BerkeleyDB Packages files. Debian's rpm 4.18 reads them (its bdb_ro backend) but cannot
 * write them, so they are made by Berkeley DB's own db5.3_load from the headers rpm
 * exports out of a sqlite database it wrote: both byte orders, and page sizes that put
 * every header on overflow pages (512), most (4 KiB, rpm's) or none (64 KiB). rpm's
 * bdb_ro is the oracle for the set, the sqlite database for the bytes; two databases
 * written by rpm on real systems (test/fixtures/rpmdb) are read as well.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RpmHeader } from '../../src/rpm/header.js';
import { formatNevra } from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import type { InstalledHeader } from '../../src/rpm/rpmdb/index.js';
import { readRpmdb } from '../../src/rpm/rpmdb/index.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { fixtureRoot } from '../helpers/rpmdb-fixtures.js';
import { bdbRoot, exportBlobs, rpmQa, sqliteRoot } from '../helpers/rpmdb-roots.js';
import { testWith } from '../helpers/tools.js';

const t = suite('rpmdb: BerkeleyDB hash databases');

async function readAll(root: string): Promise<InstalledHeader[]> {
  const out: InstalledHeader[] = [];
  for await (const h of readRpmdb(root)) out.push(h);
  return out;
}

const nevraOf = (h: InstalledHeader): string => formatNevra(packageMeta(new RpmHeader(h.header, 'header'), 'rpmdb'));
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let source: { blobs: Buffer[]; headers: InstalledHeader[] } | undefined;
/** One sqlite database with the sample and the corpus's x86_64/noarch packages. */
async function sourceDb(): Promise<{ blobs: Buffer[]; headers: InstalledHeader[] }> {
  if (!source) {
    const files = [...sampleRpms(), ...corpusRpms()].filter((f) => !f.endsWith('.src.rpm') && !f.includes('/SRPMS/'));
    // one package per name: no NEVRA clashes, and rpm's -i of many versions stays simple
    const seen = new Set<string>();
    const pick = files.filter((f) => { const k = f.replace(/.*\//, '').replace(/-[^-]*-[^-]*$/, ''); if (seen.has(k)) return false; seen.add(k); return true; });
    const { root } = sqliteRoot('bdb-source', pick);
    source = { blobs: exportBlobs(root), headers: await readAll(root) };
  }
  return source;
}

for (const variant of [
  { name: 'little-endian, 4 KiB pages (rpm\'s layout)', bigEndian: false, pageSize: 4096 },
  { name: 'big-endian, 4 KiB pages (s390x, ppc64)', bigEndian: true, pageSize: 4096 },
  { name: 'little-endian, 512-byte pages: long overflow chains, many buckets', bigEndian: false, pageSize: 512 },
  { name: 'big-endian, 64 KiB pages: headers on the hash pages themselves', bigEndian: true, pageSize: 65536 },
]) {
  testWith(t, `${variant.name}: the set rpm's bdb_ro lists, the bytes rpm exported`, ['rpm', 'db5.3_load'], async () => {
    const { blobs, headers } = await sourceDb();
    assert.ok(blobs.length > 50, `${blobs.length} headers to store`);
    const root = bdbRoot('bdb', blobs, variant);
    const got = await readAll(root);
    assert.equal(got.map(nevraOf).sort(), rpmQa(root, 'bdb_ro').map((q) => q.nevra).sort(), 'the set rpm lists');
    assert.equal(got.map((h) => h.hnum), blobs.map((_, i) => i + 1), 'hnum order, counter record 0 skipped');
    got.forEach((h, i) => assert.equal(Buffer.from(h.installed.bytes.subarray(8)), blobs[i], `installed header #${i + 1} is the exported blob`));
    assert.equal(got.map((h) => sha256(h.header)).sort(), headers.map((h) => sha256(h.header)).sort(), 'the original headers are the sqlite database\'s');
  });
}

testWith(t, 'RHEL 8 (rpm 4.14): libuuid, verified against its stored SHA1HEADER and SHA256HEADER', ['rpm'], async () => {
  const root = fixtureRoot('rhel8-libuuid-Packages.gz', 'var/lib/rpm', 'Packages');
  const got = await readAll(root);
  assert.equal(got.map(nevraOf), ['libuuid-2.32.1-42.el8_8.x86_64']);
  assert.equal(got[0].verified.sort(), ['sha1', 'sha256']);
  assert.equal(rpmQa(root, 'bdb_ro').map((q) => q.nevra), ['libuuid-2.32.1-42.el8_8.x86_64'], 'rpm agrees');
  assert.is(sha256(got[0].header), rpmQa(root, 'bdb_ro')[0].sha256);
});

t('an empty rpm 4 database whose first bucket page was never written holds no package', async () => {
  // rpm's bdb_ro refuses this file ("bdb_ro error reading Packages database"); Berkeley DB reads it as empty
  const root = fixtureRoot('rpm4-empty-Packages.gz', 'var/lib/rpm', 'Packages');
  assert.equal(await readAll(root), []);
});

t.run();
