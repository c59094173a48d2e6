/**
 * The net-boot workflow: a VA's overlay upper directory, sent with `bazaar upload-overlay`,
 * becomes the next version of the image's rw layer and a new image version (checked out,
 * it holds the VA's files); hostile archives (`..`, absolute paths, not a tar), a missing
 * token, a layer the image does not follow are refused before any job, the store
 * unchanged; an image without `<image>-rw` gets it on top of its layers at its first upload,
 * without the mount points bazaar's /init makes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLayerArchive } from '../../src/archive/index.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { END, chardev, dir as tarDir, file as tarFile } from '../helpers/tar-craft.js';
import { appFor, binaryRpms, cli, runAsync, sampleStore } from '../helpers/server.js';

const t = suite('server: overlay uploads');

function setup(): { store: string; token: string } {
  const store = sampleStore(binaryRpms(), 'server-overlay');
  const empty = join(tempDir('rw-empty'), 'upper');
  mkdirSync(empty);
  cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup'], store);
  cli(['layer', 'import', 'web-rw@1.0.0', empty], store);
  cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--layer', 'web-rw@^1.0', '--channel', 'sample'], store);
  cli(['image', 'create', 'plain@1.0.0', '--layer', 'base@^1.0'], store);
  return { store, token: cli(['token', 'create', '--scope', 'admin'], store).trim() };
}

t('upload-overlay bakes an upper directory into web-rw and a new image version; the next upload replaces it', async () => {
  const { store, token } = setup();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); }));
    const upper = join(tempDir('va1'), 'upper');
    mkdirSync(join(upper, 'srv/app'), { recursive: true });
    writeFileSync(join(upper, 'srv/app/index.html'), '<h1>va1</h1>\n');
    const env = { ...process.env, BAZAAR_TOKEN: token };
    const first = await runAsync(process.execPath, [CLI, 'upload-overlay', url, 'web', upper], { env });
    assert.is(first.status, 0, first.stderr);
    assert.match(first.stdout, /^baked into web-rw@1\.0\.1: image web@\S+ sha256:[0-9a-f]{64}$/m);
    const shown = JSON.parse(cli(['image', 'show', 'web', '--json'], store)) as { version: string; layers: Array<{ name: string; version: string }> };
    assert.ok(shown.layers.some((l) => l.name === 'web-rw' && l.version === '1.0.1'), JSON.stringify(shown.layers));
    const co1 = join(tempDir('co1'), 'root');
    cli(['image', 'checkout', 'web', co1], store);
    assert.is(readFileSync(join(co1, 'srv/app/index.html'), 'utf8'), '<h1>va1</h1>\n');
    assert.ok(readFileSync(join(co1, 'etc/passwd')).length > 0, 'the layers below are still there');

    // the VA's whole upper directory again, changed: the layer's next version replaces the previous
    const upper2 = join(tempDir('va1b'), 'upper');
    mkdirSync(join(upper2, 'srv/app'), { recursive: true });
    writeFileSync(join(upper2, 'srv/app/other.html'), 'v2\n');
    const second = await runAsync(process.execPath, [CLI, 'upload-overlay', url, 'web', upper2], { env });
    assert.is(second.status, 0, second.stderr);
    assert.match(second.stdout, 'baked into web-rw@1.0.2');
    const co2 = join(tempDir('co2'), 'root');
    cli(['image', 'checkout', 'web', co2], store);
    assert.is(readFileSync(join(co2, 'srv/app/other.html'), 'utf8'), 'v2\n');
    assert.throws(() => readFileSync(join(co2, 'srv/app/index.html')), /ENOENT/);
    const history = JSON.parse(cli(['image', 'log', 'web', '--json'], store)) as unknown[];
    assert.is(history.length, 3, 'two new image versions');

    const noToken = await runAsync(process.execPath, [CLI, 'upload-overlay', url, 'web', upper], { env: { ...process.env, BAZAAR_TOKEN: '' } });
    assert.is(noToken.status, 2);
    assert.match(noToken.stderr, '(HTTP 401)');
  } finally {
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  }
  assert.is((await runAsync(process.execPath, [CLI, 'fsck', '--store', store])).status, 0);
});

t('hostile or misdirected overlays are 4xx before any job; the store unchanged', async () => {
  const { store, token } = setup();
  const { app } = await appFor(store);
  const post = (path: string, body: Buffer, auth = true): Promise<Response> => Promise.resolve(app.request(path, { method: 'POST', body: new Uint8Array(body), headers: auth ? { Authorization: `Bearer ${token}` } : {} }));
  const tar = (...blocks: Buffer[]): Buffer => gzipSync(Buffer.concat([...blocks, END])); // the reader takes .tar.gz too
  const before = storeSnapshot(store);
  const cases: Array<[string, string, Buffer, number, RegExp]> = [
    ['a .. component', '/v1/images/web/overlay', tar(tarDir('srv/'), tarFile('srv/../../escape', 'x')), 400, /'\.\.' component/],
    ['an absolute path', '/v1/images/web/overlay', tar(tarFile('/etc/evil', 'x')), 400, /absolute path/],
    ['a device node', '/v1/images/web/overlay', tar(tarDir('dev/'), chardev('dev/mem', 1, 1)), 400, /dev\/mem: a device node is not allowed/],
    ['not a tar', '/v1/images/web/overlay', Buffer.from('hello, this is no archive at all'.repeat(40)), 400, /./],
    ['a layer the image does not follow', '/v1/images/plain/overlay?layer=extra', tar(tarFile('a', 'x')), 400, /has no layer extra/],
    ['an unknown image', '/v1/images/nosuch/overlay', tar(tarFile('a', 'x')), 404, /no image nosuch/],
  ];
  for (const [what, path, body, status, message] of cases) {
    const res = await post(path, body);
    const json = await res.json() as { error: { code: string; message: string } };
    assert.is(res.status, status, `${what}: ${JSON.stringify(json)}`);
    assert.match(json.error.message, message, what);
    assert.not.match(json.error.message, `${store}/tmp`, `${what}: no temp path`);
    assert.equal(storeSnapshot(store), before, `${what}: the store is unchanged`);
  }
  assert.is((await post('/v1/images/web/overlay', tar(tarFile('a', 'x')), false)).status, 401);
  assert.is((await app.request('/v1/jobs/0123456789abcdef')).status, 404);
  // and a good one through the same app: a job that finishes
  const res = await post('/v1/images/web/overlay', tar(tarDir('srv/'), tarFile('srv/ok', 'fine\n'), chardev('srv/gone', 0, 0)));
  assert.is(res.status, 202);
  const { job } = await res.json() as { job: { id: string; url: string } };
  let state: { status: string; result?: { layer: { version: string } } } = { status: 'queued' };
  for (let i = 0; i < 300 && (state.status === 'queued' || state.status === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    state = await (await app.request(job.url)).json() as typeof state;
  }
  assert.is(state.status, 'done', JSON.stringify(state));
  assert.is(state.result?.layer.version, '1.0.1');
});

t('an image without <image>-rw gets it on top of its layers at the first upload; /init\'s mount points are not baked', async () => {
  const { store, token } = setup();
  const { app } = await appFor(store);
  const body = gzipSync(Buffer.concat([
    tarDir('dev/'), tarDir('etc/'), tarFile('etc/va-state', 'booted\n'), tarDir('proc/'), tarDir('run/'), tarDir('run/bazaar/'), tarDir('run/bazaar/rw/'),
    tarFile('run/bazaar/rw/x', 'x'), tarDir('sys/'), END,
  ]));
  const res = await app.request('/v1/images/plain/overlay', { method: 'POST', body: new Uint8Array(body), headers: { Authorization: `Bearer ${token}` } });
  assert.is(res.status, 202, await res.clone().text());
  const { job } = await res.json() as { job: { url: string } };
  let state: { status: string; result?: { layer: { name?: string; version: string }; image: { version: string } } } = { status: 'queued' };
  for (let i = 0; i < 300 && (state.status === 'queued' || state.status === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    state = await (await app.request(job.url)).json() as typeof state;
  }
  assert.is(state.status, 'done', JSON.stringify(state));
  const shown = JSON.parse(cli(['image', 'show', 'plain', '--json'], store)) as { layers: Array<{ name: string; version: string }> };
  assert.equal(shown.layers.map((l) => l.name), ['base', 'plain-rw', 'plain'], 'the rw layer is on top of the shared ones, under the private one');
  const archive = join(tempDir('plain-rw'), 'layer.tar.zst');
  const got = await app.request(`/v1/layers/plain-rw/${state.result?.layer.version}/archive.tar.zst`);
  assert.is(got.status, 200);
  writeFileSync(archive, Buffer.from(await got.arrayBuffer()));
  const paths: string[] = [];
  for await (const e of readLayerArchive(archive)) paths.push(e.path);
  assert.equal(paths.filter((p) => p !== '.'), ['etc', 'etc/va-state'], 'the VA\'s own change only: no proc, sys, dev, run, run/bazaar');
});

t.run();
