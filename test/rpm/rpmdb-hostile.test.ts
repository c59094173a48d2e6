/**
 * Hostile and damaged databases: truncations, pages pointing out of range, loops in
 * overflow chains, header blobs with absurd counts, and seeded random damage. Each is
 * refused with one ERR_BAD_INPUT line naming the file (and an offset), or, where the
 * damage touches nothing read, read as before; never another kind of error, never a hang.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError, isBazaarError } from '../../src/errors.js';
import type { InstalledHeader } from '../../src/rpm/rpmdb/index.js';
import { readRpmdb } from '../../src/rpm/rpmdb/index.js';
import { tableCells } from '../../src/rpm/rpmdb/sqlite-btree.js';
import { SqliteFile } from '../../src/rpm/rpmdb/sqlite-file.js';
import { packagesRoot } from '../../src/rpm/rpmdb/sqlite-packages.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { fixtureRoot } from '../helpers/rpmdb-fixtures.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { DBPATH, bdbRoot, exportBlobs, ndbBytes, ndbRoot, sqliteRoot, tempRoot } from '../helpers/rpmdb-roots.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { testWith } from '../helpers/tools.js';

const t = suite('rpmdb: hostile databases');

async function readAll(root: string): Promise<InstalledHeader[]> {
  const out: InstalledHeader[] = [];
  for await (const h of readRpmdb(root)) out.push(h);
  return out;
}

/** The one-line ERR_BAD_INPUT that reading `root` must end in. */
async function refused(root: string, file: string, pattern?: RegExp): Promise<BazaarError> {
  try {
    await readAll(root);
  } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), `expected ERR_BAD_INPUT, got ${(err as Error).stack}`);
    const e = err as BazaarError;
    assert.not.match(e.message, /\n/, 'one line');
    assert.ok(e.message.includes(file), `names ${file}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  throw new Error(`${root}: the damaged database was read without complaint`);
}

/** Reading either fails with one ERR_BAD_INPUT line or succeeds; returns which. */
async function survives(root: string): Promise<'read' | 'refused'> {
  try {
    await readAll(root);
    return 'read';
  } catch (err) {
    if (!isBazaarError(err, 'ERR_BAD_INPUT') || /\n/.test(err.message)) throw new Error(`not a one-line ERR_BAD_INPUT: ${(err as Error).stack}`);
    return 'refused';
  }
}

function patch(file: string, at: number, bytes: number[] | Buffer): void {
  const b = readFileSync(file);
  Buffer.from(bytes).copy(b, at);
  writeFileSync(file, b);
}

let sample: { root: string; blobs: Buffer[] } | undefined;
function sampleDb(): { root: string; blobs: Buffer[] } {
  if (!sample) {
    // one made-up package with a 40 KB description: a row with a long overflow chain
    const big = join(tempRoot('big'), 'big-1.0-1.noarch.rpm');
    writeFileSync(big, makePackageRpm({ name: 'big', version: '1.0', release: '1', arch: 'noarch', description: 'x'.repeat(40_000) }));
    const { root } = sqliteRoot('hostile-src', [...sampleRpms().filter((f) => f.includes('/RPMS/')), big]);
    sample = { root, blobs: exportBlobs(root) };
  }
  return sample;
}

/** A copy of the sample sqlite database in a new root; returns the root and the file. */
function sqliteCopy(): { root: string; file: string } {
  const { root: src } = sqliteRoot('hostile', []);
  const file = join(src, DBPATH, 'rpmdb.sqlite');
  writeFileSync(file, readFileSync(join(sampleDb().root, DBPATH, 'rpmdb.sqlite')));
  return { root: src, file };
}

/** The first Packages row whose overflow chain has at least two pages. */
async function longCell(file: string): Promise<{ overflow: number; overflowAt: number; pageSize: number }> {
  const db = await SqliteFile.open(file);
  try {
    for await (const cell of tableCells(db, await packagesRoot(db))) {
      if (cell.overflow !== 0 && cell.size - cell.local.length > db.usableSize - 4) return { overflow: cell.overflow, overflowAt: cell.overflowAt, pageSize: db.pageSize };
    }
  } finally {
    await db.close();
  }
  throw new Error('no long row');
}

testWith(t, 'sqlite: truncated anywhere', ['rpm'], async () => {
  const { file: good } = sqliteCopy();
  const bytes = readFileSync(good);
  const rnd = seededRandom('sqlite truncation');
  const cuts = [0, 1, 99, 100, 4095, 4096, 4097, ...Array.from({ length: 20 }, () => Math.floor(rnd() * bytes.length))];
  for (const cut of cuts) {
    const { root, file } = sqliteCopy();
    writeFileSync(file, bytes.subarray(0, cut));
    // cutting off only unused pages may leave a readable database; anything else is refused
    if (await survives(root) === 'refused' || cut < bytes.length / 2) await refused(root, file);
  }
});

testWith(t, 'sqlite: an overflow page number out of range, and an overflow chain looping on itself', ['rpm'], async () => {
  let { root, file } = sqliteCopy();
  const cell = await longCell(file);
  patch(file, cell.overflowAt, [0x00, 0xff, 0xff, 0xff]);
  await refused(root, file, /page number 16777215 is out of range/);
  ({ root, file } = sqliteCopy());
  const at = (cell.overflow - 1) * cell.pageSize; // the first overflow page's next pointer
  patch(file, at, [cell.overflow >>> 24, (cell.overflow >>> 16) & 0xff, (cell.overflow >>> 8) & 0xff, cell.overflow & 0xff]);
  await refused(root, file, /loops back/);
});

testWith(t, 'sqlite: a B-tree page pointing back at its own tree', ['rpm'], async () => {
  const { root, file } = sqliteCopy();
  const db = await SqliteFile.open(file);
  const rootPage = await packagesRoot(db);
  const page = await db.page(rootPage, 0);
  await db.close();
  if (page[0] === 0x05) {
    patch(file, (rootPage - 1) * db.pageSize + 8, [rootPage >>> 24, (rootPage >>> 16) & 0xff, (rootPage >>> 8) & 0xff, rootPage & 0xff]);
  } else {
    // a single leaf: make the schema point the table at page 1 (an interior page of another tree would do the same)
    patch(file, (rootPage - 1) * db.pageSize, [0x05]);
  }
  await refused(root, file);
});

testWith(t, 'sqlite: a hot rollback journal, and a WAL that is not one, are refused by name', ['rpm'], async () => {
  let { root, file } = sqliteCopy();
  writeFileSync(`${file}-journal`, Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, 0, 0, 0, 0]));
  await refused(root, file, /hot rollback journal/);
  ({ root, file } = sqliteCopy());
  writeFileSync(`${file}-wal`, Buffer.alloc(64, 0x41));
  await refused(root, `${file}-wal`, /bad magic/);
});

testWith(t, 'BerkeleyDB: truncated, an overflow page out of range, a loop in an overflow chain', ['rpm', 'db5.3_load'], async () => {
  const make = (): { root: string; file: string } => {
    const root = bdbRoot('hostile-bdb', sampleDb().blobs);
    return { root, file: join(root, DBPATH, 'Packages') };
  };
  const { root, file } = make();
  const bytes = readFileSync(file);
  for (const cut of [0, 100, 511, 512, 4096, Math.floor(bytes.length / 2), bytes.length - 1]) {
    writeFileSync(file, bytes.subarray(0, cut));
    await refused(root, file);
  }
  // the first overflow page that has a successor
  let chained = -1;
  for (let p = 1; p * 4096 < bytes.length; p++) if (bytes[p * 4096 + 25] === 7 && bytes.readUInt32LE(p * 4096 + 16) !== 0) { chained = p; break; }
  assert.ok(chained > 0, 'some value spans several overflow pages');
  let d = make();
  patch(d.file, chained * 4096 + 16, [0xff, 0xff, 0xff, 0x00]);
  await refused(d.root, d.file, /outside pages/);
  d = make();
  patch(d.file, chained * 4096 + 16, [chained & 0xff, (chained >>> 8) & 0xff, 0, 0]);
  await refused(d.root, d.file, /a second time/);
});

t('ndb: truncated, and slots pointing past the end of the file', async () => {
  const bytes = readFileSync(join(fixtureRoot('sle15-bci-Packages.db.gz', 'x', 'Packages.db'), 'x', 'Packages.db'));
  for (const cut of [0, 16, 31, 32, 4096, 4096 * 3, Math.floor(bytes.length / 2), bytes.length - 16]) {
    const root = ndbRoot('hostile-ndb', bytes.subarray(0, cut));
    await refused(root, join(root, 'usr/lib/sysimage/rpm/Packages.db'));
  }
  const bad = Buffer.from(bytes);
  bad.writeUInt32LE(0x7fffffff, 32 + 8); // the first slot's block offset
  const root = ndbRoot('hostile-ndb', bad);
  await refused(root, join(root, 'usr/lib/sysimage/rpm/Packages.db'), /runs past the end of the file/);
});

t('a header blob with absurd counts is refused by number; onDamaged skips it and reads on', async () => {
  const absurd = Buffer.alloc(8 + 16);
  absurd.writeUInt32BE(0x7fffffff, 0);
  absurd.writeUInt32BE(0xffffffff, 4);
  const tiny = Buffer.alloc(8 + 16 + 4); // one entry whose data points far outside the header
  tiny.writeUInt32BE(1, 0); tiny.writeUInt32BE(4, 4);
  tiny.writeUInt32BE(1000, 8); tiny.writeUInt32BE(6, 12); tiny.writeUInt32BE(0x10000000, 16); tiny.writeUInt32BE(1, 20);
  for (const blob of [absurd, tiny, Buffer.alloc(3)]) {
    const root = ndbRoot('absurd', ndbBytes([blob]));
    await refused(root, 'Packages.db', /header #1 /);
  }
  const root = ndbRoot('absurd', ndbBytes([absurd, ...(sample ? sample.blobs.slice(0, 2) : [])]));
  const damaged: BazaarError[] = [];
  const got: InstalledHeader[] = [];
  for await (const h of readRpmdb(root, { onDamaged: (e) => damaged.push(e) })) got.push(h);
  assert.is(damaged.length, 1);
  assert.is(got.length, sample ? 2 : 0);
});

t('an immutable region whose bytes no longer match the stored SHA256HEADER is refused', async () => {
  const bytes = readFileSync(join(fixtureRoot('sle15-bci-Packages.db.gz', 'x', 'Packages.db'), 'x', 'Packages.db'));
  // flip one byte of the first blob's data store, then redo the blob's Adler-32 so only the digest can tell
  const blkoff = bytes.readUInt32LE(32 + 8);
  const blkcnt = bytes.readUInt32LE(32 + 12);
  const start = blkoff * 16;
  const len = bytes.readUInt32LE(start + 12);
  const il = bytes.readUInt32BE(start + 16);
  const at = start + 16 + 8 + il * 16 + 40;
  bytes[at] ^= 0x20;
  assert.ok(at < start + 16 + len);
  const { adler32 } = await import('../../src/rpm/rpmdb/ndb-packages.js');
  const tail = start + blkcnt * 16 - 12;
  bytes.writeUInt32LE(adler32(1, bytes.subarray(start, tail)), tail);
  const root = ndbRoot('digest', bytes);
  await refused(root, 'Packages.db', /(sha256|sha1) header digest|corrupt/);
});

for (const format of ['sqlite', 'bdb', 'ndb'] as const) {
  testWith(t, `${format}: seeded random damage never escapes as anything but one ERR_BAD_INPUT line`, format === 'ndb' ? ['rpm'] : format === 'bdb' ? ['rpm', 'db5.3_load'] : ['rpm'], async () => {
    const rnd = seededRandom(`${format} damage`);
    const fresh = (): { root: string; file: string } => {
      if (format === 'sqlite') return sqliteCopy();
      if (format === 'bdb') { const root = bdbRoot('fuzz', sampleDb().blobs, { pageSize: 1024 }); return { root, file: join(root, DBPATH, 'Packages') }; }
      const root = ndbRoot('fuzz', ndbBytes(sampleDb().blobs));
      return { root, file: join(root, 'usr/lib/sysimage/rpm/Packages.db') };
    };
    const base = fresh();
    const original = readFileSync(base.file);
    const outcomes = { read: 0, refused: 0 };
    for (let round = 0; round < 60; round++) {
      const damaged = Buffer.from(original);
      // mostly the structure near the start (headers, slots, schema, first pages), sometimes anywhere
      const span = rnd() < 0.7 ? Math.min(damaged.length, 8192) : damaged.length;
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) damaged[Math.floor(rnd() * span)] = Math.floor(rnd() * 256);
      writeFileSync(base.file, damaged);
      outcomes[await survives(base.root)]++;
    }
    assert.ok(outcomes.refused > 0, `some damage is noticed (${JSON.stringify(outcomes)})`);
  });
}

t.run();
