/**
 * The real engines an attached store runs on (docs/engines.md), started for a test file by
 * the project's scripts (scripts/engines/postgres.sh, ceph-rgw.sh): each at most once per
 * file, on loopback, in the file's TMPDIR, and stopped when the file's process ends (by
 * its exit, or by the script's watcher when it is killed). A
 * test that needs one is registered with `testWithEngine`, which skips it by name (as
 * tools.ts's `testWith` does) where the engine's binaries are not installed; CI installs
 * them (.ci/run), so nothing skips there.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Test } from 'uvu';
import { tempDir } from './cli.js';
import { missingNeeds, projectRoot, testUnless } from './tools.js';

export type EngineName = 'postgres' | 'ceph';

/** What each engine's script needs installed (Debian's postgresql-15; Ceph's daemons). */
const NEEDS: Record<EngineName, string[]> = {
  postgres: ['/usr/lib/postgresql/15/bin/postgres', '/usr/lib/postgresql/15/bin/initdb'],
  ceph: ['ceph-mon', 'ceph-osd', 'ceph-mgr', 'radosgw', 'radosgw-admin', 'ceph', 'monmaptool'],
};

const script = (engine: EngineName): string => join(projectRoot, 'scripts', 'engines', engine === 'postgres' ? 'postgres.sh' : 'ceph-rgw.sh');

/** Why the engines named cannot be started here (what is not installed); empty when they can. */
export function enginesMissing(engines: EngineName | EngineName[]): string[] {
  return [engines].flat().flatMap((engine) => {
    const missing = missingNeeds(NEEDS[engine]);
    return missing.length ? [`${engine}: ${missing.join(', ')}`] : [];
  });
}

/** Registers `fn` as a test when every engine named can be started here, else skips it by name with the reason. */
export function testWithEngine(suite: Test, name: string, engines: EngineName | EngineName[], fn: () => void | Promise<void>): void {
  testUnless(suite, name, enginesMissing(engines), fn);
}

/** Runs the engine's script; its KEY=value lines as a record. */
function run(engine: EngineName, cmd: 'start' | 'stop', dir: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    // the script stops the engine when this process ends, even by kill -9
    const env = { ...process.env, ENGINE_OWNER_PID: String(process.pid) };
    execFile(script(engine), [cmd, dir], { timeout: 180_000, env }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`${engine} ${cmd} failed: ${stderr.trim() || err.message}`)); return; }
      const facts: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0 && /^[A-Z_0-9]+$/.test(line.slice(0, eq))) facts[line.slice(0, eq)] = line.slice(eq + 1);
      }
      resolve(facts);
    });
  });
}

/** True while `pid` runs (not a zombie: where pid 1 reaps no orphans, a killed server stays one). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch { return false; }
}

async function killHard(pid: number): Promise<void> {
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
}

const stops: Array<() => void> = [];
process.on('exit', () => { for (const stop of stops.splice(0)) stop(); });

function started(engine: EngineName, dir: string): void {
  stops.push(() => {
    spawnSync(script(engine), ['stop', dir], { timeout: 60_000 });
    rmSync(dirname(dir), { recursive: true, force: true });
  });
}

export interface PostgresEngine {
  /** postgresql://postgres@127.0.0.1:PORT/postgres (trust auth: no password). */
  url: string;
  host: string;
  port: number;
  dir: string;
  /** The postmaster's pid. */
  pid(): number;
  /** kill -9 of the postmaster (its backends notice and exit), waited for. */
  kill9(): Promise<void>;
  /** Starts it again on the same data and port (crash recovery runs). */
  restart(): Promise<void>;
}

export interface S3Engine {
  /** http://127.0.0.1:PORT, the RADOS Gateway. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  dir: string;
  /** kill -9 of the gateway, waited for. */
  kill9Gateway(): Promise<void>;
  /** Starts the gateway again (the cluster behind it kept running). */
  restartGateway(): Promise<void>;
}

let pg: Promise<PostgresEngine> | null = null;
let ceph: Promise<S3Engine> | null = null;

/** PostgreSQL for this test file, started on first use. */
export function postgres(): Promise<PostgresEngine> {
  pg ??= (async () => {
    const dir = join(tempDir('engine'), 'postgres');
    started('postgres', dir);
    const facts = await run('postgres', 'start', dir);
    const pidOf = (): number => Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return {
      url: facts.DATABASE_URL, host: facts.PGHOST, port: Number(facts.PGPORT), dir,
      pid: pidOf,
      kill9: async () => { if (existsSync(join(dir, 'data', 'postmaster.pid'))) await killHard(pidOf()); },
      restart: async () => { await run('postgres', 'start', dir); },
    };
  })();
  return pg;
}

