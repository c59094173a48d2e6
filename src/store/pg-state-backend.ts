/**
 * The store's state in PostgreSQL (issue 22, docs/engines.md): each state is a row of
 * `<schema>.states` (seq primary key, the record as state-backend.ts encodes it, checksum
 * included, so a changed byte is refused here as in a file), and a commit is one INSERT of
 * seq = latest + 1: the primary key makes it a compare-and-swap that any number of hosts
 * can race, exactly one winning, and PostgreSQL's WAL makes it whole or absent after a
 * crash. Records set aside by a repair go to `<schema>.states_aside`, kept for a person.
 * The schema is created when absent (pg-connection.ts, shared with the history). A trigger announces each change of the newest state (NOTIFY), so
 * that a server on any host knows it without asking (`latestSeqNow`). Connection facts,
 * label and failures: pg-connection.ts.
 */
import pg from 'pg';
import { BazaarError } from '../errors.js';
import { PgConnection } from './pg-connection.js';
import { PgDocuments, documentsDdl } from './pg-documents.js';
import { PgGcFence, fenceDdl } from './pg-gc-fence.js';
import { PgJobs, jobsDdl } from './pg-jobs.js';
import { PgLeases, leasesDdl } from './pg-leases.js';
import type { PgOptions } from './pg-connection.js';
import { EMPTY_STATE, decodeState, encodeState } from './state-backend.js';
import type { StateBackend, StoreState } from './state-backend.js';

export type PgStateOptions = PgOptions;

const UNIQUE_VIOLATION = '23505';

export class PgStateBackend implements StateBackend {
  readonly kind = 'postgresql';
  readonly label: string;
  /** Orders gc's deletions and other hosts' commits (pg-gc-fence.ts). */
  readonly fence: PgGcFence;
  /** Readers' leases of every host (pg-leases.ts). */
  readonly leases: PgLeases;
  /** Jobs of every host (pg-jobs.ts). */
  readonly jobs: PgJobs;
  /** The store's tokens, keys, mirrors and settings (pg-documents.ts). */
  readonly documents: PgDocuments;
  private readonly db: PgConnection;
  private readonly states: string;
  private readonly aside: string;
  private readonly channel: string;
  /** The newest seq as the last notification told it; null while not listening. */
  private notified: number | null = null;
  private listener: pg.Client | null = null;
  private listening = false;
  private closed = false;

  constructor(options: PgStateOptions = {}) {
    const schema = options.schema ?? 'bazaar';
    this.channel = `bazaar_state_${schema}`;
    this.db = new PgConnection(options, (q) => [
      `CREATE TABLE IF NOT EXISTS ${q}.states (seq bigint PRIMARY KEY CHECK (seq > 0), record text NOT NULL, committed_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE IF NOT EXISTS ${q}.states_aside (id bigserial PRIMARY KEY, seq bigint NOT NULL, record text NOT NULL, set_aside_at timestamptz NOT NULL DEFAULT now())`,
      // delivered at commit, in commit order, to every listening host
      `CREATE OR REPLACE FUNCTION ${q}.announce_state() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
         PERFORM pg_notify('${this.channel}', COALESCE((SELECT max(seq) FROM ${q}.states), 0)::text); RETURN NULL; END $$`,
      `CREATE OR REPLACE TRIGGER announce_state AFTER INSERT OR DELETE ON ${q}.states FOR EACH STATEMENT EXECUTE FUNCTION ${q}.announce_state()`,
      ...fenceDdl(q),
      ...leasesDdl(q),
      ...jobsDdl(q),
      ...documentsDdl(q, schema),
    ]);
    this.label = this.db.label;
    this.states = `${this.db.schema}.states`;
    this.aside = `${this.db.schema}.states_aside`;
    this.leases = new PgLeases(this.db);
    this.jobs = new PgJobs(this.db);
    this.documents = new PgDocuments(this.db, schema);
    this.fence = new PgGcFence(this.db, this.states, (next, record, attempt) => this.settle(next, record, attempt), encodeState);
  }

