/**
 * Mirrors against a real upstream: createrepo_c's repository of the sample packages,
 * served by python3's http.server (its access log counts the downloads).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addMirror, createChannel, listMirrors, showChannel, syncMirror } from '../../src/index.js';
import { prepareFragments } from '../../src/rpmmd/fragments.js';
import { Store } from '../../src/store/store.js';
import { createToken } from '../../src/store/tokens.js';
import { appFor } from '../helpers/server.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { binaryRpms } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';
import { makeRepo, pythonUpstream } from '../helpers/upstream.js';

const t = suite('mirror: sync from a createrepo_c upstream');
const NEEDS = ['createrepo_c', 'python3', 'rpm'];
const QF = '%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\\n';

/** The NEVRAs of the .rpm files in `dir`, as rpm reads them (the oracle). */
function upstreamSet(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.rpm')).map((f) => join(dir, f));
  return execFileSync('rpm', ['-qp', '--nosignature', '--qf', QF, ...files], { encoding: 'utf8' }).trim().split('\n').sort();
}

async function channelSet(dir: string, channel: string): Promise<string[]> {
  const store = await Store.open(dir);
  return (await showChannel(store, { channel })).builds.map((b) => b.nevra).sort();
}

/** Awaits `fn`, which must fail with a message matching `pattern`. */
export async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try { await fn(); } catch (err) { assert.match((err as Error).message, pattern); return; }
  assert.unreachable(`expected a failure matching ${pattern}`);
}

function cli(args: string[], store: string): string {
  const r = bazaarFast([...args, '--store', store]);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

testWith(t, 'the channel equals the upstream; a second sync reads repomd.xml only; an update downloads exactly the new files and publishes the removal', NEEDS, async () => {
  const root = tempDir('mirror');
  const up = join(root, 'up');
  const all = binaryRpms();
  const held = all.filter((f) => /\/(webapp-doc|va-watchdog|zlib-1\.3\.1-alt1\.x86_64)/.test(f));
  assert.is(held.length, 3);
  makeRepo(up, all.filter((f) => !held.includes(f)));
  const server = await pythonUpstream(up);
  try {
    const dir = freshStore('mirror');
    cli(['channel', 'create', 'm'], dir);
    cli(['mirror', 'add', 'up', server.url, '--channel', 'm'], dir);
    const first = JSON.parse(cli(['mirror', 'sync', 'up', '--json'], dir));
    assert.equal(await channelSet(dir, 'm'), upstreamSet(up), 'the channel is the upstream\'s package set');
    assert.is(first.downloaded, all.length - 3);
    const rpms = server.rpmRequests();
    assert.is(rpms.length, all.length - 3, 'each .rpm downloaded once');
    assert.is(new Set(rpms).size, rpms.length);

    const before = server.requests().length;
    const second = JSON.parse(cli(['mirror', 'sync', 'up', '--json'], dir));
    assert.equal({ unchanged: second.unchanged, downloaded: second.downloaded, commit: second.commit }, { unchanged: true, downloaded: 0, commit: first.commit });
    assert.equal(server.requests().slice(before), ['/repodata/repomd.xml'], 'nothing but repomd.xml');

    // upstream adds the held packages and drops two
    const dropped = ['openssl-1.1.1w-alt1.x86_64.rpm', 'lighttpd-1.4.76-alt1.x86_64.rpm'];
    for (const f of dropped) rmSync(join(up, f));
    makeRepo(up, held, true);
    const mark = server.rpmRequests().length;
    const third = JSON.parse(cli(['mirror', 'sync', 'up', '--json'], dir));
    assert.equal(server.rpmRequests().slice(mark).sort(), held.map((f) => `/${f.split('/').pop()}`).sort(), 'exactly the new .rpm files');
    assert.equal(third.removed.sort(), ['lighttpd-1.4.76-alt1.x86_64', 'openssl-1.1.1w-alt1.x86_64']);
    assert.equal(await channelSet(dir, 'm'), upstreamSet(up));
    assert.ok(cli(['ls'], dir).includes('openssl-1.1.1w-alt1.x86_64'), 'the store keeps a build the upstream dropped');
    assert.is(bazaarFast(['fsck', '--store', dir]).status, 0);
    const ls = await listMirrors(await Store.open(dir));
    assert.is(ls[0].last?.commit, third.commit);
  } finally {
    await server.stop();
  }
});

/** `n` small generated packages in `dir`. */
function generated(dir: string, n: number): string[] {
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `gen${String(i).padStart(4, '0')}`;
    const file = join(dir, `${name}-1.0-alt1.noarch.rpm`);
    writeFileSync(file, makePackageRpm({ name, version: '1.0', release: 'alt1', arch: 'noarch', sourcerpm: `${name}-1.0-alt1.src.rpm`, description: 'x'.repeat(2000 + i) }));
    files.push(file);
  }
  return files;
}

