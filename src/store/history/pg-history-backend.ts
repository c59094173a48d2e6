/**
 * The history in PostgreSQL (issue 22, docs/engines.md): git objects as rows of
 * `<schema>.git_objects` (oid, type, body) and refs as rows of `<schema>.git_refs`, in the
 * database (and schema) that holds the state, so a store attached from several hosts
 * keeps nothing of its history in any directory.
 *
 * A transaction's objects (a commit, the few trees on its path, value blobs) are held in
 * memory as they are written, readable at once, and sent at `flush()` (which the
 * transaction calls before its state commit) as one INSERT of arrays: one round trip per
 * commit, however many objects. A row already there is kept when it holds the same bytes
 * and rewritten when it does not (a damaged copy is repaired by its next writer, as a
 * loose file is). Each object read back is hashed again: doubt is damage. Rows are never
 * updated otherwise (content-addressed), so GitRepo's cache of parsed objects is safe.
 */
import { decodeObject, OID } from './git-object.js';
import type { GitObject, GitObjectType } from './git-object.js';
import type { HistoryBackend, RefGuard, RefValue } from './history-backend.js';
import { PgConnection } from '../pg-connection.js';
import type { PgOptions } from '../pg-connection.js';

/** Objects sent per INSERT at most (bytes of bodies): a migration's thousands go in a few. */
const FLUSH_BYTES = 8 << 20;

/** A row's type and body, hashed as git would: a changed byte, or a type that is not git's, is damage. */
function verified(oid: string, type: string, body: Buffer): GitObject {
  return decodeObject(oid, Buffer.concat([Buffer.from(`${type} ${body.length}\u0000`, 'latin1'), body]));
}

export class PgHistoryBackend implements HistoryBackend {
  readonly kind = 'postgresql';
  readonly label: string;
  private readonly db: PgConnection;
  private readonly objects: string;
  private readonly refs: string;
  /** Written, not yet flushed: readable from here until they are. */
  private readonly pending = new Map<string, GitObject>();

  constructor(options: PgOptions = {}) {
    this.db = new PgConnection(options, (q) => [
      `CREATE TABLE IF NOT EXISTS ${q}.git_objects (oid bytea PRIMARY KEY CHECK (length(oid) = 20), type text NOT NULL, body bytea NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${q}.git_refs (name text PRIMARY KEY, oid text NOT NULL)`,
    ]);
    this.label = `${this.db.label} history`;
    this.objects = `${this.db.schema}.git_objects`;
    this.refs = `${this.db.schema}.git_refs`;
  }

  async init(): Promise<void> {
    try { await this.db.prepared(); } catch (err) { throw this.db.failed('creating the history tables', err); }
  }

  async read(oid: string): Promise<GitObject | null> {
    const held = this.pending.get(oid);
    if (held) return held;
    const r = await this.db.query<{ type: string; body: Buffer }>(`reading history object ${oid}`, `SELECT type, body FROM ${this.objects} WHERE oid = $1`, [Buffer.from(oid, 'hex')]);
    if (r.rows.length === 0) return null;
    return verified(oid, r.rows[0].type, r.rows[0].body);
  }

  /** Verified as `read` does; one damaged row fails the whole answer (GitRepo then reads one by one). */
  async readMany(oids: readonly string[]): Promise<Map<string, GitObject>> {
    const out = new Map<string, GitObject>();
    const asked: Buffer[] = [];
    for (const oid of oids) {
      const held = this.pending.get(oid);
      if (held) out.set(oid, held); else asked.push(Buffer.from(oid, 'hex'));
    }
    if (asked.length === 0) return out;
    const r = await this.db.query<{ oid: Buffer; type: string; body: Buffer }>(`reading ${asked.length} history objects`, `SELECT oid, type, body FROM ${this.objects} WHERE oid = ANY($1::bytea[])`, [asked]);
    for (const row of r.rows) {
      const oid = row.oid.toString('hex');
      out.set(oid, verified(oid, row.type, row.body));
    }
    return out;
  }

  write(oid: string, type: GitObjectType, body: Buffer): void {
    this.pending.set(oid, { type, body });
  }

