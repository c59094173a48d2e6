/** The archive folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { TYPE_BITS, rdevMajor, rdevMinor } from './layer-entry.js';
export type { LayerEntry } from './layer-entry.js';
export { escapeOverlayXattr } from './overlay-xattrs.js';
export { readLayerArchive, readLayerDirectory } from './read-layer.js';
export { writeTar } from './tar-writer.js';
export { writeLayerArchive } from './write-layer-archive.js';
export type { XattrMode } from './xattrs.js';
export { BZIMAGE_HEADER_BYTES, bzImageRelease } from './bzimage.js';
export { imageFormatOf } from './image-format.js';
export type { ImageFormat } from './image-format.js';
export { isoMemberPath, scanIso } from './iso-scan.js';
export type { IsoKernel, IsoMember, IsoScan } from './iso-scan.js';
export { readSquashfs } from './squashfs-source.js';
