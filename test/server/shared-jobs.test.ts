/**
 * Overlay jobs on an attached store (docs/engines.md "Jobs", issue 22): rows every server
 * sees. An overlay uploaded to server A is answered for by server B, status and result,
 * and by B restarted; a server killed with -9 while it bakes leaves the job to another,
 * which runs it again to a final state (never "running" forever), fsck clean. Skipped by
 * name without PostgreSQL and Ceph.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/cli.js';
import { testWithEngine } from '../helpers/engines.js';
import { attachedSite, startServer } from '../helpers/attached-servers.js';
import type { AttachedSite, ServerProcess } from '../helpers/attached-servers.js';
import { END, dir as tarDir, file as tarFile } from '../helpers/tar-craft.js';

const t = suite('overlay jobs as rows, answered by every server');
const servers: ServerProcess[] = [];

interface JobAnswer { id: string; status: string; result?: { layer: { name: string; version: string }; image: { name: string; version: string } }; error?: { code: string } }

/** Two directories on a new store holding image `plain` (one layer, no packages), an admin token for each. */
function site(name: string, s: AttachedSite): { dirs: string[]; tokens: string[] } {
  const dirs = [s.attach(), s.attach()];
  const base = join(tempDir(`${name}-base`), 'base');
  mkdirSync(join(base, 'etc'), { recursive: true });
  writeFileSync(join(base, 'etc/motd'), 'base\n');
  s.run(['layer', 'import', 'base@1.0.0', base, '--store', dirs[0]]);
  s.run(['image', 'create', 'plain@1.0.0', '--layer', 'base@^1.0', '--store', dirs[0]]);
  return { dirs, tokens: dirs.map((d) => s.run(['token', 'create', '--scope', 'admin', '--store', d]).trim()) };
}

/** An overlay upper directory as a tar: `files` files under srv/. */
function overlay(files: number, tag: string): Buffer {
  const parts = [tarDir('srv/')];
  for (let i = 0; i < files; i++) parts.push(tarFile(`srv/f${i}.txt`, `${tag} ${i}\n`));
  return Buffer.concat([...parts, END]);
}

/** A server on each directory (a failed test's servers are killed by the next, see `after`). */
async function both(dirs: string[], s: AttachedSite): Promise<ServerProcess[]> {
  for (const x of servers.splice(0)) x.child.kill('SIGKILL');
  servers.push(await startServer(dirs[0], s.env), await startServer(dirs[1], s.env));
  return [...servers];
}

async function post(s: ServerProcess, token: string, body: Buffer): Promise<string> {
  const r = await fetch(`${s.url}v1/images/plain/overlay`, { method: 'POST', body: new Uint8Array(body), headers: { Authorization: `Bearer ${token}` } });
  const answer = await r.json() as { job: { id: string; url: string } };
  assert.is(r.status, 202, JSON.stringify(answer));
  return answer.job.id;
}

async function job(s: ServerProcess, id: string): Promise<JobAnswer> {
  const r = await fetch(`${s.url}v1/jobs/${id}`);
  assert.is(r.status, 200, `job ${id} from ${s.url}`);
  return await r.json() as JobAnswer;
}

/** The job as `s` tells it once it is no longer `pending` (queued or running); every status seen on the way. */
async function until(s: ServerProcess, id: string, pending: string[], seconds = 120): Promise<{ last: JobAnswer; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < seconds * 50; i++) {
    const last = await job(s, id);
    if (seen.at(-1) !== last.status) seen.push(last.status);
    if (!pending.includes(last.status)) return { last, seen };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} still ${seen.at(-1)} after ${seconds} s (seen: ${seen.join(' ')})`);
}

testWithEngine(t, 'an overlay uploaded to server A is answered for by server B, status and result, and by B restarted', ['postgres', 'ceph'], async () => {
  const s = await attachedSite(`ja${process.pid}`);
  const { dirs, tokens } = site('ja', s);
  const [a, b] = await both(dirs, s);
  const id = await post(a, tokens[0], overlay(3, 'first'));
  const { last } = await until(b, id, ['queued', 'running']);
  assert.is(last.status, 'done', JSON.stringify(last));
  assert.equal([last.result?.layer.name, last.result?.layer.version], ['plain-rw', '0.0.1']);
  assert.equal(await job(a, id), last, 'A answers the same');
  const shown = JSON.parse(s.run(['image', 'show', 'plain', '--json', '--store', dirs[1]])) as { version: string; layers: Array<{ name: string; version: string }> };
  assert.is(shown.version, last.result?.image.version);
  assert.ok(shown.layers.some((l) => l.name === 'plain-rw' && l.version === '0.0.1'), JSON.stringify(shown.layers));

  // a restart forgets nothing: B stopped and started again still answers for A's job
  await servers[1].stop();
  servers[1] = await startServer(dirs[1], s.env);
  assert.equal(await job(servers[1], id), last);
  // unknown jobs: a 404 that says where it looked
  const none = await fetch(`${servers[1].url}v1/jobs/0123456789abcdef`);
  assert.is(none.status, 404);
  assert.match(((await none.json()) as { error: { message: string } }).error.message, 'in this store');
  await Promise.all(servers.splice(0).map((x) => x.stop()));
  assert.not.throws(() => s.run(['fsck', '--store', dirs[0]]));
});

testWithEngine(t, 'a server killed with -9 while it bakes: another runs the job again to a final state, never running forever; fsck clean', ['postgres', 'ceph'], async () => {
  const s = await attachedSite(`jk${process.pid}`);
  const { dirs, tokens } = site('jk', s);
  const [a, b] = await both(dirs, s);
  // many files: on S3 each is a PUT, so the bake lasts long enough to be caught running
  const id = await post(a, tokens[0], overlay(400, 'killed'));
  const running = await until(b, id, ['queued']);
  assert.is(running.last.status, 'running', `B sees A run it (${running.seen.join(' ')})`);
  a.child.kill('SIGKILL');
  await new Promise<void>((r) => a.child.once('close', () => r()));
  const { last, seen } = await until(b, id, ['queued', 'running'], 180);
  assert.is(last.status, 'done', `${JSON.stringify(last)} (seen: ${seen.join(' ')})`);
  assert.match(b.stderr(), new RegExp(`job ${id}: taken again \\(attempt 2`), 'B ran it again');
  assert.is(last.result?.layer.name, 'plain-rw');
  const shown = JSON.parse(s.run(['image', 'show', 'plain', '--json', '--store', dirs[1]])) as { layers: Array<{ name: string; version: string }> };
  assert.ok(shown.layers.some((l) => l.name === 'plain-rw' && l.version === last.result?.layer.version), JSON.stringify(shown.layers));
  // A started again on its directory answers for it too
  servers[0] = await startServer(dirs[0], s.env);
  assert.equal(await job(servers[0], id), last);
  await Promise.all(servers.splice(0).map((x) => x.stop()));
  assert.not.throws(() => s.run(['fsck', '--store', dirs[1]]));
});

t.after(async () => { for (const x of servers.splice(0)) x.child.kill('SIGKILL'); });
t.run();
