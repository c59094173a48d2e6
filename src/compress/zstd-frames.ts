/**
 * zstd compression of a stream in bounded memory: the input is cut into FRAME_BYTES
 * pieces and each becomes an independent zstd frame. RFC 8878 §3.1 makes a sequence of
 * frames one valid zstd stream, so `zstd -d`, libarchive and fzstd read the result as
 * the concatenation. The zstd library (@mongodb-js/zstd, pinned, whole buffers only) is
 * reached through compress/codec.ts, the one module that imports it.
 */
import { FrameEncoder } from './codec.js';

/**
 * Uncompressed bytes per frame. Layer archives cross the network (the net-boot workflow
 * sends them from every VA), so frames are larger than the store's 1 MiB ones for a
 * better ratio; memory stays at about twice this.
 */
export const FRAME_BYTES = 4 << 20;

/** Compresses `chunks` into zstd frames of at most `frameBytes` input each. */
export async function* zstdFrames(chunks: AsyncIterable<Buffer>, frameBytes = FRAME_BYTES): AsyncGenerator<Buffer> {
  const encoder = new FrameEncoder();
  let pending: Buffer[] = [];
  let size = 0;
  let frames = 0;
  for await (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(frameBytes - size, chunk.length - off);
      pending.push(chunk.subarray(off, off + take));
      size += take;
      off += take;
      if (size === frameBytes) {
        const data = Buffer.concat(pending, size);
        pending = [];
        size = 0;
        frames++;
        yield await encoder.frame(data);
      }
    }
  }
  // An empty input still gives one (empty) frame: a zero-byte file is not a zstd stream.
  if (size > 0 || frames === 0) yield await encoder.frame(Buffer.concat(pending, size));
}