testWith(t, 'kill -9 at random moments of a sync: the next sync downloads nothing the store had, fsck is clean, the channel whole', NEEDS, async () => {
  const root = tempDir('mirror-kill');
  const src = join(root, 'src');
  execFileSync('mkdir', ['-p', src]);
  const up = join(root, 'up');
  makeRepo(up, generated(src, 400));
  const server = await pythonUpstream(up);
  try {
    const dir = freshStore('mirror-kill');
    cli(['channel', 'create', 'm'], dir);
    cli(['mirror', 'add', 'up', server.url, '--channel', 'm'], dir);
    const stored = (): Set<string> => new Set(JSON.parse(cli(['ls', '--json'], dir)).map((p: { nevra: string }) => `/${p.nevra}.rpm`));
    let killed = 0;
    // each sync is killed once it has asked for this many more .rpm files (plus a random
    // few ms): midway through its downloads whatever the machine's speed, where fixed
    // delays let a fast sync finish all 400 before the last kill
    for (const downloads of [10, 40, 90, 150]) {
      const had = stored();
      const mark = server.rpmRequests().length;
      const child = spawn(process.execPath, [CLI, 'mirror', 'sync', 'up', '--store', dir], { stdio: 'ignore' });
      let exited = false;
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => { exited = true; resolve(code); }));
      while (!exited && server.rpmRequests().length - mark < downloads) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
      if (!exited && child.kill('SIGKILL')) killed++;
      await exit;
      const again = server.rpmRequests().slice(mark).filter((p) => had.has(p));
      assert.equal(again, [], 'no stored package is downloaded again');
    }
    assert.ok(killed >= 3, `at least three syncs were killed midway (${killed})`);
    const had = stored();
    assert.ok(had.size < 400, `the killed syncs stored part of the upstream (${had.size})`);
    const mark = server.rpmRequests().length;
    cli(['mirror', 'sync', 'up'], dir);
    const fetched = server.rpmRequests().slice(mark);
    assert.equal(fetched.filter((p) => had.has(p)), [], 'the last sync downloads only what was missing');
    assert.is(fetched.length, 400 - had.size);
    assert.equal(await channelSet(dir, 'm'), upstreamSet(up));
    const fsck = bazaarFast(['fsck', '--store', dir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  } finally {
    await server.stop();
  }
});

