/**
 * Checkout: an image's merged filesystem (a layer stack, lowest first) written into a
 * directory. docs/checkout.md: the merge rules, the two modes, the checkout cache, and
 * what is skipped. The work is done by materialise-tree.ts over merged-tree.ts's walk.
 */
import { BazaarError } from '../errors.js';
import { isObjectId } from '../store/index.js';
import type { ObjectId, ObjectReader } from '../store/index.js';
import { materialiseTree } from './materialise-tree.js';
import type { CheckoutMode, CheckoutProgress, CheckoutResult } from './materialise-tree.js';
import { mergedTree, OwnerIds } from '../stack/index.js';
import { TreeCache } from './tree-cache.js';

export type { CheckoutMode, CheckoutProgress, CheckoutResult } from './materialise-tree.js';

/** What a checkout needs of a store: to read its objects, and its directory (for the checkout cache). */
export interface CheckoutStore extends ObjectReader { dir: string }

export interface CheckoutOptions {
  /**
   * 'hardlink': regular files are hard links into the store's checkout cache (fast, little
   * space; the checkout must be treated as read-only, docs/checkout.md#the-checkout-cache).
   * 'copy': every file is written from the store.
   */
  mode: CheckoutMode;
  /** Called every few hundred entries and at the end. */
  onProgress?: (p: CheckoutProgress) => void;
  /** Aborting stops the checkout and removes what it wrote. */
  signal?: AbortSignal;
  /** How reused cache entries are checked: 'stat' (default) or 'full' (re-hash the content). */
  verifyCache?: 'stat' | 'full';
}

/** A checkout's progress as the entry count exports report. */
export function entryCounter(onProgress: ((entries: number) => void) | undefined): ((p: CheckoutProgress) => void) | undefined {
  return onProgress && ((p) => onProgress(p.entries));
}

/** Checks the arguments every public entry point of checkout and export shares. */
export function checkLayerRoots(layerRoots: unknown): asserts layerRoots is ObjectId[] {
  if (!Array.isArray(layerRoots) || !layerRoots.every((r) => typeof r === 'string' && isObjectId(r))) {
    throw new BazaarError('ERR_USAGE', 'layerRoots is a list of tree ids (sha256:...), lowest layer first');
  }
}

/**
 * Writes the merged filesystem of `layerRoots` into `dir`, which must be absent or an
 * empty directory. On failure or abort, what was written is removed again.
 *
 * @example
 *   const r = await checkout(store, [base, runtime, app], '/srv/va1', { mode: 'hardlink' });
 *   console.log(`${r.files} files, ${r.cacheLinks} linked; skipped ${r.skipped.length}`);
 */
export async function checkout(store: CheckoutStore, layerRoots: readonly ObjectId[], dir: string, options: CheckoutOptions): Promise<CheckoutResult> {
  checkLayerRoots(layerRoots);
  if (typeof dir !== 'string' || dir === '') throw new BazaarError('ERR_USAGE', 'checkout needs a target directory');
  if (options?.mode !== 'hardlink' && options?.mode !== 'copy') throw new BazaarError('ERR_USAGE', `checkout mode is 'hardlink' or 'copy', not ${JSON.stringify(options?.mode)}`);
  if (options.verifyCache !== undefined && options.verifyCache !== 'stat' && options.verifyCache !== 'full') {
    throw new BazaarError('ERR_USAGE', `verifyCache is 'stat' or 'full', not ${JSON.stringify(options.verifyCache)}`);
  }
  const ctx = { objects: store, storeDir: store.dir, owners: new OwnerIds(store, layerRoots) };
  return materialiseTree(ctx, mergedTree(store, layerRoots, { trees: new TreeCache(store, store.dir) }), dir, options);
}
