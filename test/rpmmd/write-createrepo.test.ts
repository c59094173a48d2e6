/**
 * The rpm-md writer against createrepo_c 0.17.3 on the same .rpm files: repos/sample,
 * the shared corpus, and crafted headers (test/helpers/odd-packages.ts). Each document
 * is compared package by package and field by field (parsed), then byte for byte: the
 * uncompressed XML, the gzip files (with `gzipExact`) and repomd.xml (both tools given
 * the same revision and timestamps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { gzip, gzipExact } from '../../src/rpmmd/write/compressor.js';
import { writeRepository } from '../../src/rpmmd/write/write-repository.js';
import type { WriteRepositoryOptions } from '../../src/rpmmd/write/write-repository.js';
import { DOC_TYPES, createrepo, documentDiff, firstDifference, layOut, readRepodata, repoPackages, writeRpms } from '../helpers/createrepo.js';
import { nonCharacterPackages, oddPackages } from '../helpers/odd-packages.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { corpusDir, projectRoot, testWith } from '../helpers/tools.js';
import { parseXml } from '../helpers/xml-parse.js';

const t = suite('rpmmd writer vs createrepo_c');
const REVISION = '1700000000';

function tempRepo(label: string): { repo: string; ours: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), `bazaar-rpmmd-${label}-`));
  return { repo: join(root, 'repo'), ours: join(root, 'ours'), done: () => rmSync(root, { recursive: true, force: true }) };
}

/** Runs both tools on `repo`; returns the differences (empty when identical). */
async function compare(repo: string, ours: string, cr: string[] = [], options: WriteRepositoryOptions = {}, bytes = true): Promise<{ diffs: string[]; skipped: string[] }> {
  const packages = await repoPackages(repo);
  const result = await writeRepository(packages, ours, { revision: REVISION, timestamp: Number(REVISION), compressor: gzipExact, ...options });
  createrepo(repo, ['--revision', REVISION, '--set-timestamp-to-revision', ...cr]);
  const theirs = readRepodata(repo);
  const mine = readRepodata(ours);
  const diffs: string[] = [];
  for (const type of DOC_TYPES) {
    diffs.push(...documentDiff(type, mine.docs[type].open, theirs.docs[type].open));
    if (!bytes) continue;
    if (!mine.docs[type].open.equals(theirs.docs[type].open)) diffs.push(`${type}: XML bytes differ at ${firstDifference(mine.docs[type].open, theirs.docs[type].open)}`);
    if (!mine.docs[type].stored.equals(theirs.docs[type].stored)) diffs.push(`${type}: stored (compressed) bytes differ`);
    if (mine.docs[type].name !== theirs.docs[type].name) diffs.push(`${type}: file name ${mine.docs[type].name} vs ${theirs.docs[type].name}`);
  }
  if (bytes && !mine.repomd.equals(theirs.repomd)) diffs.push(`repomd.xml differs at ${firstDifference(mine.repomd, theirs.repomd)}`);
  return { diffs, skipped: result.skipped.map((s) => s.href) };
}

testWith(t, 'repos/sample: every document and repomd.xml byte-identical to createrepo_c', ['createrepo_c'], async () => {
  const { repo, ours, done } = tempRepo('sample');
  try {
    layOut(repo, sampleRpms(), join(projectRoot, 'repos/sample'));
    const { diffs, skipped } = await compare(repo, ours);
    assert.equal(diffs, []);
    assert.equal(skipped, []);
  } finally { done(); }
});

