/**
 * The store's state in PostgreSQL (issue 22, docs/engines.md): each state is a row of
 * `<schema>.states` (seq primary key, the record as state-backend.ts encodes it, checksum
 * included, so a changed byte is refused here as in a file), and a commit is one INSERT of
 * seq = latest + 1: the primary key makes it a compare-and-swap that any number of hosts
 * can race, exactly one winning, and PostgreSQL's WAL makes it whole or absent after a
 * crash. Records set aside by a repair go to `<schema>.states_aside`, kept for a person.
 * The schema is created when absent (under an advisory lock, so two hosts attaching at
 * once do not collide). A trigger announces each change of the newest state (NOTIFY), so
 * that a server on any host knows it without asking (`latestSeqNow`). Connection facts come from the URL or the standard PG* variables;
 * the label names host, port, database and schema, never a password, and every failure is
 * one ERR_STORE_UNAVAILABLE line with secrets cut out (engine-error.ts).
 */
import pg from 'pg';
import { BazaarError } from '../errors.js';
import { engineError } from './engine-error.js';
import { EMPTY_STATE, decodeState, encodeState } from './state-backend.js';
import type { StateBackend, StoreState } from './state-backend.js';

export interface PgStateOptions {
  /** postgresql://user[:password]@host:port/database; absent: the PG* variables. */
  url?: string;
  /** The schema holding the store's tables (several stores may share a database). */
  schema?: string;
  /** Connections kept at most (default 4). */
  maxConnections?: number;
}

const UNIQUE_VIOLATION = '23505';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** What a reader of the label may see: user, host, port and database of the URL or PG* variables. */
function describe(url: string | undefined, schema: string): string {
  if (url !== undefined) {
    let u: URL;
    try { u = new URL(url); } catch { throw new BazaarError('ERR_BAD_INPUT', 'the PostgreSQL URL is not a URL (postgresql://user@host:port/database)'); }
    if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') throw new BazaarError('ERR_BAD_INPUT', `the PostgreSQL URL must start with postgresql://, not ${u.protocol}//`);
    return `postgresql://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname} (schema ${schema})`;
  }
  const env = process.env;
  return `postgresql://${env.PGUSER ? `${env.PGUSER}@` : ''}${env.PGHOST ?? 'localhost'}:${env.PGPORT ?? '5432'}/${env.PGDATABASE ?? env.PGUSER ?? ''} (schema ${schema})`;
}

function passwordOf(url: string | undefined): string | undefined {
  if (url === undefined) return process.env.PGPASSWORD;
  try { const p = new URL(url).password; return p ? decodeURIComponent(p) : undefined; } catch { return undefined; }
}

export class PgStateBackend implements StateBackend {
  readonly kind = 'postgresql';
  readonly label: string;
  private readonly pool: pg.Pool;
  private readonly secrets: (string | undefined)[];
  private readonly states: string;
  private readonly aside: string;
  private readonly schemaSql: string[];
  private readonly channel: string;
  private readonly options: PgStateOptions;
  private ready: Promise<void> | null = null;
  /** The newest seq as the last notification told it; null while not listening. */
  private notified: number | null = null;
  private listener: pg.Client | null = null;
  private listening = false;
  private closed = false;

  constructor(options: PgStateOptions = {}) {
    const schema = options.schema ?? 'bazaar';
    if (!SCHEMA_NAME.test(schema)) throw new BazaarError('ERR_BAD_INPUT', `schema name ${JSON.stringify(schema)} is not a plain SQL name (lower-case letters, digits, _)`);
    this.label = describe(options.url, schema);
    const password = passwordOf(options.url);
    this.secrets = password === undefined ? [] : [options.url, password, encodeURIComponent(password)];
    this.options = options;
    this.channel = `bazaar_state_${schema}`;
    this.states = `"${schema}".states`;
    this.aside = `"${schema}".states_aside`;
    this.pool = new pg.Pool({
      ...(options.url === undefined ? {} : { connectionString: options.url }),
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    // An idle connection dropped by the server (a restart) is an event, not a crash.
    this.pool.on('error', () => {});
    this.schemaSql = [
      `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
      `CREATE TABLE IF NOT EXISTS ${this.states} (seq bigint PRIMARY KEY CHECK (seq > 0), record text NOT NULL, committed_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE IF NOT EXISTS ${this.aside} (id bigserial PRIMARY KEY, seq bigint NOT NULL, record text NOT NULL, set_aside_at timestamptz NOT NULL DEFAULT now())`,
      // delivered at commit, in commit order, to every listening host
      `CREATE OR REPLACE FUNCTION "${schema}".announce_state() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
         PERFORM pg_notify('${this.channel}', COALESCE((SELECT max(seq) FROM ${this.states}), 0)::text); RETURN NULL; END $$`,
      `CREATE OR REPLACE TRIGGER announce_state AFTER INSERT OR DELETE ON ${this.states} FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".announce_state()`,
    ];
  }

  /** Creates the schema when absent, once per backend (again after a failed attempt). */
  private async prepared(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.states]);
        for (const sql of this.schemaSql) await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally { client.release(); }
    })().catch((err) => { this.ready = null; throw err; });
    return this.ready;
  }

  private async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      await this.prepared();
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw this.failed(what, err);
    }
  }

  private failed(what: string, err: unknown): BazaarError {
    return err instanceof BazaarError ? err : engineError(this.label, what, err, this.secrets);
  }

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
    const client = new pg.Client({ ...(this.options.url === undefined ? {} : { connectionString: this.options.url }), connectionTimeoutMillis: 10_000 });
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
      await this.prepared();
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
    if (!Number.isSafeInteger(next.seq) || next.seq < 1) throw new BazaarError('ERR_BAD_INPUT', `state number ${next.seq} is not a positive integer`);
    const record = encodeState(next);
    try {
      await this.prepared();
      const r = await this.pool.query(
        `INSERT INTO ${this.states} (seq, record) SELECT $1::bigint, $2::text WHERE COALESCE((SELECT max(seq) FROM ${this.states}), 0) = $1::bigint - 1`,
        [next.seq, record],
      );
      return r.rowCount === 1;
    } catch (err) {
      if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) return false;
      if (err instanceof BazaarError) throw err;
      let stored: { record: string }[];
      try {
        stored = (await this.pool.query<{ record: string }>(`SELECT record FROM ${this.states} WHERE seq = $1`, [next.seq])).rows;
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
    await this.pool.end();
  }

  /** Test hook: overwrites the stored record of state `seq` (damage). */
  async corrupt(seq: number, text: string): Promise<void> {
    await this.query(`damaging state ${seq}`, `UPDATE ${this.states} SET record = $2 WHERE seq = $1`, [seq, text]);
  }
}
