/**
 * The library API that build tools import: `import { Store } from 'bazaar'`.
 *
 * @example
 *   const store = await Store.init('./bazaar-store');
 *   const [added] = await store.add(['repos/sample/RPMS/noarch/webapp-2.4.1-alt1.noarch.rpm']);
 *   const manifest = await store.manifest(added.id);
 */
export { isObjectId, MemoryObjectBackend, MemoryStateBackend, migrateStore, readStoreConfig, repair, retentionRoots, servedVariant, Store } from './store/index.js';
export type {
  AddOptions, AddResult, BuildRecord, BuildVariant, ChannelBuild, ChannelChange, ChannelDiff, ChannelLogEntry, ChannelSettings, ChannelState, ChannelSummary, FsckReport, GcReport, MigrateOptions, MigrateProgress, MigrateReport, ObjectBackend, ObjectId, ObjectReader, ObjectStager, PackageManifest, Pin, RepairOptions, RepairReport, RetentionChoice, Snapshot, StateBackend, StoreConfig, StoreOptions, StoreState, Transaction,
} from './store/index.js';
export { BazaarError, isBazaarError } from './errors.js';
export { findRpmdb, formatEvr, formatNevra, formatNevraWithEpoch, nevraKey, packageMeta, parseEvr, parseNevra, readRpmdb, readRpmFile } from './rpm/index.js';
export type { Dependency, DependencyFlags, DependencyKind, InstalledHeader, PackageFile, PackageMeta, RpmdbLocation } from './rpm/index.js';
export { compareEvr, rpmvercmp } from './policy/index.js';

// Channels, pins, layers, images and linked images (docs/library.md): one checked options object each
export {
  addToChannel, channelLog, createChannel, deleteChannel, diffChannel, listChannels, listPins, pinPackage, publishToChannel, removeFromChannel, removePackage,
  renameChannel, restoreChannel, setChannelSignatureRule, showChannel, unpinPackage,
  importKeys, listKeys, removeKey, verifyPackages,
  addImageLayer, auditImages, bootImage, checkoutImage, cherryPick, createImage, createLayer, deleteImage, deleteLayer, diffImage, exportImage, imageLog, importInstalledRoot, importLayer,
  installPackages, linkedImages, linkImage, listGroups, listImages, listLayers, setGroup, removePackages, renameImage, rollbackImage, setLinkPolicy, showImage, showLayer, syncImage,
  unlinkImage, upgradeImageLayer, upgradeLayer, upgradePackages,
  exportSigningKey, generateSigningKey,
} from './library/index.js';
export type { KeyInfo, PackageVerdict, SigningKeySummary } from './library/index.js';
// A channel commit's resolver universe, made when the commit is (Store.onChannelCommit; docs/resolver.md)
export { prepareChannelUniverse } from './resolver/index.js';
// Each added build's rpm-md fragments, as `bazaar add` makes them (docs/rpmmd.md)
export { prepareRpmmdFragments } from './rpmmd/index.js';
// Mirrors of rpm-md repositories (docs/mirrors.md)
export { addMirror, fetchKnownPackage, fetchOnFirstUse, listMirrors, removeMirror, syncMirror } from './library/index.js';
export type { MirrorInfo } from './library/index.js';
export type { FirstUse, MirrorLimits, SyncResult } from './mirror/index.js';
export type { CheckoutMode, CheckoutProgress, CheckoutResult, ExportFormat, ExportResult } from './checkout/index.js';
export type { AuditEntry, FamilyResult, LayerAuditEntry } from './linked/index.js';
export { isBroken } from './linked/index.js';
// Layer archives: the formats layers travel in (docs/overlay-import.md)
export { readLayerArchive, readLayerDirectory, writeLayerArchive } from './archive/index.js';
export type { LayerEntry } from './archive/index.js';
// Installed systems and rpm-md repositories
export { readRepository, repoPackageFromFile, writeRepository } from './rpmmd/index.js';
