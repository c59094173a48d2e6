/**
 * Pins (docs/versioning-policy.md#rule-image-pins): the branch `pins`, one entry per
 * pinned build at its build path (ref-paths.ts), the value a pin object
 * (kinds/pin.ts) naming the build record and why. gc keeps the head of every branch and
 * follows a pin to its build, so a pinned build and its files survive any retention
 * window; `bazaar rm` refuses a pinned build.
 */
import { BazaarError } from '../errors.js';
import type { BranchView } from './branch-view.js';
import { allEntries, findBuild, matchBuilds } from './builds.js';
import type { BuildEntry } from './builds.js';
import { stageKind } from './kinds/index.js';
import { isObjectId } from './layout.js';
import type { ObjectId } from './layout.js';
import type { Transaction } from './transaction.js';
import { PACKAGES_BRANCH, PINS_BRANCH, buildPath } from './ref-paths.js';
import type { Store } from './store.js';

export interface Pin { name: string; key: string; nevra: string; build: ObjectId; reason: string; pin: ObjectId }

/**
 * Every pin, in name order.
 *
 * @example
 * (await store.read((s) => listPins(store, s))).map((p) => `${p.nevra}: ${p.reason}`);
 */
export async function listPins(store: Store, view: BranchView): Promise<Pin[]> {
  const out: Pin[] = [];
  for (const e of await allEntries(view, PINS_BRANCH)) {
    const record = await store.readKind(e.value, 'pin');
    out.push({ name: e.name, key: e.key, nevra: record.nevra, build: (record.build ?? record.package) as ObjectId, reason: record.reason, pin: e.value });
  }
  return out;
}

/**
 * Pins a stored build (NEVRA, name with one build, build id) so gc keeps it; pinning
 * again replaces the reason.
 *
 * @example
 * await pinPackage(store, 'bash-5.2.26-alt1.x86_64', 'core-os 11.0 requires it');
 */
export async function pinPackage(store: Store, ref: string, reason = ''): Promise<{ nevra: string; id: ObjectId; commit: string }> {
  return store.write(async (tx) => {
    const b = await findBuild(tx, PACKAGES_BRANCH, ref, 'store', store.indexSource(tx, PACKAGES_BRANCH));
    const record = await store.readKind(b.value, 'build');
    const pin = await stageKind(tx, 'pin', { build: b.value, nevra: record.nevra, reason });
    tx.stage(pin);
    const commit = await tx.update(PINS_BRANCH, [{ path: buildPath(b.name, b.key), id: pin.id }],
      `pin ${record.nevra}${reason ? `\n\n${reason}` : ''}\n\n${record.nevra} ${record.header}`);
    return { nevra: record.nevra, id: record.header, commit };
  });
}

/**
 * Removes a pin (NEVRA, bare name with one pinned build, or build id); the build stays in the store.
 *
 * @example
 * await unpinPackage(store, 'bash-5.2.26-alt1.x86_64');
 */
export async function unpinPackage(store: Store, ref: string): Promise<{ nevra: string; id: ObjectId; commit: string }> {
  return store.write(async (tx) => {
    const found = await pinOf(store, tx, ref);
    const record = await store.readKind(found.value, 'pin');
    const commit = await tx.update(PINS_BRANCH, [{ path: buildPath(found.name, found.key), id: null }], `unpin ${record.nevra}`);
    const build = record.build ? await store.readKind(record.build, 'build').catch(() => null) : null;
    return { nevra: record.nevra, id: (build?.header ?? record.build ?? record.package) as ObjectId, commit };
  });
}

/**
 * The pin entry `ref` names. A build id (the header's, or the record's, as `pin` takes it)
 * is found in the store, then its pin at the same path: the pins' entries hold pin
 * records, which no build id names.
 */
async function pinOf(store: Store, tx: Transaction, ref: string): Promise<BuildEntry> {
  const pins = store.indexSource(tx, PINS_BRANCH);
  if (!isObjectId(ref)) return findBuild(tx, PINS_BRANCH, ref, 'pins', pins);
  const build = await findBuild(tx, PACKAGES_BRANCH, ref, 'store', store.indexSource(tx, PACKAGES_BRANCH));
  const pinned = (await matchBuilds(tx, PINS_BRANCH, build.nevra, pins)).filter((e) => e.key === build.key);
  if (pinned.length === 1) return pinned[0];
  throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no package ${ref} in the pins`, { data: { ref, where: 'the pins', scope: 'pins' }, reason: 'no-package' });
}
