/**
 * Writes a layer archive file (`.tar.zst` or `.tar`) the store's way: into a temp file in
 * the same directory, fsync, then rename over the final name, so a reader never sees a
 * partial archive; on failure or abort the temp file is removed. Only a regular file is
 * ever replaced (output-file.ts).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { BazaarError, isErrno } from '../errors.js';
import type { LayerEntry } from './layer-entry.js';
import { writeTar } from './tar-writer.js';
import type { WriteTarOptions } from './tar-writer.js';
import { checkOutputFile, outputFileError } from '../fs/index.js';
import { zstdFrames } from '../compress/index.js';

export interface WriteLayerArchiveOptions extends WriteTarOptions {
  /** 'zstd' (default) for `.tar.zst`, 'none' for a plain `.tar`. */
  compression?: 'zstd' | 'none';
  signal?: AbortSignal;
}

/**
 * Writes `entries` (sorted by the caller) as an archive at `file`; returns its size.
 *
 * @example
 *   await writeLayerArchive(readLayerDirectory('/srv/va1/.rw/upper'), 'va1-rw.tar.zst');
 */
export async function writeLayerArchive(entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>, file: string, options: WriteLayerArchiveOptions = {}): Promise<{ bytes: number }> {
  const compression = options.compression ?? 'zstd';
  if (compression !== 'zstd' && compression !== 'none') throw new BazaarError('ERR_USAGE', `compression is 'zstd' or 'none', not ${JSON.stringify(compression)}`);
  checkOutputFile(file);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`);
  let fh;
  try { fh = await open(tmp, 'wx'); } catch (err) { throw outputFileError(file, err); }
  let bytes = 0;
  try {
    const tar = writeTar(entries, options);
    const out = compression === 'zstd' ? zstdFrames(tar) : tar;
    for await (const chunk of out) {
      options.signal?.throwIfAborted();
      await fh.write(chunk);
      bytes += chunk.length;
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
    return { bytes };
  } catch (err) {
    await fh.close().catch(() => {}); // may be closed already; the unlink below is what matters
    await unlink(tmp).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
    throw outputFileError(file, err);
  }
}
