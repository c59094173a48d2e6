/**
 * How the three metadata documents are compressed: an interface, so a caller can plug
 * in another format (zstd, xz), and the built-in ones.
 *
 * createrepo_c 0.17.3 (Debian bookworm) writes gzip by default (`.xml.gz`: zlib level
 * 6, default strategy, gzopen's header), and so does `gzip`, through Node's zlib. The
 * XML inside is byte for byte createrepo_c's; the compressed bytes are not, because
 * Node bundles Chromium's zlib, whose deflate picks different matches than the system
 * zlib 1.2.13 createrepo_c links, and so repomd.xml's checksums and file names differ.
 *
 * `gzipExact` writes createrepo_c's very bytes: pako, a port of zlib's deflate, gives the
 * same output as the system zlib (the oracle tests compare the files and repomd.xml).
 * It runs on the calling thread and takes about twice the time of `gzip` (see
 * docs/rpmmd.md#performance); use it when the files must be identical to createrepo_c's.
 */
import { PassThrough, Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { constants, createGunzip, createGzip } from 'node:zlib';
import pako from 'pako';

export interface Compressor {
  /** Short name, for messages. */
  readonly name: string;
  /** File name suffix including its dot (`.gz`), or "" when not compressed. */
  readonly suffix: string;
  /** A fresh stream that compresses what is written to it. */
  compress(): Transform;
  /** A fresh stream that undoes `compress()` (used to correct a document's package count). */
  decompress(): Transform;
}

/** zlib's Z_DEFAULT_COMPRESSION, which createrepo_c asks for (and member-file.ts's members use). */
export const GZIP_LEVEL = 6;

class PakoGzip extends Transform {
  private readonly deflate = new pako.Deflate({ level: GZIP_LEVEL, gzip: true, chunkSize: 1 << 16 });

  constructor() {
    super();
    // pako allocates a fresh output buffer whenever one fills, so chunks are not reused
    this.deflate.onData = (chunk) => { this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)); };
  }

  private feed(data: Uint8Array, finish: boolean, cb: TransformCallback): void {
    this.deflate.push(data, finish);
    cb(this.deflate.err ? new Error(`gzip: ${this.deflate.msg}`) : null);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void { this.feed(chunk, false, cb); }
  override _flush(cb: TransformCallback): void { this.feed(new Uint8Array(0), true, cb); }
}

/** gzip at createrepo_c's level through Node's zlib (the default): off the main thread. */
export const gzip: Compressor = {
  name: 'gzip',
  suffix: '.gz',
  compress: () => createGzip({ level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY, chunkSize: 1 << 16 }),
  decompress: () => createGunzip(),
};

/** gzip byte-identical to createrepo_c's files (pako, on the calling thread). */
export const gzipExact: Compressor = {
  name: 'gzip-exact',
  suffix: '.gz',
  compress: () => new PakoGzip(),
  decompress: () => createGunzip(),
};

/** Plain XML (createrepo_c then lists no open-checksum / open-size). */
export const noCompression: Compressor = {
  name: 'none',
  suffix: '',
  compress: () => new PassThrough(),
  decompress: () => new PassThrough(),
};
