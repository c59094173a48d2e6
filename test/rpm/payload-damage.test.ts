/**
 * A damaged payload is a bad package, whatever decompresses it (issue 16, item 6): one
 * flipped bit in a gzip payload was exit 70 "incorrect data check" (an upload of it a
 * 500) while the same flip in a zstd payload was a clean exit 2. For every payload
 * compression the samples hold (gzip through zlib, zstd through fzstd, xz, lzma and
 * bzip2 through their programs), bits flipped at several places, the end (where the
 * checksums are) included: `add` exits 2 with one line naming the file, the store is
 * unchanged, and an upload of the same bytes is a 400. A zstd payload asking for a window
 * above the limit layer archives have is refused the same way, before it is allocated.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sniffCompression } from '../../src/compress/decompress-stream.js';
import type { CompressionKind } from '../../src/compress/decompress-stream.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { misbehaviour, runInProcess } from '../helpers/in-process.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { appFor, cli } from '../helpers/server.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { hasTool } from '../helpers/tools.js';

const t = suite('payload damage');

/** One sample package per payload compression, with where its payload starts. */
async function samples(): Promise<Map<CompressionKind, { file: string; payloadOffset: number }>> {
  const out = new Map<CompressionKind, { file: string; payloadOffset: number }>();
  for (const file of sampleRpms().filter((f) => !f.includes('/SRPMS/'))) {
    const rpm = await readRpmFile(file);
    const kind = sniffCompression(readFileSync(file).subarray(rpm.payloadOffset, rpm.payloadOffset + 8));
    if (kind && !out.has(kind)) out.set(kind, { file, payloadOffset: rpm.payloadOffset });
  }
  return out;
}

/** The package with one bit flipped `back` bytes before the end, or at `fraction` of its payload. */
function flipped(file: string, payloadOffset: number, at: { fraction?: number; back?: number }): Buffer {
  const b = Buffer.from(readFileSync(file));
  const i = at.back !== undefined ? b.length - at.back : payloadOffset + Math.floor((b.length - payloadOffset) * (at.fraction as number));
  b[i] ^= 0x10;
  return b;
}

const PLACES = [{ fraction: 0.3 }, { fraction: 0.6 }, { back: 8 }, { back: 4 }, { back: 1 }];

t('every payload compression of the samples is covered', async () => {
  const kinds = [...(await samples()).keys()].sort();
  assert.equal(kinds, ['bzip2', 'gzip', 'lzma', 'xz', 'zstd'], 'the samples hold each format the decoders handle');
});

// Early in the file: the process's peak RSS is still that of loading it.
t('a zstd payload asking for a window above the limit is refused before any is allocated (add and upload)', async () => {
  const { file, payloadOffset } = (await samples()).get('zstd')!;
  const b = Buffer.from(readFileSync(file));
  assert.is(b.readUInt32LE(payloadOffset), 0xfd2fb528);
  assert.is(b[payloadOffset + 4] & 0x20, 0, 'the frame has a window descriptor (not single-segment)');
  b[payloadOffset + 5] = (28 - 10) << 3; // window log 28: 256 MiB, twice zstd's default limit
  const bad = join(tempDir('payload-window'), 'window.rpm');
  writeFileSync(bad, b);
  const store = freshStore('payload-window');
  const before = storeSnapshot(store);
  const peak = process.resourceUsage().maxRSS;
  const r = await runInProcess(['add', bad, '--store', store]);
  const grew = (process.resourceUsage().maxRSS - peak) >> 10;
  assert.is(misbehaviour(r), null);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr, `bazaar add: ${bad}: the payload's zstd data is corrupt: zstd frame at byte 0 asks for a 268435456-byte window (limit 134217728)\n`);
  assert.ok(grew < 64, `peak RSS grew by ${grew} MiB: the window was allocated`);
  assert.equal(storeSnapshot(store), before);

  const token = cli(['token', 'create', '--scope', 'admin'], store).trim();
  const { app } = await appFor(store);
  const withToken = storeSnapshot(store);
  const res = await app.request('/v1/packages', { method: 'POST', body: b, headers: { Authorization: `Bearer ${token}` } });
  const body = await res.json() as { error: { code: string; message: string } };
  assert.is(res.status, 400, JSON.stringify(body));
  assert.is(body.error.code, 'ERR_RPM_PAYLOAD');
  assert.match(body.error.message, /^the upload: the payload's zstd data is corrupt: .*window \(limit 134217728\)$/);
  assert.equal(storeSnapshot(store), withToken);
});

t('add of a package with a flipped payload bit: exit 2, one line naming it, the store unchanged', async () => {
  const store = freshStore('payload-damage');
  const before = storeSnapshot(store);
  const dir = tempDir('payload-damage');
  let decoderSaid = 0;
  for (const [kind, { file, payloadOffset }] of await samples()) {
    if ((kind === 'xz' || kind === 'lzma') && !hasTool('xz')) continue;
    if (kind === 'bzip2' && !hasTool('bzip2')) continue;
    for (const at of PLACES) {
      const bad = join(dir, `${kind}-${at.fraction ?? `end-${at.back}`}.rpm`);
      writeFileSync(bad, flipped(file, payloadOffset, at));
      const r = await runInProcess(['add', bad, '--store', store]);
      const what = `${kind} payload flipped at ${JSON.stringify(at)}`;
      assert.is(misbehaviour(r), null, what);
      assert.is(r.status, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, `bazaar add: ${bad}: `, `${what}: names the file`);
      if (r.stderr.includes(`the payload's ${kind} data is corrupt`)) decoderSaid++;
      assert.equal(storeSnapshot(store), before, `${what}: the store is unchanged`);
      assert.equal(readdirSync(join(store, 'tmp')), [], `${what}: no temp file left`);
    }
  }
  assert.ok(decoderSaid >= 4, `the decoders themselves caught some flips (${decoderSaid})`);
});

t('the gzip case of the issue: "incorrect data check" is exit 2 from the executable, and a 400 over HTTP', async () => {
  const { file, payloadOffset } = (await samples()).get('gzip')!;
  const bad = join(tempDir('payload-gzip'), 'bad.rpm');
  writeFileSync(bad, flipped(file, payloadOffset, { back: 8 })); // the gzip trailer's CRC-32
  const store = freshStore('payload-gzip');
  const r = spawnSync(process.execPath, [CLI, 'add', bad, '--store', store], { encoding: 'utf8' });
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr, `bazaar add: ${bad}: the payload's gzip data is corrupt: incorrect data check\n`);

  const token = cli(['token', 'create', '--scope', 'admin'], store).trim();
  const { app } = await appFor(store);
  const before = storeSnapshot(store);
  const res = await app.request('/v1/packages', { method: 'POST', body: readFileSync(bad), headers: { Authorization: `Bearer ${token}` } });
  const body = await res.json() as { error: { code: string; message: string } };
  assert.is(res.status, 400, JSON.stringify(body));
  assert.is(body.error.code, 'ERR_RPM_PAYLOAD');
  assert.match(body.error.message, /^the upload: the payload's gzip data is corrupt/);
  assert.equal(storeSnapshot(store), before);
});

t.run();
