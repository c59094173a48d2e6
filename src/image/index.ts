/** The image folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { applyPlan, askedLine, formatJobs, notFetched, parseJobs, planChange, planLines, recordsOfChannel } from './image-change.js';
export type { ChangeResult, ImageChange, RecordOf } from './image-change.js';
export { checkUnique, commitImage, describeDamaged, describeImage, imageBump, imageId, imageIdOfRef, imageNames, layerLabel, loadImage, loadImageLayers, nextVersion, resolveLayerRefs } from './images.js';
export type { DamagedImage, ImageDescription, LoadedImage } from './images.js';
