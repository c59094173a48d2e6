/**
 * The server's jobs (today: baking an uploaded overlay, routes/overlay.ts), run one at a
 * time and kept in memory (the newest 1,000): a restarted server has forgotten them, what
 * they published stays published. With several workers (`bazaar serve --workers N`,
 * workers.ts) jobs run in the primary process: a worker hands over the upload it received
 * and asks the primary for a job's state, so any worker answers `GET /v1/jobs/<id>` and
 * two overlays never bake at once.
 */
import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import semver from 'semver';
import { BazaarError } from '../errors.js';
import { addImageLayer, importLayer, upgradeImageLayer } from '../library/index.js';
import { withoutBootMounts } from '../boot/index.js';
import { imageId, loadImage } from '../image/index.js';
import { layerVersions } from '../layer/index.js';
import { readLayerArchive, writeLayerArchive } from '../archive/index.js';
import type { Store } from '../store/index.js';
import type { Reads } from './snapshots.js';

export interface Job {
  id: string;
  kind: 'overlay';
  image: string;
  layer: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  created: string;
  result?: { layer: { name: string; version: string; id: string | null; files: number }; image: { name: string; version: string; id: string } };
  error?: { code: string; message: string };
}

/** An overlay to bake: the image, the layer it goes into, and the checked upload (a temp file in the store's tmp/, the job's to delete). */
export interface OverlayOrder { image: string; layer: string; upload: string }

/** Where jobs are queued and looked up. */
export interface JobBoard {
  /** Queues the order; resolves once the job is known to every worker. */
  submit(order: OverlayOrder): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
}

const JOBS_KEPT = 1000;

/** The jobs of this process: a map and a queue. */
export class LocalJobs implements JobBoard {
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store, private readonly reads: Reads, private readonly log: (line: string) => void) {}

  async submit(order: OverlayOrder): Promise<Job> { return this.queued(order, randomBytes(8).toString('hex')); }

  /** Queues `order` under `id` (a worker's job is named by the worker that took the upload). */
  queued(order: OverlayOrder, id: string): Job {
    const job: Job = { id, kind: 'overlay', image: order.image, layer: order.layer, status: 'queued', created: new Date().toISOString() };
    this.jobs.set(job.id, job);
    if (this.jobs.size > JOBS_KEPT) this.jobs.delete(this.jobs.keys().next().value as string);
    this.queue = this.queue.then(() => this.bake(job, order.upload));
    return job;
  }

  async get(id: string): Promise<Job | undefined> { return this.jobs.get(id); }

  /** The jobs not finished yet: a stopping server waits for them. */
  async idle(): Promise<void> { await this.queue; }

  /** The smallest version after the layer's highest that its content may take. */
  private async nextVersion(layer: string, archive: string): Promise<string> {
    const versions = [...(await this.reads.read((view) => layerVersions(view, layer))).keys()].sort(semver.rcompare);
    const current = versions[0] ?? '0.0.0';
    const patch = semver.inc(current, 'patch') as string;
    const dry = await importLayer(this.store, { layer: `${layer}@${patch}`, from: archive, dryRun: true });
    // never a published version (the highest's next patch): the check is there
    if (dry.check === null || dry.check.ok) return patch;
    return semver.inc(current, dry.check.required === 'major' ? 'major' : 'minor') as string;
  }

  private async bake(job: Job, upload: string): Promise<void> {
    const { store, reads } = this;
    job.status = 'running';
    const archive = `${upload}.baked`;
    try {
      // /init's mount points are not the VA's changes (boot/boot-mounts.ts)
      await writeLayerArchive(withoutBootMounts(readLayerArchive(upload)), archive, { compression: 'none' });
      const version = await this.nextVersion(job.layer, archive);
      const layer = await importLayer(store, { layer: `${job.layer}@${version}`, from: archive });
      const follows = await reads.read(async (view) => (await loadImage(store, await imageId(view, job.image))).image.layers.some((l) => l.name === job.layer));
      const image = follows
        ? await upgradeImageLayer(store, { image: job.image, layer: `${job.layer}@${version}` })
        : await addImageLayer(store, { image: job.image, layer: `${job.layer}@${version}` });
      job.result = { layer: { name: job.layer, version, id: layer.id, files: layer.files }, image: { name: image.name, version: image.version, id: image.id } };
      job.status = 'done';
      this.log(`job ${job.id}: overlay baked into ${job.layer}@${version} and ${image.name}@${image.version}`);
    } catch (err) {
      job.status = 'failed';
      job.error = err instanceof BazaarError ? { code: err.code, message: err.message.split('\n')[0] } : { code: 'ERR_INTERNAL', message: 'internal error (see the server log)' };
      this.log(`job ${job.id} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    } finally {
      await unlink(upload).catch(() => undefined);
      await unlink(archive).catch(() => undefined);
    }
  }
}
