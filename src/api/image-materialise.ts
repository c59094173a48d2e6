/**
 * An image of the store out to disk: checked out as a directory tree, or exported as a
 * tar.zst, overlay layer directories or a squashfs (docs/checkout.md). The work runs
 * inside one read snapshot, so a gc running meanwhile keeps every object it reads.
 */
import type { BranchView, ObjectId, Store } from '../store/index.js';
import { checkout, exportImage } from '../checkout/index.js';
import type { CheckoutOptions, CheckoutResult, ExportImageOptions, ExportResult } from '../checkout/index.js';
import { imageIdOfRef, loadImageLayers } from '../image/index.js';

export interface ImageStack {
  name: string; version: string; id: ObjectId;
  /** Layer trees, lowest first, the private layer last. */
  trees: ObjectId[];
  /** Each layer as `name@version`, the private one as `private`. */
  labels: string[];
}

/** `NAME[@VERSION]` to the image's layer stack (its package database is not read: nothing here needs it). */
export async function imageStack(store: Store, view: BranchView, ref: string): Promise<ImageStack> {
  const { name, id } = await imageIdOfRef(view, ref);
  const loaded = await loadImageLayers(store, id);
  const labels = [...loaded.layers.map((l) => `${l.name}@${l.version}`), 'private'];
  return { name, version: loaded.image.version, id, trees: loaded.trees, labels };
}

/**
 * Writes image `ref` into `dir` (absent or empty).
 *
 * @example
 *   const r = await checkoutImage(store, 'va1', '/srv/va1', { mode: 'hardlink' });
 */
export async function checkoutImage(store: Store, ref: string, dir: string, options: CheckoutOptions): Promise<{ image: Omit<ImageStack, 'trees' | 'labels'>; result: CheckoutResult }> {
  return store.read(async (view) => {
    const stack = await imageStack(store, view, ref);
    const result = await checkout(store, stack.trees, dir, options);
    return { image: { name: stack.name, version: stack.version, id: stack.id }, result };
  });
}

/** Exports image `ref` in one of the export formats (overlay layer dirs are named after the layers). */
export async function exportImageRef(store: Store, ref: string, options: Omit<ExportImageOptions, 'names'>): Promise<{ image: Omit<ImageStack, 'trees' | 'labels'>; result: ExportResult }> {
  return store.read(async (view) => {
    const stack = await imageStack(store, view, ref);
    const names = options.format === 'overlay' ? stack.labels.map((l, i) => `${i}-${l}`) : undefined;
    const result = await exportImage(store, stack.trees, { ...options, ...(names ? { names } : {}) });
    return { image: { name: stack.name, version: stack.version, id: stack.id }, result };
  });
}
