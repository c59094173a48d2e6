/**
 * The gc fence (state-backend.ts `GcFence`, docs/engines.md "gc across hosts") in
 * PostgreSQL: an advisory lock per schema, held shared by writers for their commit and
 * alone by gc from before it reads the state until its deletions end, and an epoch (one
 * row) that each gc moves. Session and transaction advisory locks go with their
 * connection, so a host killed mid-gc or mid-commit leaves no lock behind.
 *
 * A writer's begin and its ordinary commit are one statement each: functions that take
 * the lock and then read, so their reads see what committed before the lock was theirs
 * (a statement's snapshot would be older than the wait). Only a writer that finds the
 * epoch moved pays more: a transaction holding the fence while it asks the object store.
 */
import type pg from 'pg';
import type { PgConnection } from './pg-connection.js';
import type { GcFence, StoreState } from './state-backend.js';

/** The lock's key: one per schema (several stores may share a database). */
const lockKey = (schema: string): string => `hashtext('bazaar-gc ${schema.replace(/"/g, '')}')`;

/** The epoch row and the two functions; `q` is the quoted schema. */
export function fenceDdl(q: string): string[] {
  const key = lockKey(q);
  return [
    `CREATE TABLE IF NOT EXISTS ${q}.gc_epoch (one boolean PRIMARY KEY DEFAULT true CHECK (one), epoch bigint NOT NULL)`,
    `INSERT INTO ${q}.gc_epoch (one, epoch) VALUES (true, 0) ON CONFLICT DO NOTHING`,
    `CREATE OR REPLACE FUNCTION ${q}.writer_epoch() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$ BEGIN
       PERFORM pg_advisory_xact_lock_shared(${key}); RETURN (SELECT epoch FROM ${q}.gc_epoch); END $$`,
    `CREATE OR REPLACE FUNCTION ${q}.fenced_commit(s bigint, rec text, e bigint) RETURNS text LANGUAGE plpgsql VOLATILE AS $$ BEGIN
       PERFORM pg_advisory_xact_lock_shared(${key});
       IF (SELECT epoch FROM ${q}.gc_epoch) <> e THEN RETURN 'moved'; END IF;
       INSERT INTO ${q}.states (seq, record) SELECT s, rec WHERE COALESCE((SELECT max(seq) FROM ${q}.states), 0) = s - 1;
       IF FOUND THEN RETURN 'committed'; END IF;
       RETURN 'taken'; END $$`,
  ];
}

/**
 * `settle(next, attempt)`: the state backend's way to run a commit attempt and resolve a
 * connection broken before its answer (pg-state-backend.ts).
 */
export class PgGcFence implements GcFence {
  private readonly key: string;

  constructor(private readonly db: PgConnection, private readonly states: string,
    private readonly settle: (next: StoreState, record: string, attempt: () => Promise<boolean>) => Promise<boolean>,
    private readonly encode: (next: StoreState) => string) {
    this.key = lockKey(db.schema);
  }

  async begin(): Promise<number> {
    const r = await this.db.query<{ epoch: string }>('waiting for a gc of another host', `SELECT ${this.db.schema}.writer_epoch() AS epoch`);
    return Number(r.rows[0].epoch);
  }

  async commit(next: StoreState, epoch: number, stillThere: () => Promise<boolean>): Promise<boolean> {
    const record = this.encode(next);
    await this.db.prepared().catch((err) => { throw this.db.failed(`committing state ${next.seq}`, err); });
    const outcome = await this.attempt(next, record, async () => {
      const r = await this.db.pool.query<{ outcome: string }>(`SELECT ${this.db.schema}.fenced_commit($1, $2, $3) AS outcome`, [next.seq, record, epoch]);
      return r.rows[0].outcome;
    });
    if (outcome !== 'moved') return outcome === 'committed';
    // A gc ran since this writer began: under the fence (no gc can start deleting), are
    // the writer's objects all still there?
    let client: pg.PoolClient;
    try { client = await this.db.pool.connect(); } catch (err) { throw this.db.failed(`committing state ${next.seq}`, err); }
    let broken = false;
    try {
      const done = await this.attempt(next, record, async () => {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock_shared(${this.key})`);
        if (!(await stillThere())) { await client.query('ROLLBACK'); return 'gone'; }
        const r = await client.query(`INSERT INTO ${this.states} (seq, record) SELECT $1::bigint, $2::text WHERE COALESCE((SELECT max(seq) FROM ${this.states}), 0) = $1::bigint - 1`, [next.seq, record]);
        await client.query('COMMIT');
        return r.rowCount === 1 ? 'committed' : 'taken';
      });
      return done === 'committed';
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally { client.release(broken); }
  }

  /** One attempt through the backend's settle: 'committed' also when a broken connection's row is found to be ours. */
  private async attempt(next: StoreState, record: string, run: () => Promise<string>): Promise<string> {
    let outcome = 'taken';
    const ok = await this.settle(next, record, async () => { outcome = await run(); return outcome === 'committed'; });
    return ok ? 'committed' : outcome;
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try { await this.db.prepared(); client = await this.db.pool.connect(); } catch (err) { throw this.db.failed('taking the gc fence', err); }
    let broken = false;
    try {
      try {
        await client.query(`SELECT pg_advisory_lock(${this.key})`);
        await client.query(`UPDATE ${this.db.schema}.gc_epoch SET epoch = epoch + 1`);
      } catch (err) { broken = true; throw this.db.failed('taking the gc fence', err); }
      return await fn();
    } finally {
      if (!broken) await client.query(`SELECT pg_advisory_unlock(${this.key})`).catch(() => { broken = true; });
      client.release(broken);
    }
  }
}
