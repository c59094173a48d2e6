/**
 * readRpmdb against Debian's rpm on sqlite databases it wrote itself: every package of
 * repos/sample and of the corpus installed with --justdb (grouped so that no NEVRA is
 * installed twice in one root), a few installed for real, and a WAL rpm has not yet
 * checkpointed. The oracle is `rpm -qa` for the set and each package file's own header
 * for the bytes: sha256(header) must be the file's header digest and packageMeta must agree.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RpmHeader } from '../../src/rpm/header.js';
import { formatNevra, nevraKey } from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import type { InstalledHeader } from '../../src/rpm/rpmdb/index.js';
import { readRpmdb } from '../../src/rpm/rpmdb/index.js';
import { Tag } from '../../src/rpm/tags.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { DBPATH, rpmQa, sqliteRoot } from '../helpers/rpmdb-roots.js';
import { testWith } from '../helpers/tools.js';

const t = suite('rpmdb: sqlite databases written by rpm');

interface PackageFile { file: string; nevra: string; key: string; sha256: string; header: RpmHeader; hasRegion: boolean }

async function describe(files: string[]): Promise<PackageFile[]> {
  const out: PackageFile[] = [];
  for (const file of files) {
    const rpm = await readRpmFile(file);
    if (rpm.lead.type === 1 || rpm.header.has(Tag.SOURCEPACKAGE)) continue; // source packages never reach the database
    const meta = packageMeta(rpm.header, file);
    out.push({ file, nevra: formatNevra(meta), key: nevraKey(meta), sha256: createHash('sha256').update(rpm.header.bytes).digest('hex'), header: rpm.header, hasRegion: rpm.header.entry(Tag.HEADERIMMUTABLE) !== undefined });
  }
  return out;
}

/** Spreads packages over as few groups as possible with no NEVRA twice in a group. */
function groupByNevra(pkgs: PackageFile[]): PackageFile[][] {
  const groups: Array<{ keys: Set<string>; pkgs: PackageFile[] }> = [];
  for (const p of pkgs) {
    let g = groups.find((x) => !x.keys.has(p.key));
    if (!g) { g = { keys: new Set(), pkgs: [] }; groups.push(g); }
    g.keys.add(p.key);
    g.pkgs.push(p);
  }
  return groups.map((g) => g.pkgs);
}

async function readAll(root: string): Promise<InstalledHeader[]> {
  const out: InstalledHeader[] = [];
  for await (const h of readRpmdb(root)) out.push(h);
  return out;
}

/** Checks one root: the set against rpm -qa, and each header against its package file. */
async function checkRoot(root: string, candidates: PackageFile[]): Promise<number> {
  const qa = rpmQa(root);
  const got = await readAll(root);
  const byHash = new Map(candidates.map((c) => [c.sha256, c]));
  const nevras = got.map((h) => formatNevra(packageMeta(new RpmHeader(h.header, 'header'), 'rpmdb')));
  assert.equal([...nevras].sort(), qa.map((q) => q.nevra).sort(), `the installed set of ${root}`);
  for (let i = 0; i < got.length; i++) {
    const h = got[i];
    const q = qa.find((x) => x.nevra === nevras[i])!;
    assert.ok(h.installTime !== undefined && h.installTime > 0, `${nevras[i]}: INSTALLTIME`);
    assert.ok(h.hnum !== undefined && h.hnum > 0, `${nevras[i]}: hnum`);
    if (h.origin === 'whole-header') {
      // only a package without an immutable region (rpm v3) may fall back
      const file = candidates.find((c) => c.nevra === nevras[i] && !c.hasRegion);
      assert.ok(file, `${nevras[i]}: whole-header fallback for a package that has a region`);
      continue;
    }
    const sha256 = createHash('sha256').update(h.header).digest('hex');
    if (q.sha256) assert.is(sha256, q.sha256, `${nevras[i]}: sha256 against rpm's SHA256HEADER`);
    const file = byHash.get(sha256);
    assert.ok(file, `${nevras[i]}: sha256(header) ${sha256} is the header digest of no package file`);
    assert.equal(packageMeta(new RpmHeader(h.header, 'header'), 'rpmdb'), packageMeta(file!.header, file!.file), `${nevras[i]}: packageMeta`);
    if (q.sha256) assert.ok(h.verified.includes('sha256'), `${nevras[i]}: verified against SHA256HEADER`);
    if (q.sha1) assert.ok(h.verified.includes('sha1'), `${nevras[i]}: verified against SHA1HEADER`);
  }
  return got.length;
}

testWith(t, 'repos/sample: every binary package, --justdb', ['rpm'], async () => {
  const pkgs = await describe(sampleRpms());
  let total = 0;
  for (const group of groupByNevra(pkgs)) total += await checkRoot(sqliteRoot('sample', group.map((p) => p.file)).root, pkgs);
  // rpm drops va-watchdog from the transaction: va-monitor, installed with it, obsoletes it
  assert.is(total, pkgs.length - 1, 'every other sample package is in some database');
});

testWith(t, 'the corpus: every binary package rpm accepts, --justdb', ['rpm', 'corpus'], async () => {
  const pkgs = await describe(corpusRpms());
  let total = 0;
  for (const group of groupByNevra(pkgs)) total += await checkRoot(sqliteRoot('corpus', group.map((p) => p.file)).root, pkgs);
  // rpm refuses none of them today; if a future rpm does, the set check above still holds
  assert.ok(total >= pkgs.length - 5, `${total} of ${pkgs.length} corpus packages read back`);
});

testWith(t, 'a real install (files written under ROOT) reads the same', ['rpm'], async () => {
  const files = sampleRpms().filter((f) => /\/(etcskel|setup|ca-certificates)-[^/]*\.noarch\.rpm$/.test(f));
  assert.is(files.length, 3);
  const { root, stderr } = sqliteRoot('real', files, { justdb: false });
  assert.ok(existsSync(join(root, 'etc')), `rpm wrote files under ROOT: ${stderr}`);
  const n = await checkRoot(root, await describe(files));
  assert.is(n, 3);
  for await (const h of readRpmdb(root)) assert.ok(h.installed.has(1029), 'FILESTATES is in the installed header');
});

testWith(t, 'committed pages still in rpmdb.sqlite-wal are read, as rpm reads them', ['rpm', 'python3'], async () => {
  const pkgs = await describe(sampleRpms().filter((f) => f.includes('/noarch/')));
  const { root } = sqliteRoot('wal', pkgs.map((p) => p.file));
  const before = rpmQa(root).length;
  // delete one package in a transaction that sqlite commits to the WAL and never checkpoints
  const db = join(root, DBPATH, 'rpmdb.sqlite');
  const py = [
    'import os, sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA wal_autocheckpoint=0")',
    'c.execute("DELETE FROM Packages WHERE hnum = (SELECT MIN(hnum) FROM Packages)"); c.commit()',
    'os._exit(0)',
  ].join('\n');
  const r = spawnSync('python3', ['-c', py, db]);
  assert.is(r.status, 0, r.stderr.toString());
  assert.is(rpmQa(root).length, before - 1, 'rpm sees the deletion');
  const got = await readAll(root);
  assert.is(got.length, before - 1, 'readRpmdb sees it too');
  assert.is(got.map((h) => h.hnum).includes(1), false);
});

t.run();
