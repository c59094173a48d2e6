/**
 * Downloads on a real socket: a .rpm the store keeps raw is sent from its file (checked
 * once per process, again when the file is replaced); small ones and repodata from memory
 * on the path before the router (app.ts, QuickPath), which answers exactly as the routes
 * do: ETag, 304, Range, If-Range, HEAD. A commit is seen by the next request.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ObjectId } from '../../src/store/layout.js';
import { objectPath } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { appFor, cli, listening, nevraOf, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';

const t = suite('server downloads');

/** A package of ~3 MB of random bytes (gzip level 1 cannot shrink them): stored raw. */
function incompressibleRpm(): string {
  const [rpm] = rpmbuild('rawpkg', `
Name: rawpkg
Version: 1.0
Release: alt1
Summary: Incompressible
License: GPL
BuildArch: noarch
%description
Random bytes.
%install
mkdir -p %{buildroot}/usr/share/rawpkg
head -c 3000000 /dev/urandom > %{buildroot}/usr/share/rawpkg/blob
%files
/usr/share/rawpkg
`, ['_binary_payload w1.gzdio']);
  return rpm;
}

/** The headers a download's answer is judged by (not Date, Connection, Keep-Alive). */
function judged(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['etag', 'content-type', 'content-length', 'content-range', 'cache-control', 'accept-ranges', 'vary', 'content-disposition', 'content-encoding']) {
    const v = h.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

testWith(t, 'a raw-stored .rpm is sent from its file: whole, ranges, HEAD, 304; a replaced file is checked again and refused when damaged', ['rpmbuild'], async () => {
  const rpm = incompressibleRpm();
  const original = readFileSync(rpm);
  const dir = sampleStore([rpm], 'downloads-raw');
  const store = await Store.open(dir);
  const id = JSON.parse(cli(['show', '--json', nevraOf(rpm)], dir)).rpm as ObjectId;
  const at = store.contentFile(id);
  assert.ok(at !== null, 'the .rpm is stored raw');
  assert.is(at.path, objectPath(dir, id));
  const server = await listening(dir);
  try {
    const url = `${server.url}repo/sample/Packages/${nevraOf(rpm)}.rpm`;
    for (let i = 0; i < 2; i++) { // the first checks the file, the second takes the path before the router
      const whole = await fetch(url);
      assert.is(whole.status, 200);
      assert.is(whole.headers.get('etag'), `"${id}"`);
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(original), `request ${i + 1}: the .rpm byte for byte`);
    }
    const part = await fetch(url, { headers: { Range: 'bytes=1000000-1000999' } });
    assert.is(part.status, 206);
    assert.is(part.headers.get('content-range'), `bytes 1000000-1000999/${original.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(original.subarray(1000000, 1001000)));
    const tail = await fetch(url, { headers: { Range: 'bytes=-7' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(original.subarray(original.length - 7)));
    assert.is((await fetch(url, { headers: { Range: `bytes=${original.length}-` } })).status, 416);
    const other = await fetch(url, { headers: { Range: 'bytes=0-9', 'If-Range': '"sha256:other"' } });
    assert.is(other.status, 200, 'an If-Range naming another ETag: the whole body');
    await other.arrayBuffer();
    // across the 1 MiB buffers the file is read into, and after a client that went away mid-file
    const across = await fetch(url, { headers: { Range: `bytes=${(1 << 20) - 5}-${(2 << 20) + 4}` } });
    assert.ok(Buffer.from(await across.arrayBuffer()).equals(original.subarray((1 << 20) - 5, (2 << 20) + 5)), 'a range across two chunks');
    const dropped = new AbortController();
    const partial = await fetch(url, { signal: dropped.signal });
    await partial.body?.getReader().read();
    dropped.abort();
    const again = await Promise.all([fetch(url), fetch(url)]);
    for (const r of again) assert.ok(Buffer.from(await r.arrayBuffer()).equals(original), 'whole again, twice at once, after an aborted download');
    const head = await fetch(url, { method: 'HEAD' });
    assert.is(head.headers.get('content-length'), String(original.length));
    assert.is((await fetch(url, { headers: { 'If-None-Match': `"${id}"` } })).status, 304);
    // The file replaced by one with a flipped byte (a new inode, as a restore or a repair
    // writes): checked again before it is sent, and refused.
    const bytes = readFileSync(at.path);
    bytes[at.offset + 2_000_000] ^= 0x01;
    writeFileSync(`${at.path}.new`, bytes);
    renameSync(`${at.path}.new`, at.path);
    const damaged = await fetch(url);
    assert.is(damaged.status, 503);
    assert.match(await damaged.text(), 'ERR_STORE_OBJECT_CORRUPT');
  } finally {
    await server.close();
  }
});

t('the path before the router answers as the routes do: small .rpm and repodata, ETag, 304, Range, If-Range, HEAD', async () => {
  const dir = sampleStore(undefined, 'downloads-same');
  const { app } = await appFor(dir);
  const server = await listening(dir);
  try {
    const rpm = 'Packages/webserver-1.24.0-alt1.x86_64.rpm';
    const paths = [rpm, 'repodata/repomd.xml'];
    for (const p of paths) await (await fetch(`${server.url}repo/sample/${p}`)).arrayBuffer(); // warm: both in memory now
    for (const p of paths) {
      const etag = (await app.request(`/repo/sample/${p}`, { method: 'HEAD' })).headers.get('etag') as string;
      assert.match(etag, /^"sha256:[0-9a-f]{64}"$/, `${p} has an ETag`);
      const variants: Array<{ method?: string; headers?: Record<string, string> }> = [
        {}, { method: 'HEAD' }, { headers: { Range: 'bytes=10-99' } }, { headers: { Range: 'bytes=-5' } }, { headers: { Range: 'bytes=999999-' } },
        { headers: { 'If-None-Match': etag } }, { headers: { Range: 'bytes=0-3', 'If-Range': '"sha256:x"' } }, { headers: { Range: 'bytes=0-3', 'If-Range': etag } },
      ];
      for (const v of variants) {
        const routed = await app.request(`/repo/sample/${p}`, v);
        const quick = await fetch(`${server.url}repo/sample/${p}`, v);
        const what = `${p} ${JSON.stringify(v)}`;
        assert.is(quick.status, routed.status, what);
        assert.equal(judged(quick.headers), judged(routed.headers), what);
        assert.ok(Buffer.from(await quick.arrayBuffer()).equals(Buffer.from(await routed.arrayBuffer())), what);
      }
    }
    assert.ok(server.requests.every((l) => !/ 5\d\d /.test(l)), server.requests.join('\n'));
    assert.ok(server.requests.some((l) => l.startsWith('GET /repo/sample/Packages/webserver')), 'logged as any request');
  } finally {
    await server.close();
  }
});

t('a commit is seen by the next download: a package removed from the channel is 404 at once, repomd.xml changes', async () => {
  const dir = sampleStore(undefined, 'downloads-commit');
  const server = await listening(dir);
  try {
    const rpm = `${server.url}repo/sample/Packages/webserver-1.24.0-alt1.x86_64.rpm`;
    const repomd = `${server.url}repo/sample/repodata/repomd.xml`;
    for (let i = 0; i < 2; i++) assert.is((await fetch(rpm)).status, 200);
    const before = await (await fetch(repomd)).text();
    cli(['channel', 'remove', 'sample', 'webserver-1.24.0-alt1.x86_64'], dir);
    const gone = await fetch(rpm);
    assert.is(gone.status, 404);
    await gone.arrayBuffer();
    assert.is.not(await (await fetch(repomd)).text(), before);
  } finally {
    await server.close();
  }
});

t('private reads: the path before the router never answers without the token', async () => {
  const dir = sampleStore(undefined, 'downloads-private');
  const token = cli(['token', 'create', '--scope', 'read', '--json'], dir);
  const secret = (JSON.parse(token) as { token: string }).token;
  const server = await listening(dir, { privateReads: true });
  try {
    const url = `${server.url}repo/sample/Packages/webserver-1.24.0-alt1.x86_64.rpm`;
    const auth = { Authorization: `Bearer ${secret}` };
    for (let i = 0; i < 2; i++) assert.is((await fetch(url, { headers: auth })).status, 200);
    const refused = await fetch(url);
    assert.is(refused.status, 401);
    await refused.arrayBuffer();
    assert.is((await fetch(url, { headers: { Authorization: 'Bearer nope' } })).status, 401);
  } finally {
    await server.close();
  }
});

t.run();
