/**
 * Images for build tools (docs/library.md): create, change, show, history, checkout and
 * export, delete and rename; each takes the store and one checked options object.
 *
 * @example
 *   await createImage(store, { image: 'web@1.0.0', layers: ['base@^1.0'], channel: 'sample' });
 *   await installPackages(store, { image: 'web', packages: ['sed'] });
 *   const web = await showImage(store, { image: 'web' });
 */
import {
  addImageLayer as addImageLayerOp, changeImage, checkoutImage as checkoutImageOp, cherryPick as cherryPickOp, createImage as createImageOp, deleteImage as deleteImageOp, diffImage as diffImageOp,
  exportImageRef, imageLog as imageLogOp, listImages as listImagesOp, renameImage as renameImageOp, rollbackImage as rollbackImageOp,
  showImage as showImageOp, upgradeImageLayer as upgradeImageLayerOp,
} from '../api/index.js';
import type { CheckoutMode, CheckoutProgress, ExportFormat } from '../checkout/index.js';
import type { Store } from '../store/index.js';
import { checkChoice, checkOptions } from './check-options.js';
import type { Result } from './check-options.js';
import { withFirstUse } from './mirrors.js';
import { checkStore } from './store-arg.js';


/** A new image `name@version` on layers (`L@RANGE`, lowest first), installing from `channel`. */
export async function createImage(store: Store, options: { image: string; layers: string[]; channel?: string; nodeps?: boolean }): Promise<Result<typeof createImageOp>> {
  const s = checkStore('createImage', store);
  const o = checkOptions<typeof options>('createImage', options, { image: 'string', layers: 'strings', channel: 'string?', nodeps: 'boolean?' });
  return withFirstUse(s, () => createImageOp(s, o.image, o.layers, { ...(o.channel ? { channel: o.channel } : {}), nodeps: o.nodeps === true }));
}

interface ChangeOptions { image: string; channel?: string; message?: string; skipChildren?: boolean }
const CHANGE = { image: 'string', channel: 'string?', message: 'string?', skipChildren: 'boolean?' } as const;
function changeOptions(o: ChangeOptions): { channel?: string; message?: string; skipChildren?: boolean } {
  return { ...(o.channel ? { channel: o.channel } : {}), ...(o.message ? { message: o.message } : {}), skipChildren: o.skipChildren === true };
}

/** Installs packages (names, NEVRAs, build ids) and what they need, as a new image version. */
export async function installPackages(store: Store, options: ChangeOptions & { packages: string[] }): Promise<Result<typeof changeImage>> {
  const s = checkStore('installPackages', store);
  const o = checkOptions<typeof options>('installPackages', options, { ...CHANGE, packages: 'strings' });
  return withFirstUse(s, () => changeImage(s, o.image, { install: o.packages }, changeOptions(o)));
}

/** Removes packages (refused while an installed package needs them), as a new image version. */
export async function removePackages(store: Store, options: ChangeOptions & { packages: string[] }): Promise<Result<typeof changeImage>> {
  const s = checkStore('removePackages', store);
  const o = checkOptions<typeof options>('removePackages', options, { ...CHANGE, packages: 'strings' });
  return changeImage(s, o.image, { erase: o.packages }, changeOptions(o));
}

/** Moves packages (or, without `packages`, every package) to their newest builds in the channel. */
export async function upgradePackages(store: Store, options: ChangeOptions & { packages?: string[] }): Promise<Result<typeof changeImage>> {
  const s = checkStore('upgradePackages', store);
  const o = checkOptions<typeof options>('upgradePackages', options, { ...CHANGE, packages: 'strings?' });
  return withFirstUse(s, () => changeImage(s, o.image, { upgrade: o.packages?.length ? o.packages : 'all' }, changeOptions(o)));
}

/** Follows another version of one of the image's layers (`layer`: `L@RANGE`). */
export async function upgradeImageLayer(store: Store, options: { image: string; layer: string }): Promise<Result<typeof upgradeImageLayerOp>> {
  const s = checkStore('upgradeImageLayer', store);
  const o = checkOptions<typeof options>('upgradeImageLayer', options, { image: 'string', layer: 'string' });
  return withFirstUse(s, () => upgradeImageLayerOp(s, o.image, o.layer));
}

/** One image (`NAME` or `NAME@VERSION`): its layers, packages, link. */
export async function showImage(store: Store, options: { image: string }): Promise<Result<typeof showImageOp>> {
  const s = checkStore('showImage', store);
  const o = checkOptions<typeof options>('showImage', options, { image: 'string' });
  return s.read((view) => showImageOp(s, view, o.image));
}