/** A one-node Ceph with its S3 gateway for this test file, started on first use (about 15 s). */
export function cephGateway(): Promise<S3Engine> {
  ceph ??= (async () => {
    const dir = join(tempDir('engine'), 'ceph');
    started('ceph', dir);
    const facts = await run('ceph', 'start', dir);
    const rgwPid = (): number => Number(readFileSync(join(dir, 'run', 'client.rgw.a.pid'), 'utf8').split('\n')[0]);
    return {
      endpoint: facts.S3_ENDPOINT, accessKeyId: facts.AWS_ACCESS_KEY_ID, secretAccessKey: facts.AWS_SECRET_ACCESS_KEY, region: facts.AWS_REGION, dir,
      kill9Gateway: () => killHard(rgwPid()),
      restartGateway: async () => { await run('ceph', 'start', dir); },
    };
  })();
  return ceph;
}

/**
 * Backends of a store on this file's engines: objects under the key prefix `<name>/` of
 * `bucket` (made when absent), state and history in schema `name`. Each call is another
 * host's set (its own connections); `close` them when done.
 */
export async function engineBackends(name: string, bucket = 'bazaar-tests'): Promise<{
  objectBackend: import('../../src/store/s3-object-backend.js').S3ObjectBackend;
  stateBackend: import('../../src/store/pg-state-backend.js').PgStateBackend;
  historyBackend: import('../../src/store/history/pg-history-backend.js').PgHistoryBackend;
}> {
  const [{ S3ObjectBackend }, { PgStateBackend }, { PgHistoryBackend }] = await Promise.all([
    import('../../src/store/s3-object-backend.js'), import('../../src/store/pg-state-backend.js'), import('../../src/store/history/pg-history-backend.js'),
  ]);
  const [s3, pg] = [await cephGateway(), await postgres()];
  const objectBackend = new S3ObjectBackend({
    bucket, endpoint: s3.endpoint, region: s3.region, prefix: `${name}/`,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await objectBackend.ensureBucket();
  return { objectBackend, stateBackend: new PgStateBackend({ url: pg.url, schema: name }), historyBackend: new PgHistoryBackend({ url: pg.url, schema: name }) };
}

/** Runs the engine's script and waits (for a caller that cannot: freshStore); its KEY=value lines. */
function runSync(engine: EngineName, dir: string): Record<string, string> {
  const r = spawnSync(script(engine), ['start', dir], { timeout: 180_000, encoding: 'utf8', env: { ...process.env, ENGINE_OWNER_PID: String(process.pid) } });
  if (r.status !== 0) throw new Error(`${engine} start failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return Object.fromEntries(r.stdout.split('\n').flatMap((line) => {
    const eq = line.indexOf('=');
    return eq > 0 && /^[A-Z_0-9]+$/.test(line.slice(0, eq)) ? [[line.slice(0, eq), line.slice(eq + 1)]] : [];
  }));
}

let attachedFlags: string[] | null = null;
let attachedStores = 0;

/**
 * `bazaar init`'s flags for a new attached store of this test file (docs/engines.md): the
 * file's PostgreSQL and Ceph, started here on first use and waited for (freshStore is
 * synchronous), each store under a key prefix and a schema of its own. The S3 keys go
 * into this process's environment, which the CLI's children inherit, as a user's shell
 * would hold them. For BAZAAR_TEST_STORE=attached (scripts/run-tests.mjs).
 */
export function attachedStoreFlags(): string[] {
  if (attachedFlags === null) {
    const missing = missingNeeds([...NEEDS.postgres, ...NEEDS.ceph]);
    if (missing.length) throw new Error(`BAZAAR_TEST_STORE=attached needs PostgreSQL and Ceph: ${missing.join(', ')} missing`);
    const base = tempDir('engine');
    const [pgDir, cephDir] = [join(base, 'postgres'), join(base, 'ceph')];
    started('postgres', pgDir);
    started('ceph', cephDir);
    const pgFacts = runSync('postgres', pgDir);
    const s3 = runSync('ceph', cephDir);
    process.env.AWS_ACCESS_KEY_ID = s3.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = s3.AWS_SECRET_ACCESS_KEY;
    attachedFlags = ['--s3-endpoint', s3.S3_ENDPOINT, '--state', pgFacts.DATABASE_URL];
  }
  const n = `t${process.pid}_${attachedStores++}`;
  return ['--objects', `s3://bazaar-test/${n}`, ...attachedFlags, '--schema', n];
}