  private query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.db.query<R>(what, sql, params);
  }

  private failed(what: string, err: unknown): BazaarError { return this.db.failed(what, err); }

  private decode(row: { seq: string; record: string }): StoreState {
    const seq = Number(row.seq);
    return decodeState(row.record, `${seq} in ${this.label}`, seq);
  }

  async latest(): Promise<StoreState> {
    const r = await this.query<{ seq: string; record: string }>('reading the latest state', `SELECT seq, record FROM ${this.states} ORDER BY seq DESC LIMIT 1`);
    return r.rows.length ? this.decode(r.rows[0]) : EMPTY_STATE;
  }

  async latestSeq(): Promise<number> {
    const r = await this.query<{ seq: string | null }>('reading the latest state number', `SELECT max(seq) AS seq FROM ${this.states}`);
    return r.rows[0].seq === null ? 0 : Number(r.rows[0].seq);
  }

  /**
   * The newest seq as PostgreSQL last announced it, without a round trip: a server asks
   * on every request. Null until this backend listens (the first call starts it) and
   * whenever its connection is lost, never a number that may be stale: the caller then
   * asks `latestSeq`. The listener reconnects by itself.
   */
  latestSeqNow(): number | null {
    if (!this.listening && !this.closed) void this.listen();
    return this.notified;
  }

  /** LISTEN first, then read the newest seq: no change can fall between the two. */
  private async listen(): Promise<void> {
    this.listening = true;
    const client = new pg.Client(this.db.clientConfig());
    const lost = (): void => {
      if (this.listener !== client) return;
      this.listener = null;
      this.notified = null;
      client.end().catch(() => {});
      if (!this.closed) setTimeout(() => { void this.listen(); }, 500).unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => { if (n.channel === this.channel && this.listener === client) this.notified = Number(n.payload); });
    this.listener = client;
    try {
      await this.db.prepared();
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      const r = await client.query<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${this.states}`);
      // a notification may have come while the query ran; it is newer than the query's answer
      if (this.listener === client && this.notified === null) this.notified = r.rows[0].seq === null ? 0 : Number(r.rows[0].seq);
      // the connection is not held open by this process: a program ends when its work does
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    } catch {
      lost();
    }
  }

  async read(seq: number): Promise<StoreState | null> {
    const r = await this.query<{ seq: string; record: string }>(`reading state ${seq}`, `SELECT seq, record FROM ${this.states} WHERE seq = $1`, [seq]);
    return r.rows.length ? this.decode(r.rows[0]) : null;
  }

  /**
   * One INSERT, taking seq only while the newest is seq - 1: a writer that lost the race
   * meets the primary key (or finds a newer state) and gets false. When the connection
   * breaks before the answer (the server killed mid-commit), the row is looked up once:
   * ours, byte for byte, is a success; anything else is an error, never a guess.
   */
  async commit(next: StoreState): Promise<boolean> {
    const record = encodeState(next);
    await this.db.prepared().catch((err) => { throw this.failed(`committing state ${next.seq}`, err); });
    return this.settle(next, record, async () => {
      const r = await this.db.pool.query(
        `INSERT INTO ${this.states} (seq, record) SELECT $1::bigint, $2::text WHERE COALESCE((SELECT max(seq) FROM ${this.states}), 0) = $1::bigint - 1`,
        [next.seq, record],
      );
      return r.rowCount === 1;
    });
  }

  /** Runs one commit attempt: a unique violation is a lost race; a broken connection is resolved by reading the row back. */
  private async settle(next: StoreState, record: string, attempt: () => Promise<boolean>): Promise<boolean> {
    if (!Number.isSafeInteger(next.seq) || next.seq < 1) throw new BazaarError('ERR_BAD_INPUT', `state number ${next.seq} is not a positive integer`);
    try {
      return await attempt();
    } catch (err) {
      if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) return false;
      if (err instanceof BazaarError) throw err;
      let stored: { record: string }[];
      try {
        stored = (await this.db.pool.query<{ record: string }>(`SELECT record FROM ${this.states} WHERE seq = $1`, [next.seq])).rows;
      } catch {
        throw this.failed(`committing state ${next.seq} (whether it was written is not known; the next reader will see)`, err);
      }
      if (stored.length === 1 && stored[0].record === record) return true;
      throw this.failed(`committing state ${next.seq}`, err);
    }
  }

  async list(): Promise<number[]> {
    const r = await this.query<{ seq: string }>('listing states', `SELECT seq FROM ${this.states} ORDER BY seq`);
    return r.rows.map((row) => Number(row.seq));
  }

  async prune(keepFrom: number): Promise<void> {
    await this.query(`pruning states before ${keepFrom}`, `DELETE FROM ${this.states} WHERE seq < $1 AND seq < (SELECT max(seq) FROM ${this.states})`, [keepFrom]);
  }

  async setAside(seq: number): Promise<string> {
    const r = await this.query<{ id: string }>(
      `setting state ${seq} aside`,
      `WITH moved AS (DELETE FROM ${this.states} WHERE seq = $1 RETURNING seq, record) INSERT INTO ${this.aside} (seq, record) SELECT seq, record FROM moved RETURNING id`,
      [seq],
    );
    return r.rows.length ? `${this.aside} id ${r.rows[0].id} in ${this.label}` : `${this.label}: no state ${seq} to set aside`;
  }

  /** Closes the connections (a test, a command at its end). */
  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    this.notified = null;
    // not awaited: its socket is unref'd, so waiting for its end would hold nothing open
    listener?.end().catch(() => {});
    await this.leases.close();
    await this.jobs.close();
    this.documents.close();
    await this.db.end();
  }

  /** Test hook: overwrites the stored record of state `seq` (damage). */
  async corrupt(seq: number, text: string): Promise<void> {
    await this.query(`damaging state ${seq}`, `UPDATE ${this.states} SET record = $2 WHERE seq = $1`, [seq, text]);
  }
}
