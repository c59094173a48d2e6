/**
 * Damage and bad input: a flipped byte in any object is found by fsck and refused on
 * read; every broken package, random truncation and random garbage is refused by `add`
 * with exit 2 and a one-line reason, and the store is byte-for-byte unchanged.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { flipStoredBit, removeStored, replaceStored, storedBytes, storedIds } from '../helpers/stored-objects.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { corpusBadRpms, corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { testWith } from '../helpers/tools.js';

const t = suite('integrity');
const rand = seededRandom('integrity');

function seeded(): string {
  const dir = freshStore('integrity');
  const r = bazaar(['add', '--store', dir, ...sampleRpms().slice(0, 12)]);
  assert.is(r.status, 0, r.stderr);
  return dir;
}


/**
 * Asserts `add` refuses `file`: exit 2, one line on stderr, and nothing changed. `add`
 * runs in the test worker (cli-fast.ts): the same dispatch, without a node start per file.
 */
function assertRefused(store: string, file: string, label: string): void {
  const before = storeSnapshot(store);
  const r = bazaarFast(['add', '--store', store, file]);
  assert.is(r.status, 2, `${label}: exit ${r.status} (${r.stderr.trim()})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `${label}: one-line reason, got ${r.stderr}`);
  assert.match(lines[0], /^bazaar add: /);
  assert.equal(storeSnapshot(store), before, `${label}: store unchanged`);
}

t('a flipped byte in any object, loose or packed: fsck exits 1 naming it, reads fail clearly', async () => {
  const dir = seeded();
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
  const ids = await storedIds(dir);
  assert.ok(ids.length > 20);
  for (let trial = 0; trial < 6; trial++) {
    const id = ids[Math.floor(rand() * ids.length)];
    const at = rand();
    const undo = flipStoredBit(dir, id, at, Math.floor(rand() * 8));
    const fsck = bazaar(['fsck', '--store', dir]);
    assert.is(fsck.status, 1, `fsck after flipping byte ${at} of ${id}`);
    assert.match(fsck.stdout, `damaged ${id}`);
    const cat = bazaar(['cat', '--store', dir, id]);
    assert.is(cat.status, 1);
    assert.match(cat.stderr, id);
    assert.is(cat.stderr.trim().split('\n').length, 1);
    undo();
  }
  assert.is(bazaar(['fsck', '--store', dir]).status, 0, 'clean again once repaired');
});

t('an object replaced by other valid content is a digest mismatch', async () => {
  const dir = seeded();
  const [a, b] = await storedIds(dir);
  replaceStored(dir, a, storedBytes(dir, b));
  const fsck = bazaar(['fsck', '--store', dir, '--json']);
  assert.is(fsck.status, 1);
  const report = JSON.parse(fsck.stdout);
  assert.equal(report.problems.map((d: { id: string }) => d.id), [a]);
  assert.match(report.problems[0].problem, 'hashes to');
});

t('a missing object is named by fsck with what references it', async () => {
  const dir = seeded();
  const [first] = JSON.parse(bazaar(['ls', '--json', '--store', dir]).stdout);
  const shown = JSON.parse(bazaar(['show', '--json', '--store', dir, first.nevra]).stdout);
  await removeStored(dir, shown.rpm);
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout, shown.rpm);
});

testWith(t, 'every broken package of the corpus is refused, store unchanged', ['corpus'], () => {
  const store = seeded();
  const bad = corpusBadRpms();
  assert.ok(bad.length >= 7);
  for (const f of bad) assertRefused(store, f, f);
});

t('random truncations of real packages are refused, store unchanged', () => {
  const store = seeded();
  const sources = [...sampleRpms(), ...corpusRpms().filter((f) => /mc-4\.8\.21|hello-2\.0-1\.x86_64\.rpm$|rpm-file-types/.test(f))];
  const work = tempDir('truncated');
  for (let i = 0; i < 30; i++) {
    const src = sources[Math.floor(rand() * sources.length)];
    const bytes = readFileSync(src);
    const cut = 1 + Math.floor(rand() * (bytes.length - 1));
    const path = join(work, `cut-${i}.rpm`);
    writeFileSync(path, bytes.subarray(0, cut));
    assertRefused(store, path, `${src} cut at ${cut} of ${bytes.length}`);
  }
});

t('random garbage, garbage after a real lead, and trailing junk are refused', () => {
  const store = seeded();
  const work = tempDir('garbage');
  const good = readFileSync(sampleRpms()[0]);
  for (let i = 0; i < 8; i++) {
    const size = Math.floor(rand() * 200_000);
    const junk = Buffer.alloc(size);
    for (let j = 0; j < size; j++) junk[j] = Math.floor(rand() * 256);
    const path = join(work, `junk-${i}.rpm`);
    writeFileSync(path, i % 2 ? Buffer.concat([good.subarray(0, 96 + (i * 37) % 300), junk]) : junk);
    assertRefused(store, path, `garbage ${i} (${size} bytes)`);
  }
  const trailing = join(work, 'trailing.rpm');
  writeFileSync(trailing, good);
  appendFileSync(trailing, 'junk');
  assertRefused(store, trailing, 'trailing junk');
});

t('hostile headers (absurd counts and sizes) are refused before allocating', () => {
  const store = seeded();
  const work = tempDir('hostile');
  const good = readFileSync(sampleRpms()[0]);
  const sigCount = 96 + 8;
  const cases: Array<[string, number, number]> = [['index count 0xffffffff', sigCount, 0xffffffff], ['data size 0x7fffffff', sigCount + 4, 0x7fffffff], ['index count 0', sigCount, 0]];
  for (const [label, offset, value] of cases) {
    const bytes = Buffer.from(good);
    bytes.writeUInt32BE(value, offset);
    const path = join(work, `${label.replace(/\W+/g, '-')}.rpm`);
    writeFileSync(path, bytes);
    assertRefused(store, path, label);
  }
});

t('a missing file and a directory are bad input, not crashes', () => {
  const store = seeded();
  assertRefused(store, '/nonexistent/x.rpm', 'missing file');
  assertRefused(store, tempDir('dir'), 'a directory');
});

t.run();
