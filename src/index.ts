/**
 * The library API that build tools import: `import { Store } from 'bazaar'`.
 *
 * @example
 *   const store = await Store.init('./bazaar-store');
 *   const [added] = await store.add(['repos/sample/RPMS/noarch/webapp-2.4.1-alt1.noarch.rpm']);
 *   const manifest = await store.manifest(added.id);
 */
export {
  addToChannel, channelBuilds, channelLog, channelNames, createChannel, deleteChannel, diffChannel, isObjectId, listChannels, listPins, MemoryObjectBackend, MemoryStateBackend, pinPackage, publishChannel, readChannel, readStoreConfig, removeFromChannel, removePackage, renameChannel, repair, resolveChannelRev, restoreChannel, retentionRoots, servedVariant, Store, unpinPackage,
} from './store/index.js';
export type {
  AddOptions, AddResult, BuildRecord, BuildVariant, ChannelBuild, ChannelChange, ChannelDiff, ChannelLogEntry, ChannelSettings, ChannelState, ChannelSummary, FsckReport, GcReport, ObjectBackend, ObjectId, ObjectReader, ObjectStager, PackageManifest, Pin, RepairOptions, RepairReport, RetentionChoice, Snapshot, StateBackend, StoreConfig, StoreOptions, StoreState, Transaction,
} from './store/index.js';
export { BazaarError, isBazaarError } from './errors.js';
export { findRpmdb, formatNevra, formatNevraWithEpoch, nevraKey, packageMeta, parseNevra, readRpmdb, readRpmFile } from './rpm/index.js';
export type { Dependency, DependencyFlags, DependencyKind, InstalledHeader, PackageFile, PackageMeta, RpmdbLocation } from './rpm/index.js';
export { compareEvr, formatEvr, parseEvr, rpmvercmp } from './policy/index.js';

// Layers and images (docs/images.md), linked images (docs/linked-images.md)
export {
  changeImage, checkoutImage, cherryPick, createImage, createLayer, diffImage, exportImageRef, imageLog, imageStack, listImages, listLayers, rollbackImage, showImage, showLayer, upgradeImageLayer, upgradeLayer,
} from './api/index.js';
export type { LayerContentRequest, LayerResult } from './api/index.js';
export { importLayer, importRpmdbLayer } from './layer/index.js';
export type { ImportLayerResult, ImportOptions } from './layer/index.js';
export { checkout, exportImage, pruneCheckoutCache } from './checkout/index.js';
export type { CheckoutOptions, CheckoutResult, ExportFormat, ExportResult } from './checkout/index.js';
export { readLayerArchive, readLayerDirectory, writeLayerArchive } from './archive/index.js';
export type { LayerEntry } from './archive/index.js';
export {
  audit, groupMembers, isBroken, layerExceptions, linkImage, linkTree, listGroups, setGroup, setLinkPolicy, syncImage, unlinkImage,
} from './linked/index.js';
export type { AuditEntry, FamilyResult, LayerAuditEntry } from './linked/index.js';
// Installed systems and rpm-md repositories
export { readRepository, repoPackageFromFile, writeRepository } from './rpmmd/index.js';
