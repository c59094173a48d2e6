/**
 * The server under load and under kill -9, as a separate process on a real socket:
 * many concurrent downloads (every byte checked) and uploads at once, no error and a
 * clean fsck after; a server killed with SIGKILL in the middle of uploads leaves fsck
 * clean and only whole packages published; the CLI publishes meanwhile without being
 * locked out. Also: a request right after each of several quick commits sees it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, bazaar } from '../helpers/cli.js';
import { appFor, binaryRpms, cli, nevraOf, runAsync, sampleStore } from '../helpers/server.js';

const t = suite('server: load, kill -9, freshness');

const base = binaryRpms().filter((f) => /\/(bash|filesystem|setup|libc6)-/.test(f));
const rest = binaryRpms().filter((f) => !base.includes(f));

async function start(store: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); });
    child.on('close', () => reject(new Error('serve exited')));
  });
  return { child, url, exited };
}

async function upload(url: string, token: string, file: string): Promise<{ status: number; body: string }> {
  const body = readFileSync(file);
  const res = await fetch(`${url}v1/packages?channel=sample`, {
    method: 'POST', body,
    headers: { Authorization: `Bearer ${token}`, 'Content-Digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:` },
  });
  return { status: res.status, body: await res.text() };
}

t('300 downloads and 2 uploads of each of 30 packages at once: no error, every byte right, fsck clean', async () => {
  const store = sampleStore(base, 'server-load');
  const token = cli(['token', 'create', '--scope', 'publish:sample'], store).trim();
  const { child, url, exited } = await start(store);
  try {
    const originals = new Map(base.map((f) => [`${url}repo/sample/Packages/${nevraOf(f)}.rpm`, readFileSync(f)]));
    const urls = [...originals.keys()];
    const downloads = Array.from({ length: 300 }, async (_, i) => {
      const u = urls[i % urls.length];
      const res = await fetch(u);
      assert.is(res.status, 200, u);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(originals.get(u) as Buffer), `${u}: the original bytes`);
    });
    const uploads = [...rest, ...rest].map(async (f) => {
      const r = await upload(url, token, f);
      assert.is(r.status, 201, `${f}: ${r.body}`);
    });
    // the CLI publishes into another channel meanwhile: never locked out
    const cliWrites = (async () => {
      const c = await runAsync(process.execPath, [CLI, 'channel', 'create', 'side', '--store', store]);
      assert.is(c.status, 0, c.stderr);
      const a = await runAsync(process.execPath, [CLI, 'channel', 'add', 'side', 'bash-5.2.26-alt2.x86_64', '--store', store]);
      assert.is(a.status, 0, a.stderr);
    })();
    await Promise.all([...downloads, ...uploads, cliWrites]);
    const channel = await (await fetch(`${url}v1/channels/sample`)).json() as { packages: Array<{ nevra: string }> };
    assert.is(channel.packages.length, base.length + rest.length, 'every upload published once');
    const repomd = await (await fetch(`${url}repo/sample/repodata/repomd.xml`)).text();
    const primary = /location href="(repodata\/[^"]+-primary\.xml\.gz)"/.exec(repomd)?.[1];
    assert.ok((await fetch(`${url}repo/sample/${primary}`)).ok);
  } finally {
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  }
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
});

t('kill -9 during uploads: fsck clean, every published package whole, the uploads go through afterwards', async () => {
  const store = sampleStore(base, 'server-kill');
  const token = cli(['token', 'create', '--scope', 'publish:sample'], store).trim();
  const { child, url, exited } = await start(store);
  const attempts = rest.map((f) => upload(url, token, f).catch(() => null));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await exited;
  await Promise.all(attempts);
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  const listed = cli(['channel', 'ls', 'sample'], store).trim().split('\n').map((l) => l.split('\t')[0]);
  assert.ok(listed.length < base.length + rest.length, `the kill came before every upload was published (${listed.length})`);
  for (const nevra of listed) assert.is(bazaar(['show', nevra, '--store', store]).status, 0, `${nevra} is whole`);
  // a new server on the same store takes every upload (again or for the first time)
  const again = await start(store);
  try {
    for (const f of rest) assert.is((await upload(again.url, token, f)).status, 201, f);
  } finally {
    again.child.kill('SIGTERM');
    await again.exited;
  }
  assert.is(cli(['channel', 'ls', 'sample'], store).trim().split('\n').length, base.length + rest.length);
  assert.is(bazaar(['fsck', '--store', store]).status, 0);
});

t('a request right after each of several quick commits sees it (the shared snapshot is never stale)', async () => {
  const store = sampleStore(base, 'server-fresh');
  cli(['add', ...rest.slice(0, 6)], store);
  const { app } = await appFor(store);
  for (const f of rest.slice(0, 6)) {
    await app.request('/v1/channels/sample'); // the snapshot of the state before
    cli(['channel', 'add', 'sample', nevraOf(f)], store);
    const names = ((await (await app.request('/v1/channels/sample')).json()) as { packages: Array<{ nevra: string }> }).packages.map((p) => p.nevra);
    assert.ok(names.some((n) => n.replace(/-\d+:/, '-') === nevraOf(f)), `${nevraOf(f)} seen at once`);
  }
});

t.run();
