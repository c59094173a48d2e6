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
import { testWithEngine } from '../helpers/engines.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { attachedSite, startServer } from '../helpers/attached-servers.js';
import type { ServerProcess } from '../helpers/attached-servers.js';

const t = suite('servers killed over an attached store');
const servers: ServerProcess[] = [];
const rpmOf = (name: string): Buffer => makePackageRpm({ name, version: '1.0', release: 'alt1', arch: 'noarch', summary: `${name} for the kill test` });

async function upload(s: ServerProcess, token: string, name: string): Promise<number> {
  const body = rpmOf(name);
  try {
    const r = await fetch(`${s.url}v1/packages?channel=k`, { method: 'POST', body: new Uint8Array(body), headers: { Authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    return r.status;
  } catch { return 0; } // the server died: not acknowledged
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
  for (const s of servers) {
    const served = ((await (await fetch(`${s.url}v1/channels/k`)).json()) as { packages: Array<{ nevra: string }> }).packages.map((p) => p.nevra);
    assert.equal(acknowledged.filter((n) => !served.includes(n)), [], `${s.url} serves every acknowledged upload`);
    assert.not.ok(served.some((n) => n.startsWith('half')), 'the half-sent upload is not published');
  }
  const fsck = JSON.parse(site.run(['fsck', '--json', '--store', dirs[1]])) as { ok: boolean };
  assert.ok(fsck.ok, JSON.stringify(fsck));
});

t.after(async () => { await Promise.all(servers.splice(0).map((s) => s.stop())); });

t.run();
