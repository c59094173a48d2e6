/**
 * Packed derived data (src/store/caches/derived-packs.ts): bodies are stored deflated, so
 * rpm-md fragments cost a fraction of their text on disk; every body reads back as
 * written, a damaged stored byte is a miss (never another body) that check() reports, and
 * a pack of the first format (bodies as they are) is still read and rewritten deflated by
 * the next merge. A kind opened with `deflate: false` keeps its bodies as they are
 * (BZDPACK4), and readMany reads a pack whole, checked by its bodies' sum, or entry by
 * entry when that fails: the same bodies as read, a damaged one a miss.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DerivedPacks, MAX_PACKS } from '../../src/store/caches/derived-packs.js';
import type { PackEntry } from '../../src/store/caches/derived-packs.js';
import { derivedPacksDir } from '../../src/store/caches/paths.js';
import type { ObjectId } from '../../src/store/layout.js';
import { freshStore } from '../helpers/cli.js';

const t = suite('derived packs');
const sha = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
const idOf = (i: number): ObjectId => `sha256:${sha(`object ${i}`).toString('hex')}`;

/** XML-like text, as rpm-md fragments are. */
function entry(i: number): PackEntry {
  const body = Buffer.from(Array.from({ length: 40 }, (_, k) => `  <rpm:entry name="lib${i}-part${k}.so()(64bit)" flags="GE" ver="1.${k}"/>\n`).join(''));
  return { id: idOf(i), label: JSON.stringify({ n: i }), body };
}

const packFiles = (root: string, kind: string): string[] => readdirSync(derivedPacksDir(root, kind)).filter((n) => n.endsWith('.pack'));

t('bodies are stored deflated: the pack is a fraction of the text; each reads back; a flipped stored byte is a miss check() names', () => {
  const root = freshStore('dpack');
  const packs = DerivedPacks.of(root, 'test-kind');
  const entries = Array.from({ length: 50 }, (_, i) => entry(i));
  assert.ok(packs.write(entries));
  const [name] = packFiles(root, 'test-kind');
  const text = entries.reduce((n, e) => n + e.body.length, 0);
  const size = statSync(join(derivedPacksDir(root, 'test-kind'), name)).size;
  assert.ok(size < text / 3, `pack ${size} bytes for ${text} bytes of bodies`);
  for (const e of entries) {
    assert.ok(packs.read(e.id)?.equals(e.body), `body of ${e.id}`);
    assert.is(packs.label(e.id), e.label);
  }
  assert.is(packs.read(idOf(999)), null);
  // the first entry's stored bytes start the pack
  const path = join(derivedPacksDir(root, 'test-kind'), name);
  const bytes = readFileSync(path);
  bytes[5] ^= 0x10;
  writeFileSync(path, bytes);
  const fresh = DerivedPacks.of(`${root}/`, 'test-kind'); // another instance: reads the file anew
  fresh.refresh();
  const misses = entries.filter((e) => fresh.read(e.id) === null);
  assert.is(misses.length, 1, 'exactly the damaged entry is a miss');
  for (const e of entries) { const b = fresh.read(e.id); if (b !== null) assert.ok(b.equals(e.body)); }
  const report = fresh.check();
  assert.is(report.entries, 50);
  assert.equal(report.damaged, [`test-kind/${name}: entry of ${misses[0].id}`]);
});

/** A pack of the first format, BZDPACK1: bodies as they are. */
function plainPack(entries: PackEntry[]): Buffer {
  const rows: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const label = Buffer.from(e.label);
    const r = Buffer.alloc(76 + label.length);
    Buffer.from(e.id.slice(7), 'hex').copy(r, 0);
    r.writeUIntBE(offset, 32, 6); r.writeUInt32BE(e.body.length, 38); sha(e.body).copy(r, 42); r.writeUInt16BE(label.length, 74); label.copy(r, 76);
    rows.push(r);
    offset += e.body.length;
  }
  const index = Buffer.concat(rows);
  const footer = Buffer.alloc(48);
  footer.write('BZDPACK1', 0, 'latin1'); footer.writeUInt32BE(entries.length, 8); footer.writeUInt32BE(index.length, 12); sha(index).copy(footer, 16);
  return Buffer.concat([...entries.map((e) => e.body), index, footer]);
}

t('a pack of the first format (bodies as they are) is read, and the merge past MAX_PACKS rewrites it deflated', () => {
  const root = freshStore('dpack-v1');
  const dir = derivedPacksDir(root, 'old-kind');
  mkdirSync(dir, { recursive: true });
  const old = Array.from({ length: 20 }, (_, i) => entry(i));
  writeFileSync(join(dir, '0000000000-1-old.pack'), plainPack(old));
  const packs = DerivedPacks.of(root, 'old-kind');
  packs.refresh();
  for (const e of old) assert.ok(packs.read(e.id)?.equals(e.body));
  assert.equal(packs.check().damaged, []);
  for (let k = 0; k < MAX_PACKS; k++) assert.ok(packs.write([entry(100 + k)]));
  const names = packFiles(root, 'old-kind');
  assert.ok(names.length <= MAX_PACKS, `${names.length} packs`);
  assert.not.ok(names.includes('0000000000-1-old.pack'), 'the old pack was merged away');
  for (const n of names) assert.is(readFileSync(join(dir, n)).subarray(-48, -40).toString('latin1'), 'BZDPACK3');
  for (const e of [...old, ...Array.from({ length: MAX_PACKS }, (_, k) => entry(100 + k))]) assert.ok(packs.read(e.id)?.equals(e.body), `body of ${e.id} after the merge`);
});

