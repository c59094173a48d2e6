/**
 * The web pages: in-process, each page shows what the JSON API answers (channels, every
 * coexisting version, a package's dependencies and files, an image's layers, history,
 * children and audit state); then Debian's headless chromium renders them from a real
 * socket (its DOM checked, screenshots written under the test's temp dir).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/cli.js';
import { appFor, binaryRpms, cli, listening, runAsync, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';

const t = suite('server: web pages');

const store = sampleStore(binaryRpms(), 'server-web');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup'], store);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
cli(['image', 'create', 'va@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
cli(['link', 'va', 'web', '--policy', 'sync:minimal'], store);
const { app } = await appFor(store);

async function pageText(path: string): Promise<string> {
  const res = await app.request(path);
  assert.is(res.status, 200, path);
  assert.match(res.headers.get('content-type') ?? '', 'text/html');
  return res.text();
}

t('the pages show channels, coexisting versions, dependencies and files, images and links', async () => {
  const home = await pageText('/ui/');
  assert.match(home, '<a href="/ui/channels/sample">sample</a>');
  assert.match(home, '<a href="/ui/images/web">web</a>');
  assert.match(await pageText('/ui/channels/sample'), 'webserver-1.24.0-alt1.x86_64');
  const bash = await pageText('/ui/packages/bash');
  assert.match(bash, 'bash-5.2.26-alt1.x86_64');
  assert.match(bash, 'bash-5.2.26-alt2.x86_64');
  assert.match(bash, '2 builds in the store');
  const one = await pageText('/ui/packages/webserver/webserver-1.24.0-alt1.x86_64');
  const shown = JSON.parse(cli(['show', 'webserver', '--json'], store)) as { files: Array<{ path: string }>; requires: Array<{ name: string }> };
  for (const f of shown.files) assert.match(one, f.path);
  assert.match(one, 'libssl.so.3()(64bit)');
  const image = await pageText('/ui/images/web');
  assert.match(image, '<a href="/ui/images/va">va</a>');
  assert.match(image, 'base');
  const child = await pageText('/ui/images/va');
  assert.match(child, /linked to <a href="\/ui\/images\/web">web<\/a> \(sync:minimal\): in compliance/);
  const browser = await app.request('/', { headers: { Accept: 'text/html' } });
  assert.is(browser.status, 302);
  assert.is(browser.headers.get('location'), '/ui/');
  const missing = await app.request('/ui/packages/%3Cscript%3Ealert(1)%3C%2Fscript%3E');
  assert.is(missing.status, 400, 'a name with a / is no package reference');
  const text = await missing.text();
  assert.match(missing.headers.get('content-type') ?? '', 'text/html');
  assert.not.match(text, '<script>', 'nothing reflected unescaped');
  assert.match(text, '&lt;script&gt;alert(1)');
});

testWith(t, 'headless chromium renders the pages from a real socket; screenshots written', ['chromium'], async () => {
  const server = await listening(store);
  const dir = tempDir('web-shots');
  try {
    for (const [name, path] of [['home', 'ui/'], ['package', 'ui/packages/bash'], ['files', 'ui/packages/webserver/webserver-1.24.0-alt1.x86_64'], ['image', 'ui/images/va']]) {
      const shot = join(dir, `${name}.png`);
      const r = await runAsync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1200,900', `--screenshot=${shot}`, `${server.url}${path}`]);
      assert.is(r.status, 0, r.stderr);
      assert.ok(readFileSync(shot).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${shot} is a PNG`);
      assert.ok(statSync(shot).size > 10_000, `${shot} has content`);
    }
    const dom = await runAsync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `${server.url}ui/packages/bash`]);
    assert.is(dom.status, 0, dom.stderr);
    assert.match(dom.stdout, /<h1>Package bash<\/h1>/);
    assert.match(dom.stdout, 'bash-5.2.26-alt1.x86_64');
    assert.ok(server.requests.some((l) => /^GET \/ui\/images\/va 200 /.test(l)), server.requests.join('\n'));
    console.log(`screenshots: ${dir}`);
  } finally {
    await server.close();
  }
});

t.run();
