/**
 * Baking an uploaded overlay (routes/overlay.ts): the code of a job, wherever the job is
 * kept (jobs.ts: this process's memory; shared-jobs.ts: rows every server of an attached
 * store sees). The layer's next version is the smallest bump its content needs, published
 * with `importLayer`, and the image moved to it (`upgradeImageLayer`, `addImageLayer` at
 * the first upload).
 */
import semver from 'semver';
import { BazaarError } from '../errors.js';
import { addImageLayer, importLayer, upgradeImageLayer } from '../library/index.js';
import { withoutBootMounts } from '../boot/index.js';
import { imageId, loadImage } from '../image/index.js';
import { layerVersions } from '../layer/index.js';
import { readLayerArchive, writeLayerArchive } from '../archive/index.js';
import type { Store } from '../store/index.js';
import type { Reads } from './snapshots.js';

export interface BakeResult {
  layer: { name: string; version: string; id: string | null; files: number };
  image: { name: string; version: string; id: string };
}

/** The smallest version after the layer's highest that its content may take. */
async function nextVersion(store: Store, reads: Reads, layer: string, archive: string): Promise<string> {
  const versions = [...(await reads.read((view) => layerVersions(view, layer))).keys()].sort(semver.rcompare);
  const current = versions[0] ?? '0.0.0';
  const patch = semver.inc(current, 'patch') as string;
  const dry = await importLayer(store, { layer: `${layer}@${patch}`, from: archive, dryRun: true });
  // never a published version (the highest's next patch): the check is there
  if (dry.check === null || dry.check.ok) return patch;
  return semver.inc(current, dry.check.required === 'major' ? 'major' : 'minor') as string;
}

/** Bakes the checked archive `upload` into `layer` and `image`; `archive` is a scratch path (the caller deletes both). */
export async function bakeOverlay(store: Store, reads: Reads, job: { image: string; layer: string }, upload: string, archive: string): Promise<BakeResult> {
  // /init's mount points are not the VA's changes (boot/boot-mounts.ts)
  await writeLayerArchive(withoutBootMounts(readLayerArchive(upload)), archive, { compression: 'none' });
  const version = await nextVersion(store, reads, job.layer, archive);
  const layer = await importLayer(store, { layer: `${job.layer}@${version}`, from: archive });
  const follows = await reads.read(async (view) => (await loadImage(store, await imageId(view, job.image))).image.layers.some((l) => l.name === job.layer));
  const image = follows
    ? await upgradeImageLayer(store, { image: job.image, layer: `${job.layer}@${version}` })
    : await addImageLayer(store, { image: job.image, layer: `${job.layer}@${version}` });
  return { layer: { name: job.layer, version, id: layer.id, files: layer.files }, image: { name: image.name, version: image.version, id: image.id } };
}

/** What a failed job says: a BazaarError's code and first line; anything else is the server's fault, told in its log only. */
export function jobError(err: unknown): { code: string; message: string } {
  return err instanceof BazaarError ? { code: err.code, message: err.message.split('\n')[0] } : { code: 'ERR_INTERNAL', message: 'internal error (see the server log)' };
}

/** The log line of a job that failed. */
export const failureLine = (err: unknown): string => (err instanceof Error ? err.message.split('\n')[0] : String(err));
