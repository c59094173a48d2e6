/**
 * `bazaar serve --workers N`: N processes on one port. A package uploaded through the
 * server is in the very next answer of every worker (its .rpm, rpm-md and /v1/ record),
 * on many connections that land on all of them; a job (an overlay being baked) made
 * through one worker is answered by every worker; a worker killed with SIGKILL is
 * replaced while the others go on; a worker that cannot start stops the server with one
 * line; SIGTERM stops every worker and drops every reader lease.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { END, dir as tarDir, file as tarFile } from '../helpers/tar-craft.js';
import { binaryRpms, cli, nevraOf, rawHttp, runAsync, sampleStore } from '../helpers/server.js';

const t = suite('server: serve --workers');

const base = binaryRpms().filter((f) => /\/(bash|filesystem|setup|libc6)-/.test(f));
const sed = binaryRpms().find((f) => f.includes('/sed-')) as string;

interface Serving { child: ChildProcess; url: string; port: number; stderr: () => string; exited: Promise<number | null> }

async function start(store: string, workers: number): Promise<Serving> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--workers', String(workers), '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); });
    child.on('close', () => reject(new Error(`serve exited: ${err}`)));
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => err, exited };
}

/** The worker processes of a primary (its children), by /proc. */
function workersOf(primary: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { return Number(readFileSync(`/proc/${d}/stat`, 'latin1').replace(/^.*\) /, '').split(' ')[1]) === primary; } catch { return false; }
  }).map(Number);
}

/** Bytes a process has written through write(2) and its kin: grows with every answer it sends. */
const written = (pid: number): number => Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'latin1'))?.[1]);

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), what);
}

