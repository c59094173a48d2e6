/**
 * Turns a layer archive (a file path or a byte stream) into the uncompressed tar stream,
 * recognising the compression from its first bytes rather than the file name: `.tar.zst`
 * (compress's zstd decoder), `.tar.gz` (node's zlib, through decompress-stream.ts) or a plain `.tar`.
 */
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { BazaarError } from '../errors.js';
import { decompressStream, isSkippableMagic, sniffCompression, zstdDecode } from '../compress/index.js';

export type ArchiveSource = string | AsyncIterable<Uint8Array>;

const asBuffer = (c: Uint8Array): Buffer => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));

/** Reads a file, naming it when it cannot be read (bad input, not a crash). */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Only system errors (ENOENT, EACCES, EISDIR, EIO ...) are the input's fault.
    if (err instanceof Error && typeof code === 'string' && code.startsWith('E')) {
      throw new BazaarError('ERR_BAD_INPUT', `${path}: cannot read (${code})`, { cause: err });
    }
    throw err;
  }
}

/** The first `n` bytes (fewer if the input is shorter), and the whole input again. */
async function peek(chunks: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer>; close: () => Promise<unknown> }> {
  const it = chunks[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    seen.push(asBuffer(r.value));
    have += r.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* seen;
      for (let r = await it.next(); !r.done; r = await it.next()) yield asBuffer(r.value);
    } finally {
      await it.return?.();
    }
  }
  return { head: Buffer.concat(seen).subarray(0, n), all: all(), close: async () => it.return?.() };
}

async function* gunzip(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out = pipeline(Readable.from(chunks, { objectMode: false }), decompressStream('gzip'), () => {});
  for await (const chunk of out) yield chunk as Buffer;
}

/**
 * The uncompressed tar bytes of `source`. Refuses compressions other than zstd and gzip
 * by name, so a `.tar.xz` is not misread as a broken tar.
 */
export async function tarChunks(source: ArchiveSource): Promise<AsyncIterable<Buffer>> {
  const input = typeof source === 'string' ? fileChunks(source) : source;
  const { head, all, close } = await peek(input, 6);
  const kind = sniffCompression(head);
  // The lzma_alone magic (5d 00 00) is loose enough to match a tar whose first name is "]".
  if (kind === 'zstd' || (head.length >= 4 && isSkippableMagic(head.readUInt32LE(0)))) return zstdDecode(all);
  if (kind === 'gzip') return gunzip(all);
  if (kind === 'xz' || kind === 'bzip2') {
    await close();
    throw new BazaarError('ERR_BAD_INPUT', `${typeof source === 'string' ? source : 'archive'}: compressed with ${kind}; a layer archive is .tar.zst, .tar.gz or .tar`);
  }
  return all;
}
