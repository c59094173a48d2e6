/**
 * An attached store's engines as a user names them (`bazaar init --objects s3://BUCKET/PREFIX
 * --s3-endpoint URL --state postgresql://... --schema NAME`) and as its marker records them:
 * only the facts that are not secret (bucket, prefix, endpoint, region, the PostgreSQL URL
 * without its password, the schema). Credentials come from the environment on every run
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; PGPASSWORD or ~/.pgpass), so the directory holds
 * nothing a reader of it could use (docs/engines.md#attaching-a-store).
 *
 * The engines' modules (the AWS SDK is about a megabyte) are imported only when a store
 * that records them is opened: a local store's commands never load them.
 */
import { BazaarError } from '../errors.js';
import type { PgHistoryBackend } from './history/pg-history-backend.js';
import type { PgStateBackend } from './pg-state-backend.js';
import type { S3ObjectBackend } from './s3-object-backend.js';

/** What a program or `bazaar init` asks for. */
export interface EngineSpec {
  /** `s3://BUCKET` or `s3://BUCKET/PREFIX`: where the objects live. */
  objects: string;
  /** The S3 endpoint (`http://127.0.0.1:7480`); absent: AWS's. */
  s3Endpoint?: string;
  /** The S3 region (default: AWS_REGION, else us-east-1; Ceph ignores it). */
  s3Region?: string;
  /** `postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE`: where the state and history live. */
  state: string;
  /** The schema holding the store's tables (default `bazaar`). */
  schema?: string;
}

/** What the marker records (`engines`): no secret. */
export interface RecordedEngines {
  s3: { bucket: string; prefix: string; endpoint?: string; region?: string };
  postgresql: { url: string; schema: string };
}

export interface ParsedEngines {
  recorded: RecordedEngines;
  /** The URL to connect with on this run (it may hold a password, which is never recorded). */
  connectUrl: string;
  /** True when the URL held a password (init tells the user it is not recorded). */
  hadPassword: boolean;
}

function parseObjects(text: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(text);
  if (!m) throw new BazaarError('ERR_BAD_INPUT', `--objects is s3://BUCKET or s3://BUCKET/PREFIX, not ${JSON.stringify(text.slice(0, 200))}`);
  const path = (m[2] ?? '').replace(/\/+$/, '');
  return { bucket: m[1], prefix: path === '' ? '' : `${path}/` };
}

function parseEndpoint(text: string): string {
  let u: URL | null = null;
  try { u = new URL(text); } catch { /* refused below */ }
  if (!u || !/^https?:$/.test(u.protocol) || u.username || u.password || u.search || u.hash) {
    throw new BazaarError('ERR_BAD_INPUT', '--s3-endpoint is an http(s) URL without credentials, such as http://127.0.0.1:7480 (the keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  }
  return u.href.replace(/\/+$/, '');
}

/** The PostgreSQL URL split into what is recorded and whether it held a password. */
function parseState(text: string): { url: string; hadPassword: boolean } {
  let u: URL | null = null;
  try { u = new URL(text); } catch { /* refused below */ }
  // the message never repeats the text: it may hold a password
  if (!u || (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') || u.hash) {
    throw new BazaarError('ERR_BAD_INPUT', '--state is a PostgreSQL URL, postgresql://USER@HOST:PORT/DATABASE (the password from PGPASSWORD or ~/.pgpass)');
  }
  const hadPassword = u.password !== '' || u.searchParams.has('password');
  u.password = '';
  u.searchParams.delete('password');
  return { url: u.href, hadPassword };
}

/** Checks and splits what the user named; every mistake is ERR_BAD_INPUT, and no message holds a secret. */
export function parseEngines(spec: EngineSpec): ParsedEngines {
  const s3 = parseObjects(spec.objects);
  const state = parseState(spec.state);
  const schema = spec.schema ?? 'bazaar';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new BazaarError('ERR_BAD_INPUT', `--schema is a plain SQL name (lower-case letters, digits, _), not ${JSON.stringify(schema.slice(0, 80))}`);
  const region = spec.s3Region ?? process.env.AWS_REGION;
  return {
    recorded: {
      s3: { ...s3, ...(spec.s3Endpoint === undefined ? {} : { endpoint: parseEndpoint(spec.s3Endpoint) }), ...(region ? { region } : {}) },
      postgresql: { url: state.url, schema },
    },
    connectUrl: spec.state,
    hadPassword: state.hadPassword,
  };
}

/** The marker's `engines`, checked (a hand-edited marker is refused, not half-read). */
export function recordedEngines(dir: string, value: unknown): RecordedEngines | null {
  if (value === undefined) return null;
  const v = value as Partial<RecordedEngines> | null;
  const ok = typeof v === 'object' && v !== null && typeof v.s3?.bucket === 'string' && typeof v.s3.prefix === 'string'
    && typeof v.postgresql?.url === 'string' && typeof v.postgresql.schema === 'string';
  if (!ok) throw new BazaarError('ERR_STORE_LAYOUT', `${dir}/bazaar-store.json names its engines in a shape this bazaar does not know; run bazaar init on a new directory with the engines' flags to attach again`, { data: { dir } });
  return v as RecordedEngines;
}

/** The same engines? (init on an existing directory must name the ones it records.) */
export function sameEngines(a: RecordedEngines, b: RecordedEngines): boolean {
  return a.s3.bucket === b.s3.bucket && a.s3.prefix === b.s3.prefix && (a.s3.endpoint ?? '') === (b.s3.endpoint ?? '')
    && a.postgresql.url === b.postgresql.url && a.postgresql.schema === b.postgresql.schema;
}

/** How a label names recorded engines to a user (no secret is recorded, so none is shown). */
export function describeEngines(e: RecordedEngines): string {
  return `s3://${e.s3.bucket}/${e.s3.prefix}${e.s3.endpoint ? ` at ${e.s3.endpoint}` : ''} and ${e.postgresql.url} (schema ${e.postgresql.schema})`;
}

/** Types only above: the modules themselves are imported by openEngines. */
export interface EngineBackends {
  objectBackend: S3ObjectBackend;
  stateBackend: PgStateBackend;
  historyBackend: PgHistoryBackend;
  /** Ends their connections. */
  close(): Promise<void>;
}

/**
 * The backends over recorded engines, their modules imported now. `connectUrl` replaces the
 * recorded URL on the run that was given one (init with a password in it).
 */
export async function openEngines(engines: RecordedEngines, connectUrl?: string): Promise<EngineBackends> {
  const [{ S3ObjectBackend }, { PgStateBackend }, { PgHistoryBackend }] = await Promise.all([
    import('./s3-object-backend.js'), import('./pg-state-backend.js'), import('./history/pg-history-backend.js'),
  ]);
  const objectBackend = new S3ObjectBackend({
    bucket: engines.s3.bucket, prefix: engines.s3.prefix,
    ...(engines.s3.endpoint === undefined ? {} : { endpoint: engines.s3.endpoint }),
    ...(engines.s3.region === undefined ? {} : { region: engines.s3.region }),
  });
  const pg = { url: connectUrl ?? engines.postgresql.url, schema: engines.postgresql.schema };
  const stateBackend = new PgStateBackend(pg);
  const historyBackend = new PgHistoryBackend(pg);
  let closed: Promise<void> | null = null;
  return {
    objectBackend, stateBackend, historyBackend,
    close: () => {
      closed ??= (async () => {
        objectBackend.close();
        await Promise.allSettled([stateBackend.close(), historyBackend.close()]);
      })();
      return closed;
    },
  };
}