t('the sum of the bodies: a sound pack checks in one pass, a damaged sum is no damage, and a pack of the second format (no sum) is checked entry by entry', () => {
  const root = freshStore('dpack-sum');
  const dir = derivedPacksDir(root, 'sum-kind');
  const entries = Array.from({ length: 30 }, (_, i) => entry(i));
  assert.ok(DerivedPacks.of(root, 'sum-kind').write(entries));
  const [name] = packFiles(root, 'sum-kind');
  const path = join(dir, name);
  const bytes = readFileSync(path);
  const indexLength = bytes.readUInt32BE(bytes.length - 48 + 12);
  const bodiesLength = bytes.length - 48 - 32 - indexLength;
  assert.equal(bytes.subarray(bytes.length - 80, bytes.length - 48), sha(bytes.subarray(0, bodiesLength)), 'the sum is of the stored bodies');
  // the sum itself damaged: every entry still reads and checks, nothing is reported
  const badSum = Buffer.from(bytes);
  badSum[bytes.length - 60] ^= 0x01;
  writeFileSync(path, badSum);
  const again = DerivedPacks.of(`${root}//`, 'sum-kind');
  again.refresh();
  for (const e of entries) assert.ok(again.read(e.id)?.equals(e.body));
  assert.equal(again.check(), { packs: 1, entries: 30, damaged: [] });
  // the second format: no sum (the 32 bytes before the footer gone), magic BZDPACK2
  const v2 = Buffer.concat([bytes.subarray(0, bytes.length - 80), bytes.subarray(bytes.length - 48)]);
  v2.write('BZDPACK2', v2.length - 48, 'latin1');
  v2[3] ^= 0x04; // the first entry's stored bytes
  writeFileSync(path, v2);
  const v2Packs = DerivedPacks.of(`${root}///`, 'sum-kind');
  v2Packs.refresh();
  const misses = entries.filter((e) => v2Packs.read(e.id) === null);
  assert.is(misses.length, 1, 'the damaged entry is a miss, the others read');
  assert.equal(v2Packs.check().damaged, [`sum-kind/${name}: entry of ${misses[0].id}`]);
});

t('deflate: false keeps bodies as they are with their sum; readMany gives what read gives, a damaged body a miss; gc and merges keep each kind\'s form', () => {
  const root = freshStore('dpack-plain');
  const dir = derivedPacksDir(root, 'plain-kind');
  const packs = DerivedPacks.of(root, 'plain-kind', { deflate: false });
  const entries = Array.from({ length: 100 }, (_, i) => entry(i));
  assert.ok(packs.write(entries));
  const [name] = packFiles(root, 'plain-kind');
  const path = join(dir, name);
  const bytes = readFileSync(path);
  assert.is(bytes.subarray(-48, -40).toString('latin1'), 'BZDPACK4');
  assert.ok(entries.some((e) => bytes.subarray(0, e.body.length).equals(e.body)), 'bodies as they are: one starts the pack');
  const ids = [...entries.map((e) => e.id), idOf(999)];
  const many = packs.readMany(ids);
  assert.is(many.length, 101);
  assert.is(many[100], null, 'an id without an entry');
  entries.forEach((e, i) => assert.ok(many[i]?.equals(e.body), `body ${i} from the whole read`));
  assert.equal(packs.check(), { packs: 1, entries: 100, damaged: [] });
  // one stored byte flipped: the bodies' sum fails, each entry is checked alone
  const damaged = Buffer.from(bytes);
  damaged[10] ^= 0x20;
  writeFileSync(path, damaged);
  const again = DerivedPacks.of(`${root}/`, 'plain-kind', { deflate: false });
  again.refresh();
  const got = again.readMany(ids);
  const misses = entries.filter((_, i) => got[i] === null);
  assert.is(misses.length, 1, 'exactly the damaged entry is a miss');
  entries.forEach((e, i) => { if (got[i] !== null) assert.ok(got[i]?.equals(e.body)); });
  assert.equal(again.check().damaged, [`plain-kind/${name}: entry of ${misses[0].id}`]);
  // merges past MAX_PACKS write the kind's form, keeping the sound entries
  for (let k = 0; k < MAX_PACKS; k++) assert.ok(again.write([entry(200 + k)]));
  for (const n of packFiles(root, 'plain-kind')) assert.is(readFileSync(join(dir, n)).subarray(-48, -40).toString('latin1'), 'BZDPACK4');
  const kept = [...entries.filter((e) => e !== misses[0]), ...Array.from({ length: MAX_PACKS }, (_, k) => entry(200 + k))];
  const after = again.readMany(kept.map((e) => e.id));
  kept.forEach((e, i) => assert.ok(after[i]?.equals(e.body), `body of ${e.id} after the merge`));
  // gc's prune, through an instance that was not told the form, rewrites each pack as it was
  const gcView = DerivedPacks.of(`${root}//`, 'plain-kind');
  gcView.prune((id) => id !== kept[0].id);
  for (const n of packFiles(root, 'plain-kind')) assert.is(readFileSync(join(dir, n)).subarray(-48, -40).toString('latin1'), 'BZDPACK4');
  assert.is(gcView.read(kept[0].id), null);
  assert.ok(gcView.read(kept[1].id)?.equals(kept[1].body));
});

t.run();
