/**
 * `bazaar rm`: takes a build out of `packages`, the list of published builds. Refused
 * (ERR_PACKAGE_IN_USE, nothing changes) while a channel's current state or a pin holds
 * it. The build's objects stay until gc finds that no state inside the retention window
 * reaches them (docs/versioning-policy.md#rule-retention).
 */
import { BazaarError } from '../errors.js';
import { channelsHolding } from './channels.js';
import type { ObjectId } from './layout.js';
import { listPins } from './pins.js';
import { PACKAGES_BRANCH } from './refs.js';
import type { Store } from './store.js';

/**
 * Removes one build (NEVRA, or bare name with one build) from the store's package list.
 *
 * @example
 * await removePackage(store, 'openssl-1.1.1w-alt1.x86_64');
 */
export async function removePackage(store: Store, ref: string, options: { message?: string } = {}): Promise<{ nevra: string; id: ObjectId; commit: string }> {
  return store.locked(async (catalog) => {
    const b = await store.resolveWith(catalog, ref);
    const path = `${b.name}/${b.key}`;
    const holders = [
      ...((await channelsHolding(store)).get(path) ?? []).map((h) => `channel ${h.channel}`),
      ...(await listPins(store)).filter((p) => p.name === b.name && p.key === b.key).map(() => 'a pin'),
    ];
    if (holders.length > 0) {
      throw new BazaarError('ERR_PACKAGE_IN_USE', `${b.nevra} is held by ${holders.join(', ')}; remove it from there first ('bazaar channel remove', 'bazaar unpin')`, { data: { nevra: b.nevra, holders } });
    }
    const commit = await store.refs.update(PACKAGES_BRANCH, [{ path, id: null }],
      `rm ${b.nevra}${options.message ? `\n\n${options.message}` : ''}\n\n${b.nevra} ${b.id}`);
    await catalog.remove([b], commit);
    return { nevra: b.nevra, id: b.id, commit };
  });
}
