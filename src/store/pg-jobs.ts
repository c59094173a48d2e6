/**
 * Jobs as rows (job-rows.ts, docs/engines.md "Jobs"): `<schema>.jobs`, one row per job,
 * its upload a PostgreSQL large object written in the same transaction as the row (so a
 * job is never queued without its bytes, and the bytes outlive the host that took them).
 *
 * One job runs at a time per store, whatever the number of hosts: a process claims on a
 * connection of its own, under a session advisory lock held until the job's outcome is
 * written. The claim names that session (pid and start, as pg-leases.ts does); a process
 * killed with -9 loses its session, and with it the lock, so its job is `running` under a
 * dead session: the next claim on any host takes it again (at most JOB_ATTEMPTS times,
 * then it fails with ERR_JOB_LOST). Nothing waits on a timer to learn that a host died.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import { JOB_ATTEMPTS } from './job-rows.js';
import type { ClaimedJob, JobRecord, JobRows, JobStatus } from './job-rows.js';
import type { PgConnection } from './pg-connection.js';
import { socketOf } from './pg-leases.js';

/** Bytes per lo_put / lo_get: a statement's worth, not a whole upload in memory. */
const CHUNK = 1 << 20;
/** Finished jobs kept (the newest); older ones are deleted as new ones finish. */
const JOBS_KEPT = 1000;

