/**
 * The write routes for channels, images and links: each change is the library call the
 * CLI makes (the CLI sees the result), guarded by scope; malformed bodies, unknown
 * packages and missing or wrong tokens are 4xx and change nothing.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { appFor, binaryRpms, cli, sampleStore } from '../helpers/server.js';

const t = suite('server: changing channels, images and links');

const store = sampleStore(binaryRpms(), 'server-manage');
const admin = cli(['token', 'create', '--scope', 'admin'], store).trim();
const publisher = cli(['token', 'create', '--scope', 'publish:testing'], store).trim();
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'], store);
const { app } = await appFor(store);
const cliJson = <T = unknown>(args: string[]): T => JSON.parse(cli([...args, '--json'], store)) as T;

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string; message: string } } }> {
  const res = await app.request(path, {
    method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
  });
  return { status: res.status, json: await res.json() as Record<string, unknown> };
}

/** A refused call: its status and code, and the store as it was. */
async function refused(method: string, path: string, token: string | null, body: unknown, status: number, code: string): Promise<void> {
  const before = storeSnapshot(store);
  const r = await call(method, path, token, body);
  assert.is(r.status, status, `${method} ${path}: ${JSON.stringify(r.json)}`);
  assert.is(r.json.error?.code, code, `${method} ${path}: ${r.json.error?.message}`);
  assert.equal(storeSnapshot(store), before, `${method} ${path} changed nothing`);
}

t('channels: create (admin), add, remove, publish (publish:<channel>), delete; refusals change nothing', async () => {
  await refused('POST', '/v1/channels', null, { name: 'testing' }, 401, 'ERR_UNAUTHORIZED');
  await refused('POST', '/v1/channels', publisher, { name: 'testing' }, 403, 'ERR_FORBIDDEN');
  await refused('POST', '/v1/channels', admin, { name: 'testing', order: 'newest' }, 400, 'ERR_BAD_INPUT');
  await refused('POST', '/v1/channels', admin, '{"name":', 400, 'ERR_BAD_INPUT');
  await refused('POST', '/v1/channels', admin, { name: '../x' }, 400, 'ERR_CHANNEL');
  const created = await call('POST', '/v1/channels', admin, { name: 'testing', order: 'alt' });
  assert.is(created.status, 201, JSON.stringify(created.json));
  await refused('POST', '/v1/channels', admin, { name: 'testing' }, 400, 'ERR_CHANNEL');
  assert.match(cli(['channel', 'ls'], store), /^testing\talt\t0 packages/m);

  await refused('POST', '/v1/channels/testing/add', publisher, { packages: 'sed' }, 400, 'ERR_BAD_INPUT');
  await refused('POST', '/v1/channels/testing/add', publisher, { packages: ['sed', 'nosuch'] }, 404, 'ERR_PACKAGE_NOT_FOUND');
  await refused('POST', '/v1/channels/sample/add', publisher, { packages: ['sed'] }, 403, 'ERR_FORBIDDEN');
  const added = await call('POST', '/v1/channels/testing/add', publisher, { packages: ['sed', 'grep'], message: 'tools' });
  assert.is(added.status, 200);
  assert.equal((added.json.added as string[]).slice().sort(), ['grep-3.11-alt1.1.x86_64', 'sed-1:4.9-alt1.x86_64']);
  assert.match(cli(['channel', 'log', 'testing'], store), 'tools');
  const removed = await call('POST', '/v1/channels/testing/remove', publisher, { packages: ['grep'] });
  assert.equal(removed.json.removed, ['grep-3.11-alt1.1.x86_64']);
  const published = await call('PUT', '/v1/channels/testing', publisher, { packages: ['bash-5.2.26-alt2.x86_64', 'grep'] });
  assert.is(published.status, 200);
  assert.equal(cliJson<{ packages: Array<{ nevra: string }> }>(['channel', 'ls', 'testing']).packages.map((p) => p.nevra), ['bash-5.2.26-alt2.x86_64', 'grep-3.11-alt1.1.x86_64']);
  await refused('DELETE', '/v1/channels/testing', publisher, undefined, 403, 'ERR_FORBIDDEN');
  assert.is((await call('DELETE', '/v1/channels/testing', admin)).status, 200);
  assert.not.match(cli(['channel', 'ls'], store), 'testing');
});

