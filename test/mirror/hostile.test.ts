/**
 * Hostile and broken upstreams: each is refused with one ERR_UPSTREAM line naming the URL,
 * within limits, storing nothing that did not verify and leaving the channel as it was.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addMirror, BazaarError, createChannel, showChannel, syncMirror } from '../../src/index.js';
import type { MirrorLimits } from '../../src/index.js';
import { Store } from '../../src/store/store.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { bazaar } from '../helpers/cli.js';
import { binaryRpms } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';
import { makeRepo, nodeUpstream } from '../helpers/upstream.js';
import type { Misbehaviour } from '../helpers/upstream.js';

const t = suite('mirror: hostile upstreams');
const FIVE = binaryRpms().slice(0, 5);
const OTHER = binaryRpms()[10] as string;
const fileName = (p: string): string => p.split('/').pop() as string;

/** A fresh upstream directory of FIVE; `edit` may change it (primary rewritten by `rewritePrimary`). */
function upstreamDir(): string {
  const dir = join(tempDir('hostile'), 'up');
  makeRepo(dir, FIVE);
  return dir;
}

/**
 * Rewrites the repository's primary.xml through `edit` (gzip `compress`ed, default: gzip
 * of the edited text), and its repomd.xml entry to match (checksum and size; open-size as
 * `openSize` says: the real one, a given number, or none).
 */
function rewritePrimary(dir: string, edit: (xml: string) => string, options: { body?: Buffer; openSize?: number | null } = {}): void {
  const repomdFile = join(dir, 'repodata', 'repomd.xml');
  let repomd = readFileSync(repomdFile, 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1] as string;
  const file = join(dir, href);
  const xml = edit(gunzipSync(readFileSync(file)).toString('utf8'));
  const body = options.body ?? gzipSync(xml);
  writeFileSync(file, body);
  repomd = repomd.replace(/(<data type="primary">[\s\S]*?<\/data>)/, (block) => {
    let b = block.replace(/<checksum type="sha256">[0-9a-f]+<\/checksum>/, `<checksum type="sha256">${createHash('sha256').update(body).digest('hex')}</checksum>`)
      .replace(/<size>\d+<\/size>/, `<size>${body.length}</size>`);
    if (options.openSize === null) b = b.replace(/<open-size>\d+<\/open-size>/, '');
    else b = b.replace(/<open-size>\d+<\/open-size>/, `<open-size>${options.openSize ?? Buffer.byteLength(xml)}</open-size>`);
    return b;
  });
  writeFileSync(repomdFile, repomd);
}

/**
 * Syncs a store's mirror of the upstream `dir` (served with `overrides`); the sync must
 * fail with ERR_UPSTREAM, one line, matching `pattern`. Then: the channel is still empty,
 * no package named in `notStored` is in the store, tmp/ holds nothing and fsck is clean.
 */
