/**
 * `bazaar init DIR --objects s3://... --state postgresql://...` (docs/engines.md#attaching-a-store):
 * the store lives on the engines (Ceph's S3 gateway, PostgreSQL, started for this file by
 * helpers/engines.ts), DIR keeps only configuration and caches, the same command on another
 * directory attaches to it, no credential reaches DIR or any output, every failure is one
 * line, a local store's commands never load the engines' modules, and two `bazaar serve`
 * over one attached store serve at once what was pushed to either (stock dnf installs it).
 * Skipped by name where PostgreSQL or Ceph is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { runDocBlocks } from '../helpers/doc-blocks.js';
import { dnfInstall, installedNames } from '../helpers/dnf-root.js';
import { cephGateway, postgres, testWithEngine } from '../helpers/engines.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { binaryRpms, nevraOf } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';

const t = suite('bazaar init --objects --state: an attached store');
const PASSWORD = 'pw-never-written-4242';
let stores = 0;

interface Engines { env: NodeJS.ProcessEnv; secrets: string[]; flags(name: string, withPassword?: boolean): string[] }

/** The engines, the environment a user gives a command (the S3 keys), and init's flags for the attached store `name`. */
async function engines(): Promise<Engines> {
  const [s3, pg] = [await cephGateway(), await postgres()];
  const env = { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
  // trust auth takes any password: one in the URL is used by init and must go nowhere
  const url = (withPassword: boolean): string => `postgresql://postgres${withPassword ? `:${PASSWORD}` : ''}@${pg.host}:${pg.port}/postgres`;
  return {
    env,
    secrets: [s3.secretAccessKey, PASSWORD],
    flags: (name, withPassword = false) => ['--objects', `s3://bazaar-cli/${name}`, '--s3-endpoint', s3.endpoint, '--state', url(withPassword), '--schema', name],
  };
}

interface Run { status: number | null; stdout: string; stderr: string; ms: number }

/** One CLI command with `env` (killed after 3 minutes: a connection left open would hold it for ever). */
function run(args: string[], env: NodeJS.ProcessEnv): Run {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

function ok(r: Run, what: string): string {
  assert.is(r.status, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

function assertNoSecret(texts: string[], secrets: string[], where: string): void {
  for (const text of texts) for (const s of secrets) assert.not.ok(text.includes(s), `${where} holds a secret`);
}

testWithEngine(t, 'init on two directories makes and attaches one store; every command works from either, after its caches are deleted and after reindex; no secret in DIR or any output', ['postgres', 'ceph'], async () => {
  const e = await engines();
  const name = `c${process.pid}_${stores++}`;
  const [a, b] = [join(tempDir('attach-a'), 'store'), join(tempDir('attach-b'), 'store')];
  const outputs: string[] = [];
  const go = (args: string[]): string => { const r = run(args, e.env); outputs.push(r.stdout, r.stderr); return ok(r, args.join(' ')); };

  const made = run(['init', a, ...e.flags(name, true), '--json'], e.env);
  outputs.push(made.stdout, made.stderr);
  ok(made, 'init with a password in the URL');
  assert.equal(JSON.parse(made.stdout), { store: a, attached: true });
  assert.match(made.stderr, /password .* is not recorded/, 'init says the password was not recorded');
  go(['add', '--store', a, ...sampleRpms()]);
  go(['init', b, ...e.flags(name)]);
  const marker = JSON.parse(readFileSync(join(b, 'bazaar-store.json'), 'utf8'));
  assert.equal(marker.engines.postgresql.schema, name);
  assert.is(marker.objects, 's3');

  const lsA = go(['ls', '--store', a, '--json']);
  const quick = run(['ls', '--store', a], e.env);
  assert.ok(quick.ms < 15_000, `ls ends when its work does (${quick.ms} ms): the store's connections are closed`);
  assert.ok(JSON.parse(lsA).length >= 3, 'ls lists the packages');
  assert.is(go(['ls', '--store', b, '--json']), lsA, 'the second directory lists what the first added');
  const nevra = nevraOf(binaryRpms()[0]);
  assert.match(go(['show', '--store', b, nevra]), nevra.split('-')[0]);
  go(['channel', 'create', '--store', b, 'stable']);
  go(['channel', 'add', '--store', b, 'stable', nevra]);
  assert.match(go(['channel', 'ls', '--store', a, 'stable']), nevra, 'a channel made from b is read from a at once');
  for (const dir of [a, b]) go(['fsck', '--store', dir]);

  // DIR holds configuration and caches only: deleted, every command still works
  for (const dir of [a, b]) {
    const files = filesUnder(dir);
    assert.not.ok(files.some((f) => f.startsWith('objects/') || f.startsWith('state/') || f.startsWith('refs.git/')), `no objects, state or history in ${dir}: ${files.join(' ')}`);
    assertNoSecret(files.map((f) => readFileSync(join(dir, f), 'latin1')), e.secrets, `a file of ${dir}`);
  }
  for (const cache of ['cache', 'tmp', 'readers']) rmSync(join(b, cache), { recursive: true, force: true });
  assert.is(go(['ls', '--store', b, '--json']), lsA, 'ls after the caches were deleted');
  assert.match(go(['show', '--store', b, nevra]), nevra.split('-')[0]);
  const id = (JSON.parse(lsA) as Array<{ id: string }>)[0].id;
  assert.match(id, /^sha256:/);
  const cat = run(['cat', '--store', b, id], e.env);
  assert.is(cat.status, 0, cat.stderr);
  assert.ok(cat.stdout.length > 0, 'cat gives the package');
  go(['fsck', '--store', b, '--json']);
  // reindex rebuilds what is derived from the objects and the state (the host's cache/)
  const reindexed = JSON.parse(go(['reindex', '--store', b, '--json'])) as { packages: number };
  assert.is(reindexed.packages, JSON.parse(lsA).length, 'reindex indexed every package of the store');
  assert.ok(filesUnder(b).some((f) => f.startsWith('cache/')), 'reindex wrote the host\'s cache');
  assert.is(go(['ls', '--store', b, '--json']), lsA, 'ls after reindex');
  go(['init', b, ...e.flags(name)]); // again: nothing changes
  const other = run(['init', b, ...e.flags(`${name}x`)], e.env);
  assert.is(other.status, 2, 'init naming other engines on an attached directory is refused');
  assert.match(other.stderr, /already a store attached to/);
  assertNoSecret(outputs, e.secrets, 'an output');
});

testWithEngine(t, 'a bad URL, missing credentials and an engine down: one line, exit 2 or 1, no stack, no secret, nothing made', ['postgres', 'ceph'], async () => {
  const e = await engines();
  const name = `c${process.pid}_${stores++}`;
  const cases: Array<{ what: string; args: (dir: string) => string[]; env: NodeJS.ProcessEnv; status: number; says: RegExp }> = [
    { what: 'a state URL that is not PostgreSQL', args: (d) => ['init', d, ...e.flags(name).slice(0, 4), '--state', `mysql://root:${PASSWORD}@h/db`], env: e.env, status: 2, says: /--state is a PostgreSQL URL/ },
    { what: 'an objects URL that is not s3://', args: (d) => ['init', d, '--objects', 'http://bucket', ...e.flags(name).slice(2)], env: e.env, status: 2, says: /--objects is s3:\/\/BUCKET/ },
    { what: '--objects without --state', args: (d) => ['init', d, ...e.flags(name).slice(0, 4)], env: e.env, status: 2, says: /--state is missing/ },
    { what: 'no S3 keys', args: (d) => ['init', d, ...e.flags(name)], env: { ...e.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }, status: 2, says: /AWS_ACCESS_KEY_ID/ },
    { what: 'PostgreSQL down', args: (d) => ['init', d, ...e.flags(name).slice(0, 4), '--state', `postgresql://postgres:${PASSWORD}@127.0.0.1:1/postgres`], env: e.env, status: 1, says: /ERR_STORE_UNAVAILABLE|postgresql:\/\/postgres@127\.0\.0\.1:1\/postgres/ },
    { what: 'the gateway down', args: (d) => ['init', d, '--objects', `s3://bazaar-cli/${name}`, '--s3-endpoint', 'http://127.0.0.1:1', ...e.flags(name).slice(4)], env: e.env, status: 1, says: /s3:\/\/bazaar-cli/ },
  ];
  for (const c of cases) {
    const dir = join(tempDir('attach-bad'), 'store');
    const r = run([...c.args(dir), '--json'], c.env);
    assert.is(r.status, c.status, `${c.what}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${c.what}: one line: ${r.stderr}`);
    assert.match(lines[0], c.says, c.what);
    assert.not.match(r.stderr, /\n\s+at /, `${c.what}: no stack`);
    assertNoSecret([r.stdout, r.stderr], e.secrets, c.what);
    assert.not.ok(existsSync(join(dir, 'bazaar-store.json')), `${c.what}: no store made`);
  }
  // an attached store whose engines are down later: one line too
  const dir = join(tempDir('attach-later'), 'store');
  ok(run(['init', dir, ...e.flags(name)], e.env), 'init');
  const noKeys = run(['ls', '--store', dir], { ...e.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
  assert.is(noKeys.status, 2, noKeys.stderr);
  assert.is(noKeys.stderr.trim().split('\n').length, 1, noKeys.stderr);
});

testWithEngine(t, 'docs/engines.md\'s examples run: two hosts of one store, ls from the second, fsck after its caches are deleted; the store migrated back to a local one lists the same', ['postgres', 'ceph'], async () => {
  const [s3, pg] = [await cephGateway(), await postgres()];
  const r = runDocBlocks('docs/engines.md', {
    S3_ENDPOINT: s3.endpoint, PGHOST: pg.host, PGPORT: String(pg.port), AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  assert.is(r.blocks, 2);
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^bash-5\.2\.26-alt[12]\.x86_64/m, 'the second host lists what the first added');
  assert.not.ok(`${r.stdout}${r.stderr}`.includes(s3.secretAccessKey), 'no secret in the output');
});

/** The bundle's chunk files a command opens (strace), to tell which modules it loaded. */
function chunksOpened(args: string[], env: NodeJS.ProcessEnv): string[] {
  const trace = join(tempDir('strace'), 'trace');
  const r = spawnSync('strace', ['-f', '-e', 'trace=openat', '-o', trace, process.execPath, CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.is(r.status, 0, r.stderr.slice(-2000));
  return [...readFileSync(trace, 'utf8').matchAll(/chunks\/([\w-]+)\.js"/g)].map((m) => m[1]);
}

testWith(t, 'a local store\'s show and ls never load the S3 or PostgreSQL modules', ['strace'], () => {
  const dir = freshStore('attach-local');
  const nevra = nevraOf(binaryRpms()[0]);
  spawnSync(process.execPath, [CLI, 'add', '--store', dir, binaryRpms()[0]]);
  for (const args of [['show', '--store', dir, nevra], ['ls', '--store', dir]]) {
    const chunks = chunksOpened(args, process.env);
    assert.ok(chunks.length > 0, 'strace saw the chunks');
    assert.not.ok(chunks.some((c) => /s3-object-backend|pg-state-backend|pg-history-backend/.test(c)), `${args[0]} loaded ${chunks.join(' ')}`);
  }
});

testWithEngine(t, 'an attached store\'s show loads them (the check above can fail)', ['postgres', 'ceph'], async () => {
  if (spawnSync('strace', ['-V']).status !== 0) return;
  const e = await engines();
  const dir = join(tempDir('attach-show'), 'store');
  ok(run(['init', dir, ...e.flags(`c${process.pid}_${stores++}`)], e.env), 'init');
  assert.ok(chunksOpened(['ls', '--store', dir], e.env).some((c) => c.startsWith('s3-object-backend')));
});

/** `bazaar serve --port 0` from `dir`; resolves with its URL once it listens. */
function serve(dir: string, env: NodeJS.ProcessEnv, workers: number): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--store', dir, '--port', '0', '--workers', String(workers)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => { err += c; });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`serve ended with ${code}: ${err}`)));
  });
}

/** Stops a server by SIGTERM; how long it took to end. */
async function stop(child: ChildProcess): Promise<number> {
  const t0 = Date.now();
  const ended = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await ended;
  clearTimeout(timer);
  assert.is(code, 0, 'serve ends with 0 on SIGTERM');
  return Date.now() - t0;
}

testWithEngine(t, 'two bazaar serve over one attached store: what is pushed to one, dnf installs from the other at once; rpm-md and /v1/ agree', ['postgres', 'ceph'], async () => {
  if (spawnSync('dnf', ['--version']).status !== 0) return;
  const e = await engines();
  const name = `c${process.pid}_${stores++}`;
  const [a, b] = [join(tempDir('serve-a'), 'store'), join(tempDir('serve-b'), 'store')];
  ok(run(['init', a, ...e.flags(name)], e.env), 'init a');
  ok(run(['init', b, ...e.flags(name)], e.env), 'init b');
  ok(run(['channel', 'create', '--store', a, 'sample'], e.env), 'channel');
  const token = ok(run(['token', 'create', '--store', a, '--scope', 'publish:sample'], e.env), 'token').trim();
  const [one, two] = [await serve(a, e.env, 1), await serve(b, e.env, 2)];
  try {
    const pushed = run(['push', one.url, '--channel', 'sample', ...binaryRpms()], { ...e.env, BAZAAR_TOKEN: token });
    assert.is(pushed.status, 0, pushed.stderr);
    // at once: no wait between the push to one and the reads from the other
    const get = async (base: string, path: string): Promise<string> => {
      const r = await fetch(new URL(path, base));
      assert.is(r.status, 200, `${base}${path}`);
      return r.text();
    };
    for (const path of ['v1/channels/sample', 'repo/sample/repodata/repomd.xml']) {
      assert.is(await get(two.url, path), await get(one.url, path), `${path} the same from both servers`);
    }
    const dnf = await dnfInstall(tempDir('attach-dnf'), [`baseurl=${two.url}repo/sample/`, 'gpgcheck=0'], ['webserver']);
    assert.is(dnf.status, 0, dnf.out);
    assert.ok((await installedNames(dnf.root)).includes('webserver'), 'webserver is installed from the other server');
  } finally {
    for (const s of [one, two]) {
      const ms = await stop(s.child);
      assert.ok(ms < 15_000, `serve stopped in ${ms} ms`);
      assertNoSecret([s.stderr()], e.secrets, 'serve\'s log');
    }
  }
});

t.run();
