/**
 * What `bazaar versions --json` and the server's `/v1/packages/<name>/versions` answer for
 * a name: one function, so the CLI and the HTTP API cannot drift apart (one package's
 * details are package-details.ts's).
 */
import { BazaarError } from '../errors.js';
import { sortNewestFirst } from '../policy/index.js';
import type { Build, OrderOptions } from '../policy/index.js';
import type { BranchView } from './branch-view.js';
import { checkPackageRef, entriesNamed } from './builds.js';
import { channelSettings, channelsHolding, orderOf } from './channels.js';
import { listPins } from './pins.js';
import { PACKAGES_BRANCH } from './ref-paths.js';
import type { Store } from './store.js';

export interface VersionRow { nevra: string; id: string; channels: string[]; pinned: boolean; pinReason?: string }

/** Every stored build of `name`, newest first (by `channel`'s order when given), with the channels holding each and its pin. */
export async function packageVersions(store: Store, view: BranchView, name: string, channel?: string): Promise<VersionRow[]> {
  const order: OrderOptions = channel === undefined ? {} : orderOf((await channelSettings(store, view, channel)).settings);
  const stored = await entriesNamed(view, PACKAGES_BRANCH, checkPackageRef(name));
  if (stored.length === 0) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no build of ${name} in the store`, { data: { name, scope: 'store' }, reason: 'no-package' });
  const builds: Array<Build & { nevra: string; key: string }> = [];
  for (const p of stored) {
    const r = await store.build(p.value);
    builds.push({ name, epoch: r.epoch, version: r.version, release: r.release, arch: r.arch, id: r.header, disttag: r.disttag, buildtime: r.buildtime, nevra: r.nevra, key: p.key });
  }
  const holding = await channelsHolding(store, view);
  const pins = new Map((await listPins(store, view)).map((p) => [p.key, p]));
  return sortNewestFirst(builds, order).map((b) => ({
    nevra: b.nevra, id: b.id,
    channels: (holding.get(b.key) ?? []).map((h) => h.channel),
    pinned: pins.has(b.key), ...(pins.has(b.key) ? { pinReason: pins.get(b.key)?.reason ?? '' } : {}),
  }));
}