testWith(t, 'the library: addMirror checks its channel and URL; syncMirror returns what changed', NEEDS, async () => {
  const root = tempDir('mirror-lib');
  const up = join(root, 'up');
  makeRepo(up, binaryRpms().slice(0, 5));
  const server = await pythonUpstream(up);
  try {
    const store = await Store.open(freshStore('mirror-lib'));
    await rejects(() => addMirror(store, { name: 'up', url: server.url, channel: 'none' }), /no channel none/);
    await createChannel(store, { channel: 'c' });
    await rejects(() => addMirror(store, { name: 'up', url: 'ftp://x/', channel: 'c' }), /http:\/\/ or https:\/\//);
    await rejects(() => addMirror(store, { name: '../x', url: server.url, channel: 'c' }), /not a mirror name/);
    await addMirror(store, { name: 'up', url: server.url.slice(0, -1), channel: 'c' });
    await rejects(() => addMirror(store, { name: 'up', url: server.url, channel: 'c' }), /a mirror named up exists/);
    let ticks = 0;
    const r = await syncMirror(store, { name: 'up', onProgress: () => { ticks++; } });
    assert.equal({ packages: r.packages, downloaded: r.downloaded, added: r.added.length, ticks }, { packages: 5, downloaded: 5, added: 5, ticks: 5 });
    // their rpm-md fragments were made with the sync: none is left to format
    const builds = await store.read((view) => Promise.all(r.added.map((nevra) => store.findPackage(view, nevra))));
    assert.is((await prepareFragments(store, builds)).formatted, 0);
    await rejects(() => syncMirror(store, { name: 'nope' }), /no mirror nope/);
  } finally {
    await server.stop();
  }
});

testWith(t, 'a package stating epoch 0 is the NEVRA primary names without one (it was refused as another package)', NEEDS, async () => {
  const root = tempDir('mirror-epoch');
  const src = join(root, 'src');
  execFileSync('mkdir', ['-p', src]);
  const file = join(src, 'zero-1.0-alt1.noarch.rpm');
  writeFileSync(file, makePackageRpm({ name: 'zero', epoch: 0, version: '1.0', release: 'alt1', arch: 'noarch', sourcerpm: 'zero-1.0-alt1.src.rpm' }));
  const up = join(root, 'up');
  makeRepo(up, [file]);
  const server = await pythonUpstream(up);
  try {
    const dir = freshStore('mirror-epoch');
    cli(['channel', 'create', 'm'], dir);
    cli(['mirror', 'add', 'up', server.url, '--channel', 'm'], dir);
    const r = bazaarFast(['mirror', 'sync', 'up', '--json', '--store', dir]);
    assert.is(r.status, 0, r.stderr);
    assert.is((await channelSet(dir, 'm')).length, 1);
  } finally {
    await server.stop();
  }
});

testWith(t, 'over HTTP: /v1/mirrors needs an admin token; define, sync, list, forget', NEEDS, async () => {
  const root = tempDir('mirror-http');
  const up = join(root, 'up');
  makeRepo(up, binaryRpms().slice(0, 4));
  const server = await pythonUpstream(up);
  try {
    const dir = freshStore('mirror-http');
    cli(['channel', 'create', 'm'], dir);
    const admin = (await createToken(dir, ['admin'])).token;
    const publisher = (await createToken(dir, ['publish:m'])).token;
    const { app } = await appFor(dir);
    const call = (method: string, path: string, token: string | null, body?: unknown): Promise<Response> => Promise.resolve(app.request(path, {
      method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    }));
    const def = { name: 'up', url: server.url, channel: 'm' };
    assert.is((await call('POST', '/v1/mirrors', null, def)).status, 401);
    assert.is((await call('POST', '/v1/mirrors', publisher, def)).status, 403);
    assert.is((await call('POST', '/v1/mirrors', admin, { ...def, channel: 'none' })).status, 404);
    assert.is((await call('POST', '/v1/mirrors', admin, def)).status, 201);
    const sync = await call('POST', '/v1/mirrors/up/sync', admin);
    assert.is(sync.status, 200);
    assert.is((await sync.json() as { downloaded: number }).downloaded, 4);
    assert.equal(await channelSet(dir, 'm'), upstreamSet(up));
    const list = await (await call('GET', '/v1/mirrors', admin)).json() as Array<{ name: string; key: boolean }>;
    assert.equal(list.map((m) => [m.name, m.key]), [['up', false]]);
    assert.is((await call('POST', '/v1/mirrors/nope/sync', admin)).status, 404);
    assert.is((await call('DELETE', '/v1/mirrors/up', admin)).status, 200);
    assert.equal(await (await call('GET', '/v1/mirrors', admin)).json(), []);
  } finally {
    await server.stop();
  }
});

t.run();
