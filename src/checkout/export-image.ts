/**
 * An image (a layer stack, lowest first) out of the store in one of four forms
 * (docs/checkout.md#export):
 *
 * - `dir`: a copy checkout;
 * - `tar.zst`: the merged tree through the deterministic tar writer (write-layer-archive.ts);
 * - `overlay`: one directory per layer plus the mount command that stacks them;
 * - `squashfs`: mksquashfs of a copy checkout.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from '../store/index.js';
import { checkLayerRoots, checkout, entryCounter } from './checkout.js';
import type { CheckoutResult, CheckoutStore } from './checkout.js';
import { exportOverlay } from './export-overlay.js';
import type { OverlayExport } from './export-overlay.js';
import { exportSquashfs } from './export-squashfs.js';
import type { SquashfsExport } from './export-squashfs.js';
import { mergedLayerEntries } from '../stack/index.js';
import { TreeCache } from './tree-cache.js';
import { writeLayerArchive } from '../archive/index.js';

const PROGRESS_EVERY = 256;

/** Passes `entries` through, reporting how many went by. */
async function* counted<T>(entries: AsyncIterable<T>, onProgress: ((entries: number) => void) | undefined): AsyncGenerator<T> {
  let n = 0;
  for await (const e of entries) {
    yield e;
    if (++n % PROGRESS_EVERY === 0) onProgress?.(n);
  }
  onProgress?.(n);
}

export type ExportFormat = 'dir' | 'tar.zst' | 'overlay' | 'squashfs';

export interface ExportImageOptions {
  format: ExportFormat;
  /** The directory (dir, overlay: absent or empty) or file (tar.zst, squashfs: replaced atomically). */
  out: string;
  /** overlay: the layer directories' names, lowest first (default 0, 1, ...). */
  names?: string[];
  signal?: AbortSignal;
  /** Called with the number of entries written so far, every few hundred entries and at the end. */
  onProgress?: (entries: number) => void;
}

export type ExportResult =
  | { format: 'dir'; checkout: CheckoutResult }
  | { format: 'tar.zst'; bytes: number; skipped: string[] }
  | ({ format: 'overlay' } & OverlayExport)
  | ({ format: 'squashfs' } & SquashfsExport);

/**
 * Exports the merged image of `layerRoots`.
 *
 * @example
 *   const r = await exportImage(store, [base, app], { format: 'overlay', out: '/srv/va1' });
 *   if (r.format === 'overlay') console.log(r.mount); // mount -t overlay overlay -o lowerdir=...
 */
export async function exportImage(store: CheckoutStore, layerRoots: readonly ObjectId[], options: ExportImageOptions): Promise<ExportResult> {
  checkLayerRoots(layerRoots);
  if (typeof options?.out !== 'string' || options.out === '') throw new BazaarError('ERR_USAGE', 'export needs an output path (out)');
  if (options.names !== undefined && options.format !== 'overlay') throw new BazaarError('ERR_USAGE', 'names applies to the overlay format only');
  switch (options.format) {
    case 'dir':
      return { format: 'dir', checkout: await checkout(store, layerRoots, options.out, { mode: 'copy', signal: options.signal, onProgress: entryCounter(options.onProgress) }) };
    case 'tar.zst': {
      const skipped: string[] = [];
      const { bytes } = await writeLayerArchive(counted(mergedLayerEntries(store, layerRoots, { trees: new TreeCache(store, store.dir), onSkip: (p) => skipped.push(p) }), options.onProgress), options.out, { compression: 'zstd', signal: options.signal });
      return { format: 'tar.zst', bytes, skipped };
    }
    case 'overlay':
      return { format: 'overlay', ...(await exportOverlay(store, layerRoots, options.out, options.names, options.signal, options.onProgress)) };
    case 'squashfs':
      return { format: 'squashfs', ...(await exportSquashfs(store, layerRoots, options.out, options.signal, options.onProgress)) };
    default:
      throw new BazaarError('ERR_USAGE', `export format is 'dir', 'tar.zst', 'overlay' or 'squashfs', not ${JSON.stringify((options as { format?: unknown }).format)}`);
  }
}