t('images: create, install, remove, link, change the policy, unlink (admin); what the CLI then shows', async () => {
  await refused('POST', '/v1/images', publisher, { ref: 'web@1.0.0', layers: ['base@^1.0'] }, 403, 'ERR_FORBIDDEN');
  await refused('POST', '/v1/images', admin, { ref: 'web@1.0.0', layers: [] }, 400, 'ERR_BAD_INPUT');
  await refused('POST', '/v1/images', admin, { ref: 'web@1.0.0', layers: ['nolayer@^1'] }, 404, 'ERR_LAYER');
  const web = await call('POST', '/v1/images', admin, { ref: 'web@1.0.0', layers: ['base@^1.0'], channel: 'sample' });
  assert.is(web.status, 201, JSON.stringify(web.json));
  assert.equal(web.json, cliJson(['image', 'show', 'web']));
  const installed = await call('POST', '/v1/images/web/install', admin, { packages: ['sed'] });
  assert.is(installed.status, 200, JSON.stringify(installed.json));
  assert.ok(cliJson<{ packages: string[] }>(['image', 'show', 'web']).packages.includes('sed-1:4.9-alt1.x86_64'));
  // an unknown package is 404 (docs/http-api.md); one that exists but cannot fit is 409
  await refused('POST', '/v1/images/web/install', admin, { packages: ['nosuch'] }, 404, 'ERR_PACKAGE_NOT_FOUND');
  await refused('POST', '/v1/images/web/install', admin, { packages: ['sed-9:99-alt1.x86_64'] }, 409, 'ERR_NO_SOLUTION');
  assert.is((await call('POST', '/v1/images', admin, { ref: 'va@1.0.0', layers: ['base@^1.0'], channel: 'sample' })).status, 201);
  const link = await call('PUT', '/v1/images/va/link', admin, { parent: 'web', policy: 'sync:minimal' });
  assert.is(link.status, 200, JSON.stringify(link.json));
  assert.equal(cliJson<{ parent: string; policy: string }>(['image', 'show', 'va']).policy, 'sync:minimal');
  const policy = await call('PUT', '/v1/images/va/link', admin, { parent: 'web', policy: 'sync:core-os' });
  assert.is(policy.status, 200, JSON.stringify(policy.json));
  assert.equal(cliJson<{ policy: string }>(['image', 'show', 'va']).policy, 'sync:core-os');
  assert.equal(((await (await app.request('/v1/images/web/children')).json()) as Array<{ name: string }>).map((c) => c.name), ['va']);
  assert.is((await call('DELETE', '/v1/images/va/link', admin)).status, 200);
  assert.is(cliJson<{ parent: string | null }>(['image', 'show', 'va']).parent, null);
  const removed = await call('POST', '/v1/images/web/remove', admin, { packages: ['sed'] });
  assert.is(removed.status, 200, JSON.stringify(removed.json));
  assert.not.ok(cliJson<{ packages: string[] }>(['image', 'show', 'web']).packages.some((p) => p.startsWith('sed-')));
  assert.is((await app.request('/v1/images')).status, 200, 'reads stay open: the write routes guard only themselves');
});

t('images and layers: rename and delete (admin), refused while another image depends on them', async () => {
  assert.is((await call('POST', '/v1/images', admin, { ref: 'p@1.0.0', layers: ['base@^1.0'] })).status, 201);
  assert.is((await call('POST', '/v1/images', admin, { ref: 'c@1.0.0', layers: ['base@^1.0'] })).status, 201);
  assert.is((await call('PUT', '/v1/images/c/link', admin, { parent: 'p', policy: 'sync:minimal' })).status, 200);
  await refused('DELETE', '/v1/images/p', null, undefined, 401, 'ERR_UNAUTHORIZED');
  await refused('DELETE', '/v1/images/p', publisher, undefined, 403, 'ERR_FORBIDDEN');
  await refused('DELETE', '/v1/images/p', admin, undefined, 400, 'ERR_IMAGE');
  await refused('POST', '/v1/images/p/rename', admin, { to: 'q' }, 400, 'ERR_IMAGE');
  await refused('POST', '/v1/images/c/rename', admin, { to: 'Not A Name' }, 400, 'ERR_USAGE');
  await refused('DELETE', '/v1/images/nosuch', admin, undefined, 404, 'ERR_IMAGE');
  await refused('DELETE', '/v1/layers/base', admin, undefined, 400, 'ERR_LAYER');
  const renamed = await call('POST', '/v1/images/c/rename', admin, { to: 'child' });
  assert.is(renamed.status, 200, JSON.stringify(renamed.json));
  assert.is(cliJson<{ parent: unknown }>(['image', 'show', 'child']).parent, 'p', 'the renamed child keeps its link');
  assert.is((await call('DELETE', '/v1/images/child/link', admin)).status, 200);
  for (const name of ['p', 'child']) assert.is((await call('DELETE', `/v1/images/${name}`, admin)).status, 200, name);
  const images = cliJson<Array<{ name: string; layers: Array<{ name: string }> }>>(['image', 'ls']);
  assert.ok(!images.some((i) => i.name === 'p' || i.name === 'child'));
  if (!images.some((i) => i.layers.some((l) => l.name === 'base'))) assert.is((await call('DELETE', '/v1/layers/base', admin)).status, 200);
});

t('GET /v1/objects of a file that stays in its package\'s .rpm gives its bytes, checked against the id', async () => {
  const shown = cliJson<{ files: Array<{ id?: string; size: number }> }>(['show', 'webserver']);
  const file = shown.files.find((f) => f.id && f.size > 0) as { id: string; size: number };
  const res = await app.request(`/v1/objects/${file.id}`);
  assert.is(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.is(body.length, file.size);
  assert.is(`sha256:${(await import('node:crypto')).createHash('sha256').update(body).digest('hex')}`, file.id);
  assert.is((await app.request(`/v1/objects/sha256:${'2'.repeat(64)}`)).status, 404);
});

t.run();
