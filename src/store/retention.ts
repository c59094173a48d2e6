/**
 * Which states gc keeps (docs/versioning-policy.md#rule-retention): the head of every
 * branch, every older state the retention window still covers (`retainedStates`), and
 * every state a live reader leases. Deleted branches wait under `trash/` for the window
 * before their states stop counting.
 */
import { BazaarError } from '../errors.js';
import { retainedStates, retentionCutoff } from '../policy/index.js';
import type { BranchView } from './branch-view.js';
import { readStoreConfig } from './config.js';
import { leaseBoard } from './leases.js';
import type { Root } from './reachability.js';
import type { StateBackend } from './state-backend.js';

export const TRASH_PREFIX = 'trash/';

export interface RetentionChoice {
  /** Overrides the store config's `retention.days`. */
  retentionDays?: number;
  /** The current time in ms; injectable for tests and what-if runs. */
  now?: number;
  /** gc's recorded horizon (the state's `prunedBefore`): what an earlier gc collected. */
  horizon?: number;
}

export interface RootsResult {
  roots: Root[];
  retentionDays: number;
  now: number;
  /** The replacement time (seconds) below which states are not kept: the horizon a gc records. */
  cutoff: number;
  /** Trash heads older than the window (gc drops them from the state). */
  expiredTrash: string[];
  /** Branches whose history could not be read (fsck reports them; gc refuses). */
  unreadable: Array<{ branch: string; commit: string; problem: string }>;
}

/**
 * The states of every branch: `live` for those gc must keep. With `all`, older states
 * too (fsck checks them, reporting what gc pruned from them as not damage).
 *
 * @example
 * const { roots } = await retentionRoots(root, view, states, { retentionDays: 30 });
 */
export async function retentionRoots(root: string, view: BranchView, states: StateBackend, choice: RetentionChoice = {}, all = false): Promise<RootsResult> {
  const retentionDays = choice.retentionDays ?? (await readStoreConfig(root)).retention.days;
  const now = choice.now ?? Date.now();
  const window = { retentionDays, now, prunedBefore: choice.horizon };
  const cutoff = retentionCutoff(window);
  const roots: Root[] = [];
  const expiredTrash: string[] = [];
  const unreadable: RootsResult['unreadable'] = [];
  for (const branch of view.branches()) {
    const head = view.head(branch) as string;
    let history;
    try {
      history = await view.log(branch);
    } catch (err) {
      if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
      unreadable.push({ branch, commit: head, problem: err.message });
      roots.push({ branch, commit: head, live: true, head: true });
      continue;
    }
    if (branch.startsWith(TRASH_PREFIX) && history[0].timestamp < cutoff) {
      expiredTrash.push(branch);
      if (all) for (const c of history) roots.push({ branch, commit: c.oid, live: false, head: false });
      continue;
    }
    const keep = new Set(retainedStates(history, window));
    history.forEach((c, i) => {
      if (keep.has(c.oid) || all) roots.push({ branch, commit: c.oid, live: keep.has(c.oid), head: i === 0, replacedAt: i === 0 ? undefined : history[i - 1].timestamp });
    });
  }
  const seen = new Set(roots.map((r) => `${r.branch} ${r.commit}`));
  for (const seq of new Set(await leaseBoard(root, states).live())) {
    let state;
    try { state = await states.read(seq); } catch { continue; }
    if (state === null) continue;
    for (const [branch, commit] of Object.entries(state.heads)) {
      const key = `${branch} ${commit}`;
      const known = roots.find((r) => `${r.branch} ${r.commit}` === key);
      if (known) { known.live = true; known.head = true; continue; }
      if (!seen.has(key)) { seen.add(key); roots.push({ branch, commit, live: true, head: true }); }
    }
  }
  return { roots, retentionDays, now, cutoff, expiredTrash, unreadable };
}
