import { createReadStream, readFileSync } from 'node:fs';
import { FRAME_SIZE } from '../compress/stored.js';

/**
 * A file's bytes in chunks of at most one frame. Small files are read whole: a read
 * stream would allocate a full 1 MiB buffer for each, which for thousands of small files
 * is mostly garbage-collector work.
 */
export async function* fileChunks(path: string | Buffer, size: number): AsyncGenerator<Buffer> {
  if (size <= FRAME_SIZE) {
    yield readFileSync(path); // see objects.ts: sync I/O beats a thread-pool hop for small files
    return;
  }
  for await (const chunk of createReadStream(path, { highWaterMark: FRAME_SIZE })) yield chunk as Buffer;
}
