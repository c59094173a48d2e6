/**
 * What every PostgreSQL backend of a store shares (pg-state-backend.ts,
 * history/pg-history-backend.ts): the connection facts from a `postgresql://` URL or the
 * standard PG* variables, a label that names user, host, port, database and schema but
 * never a password, a small pool, the schema's tables created once when absent (under an
 * advisory lock, so hosts attaching at once do not collide), and every failure as one
 * ERR_STORE_UNAVAILABLE line with the secrets cut out (engine-error.ts).
 */
import pg from 'pg';
import { BazaarError } from '../errors.js';
import { engineError } from './engine-error.js';

export interface PgOptions {
  /** postgresql://user[:password]@host:port/database; absent: the PG* variables. */
  url?: string;
  /** The schema holding the store's tables (several stores may share a database). */
  schema?: string;
  /** Connections kept at most (default 4). */
  maxConnections?: number;
}

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

export class PgConnection {
  readonly label: string;
  readonly pool: pg.Pool;
  /** The schema's name, quoted for SQL (`"bazaar"`). */
  readonly schema: string;
  readonly secrets: (string | undefined)[];
  private ready: Promise<void> | null = null;

  /** `ddl(schema)`: the statements that create the backend's tables when absent. */
  constructor(readonly options: PgOptions, private readonly ddl: (schema: string) => string[]) {
    const schema = options.schema ?? 'bazaar';
    if (!SCHEMA_NAME.test(schema)) throw new BazaarError('ERR_BAD_INPUT', `schema name ${JSON.stringify(schema)} is not a plain SQL name (lower-case letters, digits, _)`);
    this.schema = `"${schema}"`;
    this.label = describe(options.url, schema);
    const password = passwordOf(options.url);
    this.secrets = password === undefined ? [] : [options.url, password, encodeURIComponent(password)];
    this.pool = new pg.Pool({
      ...this.clientConfig(),
      max: options.maxConnections ?? 4,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    // A connection dropped by the server (a restart, kill -9) is an event, not a crash: the
    // pool listens to its idle clients, and each client listens for itself while checked
    // out (a transaction in flight), where nobody else does and Node would end the process.
    // Its statements are refused anyway, and the pool drops it when it is released.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => { client.on('error', () => {}); });
  }

  /** What a connection of its own (a listener) needs. */
  clientConfig(): pg.ClientConfig {
    return { ...(this.options.url === undefined ? {} : { connectionString: this.options.url }), connectionTimeoutMillis: 10_000 };
  }

  /** Creates the schema and tables when absent, once per backend (again after a failed attempt). */
  prepared(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bazaar schema ${this.schema}`]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        for (const sql of this.ddl(this.schema)) await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally { client.release(); }
    })().catch((err) => { this.ready = null; throw err; });
    return this.ready;
  }

  /**
   * Runs `fn` in one transaction on a connection of the pool: committed when it returns,
   * rolled back when it throws. What it throws comes out as it is (the caller words it:
   * `failed`); a connection that cannot be had is `failed(what)` here.
   */
  async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      await this.prepared();
      client = await this.pool.connect();
    } catch (err) { throw this.failed(what, err); }
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally { client.release(); }
  }

  /** One statement (after the tables exist); a failure is one ERR_STORE_UNAVAILABLE line saying `what` failed. */
  async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      await this.prepared();
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw this.failed(what, err);
    }
  }

  failed(what: string, err: unknown): BazaarError {
    return err instanceof BazaarError ? err : engineError(this.label, what, err, this.secrets);
  }

  end(): Promise<void> { return this.pool.end(); }
}
