/**
 * Tokens and uploads: `bazaar token` prints a token once and the store keeps only its
 * hash; POST /v1/packages needs a token with the right scope (401/403 otherwise), checks
 * the digest header, and runs the upload through store.add; every refused upload (no
 * token, wrong scope, wrong digest, not an rpm, truncated, too large, unknown channel)
 * is a 4xx with a one-line JSON reason and leaves the store exactly as it was.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { appFor, binaryRpms, cli, nevraOf, sampleStore } from '../helpers/server.js';

const t = suite('server: tokens and uploads');

const base = binaryRpms().filter((f) => /\/(bash|filesystem|setup)-/.test(f));
const sed = binaryRpms().find((f) => f.includes('/sed-')) as string;
const grep = binaryRpms().find((f) => f.includes('/grep-')) as string;
const digestOf = (b: Buffer): string => createHash('sha256').update(b).digest('base64');

interface ErrorBody { error: { code: string; message: string } }

t('token create prints the token once; the store keeps its sha256 only; ls and revoke', () => {
  const store = sampleStore(base, 'server-token');
  const token = cli(['token', 'create', '--scope', 'publish:sample', '--scope', 'read', '--name', 'ci'], store).trim();
  assert.match(token, /^bzr_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/);
  const file = readFileSync(join(store, 'tokens.json'), 'utf8');
  assert.not.match(file, token.slice(13), 'the secret is not stored');
  assert.match(file, createHash('sha256').update(token).digest('hex'));
  const ls = JSON.parse(cli(['token', 'ls', '--json'], store)) as Array<Record<string, unknown>>;
  assert.equal(ls.map((r) => [r.name, r.scopes]), [['ci', ['publish:sample', 'read']]]);
  assert.not.ok('sha256' in (ls[0] ?? {}), 'ls shows no hash');
  assert.match(cli(['token', 'revoke', 'ci'], store), /^revoked [0-9a-f]{8} \(ci\)/);
  assert.equal(JSON.parse(cli(['token', 'ls', '--json'], store)), []);
  assert.match(cliFails(['token', 'create', '--scope', 'publish:../x'], store), 'is not a scope');
});

function cliFails(args: string[], store: string): string {
  try { cli(args, store); } catch (err) { return (err as Error).message; }
  throw new Error(`bazaar ${args.join(' ')} succeeded`);
}

t('POST /v1/packages: 201 with a publish token; the package is in the store and the channel, as bazaar add --channel puts it', async () => {
  const store = sampleStore(base, 'server-upload');
  const token = cli(['token', 'create', '--scope', 'publish:sample'], store).trim();
  const { app } = await appFor(store);
  const body = readFileSync(sed);
  const res = await app.request('/v1/packages?channel=sample', {
    method: 'POST', body, headers: { Authorization: `Bearer ${token}`, 'Content-Digest': `sha-256=:${digestOf(body)}:`, 'Content-Length': String(body.length) },
  });
  assert.is(res.status, 201, await res.clone().text());
  const out = await res.json() as { packages: Array<{ nevra: string; id: string; added: boolean }>; channel: string };
  assert.equal(out.packages.map((p) => [p.nevra, p.added]), [['sed-1:4.9-alt1.x86_64', true]]);
  assert.is(out.packages[0].id, (JSON.parse(cli(['show', 'sed', '--json'], store)) as { id: string }).id, 'the build id bazaar show names');
  assert.match(cli(['channel', 'ls', 'sample'], store), 'sed-1:4.9-alt1.x86_64');
  const served = await app.request(`/repo/sample/Packages/${nevraOf(sed)}.rpm`);
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(body), 'and it is served byte-identical at once');
  // the legacy Digest header works too; a store-wide upload needs publish:* (or admin)
  const admin = cli(['token', 'create', '--scope', 'admin'], store).trim();
  const g = readFileSync(grep);
  const res2 = await app.request('/v1/packages', { method: 'POST', body: g, headers: { Authorization: `Bearer ${admin}`, Digest: `sha-256=${digestOf(g)}` } });
  assert.is(res2.status, 201);
  assert.match(cli(['ls'], store), 'grep-3.11-alt1.1.x86_64');
  assert.not.match(cli(['channel', 'ls', 'sample'], store), 'grep-', 'no channel named: the store only');
  assert.equal(readdirSync(join(store, 'tmp')), [], 'no temp file left');
});

t('refused uploads: 401, 403, bad digest, not an rpm, truncated, too large, unknown channel; the store unchanged each time', async () => {
  const store = sampleStore(base, 'server-refused');
  const other = cli(['token', 'create', '--scope', 'publish:other'], store).trim();
  const good = cli(['token', 'create', '--scope', 'publish:sample'], store).trim();
  const revoked = cli(['token', 'create', '--scope', 'admin', '--name', 'old'], store).trim();
  cli(['token', 'revoke', 'old'], store);
  const { app } = await appFor(store, { maxUploadBytes: 64 << 10 });
  const rpm = readFileSync(sed);
  const before = storeSnapshot(store);
  const cases: Array<[string, string, RequestInit, number, string, RegExp?]> = [
    ['no token', '?channel=sample', { body: rpm }, 401, 'ERR_UNAUTHORIZED'],
    ['a malformed Authorization', '?channel=sample', { body: rpm, headers: { Authorization: 'Basic abc' } }, 401, 'ERR_UNAUTHORIZED'],
    ['an unknown token', '?channel=sample', { body: rpm, headers: { Authorization: 'Bearer bzr_00000000_nope' } }, 401, 'ERR_UNAUTHORIZED'],
    ['a revoked token', '?channel=sample', { body: rpm, headers: { Authorization: `Bearer ${revoked}` } }, 401, 'ERR_UNAUTHORIZED'],
    ['another channel\'s token', '?channel=sample', { body: rpm, headers: { Authorization: `Bearer ${other}` } }, 403, 'ERR_FORBIDDEN', /lacks scope publish:sample/],
    ['a channel token for a store-wide upload', '', { body: rpm, headers: { Authorization: `Bearer ${good}` } }, 403, 'ERR_FORBIDDEN'],
    ['a wrong digest', '?channel=sample', { body: rpm, headers: { Authorization: `Bearer ${good}`, 'Content-Digest': `sha-256=:${digestOf(Buffer.from('x'))}:` } }, 400, 'ERR_BAD_INPUT', /sha-256/],
    ['a digest header with no sha-256', '?channel=sample', { body: rpm, headers: { Authorization: `Bearer ${good}`, Digest: 'md5=abc' } }, 400, 'ERR_BAD_INPUT'],
    ['not an rpm', '?channel=sample', { body: Buffer.from('<html>hello</html>'.repeat(20)), headers: { Authorization: `Bearer ${good}` } }, 400, 'ERR_RPM_NOT_RPM', /^the upload/],
    ['a truncated rpm', '?channel=sample', { body: rpm.subarray(0, rpm.length - 100), headers: { Authorization: `Bearer ${good}` } }, 400, 'ERR_RPM_TRUNCATED'],
    ['an rpm cut inside its header', '?channel=sample', { body: rpm.subarray(0, 2000), headers: { Authorization: `Bearer ${good}` } }, 400, 'ERR_RPM_TRUNCATED'],
    ['an empty body', '?channel=sample', { headers: { Authorization: `Bearer ${good}` } }, 400, 'ERR_BAD_INPUT'],
    ['too large, streamed', '?channel=sample', { body: Buffer.alloc(65 << 10), headers: { Authorization: `Bearer ${good}` } }, 413, 'ERR_TOO_LARGE'],
    ['too large, declared', '?channel=sample', { body: rpm, headers: { Authorization: `Bearer ${good}`, 'Content-Length': String(1 << 20) } }, 413, 'ERR_TOO_LARGE'],
    ['an unknown channel', '?channel=nosuch', { body: rpm, headers: { Authorization: 'Bearer ' + cli(['token', 'create', '--scope', 'publish:nosuch'], store).trim() } }, 404, 'ERR_CHANNEL'],
  ];
  const afterTokens = storeSnapshot(store);
  for (const [what, query, init, status, code, message] of cases) {
    const res = await app.request(`/v1/packages${query}`, { method: 'POST', ...init });
    const body = await res.json() as ErrorBody;
    assert.is(res.status, status, `${what}: ${JSON.stringify(body)}`);
    assert.is(body.error.code, code, `${what}: ${body.error.message}`);
    assert.not.match(body.error.message, '\n', `${what}: one line`);
    assert.not.match(body.error.message, `${store}/tmp`, `${what}: no temp path in the message`);
    if (message) assert.match(body.error.message, message, what);
    if (status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/, `${what}: says how to authenticate`);
    assert.equal(storeSnapshot(store), afterTokens, `${what}: the store is unchanged`);
  }
  assert.is(before.length + 0, afterTokens.length - 0, 'only tokens.json changed between the two snapshots');
  assert.equal(readdirSync(join(store, 'tmp')), [], 'no temp file left');
  assert.is((await app.request('/v1/channels/sample')).status, 200, 'the server still answers');
});

t('--private: reads need a token with read scope', async () => {
  const store = sampleStore(base, 'server-private');
  const reader = cli(['token', 'create', '--scope', 'read'], store).trim();
  const { app } = await appFor(store, { privateReads: true });
  assert.is((await app.request('/v1/channels')).status, 401);
  assert.is((await app.request('/repo/sample/repodata/repomd.xml')).status, 401);
  const ok = await app.request('/v1/channels', { headers: { Authorization: `Bearer ${reader}` } });
  assert.is(ok.status, 200);
  const upload = await app.request('/v1/packages?channel=sample', { method: 'POST', body: readFileSync(sed), headers: { Authorization: `Bearer ${reader}` } });
  assert.is(upload.status, 403, 'read does not grant publish');
});

t.run();
