/**
 * `fsck --repair --reset-ref BRANCH` names branches to move back: a name that is no branch
 * of the store (in any kept state, or among the git refs that mirror them) is a typing
 * mistake, refused rather than silently doing nothing.
 */
import { BazaarError } from '../errors.js';
import { internals } from './store.js';
import type { Store } from './store.js';

/** Every branch any kept state or git ref names (a damaged state is skipped: repair is for damage). */
async function knownBranches(store: Store): Promise<Set<string>> {
  const { repo, states } = internals(store);
  const known = new Set(await repo.listRefs('heads'));
  for (const seq of await states.list()) {
    try {
      for (const b of Object.keys((await states.read(seq))?.heads ?? {})) known.add(b);
    } catch { /* a damaged state names nothing */ }
  }
  return known;
}

/** Refuses (ERR_USAGE) reset names that are no branch of the store. */
export async function checkResetRefs(store: Store, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const known = await knownBranches(store);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new BazaarError('ERR_USAGE', `nothing to reset: the store has no branch ${unknown.join(', ')} (branches are named as fsck reports them: packages, channels/NAME, images/NAME, layers/NAME)`, { data: { unknown } });
  }
}
