/**
 * Jobs kept where every host of an attached store sees them (pg-jobs.ts): a queued job is
 * a row with its upload beside it, claimed by one host at a time to be run, its outcome
 * written back. The store knows nothing of what a job does (the server bakes overlays,
 * src/server/shared-jobs.ts); it keeps them so that any host answers for a job another
 * took, and a host that died does not take its jobs with it.
 */

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobRecord {
  id: string;
  kind: string;
  /** What the job is to do (JSON, the submitter's). */
  order: Record<string, unknown>;
  status: JobStatus;
  created: string;
  /** How many times a host has claimed it (more than one: a host died running it). */
  attempts: number;
  result?: unknown;
  error?: { code: string; message: string };
}

/** A job this process runs: nobody else does until it finishes or this process's session ends. */
export interface ClaimedJob {
  record: JobRecord;
  /** The upload's bytes, as submitted. */
  upload(): AsyncIterable<Buffer>;
  /** Records the outcome and drops the upload; lets the next job be claimed. */
  finish(outcome: { result: unknown } | { error: { code: string; message: string } }): Promise<void>;
}

export interface JobRows {
  /** Records a queued job and its upload, both or neither. */
  submit(job: { id: string; kind: string; order: Record<string, unknown> }, upload: AsyncIterable<Uint8Array>): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * The oldest job waiting (queued, or claimed by a process that died), claimed by this
   * process; null when none waits or another process is running one (one at a time per store).
   */
  claim(): Promise<ClaimedJob | null>;
  close(): Promise<void>;
}

/** Claims per job before it is given up (a job that kills its host every time must not loop forever). */
export const JOB_ATTEMPTS = 3;
