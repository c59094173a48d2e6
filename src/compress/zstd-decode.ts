/**
 * Streaming zstd decoding for layer archives, in bounded memory either way:
 *
 * - the `zstd` program when it is on PATH: native speed (several hundred MB/s, against
 *   fzstd's ~75 MB/s measured on this project's machine), pipe backpressure, and its
 *   default window limit (128 MiB) refuses frames that ask for more;
 * - otherwise fzstd in process, fed through ZstdFrameWalker, which enforces the same
 *   window limit before fzstd allocates anything and cuts input into slices of bounded
 *   output (fzstd itself decodes a whole pushed chunk at once).
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decompress } from 'fzstd';
import { BazaarError, isErrno } from '../errors.js';
import { findTool } from '../fs/index.js';
import { MAX_WINDOW } from './zstd-frame.js';
import { ZstdFormatError, ZstdFrameWalker } from './zstd-frame-walker.js';

export type ZstdDecoder = 'auto' | 'tool' | 'js';

function corrupt(why: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `zstd data is corrupt: ${why}`, { cause });
}

/** Decompresses a zstd stream (any number of frames). */
export function zstdDecode(chunks: AsyncIterable<Uint8Array>, decoder: ZstdDecoder = 'auto'): AsyncGenerator<Buffer> {
  const tool = decoder === 'js' ? null : findTool('zstd');
  if (decoder === 'tool' && !tool) throw new BazaarError('ERR_USAGE', "decoding zstd with the 'zstd' program, which is not installed (Debian: apt-get install zstd)");
  return tool ? zstdDecodeTool(tool, chunks) : zstdDecodeJs(chunks);
}

async function* zstdDecodeJs(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const walker = new ZstdFrameWalker();
  let out: Buffer[] = [];
  const d = new Decompress((data) => { out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)); });
  const push = (slice: Uint8Array, final: boolean): void => {
    try {
      d.push(slice, final);
    } catch (err) {
      throw corrupt(`${(err as Error).message} (near byte ${walker.offset})`, err);
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
    if (err instanceof ZstdFormatError) throw corrupt(err.message, err);
    throw err;
  }
  push(new Uint8Array(0), true);
  for (const b of out) if (b.length) yield b;
}

async function* zstdDecodeTool(tool: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const child = spawn(tool, ['-d', '-c', '-q', `--memory=${MAX_WINDOW >> 20}MB`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
  let spawnError: Error | null = null;
  // 'error' without 'close' when the program cannot be started: settle either way.
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (err) => { spawnError = err; resolve(null); });
  });
  // Our input may fail (a file read error) or stop being wanted (zstd exited early on bad
  // data, or our consumer stopped): keep the first failure that is not just the broken pipe.
  let inputError: unknown = null;
  const feeding = pipeline(Readable.from(chunks, { objectMode: false }), child.stdin).catch((err: unknown) => {
    if (!isErrno(err, 'EPIPE') && !isErrno(err, 'ERR_STREAM_PREMATURE_CLOSE')) inputError = err;
  });
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    await feeding;
    if (inputError) throw inputError;
    if (spawnError) throw spawnError;
    if (code !== 0) {
      const line = stderr.split('\n').map((l) => l.replace(/^.*\*stdin\*\\?\s*:\s*/, '').trim()).find(Boolean);
      throw corrupt(line ?? `zstd exited with status ${code}`);
    }
    finished = true;
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited; // gone when the caller's loop ends, not some time later
    }
  }
}
