/**
 * batch-checks.ts: inside a batch each check is read once (at its first use, so after
 * every request of the batch was read); outside one, and in the next batch, afresh.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { answeringBatch, checkedForBatch } from '../../src/server/batch-checks.js';

const t = suite('batch checks');

t('a check is read once per batch, at its first use; afresh outside a batch and in the next one', () => {
  let reads = 0;
  const seq = (): number => ++reads;
  let other = 0;
  const keys = (): string => `k${++other}`;
  assert.is(checkedForBatch(seq), 1);
  assert.is(checkedForBatch(seq), 2, 'outside a batch: every call reads');
  const seen: Array<number | string> = [];
  answeringBatch(() => {
    assert.is(reads, 2, 'nothing read before its first use');
    seen.push(checkedForBatch(seq), checkedForBatch(seq), checkedForBatch(keys));
    answeringBatch(() => { seen.push(checkedForBatch(seq), checkedForBatch(keys)); }); // nested: the same batch
    seen.push(checkedForBatch(keys));
  });
  assert.equal(seen, [3, 3, 'k1', 3, 'k1', 'k1']);
  answeringBatch(() => { seen.push(checkedForBatch(seq)); });
  assert.is(seen[6], 4, 'the next batch reads again');
  assert.is(checkedForBatch(seq), 5, 'and after it, every call again');
});

t('a batch that throws ends: the next call reads afresh', () => {
  let reads = 0;
  const seq = (): number => ++reads;
  assert.throws(() => answeringBatch(() => { checkedForBatch(seq); throw new Error('boom'); }), /boom/);
  assert.is(checkedForBatch(seq), 2);
  assert.is(checkedForBatch(seq), 3);
});

t.run();
