/**
 * ndb Packages.db (SUSE). No tool on Debian writes one, so the oracle is a database SUSE's
 * rpm wrote (SLE 15 BCI, test/fixtures/rpmdb) with what `rpm -qa` printed inside that
 * image; databases our test writer lays out as rpmpkg.c does round-trip the headers
 * Debian's rpm exports.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RpmHeader } from '../../src/rpm/header.js';
import { formatNevra } from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import type { InstalledHeader } from '../../src/rpm/rpmdb/index.js';
import { InstallTag, readRpmdb } from '../../src/rpm/rpmdb/index.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { fixtureRoot, rpmdbFixtureDir } from '../helpers/rpmdb-fixtures.js';
import { exportBlobs, ndbBytes, ndbRoot, sqliteRoot } from '../helpers/rpmdb-roots.js';
import { testWith } from '../helpers/tools.js';

const t = suite('rpmdb: ndb databases');

async function readAll(root: string): Promise<InstalledHeader[]> {
  const out: InstalledHeader[] = [];
  for await (const h of readRpmdb(root)) out.push(h);
  return out;
}

t('SLE 15 BCI: the 35 packages rpm -qa listed there, each verified against SHA1HEADER and SHA256HEADER', async () => {
  const root = fixtureRoot('sle15-bci-Packages.db.gz', 'usr/lib/sysimage/rpm', 'Packages.db');
  const got = await readAll(root);
  const want = readFileSync(join(rpmdbFixtureDir, 'sle15-bci.qa.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const seen = got.map((h) => `${formatNevra(packageMeta(new RpmHeader(h.header, 'header'), 'rpmdb'))} ${Buffer.from(h.installed.binary(InstallTag.SIGMD5)!).toString('hex')}`);
  assert.equal(seen.sort(), want.sort());
  for (const h of got) {
    assert.is(h.origin, 'immutable-region');
    assert.equal(h.verified.sort(), ['sha1', 'sha256']);
  }
});

testWith(t, 'headers rpm exported round-trip through an ndb file, with slots over several pages', ['rpm'], async () => {
  const { root: src } = sqliteRoot('ndb-source', sampleRpms().filter((f) => f.includes('/RPMS/')));
  const blobs = exportBlobs(src);
  for (const slotPages of [1, 3]) {
    const root = ndbRoot('ndb', ndbBytes(blobs, { slotPages }));
    const got = await readAll(root);
    assert.is(got.length, blobs.length);
    got.forEach((h, i) => {
      assert.is(h.hnum, i + 1);
      assert.equal(Buffer.from(h.installed.bytes.subarray(8)), blobs[i]);
    });
  }
});

t.run();
