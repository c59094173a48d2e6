/** The compress folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { FRAME_SIZE, FrameEncoder, RAW_HEADER_SIZE, RAW_MAGIC, TRAILER_BYTES, decodeFirstFrames, decodeStored, decodeWhole, decodeWholeBatch, decodeWholeUpTo, loadNativeZstd, peekLayout, storedLayout } from './codec.js';
export { decompressStream, sniffCompression } from './decompress-stream.js';
export type { CompressionKind } from './decompress-stream.js';
export { zstdDecode } from './zstd-decode.js';
export { ZSTD_MAGIC, isSkippableMagic } from './zstd-frame.js';
export { zstdFrames } from './zstd-frames.js';
