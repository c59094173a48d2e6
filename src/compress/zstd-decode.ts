/**
 * The one decoder of zstd streams that come in: layer archives (files and uploads),
 * RPM payloads, rpm-md metadata. Memory stays bounded whatever the input:
 *
 * - the input is walked header by header first (ZstdFrameWalker, over the one frame
 *   parser of zstd-frame.ts): a frame asking for a window above MAX_WINDOW is refused
 *   before the decoder allocates it, and the input is cut into slices of bounded output
 *   (64 KiB of a compressed run of zeros decodes to gigabytes in one decoder call);
 * - each slice's output is handed on before the next slice is decoded.
 *
 * The engine is fzstd, in process: the only streaming zstd decoder among the project's
 * dependencies. @mongodb-js/zstd 1.2.2 decodes whole buffers only, so a foreign frame (an
 * rpmbuild payload or a `tar --zstd` archive is one frame of any size) would have to be
 * held whole, compressed and decoded; and the product runs no `zstd` program (system tools
 * are the tests' oracles). fzstd decodes at about 80 MB/s here against the native
 * library's several hundred, which is why the store's own objects, written by bazaar in
 * frames of at most 1 MiB, are decoded whole by the native library (codec.ts) instead.
 */
import { Duplex, PassThrough } from 'node:stream';
import { Decompress } from 'fzstd';
import { BazaarError } from '../errors.js';
import { ZstdFormatError, ZstdFrameWalker } from './zstd-frame-walker.js';

/** What a decoder's complaint about its input becomes: `message` says "<kind> data is corrupt: why". */
export type CorruptError = (message: string, cause: unknown) => Error;

/** The default wording: bad input (exit 2, HTTP 400). */
export const badData: CorruptError = (message, cause) => new BazaarError('ERR_BAD_INPUT', message, { cause });

/** Decompresses a zstd stream (any number of frames); bad or oversized input fails it with `corrupt`'s error. */
export async function* zstdDecode(chunks: AsyncIterable<Uint8Array>, corrupt: CorruptError = badData): AsyncGenerator<Buffer> {
  const fail = (why: string, cause?: unknown): Error => corrupt(`zstd data is corrupt: ${why}`, cause);
  const walker = new ZstdFrameWalker();
  let out: Buffer[] = [];
  const d = new Decompress((data) => { out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)); });
  const push = (slice: Uint8Array, final: boolean): void => {
    try {
      d.push(slice, final);
    } catch (err) {
      throw fail(`${(err as Error).message} (near byte ${walker.offset})`, err);
    }
  };
  try {
    for await (const chunk of chunks) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (const slice of walker.slices(buf)) {
        push(slice, false);
        const ready = out;
        out = [];
        for (const b of ready) if (b.length) yield b;
      }
    }
    walker.finish();
  } catch (err) {
    if (err instanceof ZstdFormatError) throw fail(err.message, err);
    throw err;
  }
  push(new Uint8Array(0), true);
  for (const b of out) if (b.length) yield b;
}

/**
 * zstdDecode as a duplex stream (bytes in, bytes out), for callers that pipe. Input waits
 * in a PassThrough, whose write callback holds off the writer while the decoder is busy;
 * output is pulled from the decoder only when the reader asks for more.
 */
export function zstdDecodeStream(corrupt: CorruptError = badData): Duplex {
  const input = new PassThrough();
  const output = zstdDecode(input, corrupt);
  let pulling = false;
  return new Duplex({
    write(chunk: Buffer, _enc, cb) { input.write(chunk, cb); },
    final(cb) { input.end(cb); },
    read() {
      if (pulling) return;
      pulling = true;
      output.next().then((r) => {
        pulling = false;
        this.push(r.done ? null : r.value);
      }, (err: unknown) => { pulling = false; this.destroy(err as Error); });
    },
    destroy(err, cb) {
      input.destroy();
      output.return(undefined).then(() => cb(err), () => cb(err));
    },
  });
}
