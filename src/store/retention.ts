/**
 * What gc keeps (docs/versioning-policy.md#rule-retention): the head of every branch
 * (`packages`, every `channels/<name>`, `pins`, and whatever images and layers add), and
 * every older state the policy's retention window still covers (`retainedStates`). The
 * window comes from the store config unless the caller gives one.
 */
import { retainedStates } from '../policy/retention.js';
import { readStoreConfig } from './config.js';
import type { Root } from './reachable.js';
import type { Store } from './store.js';

export interface RetentionChoice {
  /** Overrides the store config's `retention.days`. */
  retentionDays?: number;
  /** The current time in ms; injectable for tests and what-if runs. */
  now?: number;
}

/**
 * The branch states gc must keep, and the window it used.
 *
 * @example
 * const { roots } = await retentionRoots(store, { retentionDays: 30 });
 */
export async function retentionRoots(store: Store, choice: RetentionChoice = {}): Promise<{ roots: Root[]; retentionDays: number; now: number }> {
  const retentionDays = choice.retentionDays ?? (await readStoreConfig(store.dir)).retention.days;
  const now = choice.now ?? Date.now();
  const roots: Root[] = [];
  for (const branch of await store.refs.branches()) {
    const history = await store.refs.log(branch);
    const keep = new Set(retainedStates(history, { retentionDays, now }));
    history.forEach((c, i) => { if (keep.has(c.oid)) roots.push({ branch, commit: c.oid, head: i === 0 }); });
  }
  return { roots, retentionDays, now };
}
