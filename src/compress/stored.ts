/**
 * The compress folder's narrow door for the store's own objects (docs/architecture.md#front-doors):
 * their frames written and read whole (codec.ts), without the streaming decoder of foreign
 * zstd input (fzstd) and the payload decoders that index.ts brings.
 */
export { FRAME_SIZE, FrameEncoder, RAW_HEADER_SIZE, RAW_MAGIC, TRAILER_BYTES, decodeFirstFrames, decodeStored, decodeWholeBatch, decodeWholeUpTo, peekLayout, storedLayout } from './codec.js';
export { ZSTD_MAGIC } from './zstd-frame.js';
