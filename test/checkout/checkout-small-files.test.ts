/**
 * A copy checkout reads small files many at a time (src/checkout/small-file-batch.ts):
 * hundreds of them, across the batch limits, of every kind of mode and owner, come out
 * as they went in; a damaged or missing object among them, or a size that is not the
 * object's, fails the checkout naming it, and the target is gone again.
 */
import { chownSync, chmodSync, existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { isBazaarError } from '../../src/errors.js';
import { canonicalJson } from '../../src/store/canonical-json.js';
import type { ObjectId } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { importDir, memoryStore, newStore, snap } from '../helpers/checkout-fixtures.js';
import { flipStoredBit } from '../helpers/stored-objects.js';

const t = suite('checkout-small-files');
const asRoot = process.geteuid?.() === 0;
const MODES = [0o644, 0o600, 0o755, 0o444, 0o640, 0o666, 0o777, 0o000, 0o4755, 0o2755, 0o1644];

/** 300 files in 3 directories: sizes 0 to 70,000 bytes (some past the 64 KiB a batch takes), every mode above, some owned by 1000:1000. */
function manyFiles(): string {
  const dir = tempDir('co-small-src');
  for (let i = 0; i < 300; i++) {
    const sub = `${dir}/d${i % 3}`;
    mkdirSync(sub, { recursive: true });
    const f = `${sub}/f${i}`;
    const size = i % 50 === 7 ? 65_536 + i * 10 : (i * 997) % 9_000;
    writeFileSync(f, Buffer.alloc(size, `file ${i} `));
    if (asRoot && i % 4 === 1) chownSync(f, 1000, 1000);
    chmodSync(f, MODES[i % MODES.length]);
    utimesSync(f, 1_600_000_000 + i, 1_600_000_000 + i);
  }
  return dir;
}

async function refused(run: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try { await run(); } catch (err) {
    assert.ok(isBazaarError(err), String(err));
    return err as Error;
  }
  throw new Error('accepted');
}

t('hundreds of small files, every mode and owner, come out as they went in', async () => {
  const src = manyFiles();
  const store = await newStore();
  const root = await importDir(store, src);
  const out = `${tempDir('co-small')}/out`;
  const r = await checkout(store, [root], out, { mode: 'copy' });
  assert.is(r.files, 300);
  assert.is(r.copies, 300);
  assert.is(r.cacheCopies, 0);
  assert.equal(snap(out), snap(src));
});

t('a damaged small object among many fails the checkout naming it; the target is gone', async () => {
  const store = await newStore();
  const root = await importDir(store, manyFiles());
  const tree = await store.readKind(root, 'tree');
  const d1 = await store.readKind(tree.entries.find((e) => e.name === 'd1')!.id as ObjectId, 'tree');
  const victim = d1.entries.find((e) => e.kind === 'file' && (e.size ?? 0) > 1000)!.id as ObjectId;
  flipStoredBit(store.dir, victim, 0.5);
  const parent = tempDir('co-small-bad');
  const err = await refused(() => checkout(store, [root], `${parent}/out`, { mode: 'copy' }));
  assert.is(err.code, 'ERR_STORE_OBJECT_CORRUPT');
  assert.ok(err.message.includes(victim), err.message);
  assert.equal(readdirSync(parent), []);
});

t('a small file whose entry says another size than its object holds, or whose object is missing, is refused', async () => {
  const store = memoryStore();
  const id = await store.put(Buffer.from('hello, world'));
  const rawTree = (entries: object[]): Promise<ObjectId> => store.put(Buffer.from(canonicalJson({ kind: 'tree', v: 1, entries })));
  const file = (name: string, fileId: string, size: number): object => ({ name, kind: 'file', mode: 0o100644, user: '0', group: '0', id: fileId, size });
  const cases: Array<[object, string, RegExp]> = [
    [file('short', id, 5), 'ERR_STORE_OBJECT_CORRUPT', /says 5 bytes, but object .* holds more/],
    [file('long', id, 20), 'ERR_STORE_OBJECT_CORRUPT', /says 20 bytes, but object .* holds 12/],
    [file('gone', `sha256:${'0'.repeat(64)}`, 3), 'ERR_STORE_OBJECT_NOT_FOUND', /not in the store/],
  ];
  for (const [entry, code, message] of cases) {
    const fine = Array.from({ length: 20 }, (_, i) => file(`a${String(i).padStart(2, '0')}`, id, 12));
    const root = await rawTree([...fine, entry]);
    const parent = tempDir('co-small-lie');
    const err = await refused(() => checkout(store, [root], `${parent}/out`, { mode: 'copy' }));
    assert.is(err.code, code, err.message);
    assert.match(err.message, message);
    assert.not.ok(existsSync(`${parent}/out`));
  }
});

t.run();
