/** Layer formats: overlay upper dirs and tar archives in, tar archives out (docs/overlay-import.md). */
export { readLayerArchive, readLayerDirectory } from './read-layer.js';
export type { ReadLayerArchiveOptions, ReadLayerDirectoryOptions } from './read-layer.js';
export type { ArchiveSource } from './archive-input.js';
export { writeTar } from './tar-writer.js';
export type { WriteTarOptions } from './tar-writer.js';
export { writeLayerArchive } from './write-layer-archive.js';
export type { WriteLayerArchiveOptions } from './write-layer-archive.js';
export { zstdFrames } from './zstd-frames.js';
export { readTar } from './tar-reader.js';
export type { TarEntry, TarEntryType } from './tar-reader.js';
export { makeRdev, rdevMajor, rdevMinor } from './layer-entry.js';
export type { LayerEntry, LayerEntryKind } from './layer-entry.js';
export { decodePathBytes, encodePathBytes } from './path-bytes.js';
export { compareLayerPaths } from './layer-path.js';
export type { XattrMode } from './xattrs.js';
