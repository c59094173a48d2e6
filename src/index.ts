/**
 * The library API that build tools import: `import { Store } from 'bazaar'`.
 *
 * @example
 *   const store = await Store.init('./bazaar-store');
 *   const [added] = await store.add(['repos/sample/RPMS/noarch/webapp-2.4.1-alt1.noarch.rpm']);
 *   const manifest = await store.manifest(added.id);
 */
export { Store } from './store/store.js';
export type { AddResult, AddOptions, StoreOptions } from './store/store.js';
export type { FsckReport } from './store/fsck.js';
export type { GcReport } from './store/gc.js';
export { repair } from './store/repair.js';
export type { RepairReport, RepairOptions } from './store/repair.js';
export type { Snapshot } from './store/snapshot.js';
export type { Transaction } from './store/transaction.js';
export type { PackageManifest } from './store/kinds/package.js';
export type { BuildRecord, BuildVariant } from './store/kinds/build.js';
export { servedVariant } from './store/kinds/build.js';
export type { ObjectBackend } from './store/object-backend.js';
export type { StateBackend, StoreState } from './store/state-backend.js';
export { MemoryObjectBackend } from './store/memory-object-backend.js';
export { MemoryStateBackend } from './store/memory-state-backend.js';
export type { ObjectId } from './store/layout.js';
export { isObjectId } from './store/layout.js';
export { BazaarError, isBazaarError } from './errors.js';
export { readRpmFile } from './rpm/read-rpm.js';
export { packageMeta } from './rpm/package-meta.js';
export type { PackageMeta, PackageFile } from './rpm/package-meta.js';
export { parseNevra, nevraKey, formatNevra, formatNevraWithEpoch } from './rpm/nevra.js';
export type { Dependency, DependencyFlags, DependencyKind } from './rpm/dependency.js';
export { rpmvercmp } from './policy/rpmvercmp.js';
export { compareEvr, parseEvr, formatEvr } from './policy/evr.js';
export {
  createChannel, addToChannel, removeFromChannel, publishChannel, readChannel, channelBuilds, channelNames, deleteChannel, renameChannel,
} from './store/channels.js';
export type { ChannelSettings, ChannelBuild, ChannelState, ChannelChange } from './store/channels.js';
export { channelLog, diffChannel, listChannels, resolveChannelRev, restoreChannel } from './store/channel-history.js';
export type { ChannelSummary, ChannelDiff, ChannelLogEntry } from './store/channel-history.js';
export { pinPackage, unpinPackage, listPins } from './store/pins.js';
export type { Pin } from './store/pins.js';
export { removePackage } from './store/remove.js';
export { retentionRoots } from './store/retention.js';
export type { RetentionChoice } from './store/retention.js';
export { readStoreConfig } from './store/config.js';
export type { StoreConfig } from './store/config.js';

// Layers and images (docs/images.md), linked images (docs/linked-images.md)
export { createLayer, listLayers, showLayer } from './image/layer-ops.js';
export type { LayerContentRequest, LayerResult } from './image/layer-ops.js';
export { importLayer, importRpmdbLayer } from './image/layer-import.js';
export type { ImportLayerResult, ImportOptions } from './image/layer-import.js';
export { upgradeLayer } from './image/layer-upgrade.js';
export { createImage, changeImage, upgradeImageLayer, showImage, listImages } from './image/image-ops.js';
export { imageLog, diffImage, rollbackImage, cherryPick } from './image/image-history.js';
export { checkoutImage, exportImageRef, imageStack } from './image/image-materialise.js';
export { checkout, exportImage, pruneCheckoutCache, readLayerArchive, readLayerDirectory, writeLayerArchive } from './image/index.js';
export type { CheckoutOptions, CheckoutResult, ExportFormat, ExportResult, LayerEntry } from './image/index.js';
export { linkImage, unlinkImage, setLinkPolicy, syncImage, audit, layerExceptions, linkTree } from './image/links.js';
export type { AuditEntry, FamilyResult, LayerAuditEntry } from './image/links.js';
export { isBroken } from './image/link-judge.js';
export { listGroups, groupMembers, setGroup } from './image/groups.js';
// Installed systems and rpm-md repositories
export { readRpmdb, findRpmdb } from './rpm/rpmdb/index.js';
export type { InstalledHeader, RpmdbLocation } from './rpm/rpmdb/index.js';
export { writeRepository, repoPackageFromFile } from './rpmmd/write/index.js';
export { readRepository } from './rpmmd/index.js';
