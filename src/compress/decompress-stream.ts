/**
 * Streaming decompressors for the formats RPM payloads and rpm-md metadata use, behind
 * one function so callers never care which library or tool does the work.
 *
 * - gzip: node's zlib (in process).
 * - zstd: fzstd, a pure-JS streaming decoder (Node 20's zlib has no zstd, and
 *   @mongodb-js/zstd 1.2.2 only decodes whole buffers).
 * - xz, lzma (legacy "lzma_alone"), bzip2: the system's `xz` / `bzip2` programs as
 *   child processes. They are native, stream in bounded memory and cover the legacy lzma
 *   format that no maintained npm package streams; see docs/store.md#payload-decoders.
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { BazaarError } from '../errors.js';

export type CompressionKind = 'none' | 'gzip' | 'zstd' | 'xz' | 'lzma' | 'bzip2';

/** Recognises a compression format from its magic bytes (null when none matches). */
export function sniffCompression(head: Uint8Array): CompressionKind | null {
  const at = (i: number): number => head[i] ?? -1;
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd';
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a) return 'xz';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2';
  if (at(0) === 0x5d && at(1) === 0x00 && at(2) === 0x00) return 'lzma';
  return null;
}

function zstdStream(): Transform {
  let decoder: Decompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try { decoder.push(chunk); cb(); } catch (err) { cb(corrupt('zstd', err)); }
    },
    flush(cb) {
      try { decoder.push(new Uint8Array(0), true); cb(); } catch (err) { cb(corrupt('zstd', err)); }
    },
  });
  decoder = new Decompress((data) => { t.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)); });
  return t;
}

function corrupt(kind: string, cause: unknown): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `${kind} data is corrupt: ${(cause as Error)?.message ?? cause}`, { cause });
}

/** Wraps `prog args` (reading stdin, writing stdout) as a duplex stream. */
function toolStream(kind: string, prog: string, args: string[]): Duplex {
  const child = spawn(prog, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 2000) stderr += d.toString(); });
  let failure: Error | null = null;
  child.on('error', (err) => {
    failure = (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? new BazaarError('ERR_RPM_UNSUPPORTED', `${kind} data needs the '${prog}' program, which is not installed (Debian: apt-get install ${prog === 'xz' ? 'xz-utils' : prog})`)
      : err;
  });
  const duplex = new Duplex({
    write(chunk, _enc, cb) {
      if (failure) { cb(failure); return; }
      if (!child.stdin.write(chunk)) child.stdin.once('drain', cb); else cb();
    },
    final(cb) { child.stdin.end(); cb(); },
    read() { child.stdout.resume(); },
    destroy(err, cb) { child.kill('SIGKILL'); cb(err); },
  });
  // The tool may stop reading early (corrupt input): its stdin then errors with EPIPE,
  // which the exit status below reports properly.
  child.stdin.on('error', () => {});
  child.stdout.on('data', (d: Buffer) => { if (!duplex.push(d)) child.stdout.pause(); });
  child.on('close', (code) => {
    if (failure) duplex.destroy(failure);
    else if (code !== 0) duplex.destroy(corrupt(kind, new Error(stderr.trim().split('\n')[0] || `${prog} exited ${code}`)));
    else duplex.push(null);
  });
  return duplex;
}

/** A transform stream that decompresses `kind`. */
export function decompressStream(kind: CompressionKind): Duplex {
  switch (kind) {
    case 'none': return new PassThrough();
    case 'gzip': return createGunzip();
    case 'zstd': return zstdStream();
    case 'xz': return toolStream('xz', 'xz', ['-dc', '--format=xz', '-T1']);
    case 'lzma': return toolStream('lzma', 'xz', ['-dc', '--format=lzma']);
    case 'bzip2': return toolStream('bzip2', 'bzip2', ['-dc']);
  }
}
