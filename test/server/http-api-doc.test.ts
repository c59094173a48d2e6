/**
 * docs/http-api.md runs as written: its sh blocks, in order, set up a store, start
 * `bazaar serve --port 0`, call every documented route with curl (-f: a 4xx or 5xx fails
 * the run), upload with a token, and stop the server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocBlocks } from '../helpers/doc-blocks.js';
import { tempDir } from '../helpers/cli.js';
import { testWith } from '../helpers/tools.js';

const t = suite('server: docs/http-api.md');

testWith(t, 'every example of docs/http-api.md runs against a live server', ['curl', 'jq', 'zstd', 'openssl'], () => {
  const r = runDocBlocks('docs/http-api.md');
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.ok(r.blocks >= 9, `${r.blocks} blocks`);
  const out = r.stdout;
  assert.match(out, '{"error":{"code":"ERR_PACKAGE_NOT_FOUND"', 'the error example');
  assert.match(out, /^3$/m, 'repomd.xml lists primary, filelists and other');
  assert.match(out, /^304$/m, 'a conditional request');
  assert.match(out, 'ed ab ee db', 'a range: the rpm lead magic');
  assert.match(out, /^401$/m, 'an upload without a token');
  assert.match(out, '"nevra":"zlib-1.3.1-alt1.i586"', 'an upload with one');
  assert.match(out, /^libc6-6:2\.38-alt2\.i586\tsha256:/m, 'bazaar push');
  assert.match(out, '[{"name":"va","version":"1.0.1"', 'linked children (linking made va 1.0.1)');
  assert.match(out, /^[1-9]\d*$/m, 'counts');
  assert.match(out, '{"name":"testing","settings":{"order":"alt"}}', 'a channel created over HTTP');
  assert.match(out, 'pulled web@1.0.0 (sha256:', 'bazaar pull');
  assert.match(out, /^baked into va1-rw@1\.0\.1: image va1@/m, 'bazaar upload-overlay');
  assert.match(out, '{"status":"done","layer":"1.0.2"}', 'an overlay job polled with curl');
  assert.match(out, /^bash-5\.2\.26-alt1\.x86_64\nbash-5\.2\.26-alt2\.x86_64$/m, 'the package page lists both builds');
  assert.match(out, '{"name":"db","version":"1.1.0"}', 'an image changed over HTTP');
});

t('a document whose step fails still stops the server its blocks started', () => {
  const doc = join(tempDir('doc-fails'), 'fails.md');
  writeFileSync(doc, [
    '```sh', 'bazaar init --store store >/dev/null', 'bazaar serve --port 0 --store store > serve.out 2>&1 &', 'echo "server $!"',
    'until grep -q http serve.out; do sleep 0.1; done', 'false', 'echo not reached', '```', ''].join('\n'));
  const r = runDocBlocks(doc);
  const pid = Number(/^server (\d+)$/m.exec(r.stdout)?.[1]);
  const alive = (): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
  try {
    assert.is.not(r.status, 0, 'the failing step fails the run');
    assert.not.match(r.stdout, 'not reached');
    assert.ok(pid > 0, r.stdout + r.stderr);
    assert.not.ok(alive(), `bazaar serve (pid ${pid}) is still running after the run ended`);
  } finally {
    if (pid > 0 && alive()) process.kill(pid, 'SIGKILL');
  }
});

t.run();
