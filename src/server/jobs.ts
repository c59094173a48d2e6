/**
 * The server's jobs (today: baking an uploaded overlay, routes/overlay.ts), run one at a
 * time. On a local store they are kept in memory (the newest 1,000): a restarted server
 * has forgotten them, what they published stays published. With several workers (`bazaar
 * serve --workers N`, workers.ts) they run in the primary process: a worker hands over the
 * upload it received and asks the primary for a job's state, so any worker answers `GET
 * /v1/jobs/<id>` and two overlays never bake at once. On an attached store they are rows
 * every server sees, uploads included (shared-jobs.ts, docs/engines.md "Jobs").
 */
import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import type { Store } from '../store/index.js';
import { bakeOverlay, failureLine, jobError } from './bake-overlay.js';
import type { BakeResult } from './bake-overlay.js';
import { SharedJobs } from './shared-jobs.js';
import type { Reads } from './snapshots.js';

export interface Job {
  id: string;
  kind: 'overlay';
  image: string;
  layer: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  created: string;
  result?: BakeResult;
  error?: { code: string; message: string };
}

/** An overlay to bake: the image, the layer it goes into, and the checked upload (a temp file in the store's tmp/, the job's to delete). */
export interface OverlayOrder { image: string; layer: string; upload: string }

/** Where jobs are queued and looked up. */
export interface JobBoard {
  /** Queues the order; resolves once the job is known to every worker. */
  submit(order: OverlayOrder): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** Where a job not found was looked for, for the 404's message. */
  readonly where: string;
  /** Stops taking jobs and waits for the one running (a stopping server). */
  close?(): Promise<void>;
}

/** The board of a server over `store`: rows every server sees for an attached store, else this process's memory. */
export function jobBoardFor(store: Store, reads: Reads, log: (line: string) => void): JobBoard {
  const rows = store.jobRows();
  return rows ? new SharedJobs(store, reads, rows, log) : new LocalJobs(store, reads, log);
}

const JOBS_KEPT = 1000;

/** Where a local store's jobs are: in its server's memory. */
export const IN_MEMORY = 'on this server (a local store\'s jobs are kept in its memory until it restarts)';

/** The jobs of this process: a map and a queue. */
export class LocalJobs implements JobBoard {
  readonly where = IN_MEMORY;
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

  private async bake(job: Job, upload: string): Promise<void> {
    job.status = 'running';
    const archive = `${upload}.baked`;
    try {
      job.result = await bakeOverlay(this.store, this.reads, job, upload, archive);
      job.status = 'done';
      this.log(`job ${job.id}: overlay baked into ${job.layer}@${job.result.layer.version} and ${job.result.image.name}@${job.result.image.version}`);
    } catch (err) {
      job.status = 'failed';
      job.error = jobError(err);
      this.log(`job ${job.id} failed: ${failureLine(err)}`);
    } finally {
      await unlink(upload).catch(() => undefined);
      await unlink(archive).catch(() => undefined);
    }
  }
}