async function refused(dir: string, overrides: Record<string, Misbehaviour>, pattern: RegExp, options: { limits?: Partial<MirrorLimits>; notStored?: string[]; rpmRequests?: number } = {}): Promise<string> {
  const server = await nodeUpstream(dir, overrides);
  const storeDir = freshStore('hostile');
  try {
    const store = await Store.open(storeDir);
    await createChannel(store, { channel: 'm' });
    await addMirror(store, { name: 'up', url: server.url, channel: 'm' });
    let message = '';
    try {
      await syncMirror(store, { name: 'up', ...(options.limits ? { limits: options.limits } : {}) });
    } catch (err) {
      assert.instance(err, BazaarError);
      assert.is((err as BazaarError).code, 'ERR_UPSTREAM', (err as Error).message);
      message = (err as Error).message;
    }
    assert.ok(message, 'the sync failed');
    assert.match(message, pattern, message);
    assert.not.match(message, /\n/, 'one line');
    assert.ok(message.startsWith(server.url), `the message names the URL: ${message}`);
    assert.equal((await showChannel(store, { channel: 'm' })).builds, [], 'the channel is unchanged');
    const nevras = (await store.read((v) => store.index(v))).builds.map((b) => b.nevra);
    for (const n of options.notStored ?? []) assert.not.ok(nevras.includes(n), `${n} is not stored`);
    if (options.rpmRequests !== undefined) assert.is(server.rpmRequests().length, options.rpmRequests, 'no .rpm was downloaded');
    assert.equal(readdirSync(join(storeDir, 'tmp')), [], 'no download left in tmp/');
    const fsck = bazaar(['fsck', '--store', storeDir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
    return message;
  } finally {
    await server.stop();
  }
}

const nevraOf = (p: string): string => fileName(p).replace(/\.rpm$/, '');
const NEEDS = ['createrepo_c'];

testWith(t, '404, HTML instead of XML, an empty repomd.xml', NEEDS, async () => {
  const dir = upstreamDir();
  await refused(dir, { '/repodata/repomd.xml': (_q, r) => { r.writeHead(404); r.end('gone'); } }, /repodata\/repomd\.xml: HTTP 404/);
  await refused(dir, { '/repodata/repomd.xml': (_q, r) => { r.writeHead(200, { 'content-type': 'text/html' }); r.end('<!DOCTYPE html><html><body>Welcome to nginx</body></html>'); } }, /an HTML page, not repomd\.xml/);
  await refused(dir, { '/repodata/repomd.xml': (_q, r) => { r.writeHead(200); r.end(); } }, /empty, not repomd\.xml/);
});

testWith(t, 'a truncated .rpm and one whose checksum does not match: neither is stored', NEEDS, async () => {
  const dir = upstreamDir();
  const [a, b] = FIVE as [string, string];
  const bytes = readFileSync(a);
  await refused(dir, {
    [`/${fileName(a)}`]: (_q, r) => { r.writeHead(200, { 'content-length': bytes.length }); r.write(bytes.subarray(0, bytes.length >> 1)); setTimeout(() => r.socket?.destroy(), 20); },
  }, /\.rpm: the transfer broke off after \d+ bytes|truncated/, { notStored: [nevraOf(a)] });
  await refused(dir, { [`/${fileName(b)}`]: (_q, r) => { const x = readFileSync(OTHER); r.writeHead(200, { 'content-length': x.length }); r.end(x); } },
    /\.rpm: checksum mismatch: sha256 [0-9a-f]{64}, the metadata says [0-9a-f]{64}/, { notStored: [nevraOf(b), nevraOf(OTHER)] });
});

testWith(t, 'a primary naming ../ or absolute locations, or with a wrong checksum in repomd: refused before any .rpm is fetched', NEEDS, async () => {
  const up = upstreamDir();
  rewritePrimary(up, (xml) => xml.replace(/<location href="[^"]+"/, '<location href="../../etc/passwd.rpm"'));
  await refused(up, {}, /names the location '\.\.\/\.\.\/etc\/passwd\.rpm', outside the repository/, { rpmRequests: 0 });
  const abs = upstreamDir();
  rewritePrimary(abs, (xml) => xml.replace(/<location href="[^"]+"/, '<location href="http://evil.example/x.rpm"'));
  await refused(abs, {}, /names the location 'http:\/\/evil\.example\/x\.rpm'/, { rpmRequests: 0 });
  const sum = upstreamDir();
  const repomd = join(sum, 'repodata', 'repomd.xml');
  writeFileSync(repomd, readFileSync(repomd, 'utf8').replace(/(<data type="primary">[\s\S]*?<checksum type="sha256">)[0-9a-f]{4}/, '$10000'));
  await refused(sum, {}, /primary\.xml\.gz: checksum mismatch/, { rpmRequests: 0 });
});

testWith(t, 'a gzip bomb as primary: refused at repomd\'s open-size, or at the cap when it states none', NEEDS, async () => {
  const bomb = gzipSync(Buffer.alloc(48 << 20, 0x20), { level: 9 });
  assert.ok(bomb.length < 200_000, `small compressed (${bomb.length} bytes)`);
  const stated = upstreamDir();
  rewritePrimary(stated, (x) => x, { body: bomb, openSize: 4000 });
  await refused(stated, {}, /primary\.xml\.gz: decompresses to more than 4000 bytes/, { rpmRequests: 0 });
  const unstated = upstreamDir();
  rewritePrimary(unstated, (x) => x, { body: bomb, openSize: null });
  await refused(unstated, {}, /decompresses to more than 8388608 bytes/, { rpmRequests: 0, limits: { primaryExpanded: 8 << 20 } });
});

/** Answers with bytes forever (until the client goes). */
const endless: Misbehaviour = (_q, r) => {
  r.writeHead(200, { 'content-type': 'application/xml' });
  const chunk = Buffer.alloc(64 << 10, 0x3c);
  const more = (): void => { while (!r.destroyed && r.write(chunk)); };
  r.on('drain', more);
  r.on('close', () => r.off('drain', more));
  r.write('<?xml version="1.0"?>');
  more();
};

testWith(t, 'an endless body is cut at the size cap, a silent one at the idle timeout', NEEDS, async () => {
  const dir = upstreamDir();
  const started = Date.now();
  await refused(dir, { '/repodata/repomd.xml': endless }, /repomd\.xml: the body is longer than the 16777216 bytes allowed/);
  assert.ok(Date.now() - started < 10_000);
  const silent: Misbehaviour = (_q, r) => { r.writeHead(200); r.write('<?xml version="1.0"?>'); };
  await refused(dir, { '/repodata/repomd.xml': silent }, /repomd\.xml: no data for 0\.3 s/, { limits: { repomd: { maxBytes: 1 << 20, timeoutMs: 5000, idleMs: 300 } } });
});

testWith(t, 'a redirect to another host is refused; one within the upstream is followed', NEEDS, async () => {
  const dir = upstreamDir();
  const away: Misbehaviour = (_q, r) => { r.writeHead(302, { location: 'http://localhost:9/repodata/repomd.xml' }); r.end(); };
  await refused(dir, { '/repodata/repomd.xml': away }, /repomd\.xml: redirects to http:\/\/localhost:9, another host/);

  // within the upstream: /moved/X.rpm answered from the repository
  const first = fileName(FIVE[0] as string);
  const ok = await nodeUpstream(dir, {
    [`/${first}`]: (_q, r) => { r.writeHead(301, { location: `/moved/${first}` }); r.end(); },
    [`/moved/${first}`]: (_q, r) => { const x = readFileSync(join(dir, first)); r.writeHead(200, { 'content-length': x.length }); r.end(x); },
  });
  try {
    const store = await Store.open(freshStore('hostile-ok'));
    await createChannel(store, { channel: 'm' });
    await addMirror(store, { name: 'up', url: ok.url, channel: 'm' });
    const r = await syncMirror(store, { name: 'up' });
    assert.is(r.added.length, 5);
    assert.ok(ok.requests().includes(`/moved/${first}`));
  } finally {
    await ok.stop();
  }
});

t.run();
