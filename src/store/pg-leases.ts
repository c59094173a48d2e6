/**
 * Readers' leases as rows (leases.ts `LeaseBoard`, docs/engines.md): `<schema>.readers`,
 * one row per lease, so that gc on any host keeps what a reader on any other host reads.
 *
 * A lease is live while the reader's process is, and a process on another machine
 * cannot be asked whether it lives; its PostgreSQL session can. Each process writes its
 * leases through one connection of its own (its presence), and a row names that
 * session (`pg_backend_pid()` and its start); a lease whose session is not in
 * `pg_stat_activity` is dead: its process ended, however it ended. Should the presence
 * connection be lost (PostgreSQL restarted), the process writes the leases it holds again
 * on the next connection; gc never sees an old session as live, since a session's pid and
 * start never come back together.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { PgConnection } from './pg-connection.js';
import type { LeaseBoard, ReaderLease } from './leases.js';

/** The presence connection's socket: idle, it does not keep the process alive (a command ends when its work does). */
export function socketOf(client: pg.Client): { ref?: () => void; unref?: () => void } | undefined {
  return (client as unknown as { connection?: { stream?: { ref?: () => void; unref?: () => void } } }).connection?.stream;
}

export function leasesDdl(q: string): string[] {
  return [`CREATE TABLE IF NOT EXISTS ${q}.readers (id text PRIMARY KEY, seq bigint NOT NULL, session_pid integer NOT NULL,
    session_start timestamptz NOT NULL, host text NOT NULL, pid integer NOT NULL, taken_at timestamptz NOT NULL DEFAULT now())`];
}

export class PgLeases implements LeaseBoard {
  private readonly table: string;
  /** The leases this process holds: written again on a new presence connection. */
  private readonly held = new Map<string, number>();
  private presence: Promise<pg.Client> | null = null;
  /** Statements in flight on the presence connection. */
  private busy = 0;

  constructor(private readonly db: PgConnection) {
    this.table = `${db.schema}.readers`;
  }

  /** This process's own connection, opened on first use; its socket does not keep the process alive. */
  private connection(): Promise<pg.Client> {
    this.presence ??= (async () => {
      await this.db.prepared();
      const client = new pg.Client(this.db.clientConfig());
      const lost = (): void => { if (this.presence !== null) { this.presence = null; client.end().catch(() => {}); } };
      client.on('error', lost);
      client.on('end', lost);
      await client.connect();
      for (const [id, seq] of this.held) await this.write(client, id, seq);
      if (this.busy === 0) socketOf(client)?.unref?.();
      return client;
    })().catch((err) => { this.presence = null; throw err; });
    return this.presence;
  }

  /** One statement on the presence connection, its socket holding the process open meanwhile. */
  private async on(client: pg.Client, sql: string, params: unknown[]): Promise<void> {
    const socket = socketOf(client);
    // statements queue on the one connection: the socket is unref'd only when none is left
    if (this.busy++ === 0) socket?.ref?.();
    try { await client.query(sql, params); } finally { if (--this.busy === 0) socket?.unref?.(); }
  }

  private async write(client: pg.Client, id: string, seq: number): Promise<void> {
    await this.on(client, `INSERT INTO ${this.table} (id, seq, session_pid, session_start, host, pid)
      SELECT $1, $2, pid, backend_start, $3, $4 FROM pg_stat_activity WHERE pid = pg_backend_pid()
      ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, session_pid = EXCLUDED.session_pid, session_start = EXCLUDED.session_start`,
      [id, seq, hostname(), process.pid]);
  }

  private async set(id: string, seq: number): Promise<void> {
    this.held.set(id, seq);
    try {
      await this.write(await this.connection(), id, seq);
    } catch (err) {
      throw this.db.failed(`writing a reader's lease on state ${seq}`, err);
    }
  }

  async take(seq: number): Promise<ReaderLease> {
    const id = randomBytes(8).toString('hex');
    await this.set(id, seq);
    return {
      set: async (s) => { await this.set(id, s); return true; },
      release: () => {
        this.held.delete(id);
        // best effort: a row left behind dies with this process's session
        void this.connection().then((c) => this.on(c, `DELETE FROM ${this.table} WHERE id = $1`, [id])).catch(() => {});
      },
    };
  }

  async live(): Promise<number[]> {
    const r = await this.db.query<{ seq: string }>('reading readers\' leases', `SELECT r.seq FROM ${this.table} r
      JOIN pg_stat_activity a ON a.pid = r.session_pid AND a.backend_start = r.session_start`);
    return r.rows.map((row) => Number(row.seq));
  }

  async sweep(): Promise<void> {
    await this.db.query('removing dead readers\' leases', `DELETE FROM ${this.table} r WHERE NOT EXISTS
      (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.session_pid AND a.backend_start = r.session_start)`);
  }

  /** Ends the presence: this process's leases die with it. */
  async close(): Promise<void> {
    const p = this.presence;
    this.presence = null;
    // not awaited: its socket is unref'd, so waiting for its end would hold nothing open
    if (p) void p.then((c) => c.end()).catch(() => {});
  }

}