  /**
   * Sends what was written, in oid order (so that two hosts writing the same objects lock
   * their rows in the same order and never deadlock). An object is dropped from memory
   * only once its INSERT succeeded; a failure leaves it for the next flush.
   */
  async flush(): Promise<void> {
    const batch = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < batch.length;) {
      const chunk: Array<[string, GitObject]> = [];
      let bytes = 0;
      while (i < batch.length && (chunk.length === 0 || bytes + batch[i][1].body.length <= FLUSH_BYTES)) {
        bytes += batch[i][1].body.length;
        chunk.push(batch[i++]);
      }
      await this.db.query(
        `writing ${chunk.length} history object${chunk.length === 1 ? '' : 's'}`,
        `INSERT INTO ${this.objects} AS o (oid, type, body) SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[])
         ON CONFLICT (oid) DO UPDATE SET type = excluded.type, body = excluded.body WHERE o.type <> excluded.type OR o.body <> excluded.body`,
        [chunk.map(([oid]) => Buffer.from(oid, 'hex')), chunk.map(([, o]) => o.type), chunk.map(([, o]) => o.body)],
      );
      for (const [oid, o] of chunk) if (this.pending.get(oid) === o) this.pending.delete(oid);
    }
  }

  async readRef(name: string): Promise<RefValue> {
    const r = await this.db.query<{ oid: string }>(`reading ref ${name}`, `SELECT oid FROM ${this.refs} WHERE name = $1`, [name]);
    if (r.rows.length === 0) return null;
    return OID.test(r.rows[0].oid) ? r.rows[0].oid : 'garbage';
  }

  async readRefs(dir: string): Promise<Map<string, RefValue>> {
    const prefix = `${dir}/`;
    const r = await this.db.query<{ name: string; oid: string }>(`reading refs under ${dir}`, `SELECT name, oid FROM ${this.refs} WHERE left(name, length($1)) = $1`, [prefix]);
    const rows = r.rows.map((row) => [row.name.slice(prefix.length), OID.test(row.oid) ? row.oid : 'garbage'] as const);
    return new Map(rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * All at once: one statement, one transaction (the last value given for a name wins).
   * The guard is an UPDATE of its row WHERE it holds `from` (or an INSERT when it must be
   * absent): a host racing for the same row waits for the first and then finds it
   * changed, so exactly one wins, and the other refs move only with it.
   */
  async setRefs(updates: ReadonlyArray<readonly [string, string | null]>, guard?: RefGuard): Promise<boolean> {
    const last = new Map(updates);
    if (guard) last.delete(guard.name);
    const set = [...last].filter((u): u is [string, string] => u[1] !== null);
    const removed = [...last].filter(([, oid]) => oid === null).map(([name]) => name);
    const params: unknown[] = [set.map(([n]) => n), set.map(([, o]) => o), removed];
    let cas = 'SELECT 1';
    if (guard) {
      params.push(guard.name, guard.to);
      if (guard.from === null) cas = `INSERT INTO ${this.refs} (name, oid) VALUES ($4::text, $5::text) ON CONFLICT (name) DO NOTHING RETURNING 1`;
      else { params.push(guard.from); cas = `UPDATE ${this.refs} SET oid = $5::text WHERE name = $4::text AND oid = $6::text RETURNING 1`; }
    }
    const names = [...last.keys(), ...(guard ? [guard.name] : [])];
    const r = await this.db.query<{ n: number }>(
      `moving ref${names.length === 1 ? '' : 's'} ${names.join(', ')}`,
      `WITH cas AS (${cas}),
         removed AS (DELETE FROM ${this.refs} WHERE name = ANY($3::text[]) AND EXISTS (SELECT 1 FROM cas)),
         moved AS (INSERT INTO ${this.refs} (name, oid) SELECT * FROM unnest($1::text[], $2::text[]) WHERE EXISTS (SELECT 1 FROM cas)
                   ON CONFLICT (name) DO UPDATE SET oid = excluded.oid)
       SELECT count(*)::int AS n FROM cas`,
      params,
    );
    return r.rows[0].n > 0;
  }

  async close(): Promise<void> { await this.db.end(); }

  /** Test hook: replaces a stored object's body (damage). */
  async corrupt(oid: string, body: Buffer): Promise<void> {
    await this.db.query(`damaging ${oid}`, `UPDATE ${this.objects} SET body = $2 WHERE oid = $1`, [Buffer.from(oid, 'hex'), body]);
  }

  /** Test hook: writes a ref's text as is (damage). */
  async corruptRef(name: string, text: string): Promise<void> {
    await this.db.query(`damaging ref ${name}`, `INSERT INTO ${this.refs} (name, oid) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET oid = excluded.oid`, [name, text]);
  }
}
