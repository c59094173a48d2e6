/** The layer folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { buildLayerTree } from './layer-content.js';
export type { LayerBuild } from './layer-content.js';
export { importLayer, importRpmdbLayer } from './layer-import.js';
export type { ImportLayerResult, ImportOptions } from './layer-import.js';
export { isPublishedContent, otherContent, restoreLayer } from './layer-restore.js';
export type { BuiltLayer, RebuildLayer } from './layer-restore.js';
export { checkVersion, layerNames, layerVersions, parseVersionRef, pickLayer, publishLayer } from './layers.js';
export type { VersionCheck } from './layers.js';
export { LAYER_NAME, parseLayerRef, pickLayerVersion } from './layer-ref.js';
export type { LayerRef } from './layer-ref.js';
export { actualBump, checkLayerVersion, isSoname, requiredBump } from './semver-bump.js';
export type { Bump, BumpReason, LayerVersionCheck, RequiredBump } from './semver-bump.js';
export type { LiveImageChoice, LiveImport } from './live-import.js';