t('an upload through one worker is in the next answer of every worker; kill -9 of one: the others go on, another starts', async () => {
  const store = sampleStore(base, 'server-workers');
  const token = cli(['token', 'create', '--scope', 'publish:sample'], store).trim();
  const s = await start(store, 2);
  try {
    await until('two workers run', () => workersOf(s.child.pid as number).length === 2);
    const repomdBefore = (await rawHttp(s.port, 'GET', '/repo/sample/repodata/repomd.xml')).body.toString();
    // every worker has the channel's rpm-md and .rpm files in memory before the upload
    for (let i = 0; i < 8; i++) await rawHttp(s.port, 'GET', `/repo/sample/Packages/${nevraOf(base[0])}.rpm`);

    const body = readFileSync(sed);
    const up = await rawHttp(s.port, 'POST', '/v1/packages?channel=sample', {
      body, headers: [['Authorization', `Bearer ${token}`], ['Content-Digest', `sha-256=:${createHash('sha256').update(body).digest('base64')}:`]],
    });
    assert.is(up.status, 201, up.body.toString());

    const workers = workersOf(s.child.pid as number);
    const before = new Map(workers.map((p) => [p, written(p)]));
    // each on a connection of its own: the primary hands connections to the workers in turn,
    // so an even number of requests per round could give the .rpm to one worker only: five
    // a round, and rounds until every worker has sent it (at most 40)
    const sentRpm = (): boolean => workers.every((p) => written(p) - (before.get(p) as number) > body.length);
    for (let i = 0; i < 40 && (i < 12 || !sentRpm()); i++) {
      const rpm = await rawHttp(s.port, 'GET', `/repo/sample/Packages/${nevraOf(sed)}.rpm`);
      assert.is(rpm.status, 200, `request ${i}: the .rpm`);
      assert.ok(rpm.body.equals(body), `request ${i}: its bytes`);
      const repomd = await rawHttp(s.port, 'GET', '/repo/sample/repodata/repomd.xml');
      assert.is.not(repomd.body.toString(), repomdBefore, `request ${i}: the rpm-md of the new state`);
      const primary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(repomd.body.toString())?.[1] as string;
      assert.is((await rawHttp(s.port, 'GET', `/repo/sample/${primary}`)).status, 200, `request ${i}: its primary.xml.gz`);
      const channel = await rawHttp(s.port, 'GET', '/v1/channels/sample');
      assert.match(channel.body.toString(), 'sed-1:4.9-alt1.x86_64', `request ${i}: the channel's record`);
      assert.is((await rawHttp(s.port, 'HEAD', `/repo/sample/Packages/${nevraOf(sed)}.rpm`)).status, 200, `request ${i}: HEAD of the .rpm`);
    }
    for (const p of workers) assert.ok(written(p) - (before.get(p) as number) > body.length, `worker ${p} answered some of them`);

    // one worker killed: the other goes on answering, and the primary starts another
    const [victim, other] = workers;
    process.kill(victim, 'SIGKILL');
    await until('the primary says it replaces the worker', () => s.stderr().includes(`worker pid ${victim} ended (SIGKILL); starting another`));
    for (let i = 0; i < 6; i++) assert.is((await rawHttp(s.port, 'GET', `/repo/sample/Packages/${nevraOf(sed)}.rpm`)).status, 200, `after the kill, request ${i}`);
    await until('a new worker runs beside the other', () => { const now = workersOf(s.child.pid as number); return now.length === 2 && now.includes(other) && !now.includes(victim); });
    assert.is(s.child.exitCode, null, 'the server still runs');

    const last = workersOf(s.child.pid as number);
    s.child.kill('SIGTERM');
    assert.is(await s.exited, 0, s.stderr());
    for (const p of last) assert.not.ok(existsSync(`/proc/${p}`), `worker ${p} stopped with its primary`);
    // a worker killed with SIGKILL could not drop its lease (a dead process's lease is stale: gc ignores it); every other did
    const leases = existsSync(join(store, 'readers')) ? readdirSync(join(store, 'readers')) : [];
    assert.equal(leases.filter((l) => !l.startsWith(`${victim}-`)), [], `every worker stopped dropped its reader lease: ${leases.join(' ')}`);
    assert.ok(s.stderr().split('\n').some((l) => l.startsWith(`GET /repo/sample/Packages/${nevraOf(sed)}.rpm 200 ${body.length} `)), 'the workers log their requests');
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
});

t('a job made through one worker is answered by every worker', async () => {
  const store = sampleStore(base, 'server-workers-job');
  const empty = join(tempDir('rw-empty'), 'upper');
  mkdirSync(empty);
  cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup'], store);
  cli(['layer', 'import', 'web-rw@1.0.0', empty], store);
  cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--layer', 'web-rw@^1.0'], store);
  const token = cli(['token', 'create', '--scope', 'admin'], store).trim();
  const s = await start(store, 2);
  try {
    const tar = gzipSync(Buffer.concat([tarDir('srv/'), tarFile('srv/ok', 'fine\n'), END]));
    const posted = await rawHttp(s.port, 'POST', '/v1/images/web/overlay', { body: tar, headers: [['Authorization', `Bearer ${token}`]] });
    assert.is(posted.status, 202, posted.body.toString());
    const { job } = JSON.parse(posted.body.toString()) as { job: { url: string } };
    const poll = async (): Promise<string> => {
      const got = await rawHttp(s.port, 'GET', job.url);
      assert.is(got.status, 200, got.body.toString());
      return (JSON.parse(got.body.toString()) as { status: string }).status;
    };
    let status = await poll();
    for (let i = 0; i < 300 && (status === 'queued' || status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await poll();
    }
    assert.is(status, 'done');
    const workers = workersOf(s.child.pid as number);
    const before = new Map(workers.map((p) => [p, written(p)]));
    // The primary hands connections out in turn, to the workers ready for one: a worker
    // busy for a moment (a collection, a compile) misses its turns, and 40 polls back to
    // back once all went to the other (CI). So polls go on, paced, for up to 10 s until
    // each worker has answered some: a worker that never answers still fails.
    const reachedAll = (): boolean => workers.every((p) => written(p) > (before.get(p) as number));
    const until = Date.now() + 10_000;
    for (let i = 0; i < 8 || (!reachedAll() && Date.now() < until); i++) {
      assert.is(await poll(), 'done', `poll ${i} after`);
      if (i >= 8) await new Promise((r) => setTimeout(r, 20));
    }
    for (const p of workers) assert.ok(written(p) > (before.get(p) as number), `worker ${p} answered polls (of ${workers.length} workers)`);
    const shown = JSON.parse(cli(['image', 'show', 'web', '--json'], store)) as { layers: Array<{ name: string; version: string }> };
    assert.ok(shown.layers.some((l) => l.name === 'web-rw' && l.version === '1.0.1'), 'baked once, by the primary');
  } finally {
    s.child.kill('SIGTERM');
    assert.is(await s.exited, 0);
  }
});

t('a worker that cannot start (the port is taken) stops the server with one line, exit 2', async () => {
  const store = sampleStore(base, 'server-workers-port');
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await runAsync(process.execPath, [CLI, 'serve', '--port', String(port), '--workers', '3', '--store', store]);
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, `port ${port} is in use`);
    const bad = await runAsync(process.execPath, [CLI, 'serve', '--port', '0', '--workers', '0', '--store', store]);
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /--workers is a number of processes from 1 to 256, not '0'/);
  } finally {
    taken.close();
  }
});

t.run();
