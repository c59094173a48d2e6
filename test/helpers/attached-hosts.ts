/**
 * Hosts of one attached store for tests (docs/engines.md): each host is a Store on an
 * empty directory of its own over the same S3 key prefix and PostgreSQL schema, with
 * backends of its own (as another machine would have). The engines are the test file's
 * (engines.ts); everything opened here is closed by `closeHosts`.
 */
import { join } from 'node:path';
import { PgHistoryBackend } from '../../src/store/history/pg-history-backend.js';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';
import { S3ObjectBackend } from '../../src/store/s3-object-backend.js';
import type { S3ObjectOptions } from '../../src/store/s3-object-backend.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from './cli.js';
import { cephGateway, postgres } from './engines.js';

export const ATTACHED_BUCKET = 'bazaar-attached';
const closing: Array<{ close(): void | Promise<void> }> = [];
let bucketMade: Promise<void> | null = null;
let named = 0;

/** A new store name (a key prefix and a schema), unique in this test file. */
export function storeName(): string { return `h${process.pid}_${named++}`; }

export interface HostBackends { objectBackend: S3ObjectBackend; stateBackend: PgStateBackend; historyBackend: PgHistoryBackend }

/**
 * The backends of one host over the attached store `name`. `objects` may give another
 * S3ObjectBackend class (a test's pausing one) and options (a grace period).
 */
export async function hostBackends(name: string, options: { objects?: typeof S3ObjectBackend; s3?: Partial<S3ObjectOptions> } = {}): Promise<HostBackends> {
  const [s3, pg] = [await cephGateway(), await postgres()];
  const Objects = options.objects ?? S3ObjectBackend;
  const objectBackend = new Objects({
    bucket: ATTACHED_BUCKET, endpoint: s3.endpoint, region: s3.region, prefix: `${name}/`,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, ...options.s3,
  });
  bucketMade ??= objectBackend.ensureBucket();
  await bucketMade;
  const stateBackend = new PgStateBackend({ url: pg.url, schema: name });
  const historyBackend = new PgHistoryBackend({ url: pg.url, schema: name });
  closing.push(objectBackend, stateBackend, historyBackend);
  return { objectBackend, stateBackend, historyBackend };
}

/** A host: a Store made on a new empty directory over the attached store `name` (the first makes it, the next attach). */
export async function attachedHost(name: string, options: Parameters<typeof hostBackends>[1] = {}): Promise<{ store: Store; dir: string; backends: HostBackends }> {
  const dir = join(tempDir('attached'), 'store');
  const backends = await hostBackends(name, options);
  return { store: await Store.init(dir, backends), dir, backends };
}

/** Closes every backend opened here (t.after). */
export async function closeHosts(): Promise<void> {
  await Promise.all(closing.splice(0).map(async (b) => { try { await b.close(); } catch { /* gone */ } }));
}
