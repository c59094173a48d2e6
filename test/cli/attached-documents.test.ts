/**
 * An attached store's own documents (docs/engines.md#the-stores-documents-as-rows): its
 * tokens, trusted keys, signing keys, mirrors and settings are rows of its PostgreSQL
 * schema, the store's wherever they were made. A token made on one directory is honoured
 * by a server on another, including one that was running already, and refused there once
 * revoked; what one host sets, another sees; a directory holds none of them (nothing to
 * lose by deleting it); hosts adding tokens at once keep all; a damaged row is one line
 * naming it. Skipped by name where PostgreSQL or Ceph is not installed.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { postgres, testWithEngine } from '../helpers/engines.js';
import { attachedSite, startServer } from '../helpers/attached-servers.js';
import type { ServerProcess } from '../helpers/attached-servers.js';

const t = suite('an attached store\'s tokens, keys, mirrors and settings are rows');
let named = 0;
const servers: ServerProcess[] = [];
const name = (): string => `d${process.pid}_${named++}`;

/** The status of GET `route` with `token`, asked until it is `want` (a notification takes a moment) or 5 s passed. */
async function statusBecomes(server: ServerProcess, token: string, want: number, route = 'v1/channels'): Promise<number> {
  let status = 0;
  for (let i = 0; i < 100; i++) {
    try {
      status = (await fetch(`${server.url}${route}`, { headers: { Authorization: `Bearer ${token}` } })).status;
    } catch (err) { throw new Error(`${(err as Error).message}; the server said: ${server.stderr()}`); }
    if (status === want) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  return status;
}

const DOCUMENTS = ['config.json', 'mirrors.json', 'tokens.json', 'keys'];

testWithEngine(t, 'a token made on one directory is honoured by a server on another (already running, and started after), and refused there once revoked', ['postgres', 'ceph'], async () => {
  const site = await attachedSite(name());
  const [a, b] = [site.attach(), site.attach()];
  // commands run beside the servers without blocking this process (spawnSync would stall the
  // fetches' keep-alive sockets: the server closes an idle one that is then reused, 'fetch failed')
  const running = await startServer(b, site.env, ['--private']);
  servers.push(running);
  const none = (await fetch(`${running.url}v1/channels`, { headers: { Authorization: 'Bearer bzr_00000000_x' } })).status;
  assert.is(none, 401, 'an unknown token is refused');

  const made = JSON.parse(await site.runAsync(['token', 'create', '--store', a, '--scope', 'read', '--name', 'ci', '--json'])) as { token: string; id: string };
  assert.is(await statusBecomes(running, made.token, 200), 200, 'the running server on b honours the token made on a without a restart');
  const later = await startServer(b, site.env, ['--private']);
  servers.push(later);
  assert.is((await fetch(`${later.url}v1/channels`, { headers: { Authorization: `Bearer ${made.token}` } })).status, 200, 'a server started afterwards honours it at once');
  assert.match(await site.runAsync(['token', 'ls', '--store', b]), /\tci\tread\t/, 'token ls on b lists it');

  await site.runAsync(['token', 'revoke', '--store', a, 'ci']);
  assert.is(await statusBecomes(running, made.token, 401), 401, 'revoked on a: refused by the server on b');
  assert.is(await statusBecomes(later, made.token, 401), 401, 'and by the other one');
  const backend = new PgStateBackend({ url: (await postgres()).url, schema: site.flags[site.flags.indexOf('--schema') + 1] });
  try {
    const rows = await backend.documents.all();
    assert.ok(rows.some((r) => r.path === 'tokens.json'), 'tokens.json is a row');
    for (const r of rows) assert.not.ok(r.bytes.toString('latin1').includes(made.token.slice(13)), `row ${r.path} holds no token secret (only its sha256)`);
  } finally { await backend.close(); }
  for (const s of [running, later]) assert.not.ok(s.stderr().includes(made.token.slice(13)), 'no server log holds the secret');
  for (const dir of [a, b]) for (const d of DOCUMENTS) assert.not.ok(existsSync(join(dir, d)), `${dir} holds no ${d}: the rows are the truth`);
});

testWithEngine(t, 'a mirror, a trusted key, a signing key and a setting made on one directory are seen on another; deleting a directory\'s files loses nothing', ['postgres', 'ceph'], async () => {
  const site = await attachedSite(name());
  const [a, b] = [site.attach(), site.attach()];
  site.run(['channel', 'create', '--store', a, 'f40']);
  site.run(['mirror', 'add', '--store', a, 'fedora', 'http://127.0.0.1:1/fedora/', '--channel', 'f40']);
  site.run(['key', 'generate', '--store', a, 'repo-2026']);
  const pub = join(tempDir('doc-key'), 'repo.asc');
  writeFileSync(pub, site.run(['key', 'export', '--store', b, 'repo-2026']));
  site.run(['key', 'import', '--store', b, pub]);
  site.run(['config', 'set', '--store', a, 'retention.days', '30']);

  for (const dir of [a, b]) {
    assert.match(site.run(['mirror', 'ls', '--store', dir]), /^fedora\tf40\t/m, `mirror ls on ${dir}`);
    assert.is((JSON.parse(site.run(['key', 'ls', '--store', dir, '--json'])) as unknown[]).length, 1, `key ls on ${dir}: the key imported on b`);
    assert.equal(JSON.parse(site.run(['config', 'show', '--store', dir, '--json'])), { retention: { days: 30 }, server: { privateReads: false } }, `config on ${dir}`);
  }
  // a directory is configuration and caches: emptied of all but its marker, nothing is lost
  for (const entry of readdirSync(a)) if (entry !== 'bazaar-store.json') rmSync(join(a, entry), { recursive: true, force: true });
  assert.match(site.run(['mirror', 'ls', '--store', a]), /^fedora\tf40\t/m);
  assert.match(site.run(['key', 'export', '--store', a, 'repo-2026']), /BEGIN PGP PUBLIC KEY BLOCK/);
  assert.match(site.run(['config', 'show', '--store', a]), /retention\.days\t30/);
  site.run(['mirror', 'rm', '--store', b, 'fedora']);
  assert.is(site.run(['mirror', 'ls', '--store', a]).trim(), '', 'removed on b: gone on a');
});

testWithEngine(t, 'two hosts adding tokens at the same time keep every one', ['postgres', 'ceph'], async () => {
  const site = await attachedSite(name());
  const [a, b] = [site.attach(), site.attach()];
  const made = await Promise.all([a, b].flatMap((dir, h) => Array.from({ length: 5 }, (_, i) => site.runAsync(['token', 'create', '--store', dir, '--scope', 'read', '--name', `h${h}-${i}`]))));
  const listed = JSON.parse(site.run(['token', 'ls', '--store', a, '--json'])) as Array<{ name: string }>;
  assert.equal(listed.map((r) => r.name).sort(), [0, 1].flatMap((h) => Array.from({ length: 5 }, (_, i) => `h${h}-${i}`)).sort(), 'all ten tokens are kept');
  assert.is(new Set(made).size, 10);
});

testWithEngine(t, 'a damaged row is damage named in one line; a bad setting is refused and changes nothing', ['postgres', 'ceph'], async () => {
  const schema = name();
  const site = await attachedSite(schema);
  const a = site.attach();
  site.run(['token', 'create', '--store', a, '--scope', 'read']);
  const pg = await postgres();
  const backend = new PgStateBackend({ url: pg.url, schema });
  try {
    await backend.documents.corrupt('tokens.json', Buffer.from('{"tokens": [{'));
  } finally { await backend.close(); }
  const r = spawnSync(process.execPath, [CLI, 'token', 'ls', '--store', a], { env: site.env, encoding: 'utf8' });
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`tokens\\.json in postgresql://postgres@[^ ]+ \\(schema ${schema}\\) is not JSON`));
  assert.not.match(r.stderr, /\n\s+at /);

  const bad = spawnSync(process.execPath, [CLI, 'config', 'set', '--store', a, 'retention.days', 'soon'], { env: site.env, encoding: 'utf8' });
  assert.is(bad.status, 2, bad.stderr);
  assert.match(site.run(['config', 'show', '--store', a]), /retention\.days\t180/, 'the default stands');
});

