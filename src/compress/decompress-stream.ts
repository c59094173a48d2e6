/**
 * Streaming decompressors for the formats RPM payloads and rpm-md metadata use, behind
 * one function so callers never care which library or tool does the work.
 *
 * - gzip: node's zlib (in process).
 * - zstd: zstd-decode.ts, the one zstd stream decoder (in process, window limit,
 *   bounded memory).
 * - xz, lzma (legacy "lzma_alone"), bzip2: the system's `xz` / `bzip2` programs as
 *   child processes. They are native, stream in bounded memory and cover the legacy lzma
 *   format that no maintained npm package streams; see docs/store.md#payload-decoders.
 *
 * Whatever a decoder says about bad input ("incorrect data check", "Compressed data is
 * corrupt") reaches the caller as one typed error, which the caller may word (an rpm
 * payload is a bad package, ERR_RPM_PAYLOAD), never as the library's raw error.
 */
import { Duplex, PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { childProcess } from '../lazy-builtins.js';
import { BazaarError } from '../errors.js';
import { badData, zstdDecodeStream } from './zstd-decode.js';
import type { CorruptError } from './zstd-decode.js';

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

function complaint(kind: string, cause: unknown): string {
  return `${kind} data is corrupt: ${(cause as Error)?.message ?? cause}`;
}

/** zlib's gunzip, its errors about the data (code Z_DATA_ERROR, Z_BUF_ERROR...) reworded by `corrupt`. */
function gunzipStream(corrupt: CorruptError): Duplex {
  const z = createGunzip();
  // zlib reports bad data by destroying the stream with its error: _destroy is where a
  // stream implementation decides what error it ends with
  const destroy = z._destroy.bind(z);
  z._destroy = (err, cb) => destroy(err, (e) => {
    const zlibError = typeof (e as NodeJS.ErrnoException | null)?.code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('Z_');
    cb(zlibError ? corrupt(complaint('gzip', e), e) : e);
  });
  return z;
}

/** Wraps `prog args` (reading stdin, writing stdout) as a duplex stream. */
function toolStream(kind: string, prog: string, args: string[], corrupt: CorruptError): Duplex {
  const child = childProcess().spawn(prog, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 2000) stderr += d.toString(); });
  let failure: Error | null = null;
  child.on('error', (err) => {
    failure = (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? new BazaarError('ERR_RPM_UNSUPPORTED', `${kind} data needs the '${prog}' program, which is not installed (Debian: apt-get install ${prog === 'xz' ? 'xz-utils' : prog})`)
      : new BazaarError('ERR_RPM_UNSUPPORTED', `${kind} data needs the '${prog}' program, which could not be run: ${err.message}`, { cause: err });
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
    else if (code !== 0) {
      const why = new Error(stderr.trim().split('\n')[0] || `${prog} exited ${code}`);
      duplex.destroy(corrupt(complaint(kind, why), why));
    }
    else duplex.push(null);
  });
  return duplex;
}

/** A transform stream that decompresses `kind`; corrupt input fails it with `corrupt`'s error. */
export function decompressStream(kind: CompressionKind, corrupt: CorruptError = badData): Duplex {
  switch (kind) {
    case 'none': return new PassThrough();
    case 'gzip': return gunzipStream(corrupt);
    case 'zstd': return zstdDecodeStream(corrupt);
    case 'xz': return toolStream('xz', 'xz', ['-dc', '--format=xz', '-T1'], corrupt);
    case 'lzma': return toolStream('lzma', 'xz', ['-dc', '--format=lzma'], corrupt);
    case 'bzip2': return toolStream('bzip2', 'bzip2', ['-dc'], corrupt);
  }
}
