/**
 * The JSON read API in-process (hono's app.request): every answer is compared with what
 * the CLI prints for the same question (`--json`), or with the bytes on disk; paging
 * covers every build exactly once; objects honour ETag, Range, HEAD and zstd; layers
 * stream as the .tar.zst `image export` writes; errors are JSON with the right status.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storedBytes } from '../helpers/stored-objects.js';
import type { ObjectId } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { appFor, binaryRpms, cli, nevraOf, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';

const t = suite('server: the read API');

const cliJson = <T = unknown>(args: string[], store: string): T => JSON.parse(cli([...args, '--json'], store)) as T;

/** One store for the whole file: the sample channel, a layer, an image with a version history and a linked child. */
const store = sampleStore(binaryRpms(), 'server-api');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'], store);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
cli(['image', 'install', 'web', 'sed'], store);
cli(['image', 'create', 'va@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
cli(['link', 'va', 'web', '--policy', 'sync:minimal'], store);
const { app } = await appFor(store);

async function getJson<T = unknown>(path: string, status = 200): Promise<T> {
  const res = await app.request(path);
  assert.is(res.status, status, `GET ${path}`);
  assert.match(res.headers.get('content-type') ?? '', 'application/json');
  return await res.json() as T;
}

interface ErrorBody { error: { code: string; message: string } }
async function getError(path: string, status: number, code: string): Promise<string> {
  const body = await getJson<ErrorBody>(path, status);
  assert.is(body.error.code, code, `${path}: ${body.error.message}`);
  assert.not.match(body.error.message, '\n');
  return body.error.message;
}

t('channels, one channel, its log and diff answer what bazaar channel ls|log|diff --json print', async () => {
  assert.equal(await getJson('/v1/channels'), cliJson(['channel', 'ls'], store));
  assert.equal(await getJson('/v1/channels/sample'), cliJson(['channel', 'ls', 'sample'], store));
  assert.equal(await getJson('/v1/channels/sample/log'), cliJson(['channel', 'log', 'sample'], store));
  assert.equal(await getJson('/v1/channels/sample/diff?from=HEAD~1&to=HEAD'), cliJson(['channel', 'diff', 'sample', 'HEAD~1', 'HEAD'], store));
  assert.match(await getError('/v1/channels/nosuch', 404, 'ERR_CHANNEL'), 'no channel nosuch');
  await getError('/v1/channels/..%2Fx', 400, 'ERR_CHANNEL');
});

t('packages: by name, glob and provide; limit/offset and cursor pages cover every build once', async () => {
  type Page = { total: number; offset: number; items: Array<{ name: string; nevra: string; id: string }>; next: string | null };
  const ls = cliJson<Array<{ nevra: string; id: string }>>(['ls'], store);
  const bash = await getJson<Page>('/v1/packages?name=bash');
  assert.equal(bash.items.map((i) => i.nevra).sort(), ['bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64']);
  const glob = await getJson<Page>('/v1/packages?glob=libssl*');
  assert.equal(glob.items.map((i) => i.nevra).sort(), ['libssl1.1-1.1.1w-alt1.x86_64', 'libssl3-3.1.4-alt1.x86_64']);
  const cap = cliJson<{ provides: Array<{ name: string }> }>(['show', 'libssl3'], store).provides.find((p) => p.name.includes('.so'))?.name as string;
  const byProvide = await getJson<Page>(`/v1/packages?provides=${encodeURIComponent(cap)}`);
  assert.ok(byProvide.items.some((i) => i.nevra === 'libssl3-3.1.4-alt1.x86_64'), `${cap} is provided by libssl3`);
  assert.ok(byProvide.items.every((i) => i.name.startsWith('libssl3')), JSON.stringify(byProvide.items));
  const inChannel = await getJson<Page>('/v1/packages?channel=sample&glob=webapp*');
  assert.equal(inChannel.items.map((i) => i.nevra), ['webapp-2.4.1-alt1.noarch', 'webapp-doc-2.4.1-alt1.noarch']);

  const byOffset: string[] = [];
  for (let offset = 0; ; offset += 7) {
    const page = await getJson<Page>(`/v1/packages?limit=7&offset=${offset}`);
    assert.is(page.total, ls.length);
    if (page.items.length === 0) break;
    assert.ok(page.items.length <= 7);
    byOffset.push(...page.items.map((i) => i.nevra));
  }
  const byCursor: string[] = [];
  let url = '/v1/packages?limit=5';
  for (; ;) {
    const page = await getJson<Page>(url);
    byCursor.push(...page.items.map((i) => i.nevra));
    if (page.next === null) break;
    url = `/v1/packages?limit=5&cursor=${page.next}`;
  }
  assert.equal(byOffset.slice().sort(), ls.map((r) => r.nevra).sort(), 'offset pages: every build, once');
  assert.equal(byCursor, byOffset, 'cursor pages: the same order');
  await getError('/v1/packages?limit=-1', 400, 'ERR_BAD_INPUT');
  await getError('/v1/packages?limit=100000', 400, 'ERR_BAD_INPUT');
  await getError('/v1/packages?cursor=garbage', 400, 'ERR_BAD_INPUT');
});

t('one package is what bazaar show --json prints; versions what bazaar versions --json prints', async () => {
  for (const ref of ['webserver', 'bash-5.2.26-alt1.x86_64', 'libc6-6:2.38-alt2.x86_64']) {
    assert.equal(await getJson(`/v1/packages/${encodeURIComponent(ref)}`), cliJson(['show', ref], store), ref);
  }
  assert.equal(await getJson('/v1/packages/bash/versions'), cliJson(['versions', 'bash'], store));
  await getError('/v1/packages/nosuch', 404, 'ERR_PACKAGE_NOT_FOUND');
  await getError('/v1/packages/bash', 409, 'ERR_PACKAGE_AMBIGUOUS');
  await getError('/v1/packages/nosuch/versions', 404, 'ERR_PACKAGE_NOT_FOUND');
});

t('objects: the bytes, ETag and 304, HEAD, ranges, and the stored zstd frames to a client that accepts them', async () => {
  const file = binaryRpms().find((f) => f.includes('/webserver-1')) as string;
  const original = readFileSync(file);
  const id = cliJson<{ rpm: ObjectId }>(['show', nevraOf(file)], store).rpm;
  const res = await app.request(`/v1/objects/${id}`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('etag'), `"${id}"`);
  assert.is(res.headers.get('content-length'), String(original.length));
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(original), 'the original .rpm');
  assert.is((await app.request(`/v1/objects/${id}`, { headers: { 'If-None-Match': `"${id}"` } })).status, 304);
  const head = await app.request(`/v1/objects/${id}`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(head.headers.get('content-length'), String(original.length));
  assert.is((await head.arrayBuffer()).byteLength, 0);
  const part = await app.request(`/v1/objects/${id}`, { headers: { Range: 'bytes=100-1099' } });
  assert.is(part.status, 206);
  assert.is(part.headers.get('content-range'), `bytes 100-1099/${original.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(original.subarray(100, 1100)));
  const tail = await app.request(`/v1/objects/${id}`, { headers: { Range: 'bytes=-10' } });
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(original.subarray(original.length - 10)));
  const beyond = await app.request(`/v1/objects/${id}`, { headers: { Range: `bytes=${original.length}-` } });
  assert.is(beyond.status, 416);
  assert.is(beyond.headers.get('content-range'), `bytes */${original.length}`);
  const zstd = await app.request(`/v1/objects/${id}`, { headers: { 'Accept-Encoding': 'gzip, zstd' } });
  assert.is(zstd.headers.get('content-encoding'), 'zstd');
  const stored = Buffer.from(await zstd.arrayBuffer());
  assert.ok(stored.equals(storedBytes(store, id)), 'the stored frames as they are (loose or packed)');
  assert.ok(execFileSync('zstd', ['-dc'], { input: stored, maxBuffer: 64 << 20 }).equals(original), 'a standard zstd stream of the .rpm');
  const refused = await app.request(`/v1/objects/${id}`, { headers: { 'Accept-Encoding': 'zstd;q=0, gzip' } });
  assert.is(refused.headers.get('content-encoding'), null, 'q=0 refuses zstd');
  await getError('/v1/objects/sha256:nothex', 400, 'ERR_BAD_INPUT');
  await getError(`/v1/objects/sha256:${'0'.repeat(64)}`, 404, 'ERR_STORE_OBJECT_NOT_FOUND');
});

t('images: list, show, versions, history and linked children answer what the CLI prints', async () => {
  assert.equal(await getJson('/v1/images'), cliJson(['image', 'ls'], store));
  assert.equal(await getJson('/v1/images/web'), cliJson(['image', 'show', 'web'], store));
  assert.equal(await getJson('/v1/images/web/versions/1.0.0'), cliJson(['image', 'show', 'web@1.0.0'], store));
  const versions = await getJson<Array<{ version: string; id: string }>>('/v1/images/web/versions');
  assert.equal(versions.map((v) => v.version), ['1.1.0', '1.0.0'], 'newest first (installing sed was a minor bump)');
  assert.is(versions[0].id, cliJson<{ id: string }>(['image', 'show', 'web'], store).id);
  assert.equal(await getJson('/v1/images/web/history'), cliJson(['image', 'log', 'web'], store));
  const children = await getJson<Array<{ name: string; policy: string }>>('/v1/images/web/children');
  assert.equal(children.map((c) => [c.name, c.policy]), [['va', 'sync:minimal']]);
  assert.equal(await getJson('/v1/images/va/children'), []);
  await getError('/v1/images/nosuch', 404, 'ERR_IMAGE');
  assert.equal(await getJson('/v1/layers'), cliJson(['layer', 'ls'], store));
  assert.equal(await getJson('/v1/layers/base/1.0.0'), cliJson(['layer', 'show', 'base@1.0.0'], store));
});

testWith(t, 'a layer streams as the .tar.zst image export writes for an image of that layer alone', ['zstd', 'tar'], async () => {
  const res = await app.request('/v1/layers/base/1.0.0/archive.tar.zst');
  assert.is(res.status, 200);
  const layerId = cliJson<{ id: string }>(['layer', 'show', 'base@1.0.0'], store).id;
  assert.is(res.headers.get('etag'), `"${layerId}"`);
  const served = Buffer.from(await res.arrayBuffer());
  const dir = tempDir('server-layer');
  try {
    cli(['image', 'create', 'bare@1.0.0', '--layer', 'base@1.0.0'], store);
    cli(['image', 'export', 'bare', join(dir, 'bare.tar.zst')], store);
    const tarOf = (zst: Buffer): Buffer => execFileSync('zstd', ['-dc'], { input: zst, maxBuffer: 256 << 20 });
    const exported = tarOf(readFileSync(join(dir, 'bare.tar.zst')));
    const listing = execFileSync('tar', ['-tvf', '-'], { input: tarOf(served), encoding: 'utf8' });
    assert.match(listing, /bin\/bash/);
    assert.ok(tarOf(served).equals(exported), 'the same tar, byte for byte');
    const byId = await app.request(`/v1/layers/by-id/${layerId}/archive.tar.zst`);
    assert.ok(Buffer.from(await byId.arrayBuffer()).equals(served), 'by id: the same archive');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await getError('/v1/layers/base/9.9.9/archive.tar.zst', 404, 'ERR_NOT_FOUND');
});

t('unknown routes and bad input are JSON errors; the server answers the next request', async () => {
  assert.match(await getError('/v1/nothing', 404, 'ERR_NOT_FOUND'), 'no route GET /v1/nothing');
  await getError('/v1/packages?offset=1&cursor=x', 400, 'ERR_BAD_INPUT');
  assert.is((await app.request('/v1/channels')).status, 200);
});

t('a query parameter a route does not take is a 400 naming it, never a filter silently ignored', async () => {
  assert.match(await getError('/v1/packages?file=/bin/bash', 400, 'ERR_BAD_INPUT'), 'unknown query parameter "file" for GET /v1/packages; it takes channel, name, glob, provides, limit, offset, cursor');
  assert.match(await getError('/v1/channels?verbose=1', 400, 'ERR_BAD_INPUT'), 'it takes none');
  assert.match(await getError('/v1/packages/bash/versions?chanel=sample', 400, 'ERR_BAD_INPUT'), '"chanel"');
  assert.is((await app.request('/v1/packages?glob=bash*&limit=5')).status, 200, 'the parameters a route takes still work');
  assert.is((await app.request('/repo/?utm=x')).status, 200, 'rpm-md clients and browsers may add their own');
});

t.run();