testWith(t, 'shared corpus (159 packages, v3 to v6, Latin-1, 14,508 files): byte-identical; the same 3 packages refused', ['createrepo_c', 'corpus'], async () => {
  const { repo, ours, done } = tempRepo('corpus');
  try {
    layOut(repo, corpusRpms(), join(corpusDir, 'rpms'));
    const { diffs, skipped } = await compare(repo, ours);
    assert.equal(diffs, []);
    // createrepo_c prints "Forbidden control chars found" for these and leaves them out
    assert.equal(skipped.map((s) => s.replace(/.*\//, '')).sort(), [
      'SpecCheck4-0.0.1-0.x86_64.rpm', 'ruby2.6-rubygem-fast_gettext-2.0.1-1.1.x86_64.rpm',
      'xtables-addons-kmp-default-2.14_k4.12.14_lp151.16-lp151.3.10.x86_64.rpm',
    ]);
  } finally { done(); }
});

testWith(t, 'crafted headers (odd bytes, every flag and version shape, filters, file types, changelog times, missing tags, v3): byte-identical', ['createrepo_c'], async () => {
  const { repo, ours, done } = tempRepo('odd');
  try {
    writeRpms(repo, oddPackages());
    const { diffs, skipped } = await compare(repo, ours);
    assert.equal(diffs, []);
    assert.equal(skipped.sort(), ['ctl-changelog.rpm', 'ctl-file.rpm', 'ctl-summary.rpm']);
  } finally { done(); }
});

testWith(t, 'an empty repository: byte-identical too', ['createrepo_c'], async () => {
  const { repo, ours, done } = tempRepo('empty');
  try {
    writeRpms(repo, []);
    const { diffs } = await compare(repo, ours);
    assert.equal(diffs, []);
  } finally { done(); }
});

testWith(t, 'changelog limit: 2, 0 and -1 (all) as createrepo_c --changelog-limit', ['createrepo_c'], async () => {
  for (const limit of [2, 0, -1]) {
    const { repo, ours, done } = tempRepo(`limit${limit}`);
    try {
      writeRpms(repo, oddPackages().filter(([n]) => n === 'odd-changelog' || n === 'odd-strings'));
      const { diffs } = await compare(repo, ours, [`--changelog-limit=${limit}`], { changelogLimit: limit });
      assert.equal(diffs, [], `limit ${limit}`);
    } finally { done(); }
  }
});

testWith(t, 'simple file names (--simple-md-filenames) and xml:base (--baseurl)', ['createrepo_c'], async () => {
  const { repo, ours, done } = tempRepo('simple');
  try {
    writeRpms(repo, oddPackages().slice(0, 3));
    const packages = (await repoPackages(repo)).map((p) => ({ ...p, base: '/srv/mirror' }));
    await writeRepository(packages, ours, { revision: REVISION, timestamp: Number(REVISION), uniqueFilenames: false, compressor: gzipExact });
    createrepo(repo, ['--revision', REVISION, '--set-timestamp-to-revision', '--simple-md-filenames', '--baseurl', '/srv/mirror']);
    const mine = readRepodata(ours);
    const theirs = readRepodata(repo);
    assert.is(mine.docs.primary.name, 'primary.xml.gz');
    for (const type of DOC_TYPES) assert.ok(mine.docs[type].stored.equals(theirs.docs[type].stored), type);
    assert.ok(mine.repomd.equals(theirs.repomd), firstDifference(mine.repomd, theirs.repomd));
  } finally { done(); }
});

testWith(t, 'default gzip (Node zlib): the same XML, other compressed bytes (documented)', ['createrepo_c'], async () => {
  const { repo, ours, done } = tempRepo('native');
  try {
    layOut(repo, sampleRpms(), join(projectRoot, 'repos/sample'));
    const { diffs } = await compare(repo, ours, [], { compressor: gzip }, false);
    assert.equal(diffs, []);
    const mine = readRepodata(ours);
    const theirs = readRepodata(repo);
    for (const type of DOC_TYPES) assert.ok(mine.docs[type].open.equals(theirs.docs[type].open), type);
  } finally { done(); }
});

testWith(t, 'documented difference: where createrepo_c writes bytes that are not XML, we write U+FFFD and still parse', ['createrepo_c'], async () => {
  const { repo, ours, done } = tempRepo('nonchar');
  try {
    writeRpms(repo, nonCharacterPackages());
    const { diffs } = await compare(repo, ours, [], {}, false).catch((err: Error) => ({ diffs: [err.message] }));
    // createrepo_c's own output fails to parse: that is the difference
    assert.ok(diffs.length === 1 && /not UTF-8|not allowed/.test(diffs[0]), diffs.join('\n'));
    const mine = readRepodata(ours);
    const theirs = readRepodata(repo);
    for (const type of DOC_TYPES) parseXml(mine.docs[type].open);
    const a = mine.docs.primary.open.toString('latin1').split('\n');
    const b = theirs.docs.primary.open.toString('latin1').split('\n');
    const differing = a.filter((line, i) => line !== b[i]).map((l) => l.trim().replace(/>.*/, '>').replace(/ name=.*/, ''));
    assert.equal(differing, ['<summary>', '<description>', '<url>', '<rpm:entry']);
    const ol = mine.docs.other.open.toString('latin1').split('\n');
    const ot = theirs.docs.other.open.toString('latin1').split('\n');
    assert.equal(ol.filter((line, i) => line !== ot[i]).map((l) => l.trim()), ['<version epoch="0" ver="1.&#xFFFD;" rel="1"/>']);
  } finally { done(); }
});

t.run();
