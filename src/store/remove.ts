/**
 * `bazaar rm`: takes a build out of `packages`, the list of published builds. Refused
 * (ERR_PACKAGE_IN_USE, nothing changes) while a channel's current state or a pin holds
 * it. The build's objects stay until gc finds that no state inside the retention window
 * reaches them (docs/versioning-policy.md#rule-retention).
 */
import { BazaarError } from '../errors.js';
import { findBuild } from './builds.js';
import { channelsHolding } from './channels.js';
import type { ObjectId } from './layout.js';
import { PACKAGES_BRANCH, PINS_BRANCH, buildPath } from './ref-paths.js';
import type { Store } from './store.js';

/**
 * Removes one build (NEVRA, name with one build, build id) from the store's package list.
 *
 * @example
 * await removePackage(store, 'openssl-1.1.1w-alt1.x86_64');
 */
export async function removePackage(store: Store, ref: string, options: { message?: string } = {}): Promise<{ nevra: string; id: ObjectId; commit: string }> {
  return store.write(async (tx) => {
    const b = await findBuild(tx, PACKAGES_BRANCH, ref, 'store', store.indexSource(tx, PACKAGES_BRANCH));
    const record = await store.readKind(b.value, 'build');
    const path = buildPath(b.name, b.key);
    const holders = [
      ...((await channelsHolding(store, tx)).get(b.key) ?? []).map((h) => `channel ${h.channel}`),
      ...((await tx.read(PINS_BRANCH, path)) !== null ? ['a pin'] : []),
    ];
    if (holders.length > 0) {
      throw new BazaarError('ERR_PACKAGE_IN_USE', `${record.nevra} is held by ${holders.join(', ')}; remove it from there first`, { data: { nevra: record.nevra, holders }, reason: 'in-use' });
    }
    const commit = await tx.update(PACKAGES_BRANCH, [{ path, id: null }],
      `rm ${record.nevra}${options.message ? `\n\n${options.message}` : ''}\n\n${record.nevra} ${record.header}`);
    return { nevra: record.nevra, id: record.header, commit };
  });
}