testWithEngine(t, 'a damaged signing key row: the repositories answer 503 naming the row (not a file the directory never had), never unsigned', ['postgres', 'ceph'], async () => {
  const schema = name();
  const site = await attachedSite(schema);
  const a = site.attach();
  site.run(['channel', 'create', '--store', a, 'k']);
  site.run(['key', 'generate', '--store', a, 'repo-2026']);
  const pg = await postgres();
  const backend = new PgStateBackend({ url: pg.url, schema });
  try {
    await backend.documents.corrupt('keys/signing/repo-2026.asc', Buffer.from('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot a key\n-----END PGP PRIVATE KEY BLOCK-----\n'));
  } finally { await backend.close(); }
  const server = await startServer(a, site.env);
  servers.push(server);
  const res = await fetch(`${server.url}repo/k/repodata/repomd.xml`);
  const body = await res.text();
  assert.is(res.status, 503, body);
  assert.match(body, new RegExp(`cannot sign the repositories with signing key repo-2026: .*keys/signing/repo-2026\\.asc in postgresql://postgres@[^ ]+ \\(schema ${schema}\\)`));
  assert.not.match(body, new RegExp(a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no path in the directory, which holds no key');
  await server.stop();
  servers.splice(servers.indexOf(server), 1);
});

testWithEngine(t, 'a directory attached before the documents were rows gives its files to a store that has none; the notice says so once', ['postgres', 'ceph'], async () => {
  const site = await attachedSite(name());
  const [a, b] = [site.attach(), site.attach()];
  const old = freshStore('documents-old');
  const secret = spawnSync(process.execPath, [CLI, 'token', 'create', '--store', old, '--scope', 'admin', '--name', 'kept'], { encoding: 'utf8' }).stdout.trim();
  assert.match(secret, /^bzr_/);
  copyFileSync(join(old, 'tokens.json'), join(b, 'tokens.json'));
  const first = spawnSync(process.execPath, [CLI, 'token', 'ls', '--store', b], { env: site.env, encoding: 'utf8' });
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, /\tkept\tadmin\t/);
  assert.match(first.stderr, /were copied into postgresql:/);
  assert.match(site.run(['token', 'ls', '--store', a]), /\tkept\tadmin\t/, 'the other host has it');
  const again = spawnSync(process.execPath, [CLI, 'token', 'ls', '--store', b], { env: site.env, encoding: 'utf8' });
  assert.is(again.stderr, '', 'adopted once');
  // the store has documents now: a directory's own file is not read again
  site.run(['token', 'revoke', '--store', a, 'kept']);
  assert.not.match(site.run(['token', 'ls', '--store', b]), /kept/, 'revoked on a, gone on b, whatever b\'s old file says');
});

t('config set on a local store writes config.json (gc reads it); a bad value is refused and the file is unchanged', async () => {
  const store = freshStore('documents-local');
  const set = spawnSync(process.execPath, [CLI, 'config', 'set', '--store', store, 'retention.days', '45'], { encoding: 'utf8' });
  assert.is(set.status, 0, set.stderr);
  assert.equal(JSON.parse(readFileSync(join(store, 'config.json'), 'utf8')), { retention: { days: 45 } });
  const before = readFileSync(join(store, 'config.json'));
  for (const args of [['retention.days', '-1'], ['server.privateReads', 'yes'], ['retention.weeks', '3']]) {
    const r = spawnSync(process.execPath, [CLI, 'config', 'set', '--store', store, ...args], { encoding: 'utf8' });
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(readFileSync(join(store, 'config.json')).equals(before), 'unchanged');
  const shown = spawnSync(process.execPath, [CLI, 'config', 'show', '--store', store, '--json'], { encoding: 'utf8' });
  assert.equal(JSON.parse(shown.stdout), { retention: { days: 45 }, server: { privateReads: false } });
});

t.after(async () => { await Promise.all(servers.splice(0).map((s) => s.stop())); });

t.run();
