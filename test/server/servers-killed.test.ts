/**
 * kill -9 of a server over an attached store (issue 22, docs/engines.md): one server is
 * killed while uploads to it and to another are in flight, one of them half sent; the
 * killed one starts again on its directory. Nothing acknowledged is lost, nothing is half
 * published (fsck clean), and both servers take uploads again. Skipped by name without
 * PostgreSQL and Ceph.
 */
import { request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cephGateway, postgres, testWithEngine } from '../helpers/engines.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { attachedSite, startServer } from '../helpers/attached-servers.js';
import type { ServerProcess } from '../helpers/attached-servers.js';

const t = suite('servers killed over an attached store');
const servers: ServerProcess[] = [];
const rpmOf = (name: string): Buffer => makePackageRpm({ name, version: '1.0', release: 'alt1', arch: 'noarch', summary: `${name} for the kill test` });

/** Why uploads got no answer (status 0): the client's error and its cause, to tell a dropped connection from a dead server. */
const noAnswers: string[] = [];

/** The status of an upload of package `name` through `s`; 0 when no answer came. */
async function upload(s: ServerProcess, token: string, name: string): Promise<number> {
  const body = rpmOf(name);
  try {
    const r = await fetch(`${s.url}v1/packages?channel=k`, { method: 'POST', body: new Uint8Array(body), headers: { Authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    return r.status;
  } catch (err) { // the server died: not acknowledged
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    noAnswers.push(`${name} via ${s.url}: ${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
    return 0;
  }
}

testWithEngine(t, 'a server killed with -9 mid-uploads (one half sent) and started again: every acknowledged upload present, fsck clean, both servers take uploads', ['postgres', 'ceph'], async () => {
  const site = await attachedSite(`k${process.pid}`);
  const dirs = [site.attach(), site.attach()];
  site.run(['channel', 'create', 'k', '--store', dirs[0]]);
  const tokens = dirs.map((d) => site.run(['token', 'create', '--scope', 'publish:*', '--store', d]).trim());
  for (const d of dirs) servers.push(await startServer(d, site.env));
  const acknowledged: string[] = [];
  const go = async (k: number, name: string): Promise<void> => { if ((await upload(servers[k], tokens[k], name)) === 201) acknowledged.push(`${name}-1.0-alt1.noarch`); };

  // a half-sent upload to the server about to die
  const half = request(`${servers[0].url}v1/packages?channel=k`, { method: 'POST', headers: { Authorization: `Bearer ${tokens[0]}`, 'Content-Length': '100000' } });
  half.on('error', () => {});
  half.write(rpmOf('half').subarray(0, 200));
  const inFlight = Array.from({ length: 24 }, (_, i) => go(i % 2, `k${i}`));
  await new Promise((r) => setTimeout(r, 400));
  servers[0].child.kill('SIGKILL');
  await Promise.all(inFlight);
  assert.ok(acknowledged.length > 0, 'some uploads were acknowledged');
  const lost = Array.from({ length: 12 }, (_, j) => `k${2 * j}-1.0-alt1.noarch`).filter((n) => !acknowledged.includes(n));
  assert.ok(lost.length > 0, 'the kill came while uploads to that server were in flight (some were never acknowledged)');
  servers[0] = await startServer(dirs[0], site.env);
  for (let i = 0; i < 4; i++) await go(i % 2, `after${i}`);
  assert.ok(acknowledged.filter((n) => n.startsWith('after')).length === 4, `both servers take uploads again (${acknowledged.join(' ')})`);
  await nothingLost(site, dirs[1], acknowledged);
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** Every acknowledged upload is served by each server, nothing named `half…` is, and fsck of `dir` is clean. */
async function nothingLost(site: Awaited<ReturnType<typeof attachedSite>>, dir: string, acknowledged: string[]): Promise<void> {
  for (const s of servers) {
    const served = ((await (await fetch(`${s.url}v1/channels/k`)).json()) as { packages: Array<{ nevra: string }> }).packages.map((p) => p.nevra);
    assert.equal(acknowledged.filter((n) => !served.includes(n)), [], `${s.url} serves every acknowledged upload`);
    assert.not.ok(served.some((n) => n.startsWith('half')), 'the half-sent upload is not published');
  }
  const fsck = JSON.parse(site.run(['fsck', '--json', '--store', dir])) as { ok: boolean };
  assert.ok(fsck.ok, JSON.stringify(fsck));
}

for (const engine of ['PostgreSQL', 'the S3 gateway'] as const) {
  testWithEngine(t, `${engine} killed with -9 mid-uploads to two servers, then restarted: uploads refused meanwhile with 503 (never a 500), every acknowledged one present, fsck clean, the servers take uploads again without a restart`, ['postgres', 'ceph'], async () => {
    const site = await attachedSite(`e${process.pid}_${engine === 'PostgreSQL' ? 'pg' : 's3'}`);
    const dirs = [site.attach(), site.attach()];
    site.run(['channel', 'create', 'k', '--store', dirs[0]]);
    const tokens = dirs.map((d) => site.run(['token', 'create', '--scope', 'publish:*', '--store', d]).trim());
    const mine = await Promise.all(dirs.map((d) => startServer(d, site.env)));
    servers.push(...mine);
    const acknowledged: string[] = [];
    const statuses = new Set<number>();
    const go = async (k: number, name: string): Promise<void> => {
      const status = await upload(mine[k], tokens[k], name);
      statuses.add(status);
      if (status === 201) acknowledged.push(`${name}-1.0-alt1.noarch`);
    };
    const [pg, s3] = [await postgres(), await cephGateway()];
    const inFlight = Array.from({ length: 24 }, (_, i) => go(i % 2, `e${i}`));
    await new Promise((r) => setTimeout(r, 300));
    await (engine === 'PostgreSQL' ? pg.kill9() : s3.kill9Gateway());
    try {
      await Promise.all(inFlight);
      // while it is down: refused as unavailable, one line, never a 500
      for (let i = 0; i < 4; i++) await go(i % 2, `down${i}`);
      assert.ok(statuses.has(503), `uploads while ${engine} is down are refused with 503 (${[...statuses].join(' ')})`);
      // the servers' logs say why an answer was neither (0: no answer at all)
      const logs = [...noAnswers.slice(-8), ...mine.map((s, i) => `server ${i} (exit ${s.child.exitCode}): ${s.stderr().slice(-1500)}`)].join('\n');
      assert.equal([...statuses].filter((s) => s !== 201 && s !== 503), [], `every answer is 201 or 503 (${[...statuses].join(' ')})\n${logs}`);
      // a server holding a pooled connection when PostgreSQL died once ended on an unhandled 'error' event
      assert.equal(mine.map((s) => s.child.exitCode), [null, null], `both servers outlive the engine\n${logs}`);
    } finally {
      // restarted whatever happened: a failure here must not take the next test's engine with it
      await (engine === 'PostgreSQL' ? pg.restart() : s3.restartGateway());
    }
    // the servers reconnect by themselves; a pooled connection may need one failed try to be dropped
    for (let i = 0; i < 4; i++) {
      for (let tries = 0; tries < 20; tries++) {
        if ((await upload(mine[i % 2], tokens[i % 2], `after${i}`)) === 201) { acknowledged.push(`after${i}-1.0-alt1.noarch`); break; }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    assert.is(acknowledged.filter((n) => n.startsWith('after')).length, 4, `both servers take uploads again (${acknowledged.join(' ')})`);
    await nothingLost(site, dirs[1], acknowledged);
    await Promise.all(mine.map((s) => s.stop()));
    servers.splice(servers.indexOf(mine[0]), 2);
  });
}

t.after(async () => { await Promise.all(servers.splice(0).map((s) => s.stop())); });

t.run();
