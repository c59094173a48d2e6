/**
 * Layers for build tools (docs/library.md): build one from packages, import one from an
 * overlay upper directory, a layer archive, a live squashfs or ISO image or an
 * rpm-installed root, show, list, move the images on a layer to its next version, delete;
 * each takes the store and one checked options object.
 *
 * @example
 *   await createLayer(store, { layer: 'base@1.0.0', resolve: ['bash'], channel: 'sample' });
 *   await importLayer(store, { layer: 'site@1.0.0', from: '/srv/va1/.rw/upper' });
 */
import {
  createLayer as createLayerOp, deleteLayer as deleteLayerOp, listLayers as listLayersOp, showLayer as showLayerOp, upgradeLayer as upgradeLayerOp,
} from '../api/index.js';
import { importLayer as importLayerOp, importRpmdbLayer } from '../layer/index.js';
import type { Store } from '../store/index.js';
import { checkChoice, checkOptions } from './check-options.js';
import type { Result } from './check-options.js';
import { withFirstUse } from './mirrors.js';
import { checkStore } from './store-arg.js';

type XattrChoice = 'all' | 'visible' | 'none';

/**
 * A layer version from packages: `packages` (NEVRAs, names with one build, build ids) as
 * they are, and/or `resolve` (names installed with what they need from `channel`).
 * `dryRun` only computes the version check; `force` publishes a version the semver rules
 * refuse; `nodeps` publishes a set that does not hold together, recorded as such.
 */
export async function createLayer(store: Store, options: { layer: string; packages?: string[]; resolve?: string[]; channel?: string; force?: boolean; dryRun?: boolean; nodeps?: boolean }): Promise<Result<typeof createLayerOp>> {
  const s = checkStore('createLayer', store);
  const o = checkOptions<typeof options>('createLayer', options, { layer: 'string', packages: 'strings?', resolve: 'strings?', channel: 'string?', force: 'boolean?', dryRun: 'boolean?', nodeps: 'boolean?' });
  const content = { ...(o.packages ? { packages: o.packages } : {}), ...(o.resolve ? { resolve: o.resolve } : {}), ...(o.channel ? { channel: o.channel } : {}) };
  return withFirstUse(s, () => createLayerOp(s, o.layer, content, { force: o.force === true, dryRun: o.dryRun === true, nodeps: o.nodeps === true }));
}

const IMPORT = { layer: 'string', from: 'string', force: 'boolean?', dryRun: 'boolean?', xattrs: 'string?', onEntry: 'function?' } as const;
interface ImportArgs { layer: string; from: string; force?: boolean; dryRun?: boolean; xattrs?: XattrChoice; onEntry?: (path: string) => void }
function importOptions(fn: string, o: ImportArgs): { force: boolean; dryRun: boolean; xattrs?: XattrChoice; onEntry?: (path: string) => void } {
  checkChoice(fn, 'xattrs', o.xattrs, ['all', 'visible', 'none']);
  return { force: o.force === true, dryRun: o.dryRun === true, ...(o.xattrs ? { xattrs: o.xattrs } : {}), ...(o.onEntry ? { onEntry: o.onEntry } : {}) };
}

/**
 * A layer version from a directory (an overlay upper dir: whiteouts honoured), a
 * .tar/.tar.zst layer archive, or a live system's squashfs or ISO image (its squashfs
 * member, `squashfs` naming it when there are several, and its kernel, `kernel` naming it
 * when there are several).
 */
export async function importLayer(store: Store, options: ImportArgs & { squashfs?: string; kernel?: string }): Promise<Result<typeof importLayerOp>> {
  const s = checkStore('importLayer', store);
  const o = checkOptions<typeof options>('importLayer', options, { ...IMPORT, squashfs: 'string?', kernel: 'string?' });
  return importLayerOp(s, o.layer, o.from, { ...importOptions('importLayer', o), ...(o.squashfs !== undefined ? { squashfs: o.squashfs } : {}), ...(o.kernel !== undefined ? { kernel: o.kernel } : {}) });
}

/** A layer version from an rpm-installed root: its files, and its rpm database as snippets. */
export async function importInstalledRoot(store: Store, options: ImportArgs & { dbpath?: string }): Promise<Result<typeof importRpmdbLayer>> {
  const s = checkStore('importInstalledRoot', store);
  const o = checkOptions<typeof options>('importInstalledRoot', options, { ...IMPORT, dbpath: 'string?' });
  return importRpmdbLayer(s, o.layer, o.from, { ...importOptions('importInstalledRoot', o), ...(o.dbpath ? { dbpath: o.dbpath } : {}) });
}

/** Every layer and its published versions. */
export async function listLayers(store: Store): Promise<Result<typeof listLayersOp>> {
  return checkStore('listLayers', store).read((view) => listLayersOp(view));
}

/** One layer version (`NAME`, `NAME@VERSION` or `NAME@RANGE`): its packages and id. */
export async function showLayer(store: Store, options: { layer: string }): Promise<Result<typeof showLayerOp>> {
  const s = checkStore('showLayer', store);
  const o = checkOptions<typeof options>('showLayer', options, { layer: 'string' });
  return s.read((view) => showLayerOp(s, view, o.layer));
}

/** Moves every image on layer version `from` to `to` (published), their private layers unchanged. */
export async function upgradeLayer(store: Store, options: { from: string; to: string; force?: boolean; skipChildren?: boolean }): Promise<Result<typeof upgradeLayerOp>> {
  const s = checkStore('upgradeLayer', store);
  const o = checkOptions<typeof options>('upgradeLayer', options, { from: 'string', to: 'string', force: 'boolean?', skipChildren: 'boolean?' });
  return upgradeLayerOp(s, o.from, o.to, { force: o.force === true, skipChildren: o.skipChildren === true });
}

/** Deletes a layer no image version is built on (its history kept under trash/ for the retention window). */
export async function deleteLayer(store: Store, options: { layer: string }): Promise<Result<typeof deleteLayerOp>> {
  const s = checkStore('deleteLayer', store);
  const o = checkOptions<typeof options>('deleteLayer', options, { layer: 'string' });
  return deleteLayerOp(s, o.layer);
}
