/**
 * The library API that build tools import: `import { Store } from 'bazaar'`.
 *
 * @example
 *   const store = await Store.init('./bazaar-store');
 *   const [added] = await store.add(['repos/sample/RPMS/noarch/webapp-2.4.1-alt1.noarch.rpm']);
 *   const manifest = await store.manifest(added.id);
 */
export { Store } from './store/store.js';
export type { AddResult, FsckReport, GcReport } from './store/store.js';
export type { PackageManifest } from './store/ingest-rpm.js';
export type { ObjectId } from './store/layout.js';
export { isObjectId } from './store/layout.js';
export { BazaarError, isBazaarError } from './errors.js';
export { readRpmFile } from './rpm/read-rpm.js';
export { packageMeta, formatNevra } from './rpm/package-meta.js';
export type { PackageMeta, PackageFile } from './rpm/package-meta.js';
export { parseNevra, nevraKey } from './rpm/nevra.js';
export type { Dependency, DependencyFlags, DependencyKind } from './rpm/dependency.js';
export { rpmvercmp } from './policy/rpmvercmp.js';
export { compareEvr, parseEvr, formatEvr } from './policy/evr.js';
export {
  createChannel, addToChannel, removeFromChannel, publishChannel, restoreChannel, readChannel, channelBuilds, channelNames,
} from './store/channels.js';
export type { ChannelSettings, ChannelBuild, ChannelState, ChannelChange } from './store/channels.js';
export { channelLog, diffChannel, listChannels, resolveChannelRev } from './store/channel-history.js';
export type { ChannelSummary, ChannelDiff, ChannelLogEntry } from './store/channel-history.js';
export { pinPackage, unpinPackage, listPins } from './store/pins.js';
export type { Pin } from './store/pins.js';
export { removePackage } from './store/remove.js';
export { retentionRoots } from './store/retention.js';
export type { RetentionChoice } from './store/retention.js';
export { readStoreConfig } from './store/config.js';
export type { StoreConfig } from './store/config.js';
