/**
 * The jobs of an attached store (docs/engines.md "Jobs"): rows in its PostgreSQL schema
 * (the store's JobRows, store/pg-jobs.ts), the upload kept beside the row, so any server
 * answers `GET /v1/jobs/<id>` for a job another took, and a server that stops or dies
 * (kill -9) leaves its jobs to the others or to itself restarted.
 *
 * Every server is a baker: it claims the oldest waiting job when it takes an upload, when
 * asked for a job still waiting, and every few seconds (jobs left by a server that died;
 * the rows are few, the claim one statement when none waits). The store lets one claim run
 * at a time across hosts, so overlays bake one at a time as with one server.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpPath } from '../store/index.js';
import type { ClaimedJob, JobRecord, JobRows, Store } from '../store/index.js';
import { bakeOverlay, failureLine, jobError } from './bake-overlay.js';
import type { BakeResult } from './bake-overlay.js';
import type { Job, JobBoard, OverlayOrder } from './jobs.js';
import type { Reads } from './snapshots.js';

/** How often a server looks for jobs no live server runs (a server that died). */
const POLL_MS = 2000;

function jobOf(record: JobRecord): Job {
  const order = record.order as { image?: unknown; layer?: unknown };
  return {
    id: record.id, kind: 'overlay', image: String(order.image), layer: String(order.layer), status: record.status, created: record.created,
    ...(record.result === undefined ? {} : { result: record.result as BakeResult }),
    ...(record.error === undefined ? {} : { error: record.error }),
  };
}

export class SharedJobs implements JobBoard {
  readonly where = 'in this store';
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** The last claim's failure, told once. */
  private failing: string | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly store: Store, private readonly reads: Reads, private readonly rows: JobRows, private readonly log: (line: string) => void) {
    // the first look at once: jobs a server that died (this one, before a restart) left waiting
    this.timer = setInterval(() => this.kick(), POLL_MS).unref();
    this.kick();
  }

  async submit(order: OverlayOrder): Promise<Job> {
    try {
      const record = await this.rows.submit({ id: randomBytes(8).toString('hex'), kind: 'overlay', order: { image: order.image, layer: order.layer } },
        createReadStream(order.upload, { highWaterMark: 1 << 20 }));
      this.kick();
      return jobOf(record);
    } finally {
      await unlink(order.upload).catch(() => undefined);
    }
  }

  async get(id: string): Promise<Job | undefined> {
    const record = await this.rows.get(id);
    if (record?.status === 'queued') this.kick();
    return record && jobOf(record);
  }

  /** Runs waiting jobs until none is left or another server runs one. */
  private kick(): void {
    if (this.stopped) return;
    if (this.draining) { this.again = true; return; }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      let claimed: ClaimedJob | null;
      try { claimed = await this.rows.claim(); } catch (err) {
        // once per outage, not every poll (PostgreSQL down for a minute is 30 polls)
        const line = failureLine(err);
        if (line !== this.failing) this.log(`jobs: ${line} (tried again every ${POLL_MS / 1000} s)`);
        this.failing = line;
        return;
      }
      this.failing = null;
      if (claimed === null) return;
      await this.run(claimed);
    }
  }

  private async run(claimed: ClaimedJob): Promise<void> {
    const { id, attempts } = claimed.record;
    const job = jobOf(claimed.record);
    const upload = tmpPath(this.store.dir);
    const archive = `${upload}.baked`;
    let outcome: { result: BakeResult } | { error: { code: string; message: string } };
    if (attempts > 1) this.log(`job ${id}: taken again (attempt ${attempts}; the server running it stopped)`);
    try {
      await pipeline(Readable.from(claimed.upload()), createWriteStream(upload, { flags: 'wx', mode: 0o600 }));
      const result = await bakeOverlay(this.store, this.reads, job, upload, archive);
      outcome = { result };
      this.log(`job ${id}: overlay baked into ${job.layer}@${result.layer.version} and ${result.image.name}@${result.image.version}`);
    } catch (err) {
      outcome = { error: jobError(err) };
      this.log(`job ${id} failed: ${failureLine(err)}`);
    } finally {
      await unlink(upload).catch(() => undefined);
      await unlink(archive).catch(() => undefined);
    }
    try { await claimed.finish(outcome); } catch (err) {
      this.log(`job ${id}: its outcome could not be recorded (${failureLine(err)}); another claim runs it again`);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
  }
}