export function jobsDdl(q: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${q}.jobs (id text PRIMARY KEY, n bigserial NOT NULL, kind text NOT NULL, job_order jsonb NOT NULL,
      status text NOT NULL, created timestamptz NOT NULL DEFAULT now(), attempts integer NOT NULL DEFAULT 0, upload oid,
      result jsonb, error jsonb, session_pid integer, session_start timestamptz, host text, pid integer, finished_at timestamptz)`,
    `CREATE INDEX IF NOT EXISTS jobs_waiting ON ${q}.jobs (n) WHERE status IN ('queued', 'running')`,
  ];
}

interface Row {
  id: string; kind: string; job_order: Record<string, unknown>; status: JobStatus; created: Date; attempts: number;
  result: unknown; error: { code: string; message: string } | null; claimer_alive?: boolean;
}

/** The claimer's session is alive (a row names the session that claimed it). */
const ALIVE = `EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.session_pid AND a.backend_start = j.session_start)`;

function recordOf(row: Row): JobRecord {
  // claimed by a session that is gone: the next claim takes it again
  const status = row.status === 'running' && row.claimer_alive === false ? 'queued' : row.status;
  return {
    id: row.id, kind: row.kind, order: row.job_order, status, created: new Date(row.created).toISOString(), attempts: row.attempts,
    ...(row.result === null || row.result === undefined ? {} : { result: row.result }),
    ...(row.error === null ? {} : { error: row.error }),
  };
}

export class PgJobs implements JobRows {
  private readonly table: string;
  private readonly lockKey: string;
  /** This process's claiming connection: its session holds the lock and names its claims. */
  private claimer: Promise<pg.Client> | null = null;
  private claiming = false;

  constructor(private readonly db: PgConnection) {
    this.table = `${db.schema}.jobs`;
    this.lockKey = `bazaar jobs ${db.schema}`;
  }

  async submit(job: { id: string; kind: string; order: Record<string, unknown> }, upload: AsyncIterable<Uint8Array>): Promise<JobRecord> {
    const what = `recording job ${job.id}`;
    try {
      return await this.db.transaction(what, async (client) => {
        const oid = (await client.query<{ oid: number }>('SELECT lo_create(0) AS oid')).rows[0].oid;
        let offset = 0;
        let pending: Buffer[] = [];
        let size = 0;
        const put = async (): Promise<void> => {
          const chunk = Buffer.concat(pending);
          pending = [];
          size = 0;
          await client.query('SELECT lo_put($1, $2, $3)', [oid, offset, chunk]);
          offset += chunk.length;
        };
        for await (const bytes of upload) {
          pending.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          size += bytes.byteLength;
          if (size >= CHUNK) await put();
        }
        if (size > 0) await put();
        const r = await client.query<Row>(`INSERT INTO ${this.table} (id, kind, job_order, status, upload) VALUES ($1, $2, $3, 'queued', $4)
          RETURNING id, kind, job_order, status, created, attempts, result, error`, [job.id, job.kind, JSON.stringify(job.order), oid]);
        return recordOf(r.rows[0]);
      });
    } catch (err) { throw this.db.failed(what, err); }
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const r = await this.db.query<Row>(`reading job ${id.slice(0, 40)}`, `SELECT id, kind, job_order, status, created, attempts, result, error,
      ${ALIVE} AS claimer_alive FROM ${this.table} j WHERE id = $1`, [id]);
    return r.rows.length ? recordOf(r.rows[0]) : undefined;
  }

  /** The claiming connection, opened on first use and again after it was lost. */
  private connection(): Promise<pg.Client> {
    this.claimer ??= (async () => {
      await this.db.prepared();
      const client = new pg.Client(this.db.clientConfig());
      const lost = (): void => { this.drop(client); };
      client.on('error', lost);
      client.on('end', lost);
      await client.connect();
      // idle between claims, it does not keep the process alive (a program that built an app and ended)
      if (!this.claiming) socketOf(client)?.unref?.();
      return client;
    })().catch((err) => { this.claimer = null; throw err; });
    return this.claimer;
  }

  /** No claim held: the connection no longer keeps the process alive. */
  private idle(client: pg.Client | null): void {
    this.claiming = false;
    if (client) socketOf(client)?.unref?.();
  }

  /** Ends the claiming session (its lock and claims die with it: another claim takes the job again). */
  private drop(client: pg.Client): void {
    if (this.claimer === null) return;
    this.claimer = null;
    client.end().catch(() => {});
  }

  async claim(): Promise<ClaimedJob | null> {
    if (this.claiming) return null; // this process runs one already
    this.claiming = true;
    let client: pg.Client | null = null;
    let locked = false;
    try {
      client = await this.connection();
      socketOf(client)?.ref?.();
      locked = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [this.lockKey])).rows[0].ok;
      if (!locked) return null; // another process runs one: it claims the next when done
      const claimed = await this.next(client);
      if (claimed) return this.handle(client, claimed);
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey]);
      locked = false;
      return null;
    } catch (err) {
      if (client) this.drop(client); // whatever it held is released with its session
      throw this.db.failed('claiming a job', err);
    } finally {
      if (!locked) this.idle(client);
    }
  }

  /** Under the lock: the oldest waiting job, marked running by this session; jobs out of attempts fail on the way. */
  private async next(client: pg.Client): Promise<{ record: JobRecord; upload: number | null } | null> {
    for (; ;) {
      await client.query('BEGIN');
      try {
        const r = await client.query<{ id: string; attempts: number; upload: number | null }>(`SELECT id, attempts, upload FROM ${this.table} j
          WHERE status = 'queued' OR (status = 'running' AND NOT ${ALIVE}) ORDER BY n LIMIT 1 FOR UPDATE SKIP LOCKED`);
        if (!r.rows.length) { await client.query('COMMIT'); return null; }
        const { id, attempts, upload } = r.rows[0];
        if (attempts >= JOB_ATTEMPTS) {
          const error = { code: 'ERR_JOB_LOST', message: `the server running this job stopped ${attempts} times before it finished (killed or out of memory); its upload is dropped: upload it again` };
          await this.finishRow(client, id, upload, 'failed', null, error, false);
          await client.query('COMMIT');
          continue;
        }
        const got = await client.query<Row>(`UPDATE ${this.table} SET status = 'running', attempts = attempts + 1, session_pid = pg_backend_pid(),
          session_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()), host = $2, pid = $3
          WHERE id = $1 RETURNING id, kind, job_order, status, created, attempts, result, error`, [id, hostname(), process.pid]);
        await client.query('COMMIT');
        return { record: recordOf(got.rows[0]), upload };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  }

  private async finishRow(client: pg.Client, id: string, upload: number | null, status: JobStatus, result: unknown, error: unknown, mine: boolean): Promise<void> {
    const set = await client.query(`UPDATE ${this.table} SET status = $2, result = $3, error = $4, upload = NULL, finished_at = now() WHERE id = $1
      ${mine ? 'AND session_pid = pg_backend_pid()' : ''}`, [id, status, result === null ? null : JSON.stringify(result), error === null ? null : JSON.stringify(error)]);
    // not ours any more (never, while this session holds the lock): its upload is its claimer's
    if (set.rowCount === 0) return;
    if (upload !== null) await client.query('SELECT lo_unlink($1) FROM pg_largeobject_metadata WHERE oid = $1', [upload]);
    await client.query(`DELETE FROM ${this.table} WHERE status IN ('done', 'failed') AND n < (SELECT n FROM ${this.table}
      WHERE status IN ('done', 'failed') ORDER BY n DESC OFFSET ${JOBS_KEPT - 1} LIMIT 1)`);
  }

  private handle(client: pg.Client, claimed: { record: JobRecord; upload: number | null }): ClaimedJob {
    const { record, upload } = claimed;
    return {
      record,
      upload: () => this.read(client, upload),
      finish: async (outcome) => {
        try {
          await client.query('BEGIN');
          if ('result' in outcome) await this.finishRow(client, record.id, upload, 'done', outcome.result, null, true);
          else await this.finishRow(client, record.id, upload, 'failed', null, outcome.error, true);
          await client.query('COMMIT');
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey]);
        } catch (err) {
          this.drop(client); // the job is taken again by the next claim
          throw this.db.failed(`recording the outcome of job ${record.id}`, err);
        } finally { this.idle(client); }
      },
    };
  }

  private async *read(client: pg.Client, upload: number | null): AsyncIterable<Buffer> {
    if (upload === null) return;
    for (let offset = 0; ; offset += CHUNK) {
      let chunk: Buffer;
      try {
        chunk = (await client.query<{ b: Buffer }>('SELECT lo_get($1, $2, $3) AS b', [upload, offset, CHUNK])).rows[0].b;
      } catch (err) { throw this.db.failed('reading a job\'s upload', err); }
      if (chunk.length > 0) yield chunk;
      if (chunk.length < CHUNK) return;
    }
  }

  /** Ends the claiming session: a job this process runs is taken again by another. */
  async close(): Promise<void> {
    const p = this.claimer;
    this.claimer = null;
    // not awaited: its socket is unref'd when idle, so waiting for its end would hold nothing open
    if (p) void p.then((c) => c.end()).catch(() => {});
  }
}
