/**
 * The typed-array id set behind the reachability walk (src/store/id-table.ts): every id
 * added is found at its index, no other is, and parallel arrays grow with it.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IdTable } from '../../src/store/id-table.js';
import type { ObjectId } from '../../src/store/layout.js';

const t = suite('id-table');
const idOf = (n: number): ObjectId => `sha256:${createHash('sha256').update(String(n)).digest('hex')}`;

t('100,000 ids: each found at the index it was given, re-adding returns it, absent ids are absent', () => {
  const capacities: number[] = [];
  const table = new IdTable((n) => capacities.push(n));
  for (let i = 0; i < 100_000; i++) assert.is(table.add(idOf(i)), i);
  assert.is(table.size, 100_000);
  for (let i = 0; i < 100_000; i += 7) {
    assert.is(table.indexOf(idOf(i)), i);
    assert.is(table.add(idOf(i)), i, 're-adding returns the same index');
    assert.is(table.idAt(i), idOf(i));
  }
  assert.is(table.size, 100_000, 'no duplicates');
  for (let i = 100_000; i < 100_500; i++) assert.not.ok(table.has(idOf(i)), `absent ${i}`);
  assert.ok(capacities.length > 0 && capacities.every((c, k) => k === 0 || c > capacities[k - 1]), 'parallel arrays were told of each growth');
  assert.ok(table.capacity >= table.size);
});

t('ids that share their first bytes (one hash slot) are told apart', () => {
  const table = new IdTable();
  const base = 'ab'.repeat(28);
  const ids = Array.from({ length: 50 }, (_, i) => `sha256:${base}${i.toString(16).padStart(8, '0')}` as ObjectId);
  ids.forEach((id, i) => assert.is(table.add(id), i));
  ids.forEach((id, i) => assert.is(table.indexOf(id), i));
  assert.not.ok(table.has(`sha256:${base}ffffffff`));
});

t.run();