/** Every image (a damaged one listed as such, not hidden). */
export async function listImages(store: Store): Promise<Result<typeof listImagesOp>> {
  const s = checkStore('listImages', store);
  return s.read((view) => listImagesOp(s, view));
}

/** An image's history, newest first. */
export async function imageLog(store: Store, options: { image: string }): Promise<Result<typeof imageLogOp>> {
  const s = checkStore('imageLog', store);
  const o = checkOptions<typeof options>('imageLog', options, { image: 'string' });
  return s.read((view) => imageLogOp(s, view, o.image));
}

/** What changed between two versions (or commits) of an image. */
export async function diffImage(store: Store, options: { image: string; from: string; to: string }): Promise<Result<typeof diffImageOp>> {
  const s = checkStore('diffImage', store);
  const o = checkOptions<typeof options>('diffImage', options, { image: 'string', from: 'string', to: 'string' });
  return s.read((view) => diffImageOp(s, view, o.image, o.from, o.to));
}

/** Makes an earlier version current again (default: the previous one). */
export async function rollbackImage(store: Store, options: { image: string; to?: string; skipChildren?: boolean }): Promise<Result<typeof rollbackImageOp>> {
  const s = checkStore('rollbackImage', store);
  const o = checkOptions<typeof options>('rollbackImage', options, { image: 'string', to: 'string?', skipChildren: 'boolean?' });
  return rollbackImageOp(s, o.image, { ...(o.to ? { to: o.to } : {}), skipChildren: o.skipChildren === true });
}

/** Runs the package change of a commit (of this or another image: `IMAGE:COMMIT`) here. */
export async function cherryPick(store: Store, options: { image: string; commit: string }): Promise<Result<typeof cherryPickOp>> {
  const s = checkStore('cherryPick', store);
  const o = checkOptions<typeof options>('cherryPick', options, { image: 'string', commit: 'string' });
  return cherryPickOp(s, o.image, o.commit);
}

/** The image's merged filesystem into `dir` (absent or empty); `mode` 'hardlink' links from the checkout cache. */
export async function checkoutImage(store: Store, options: { image: string; dir: string; mode?: CheckoutMode; onProgress?: (p: CheckoutProgress) => void; signal?: AbortSignal }): Promise<Result<typeof checkoutImageOp>> {
  const s = checkStore('checkoutImage', store);
  const o = checkOptions<typeof options>('checkoutImage', options, { image: 'string', dir: 'string', mode: 'string?', onProgress: 'function?', signal: 'signal?' });
  checkChoice('checkoutImage', 'mode', o.mode, ['copy', 'hardlink']);
  return checkoutImageOp(s, o.image, o.dir, { mode: o.mode ?? 'copy', ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) });
}

/** The image as a directory, a .tar.zst, overlay layer directories or a squashfs at `out`. */
export async function exportImage(store: Store, options: { image: string; out: string; format: ExportFormat; onProgress?: (entries: number) => void; signal?: AbortSignal }): Promise<Result<typeof exportImageRef>> {
  const s = checkStore('exportImage', store);
  const o = checkOptions<typeof options>('exportImage', options, { image: 'string', out: 'string', format: 'string', onProgress: 'function?', signal: 'signal?' });
  checkChoice('exportImage', 'format', o.format, ['dir', 'tar.zst', 'overlay', 'squashfs']);
  return exportImageRef(s, o.image, { format: o.format, out: o.out, ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) });
}

/** Puts layer `L@RANGE` on top of the image's shared layers, as a new image version. */
export async function addImageLayer(store: Store, options: { image: string; layer: string }): Promise<Result<typeof addImageLayerOp>> {
  const s = checkStore('addImageLayer', store);
  const o = checkOptions<typeof options>('addImageLayer', options, { image: 'string', layer: 'string' });
  return addImageLayerOp(s, o.image, o.layer);
}

/** Deletes an image (its history kept under trash/ for the retention window). */
export async function deleteImage(store: Store, options: { image: string }): Promise<Result<typeof deleteImageOp>> {
  const s = checkStore('deleteImage', store);
  const o = checkOptions<typeof options>('deleteImage', options, { image: 'string' });
  return deleteImageOp(s, o.image);
}

/** Renames an image, its history with it. */
export async function renameImage(store: Store, options: { image: string; to: string }): Promise<Result<typeof renameImageOp>> {
  const s = checkStore('renameImage', store);
  const o = checkOptions<typeof options>('renameImage', options, { image: 'string', to: 'string' });
  return renameImageOp(s, o.image, o.to);
}
