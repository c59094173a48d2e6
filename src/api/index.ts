/** The api folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { cherryPick, diffImage, imageLog, rollbackImage } from './image-history.js';
export { deleteImage, deleteLayer, renameImage } from './image-lifecycle.js';
export { checkoutImage, exportImageRef, imageStack } from './image-materialise.js';
export { addImageLayer, changeImage, createImage, listImages, showImage, upgradeImageLayer } from './image-ops.js';
export { createLayer, listLayers, showLayer } from './layer-ops.js';
export type { LayerContentRequest, LayerResult } from './layer-ops.js';
export { upgradeLayer } from './layer-upgrade.js';
