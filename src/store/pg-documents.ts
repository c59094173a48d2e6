/**
 * An attached store's documents (store-documents.ts: its settings, mirrors, tokens and
 * keys) as rows of `<schema>.documents`: the path relative to the store's directory, the
 * bytes a file would hold, its mode, and a version from one sequence
 * (docs/engines.md#the-stores-documents-as-rows).
 *
 * A change is a read-modify-write of the whole set (it is small: kilobytes) in one
 * transaction, under an advisory lock of the schema's documents, so that two hosts adding
 * tokens at once both keep theirs: the second reads what the first committed. A trigger
 * announces each change (NOTIFY), and every host following them (a server) loads them
 * again, so that a token made or revoked on one host is honoured or refused on all.
 */
import pg from 'pg';
import type { PgConnection } from './pg-connection.js';
import type { DocumentChange, DocumentRows, StoreDocument } from './store-documents.js';

/** A NOTIFY channel is a name of at most 63 bytes (longer ones are refused by pg_notify). */
function channelOf(schema: string): string { return `bazaar_documents_${schema}`.slice(0, 63); }

export function documentsDdl(q: string, schema: string): string[] {
  return [
    `CREATE SEQUENCE IF NOT EXISTS ${q}.documents_version`,
    `CREATE TABLE IF NOT EXISTS ${q}.documents (path text PRIMARY KEY, bytes bytea NOT NULL,
      mode integer NOT NULL, version bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE OR REPLACE FUNCTION ${q}.announce_documents() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       PERFORM pg_notify('${channelOf(schema)}', ''); RETURN NULL; END $$`,
    `CREATE OR REPLACE TRIGGER announce_documents AFTER INSERT OR UPDATE OR DELETE ON ${q}.documents
      FOR EACH STATEMENT EXECUTE FUNCTION ${q}.announce_documents()`,
  ];
}

interface Row { path: string; bytes: Buffer; mode: number }

/** Carries what a change's function threw out of the transaction, untouched. */
class Refused { constructor(readonly reason: unknown) {} }

const toDocument = (r: Row): StoreDocument => ({ path: r.path, bytes: r.bytes, mode: Number(r.mode) });

export class PgDocuments implements DocumentRows {
  readonly label: string;
  private readonly table: string;
  private readonly channel: string;
  private listener: pg.Client | null = null;
  /** Who follows the changes (each store opened over this backend). */
  private readonly followers = new Set<() => void>();
  private closed = false;
  private started = false;

  constructor(private readonly db: PgConnection, schema: string) {
    this.label = db.label;
    this.table = `${db.schema}.documents`;
    this.channel = channelOf(schema);
  }

  async all(): Promise<StoreDocument[]> {
    const r = await this.db.query<Row>('reading the store\'s documents (tokens, keys, mirrors, settings)', `SELECT path, bytes, mode FROM ${this.table} ORDER BY path`);
    return r.rows.map(toDocument);
  }

  async update<T>(fn: (current: StoreDocument[]) => Promise<{ changes: DocumentChange[]; result: T }>): Promise<{ result: T; after: StoreDocument[] }> {
    const what = 'changing the store\'s documents (tokens, keys, mirrors, settings)';
    try {
      return await this.db.transaction(what, async (client) => {
        // one lock for the whole set: changes are rare and small, and a writer reads all of them
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bazaar documents ${this.table}`]);
        const current = (await client.query<Row>(`SELECT path, bytes, mode FROM ${this.table} ORDER BY path`)).rows.map(toDocument);
        // what fn throws (a name taken, a bad key) is its own error, not the engine's
        let outcome: { changes: DocumentChange[]; result: T };
        try { outcome = await fn(current); } catch (err) { throw new Refused(err); }
        const { changes, result } = outcome;
        const after = new Map(current.map((d) => [d.path, d]));
        for (const c of changes) {
          if (c.bytes === null) {
            await client.query(`DELETE FROM ${this.table} WHERE path = $1`, [c.path]);
            after.delete(c.path);
          } else {
            const mode = c.mode ?? 0o644;
            await client.query(`INSERT INTO ${this.table} (path, bytes, mode, version) VALUES ($1, $2, $3, nextval('${this.table}_version'))
              ON CONFLICT (path) DO UPDATE SET bytes = EXCLUDED.bytes, mode = EXCLUDED.mode, version = EXCLUDED.version, written_at = now()`, [c.path, c.bytes, mode]);
            after.set(c.path, { path: c.path, bytes: c.bytes, mode });
          }
        }
        return { result, after: [...after.values()] };
      });
    } catch (err) {
      if (err instanceof Refused) throw err.reason;
      throw this.db.failed(what, err);
    }
  }

  follow(onChange: () => void): () => void {
    if (this.closed) return () => {};
    this.followers.add(onChange);
    // one listener for every follower, started by the first (it reconnects by itself)
    if (!this.started) { this.started = true; void this.listen(); } else onChange();
    return () => { this.followers.delete(onChange); };
  }

  private changed(): void { for (const f of this.followers) f(); }

  /** LISTEN first, then tell the follower to load: no change can fall between the two. Reconnects when lost. */
  private async listen(): Promise<void> {
    const client = new pg.Client(this.db.clientConfig());
    const lost = (): void => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => {});
      if (!this.closed) setTimeout(() => { void this.listen(); }, 500).unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => { if (n.channel === this.channel && this.listener === client) this.changed(); });
    this.listener = client;
    try {
      await this.db.prepared();
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      // not held open by this process: a program ends when its work does
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      if (this.listener === client) this.changed();
    } catch {
      lost();
    }
  }

  close(): void {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    listener?.end().catch(() => {});
  }

  /** Test hook: overwrites the bytes of the document at `path` (damage). */
  async corrupt(path: string, bytes: Buffer): Promise<void> {
    await this.db.query(`damaging ${path}`, `UPDATE ${this.table} SET bytes = $2 WHERE path = $1`, [path, bytes]);
  }
}
