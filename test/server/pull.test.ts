/**
 * Images out of the server: `/v1/images/<name>/archive.tar.zst` is the archive `bazaar
 * image export` writes, and `bazaar pull` writes it to a file or unpacks it into a
 * directory that matches `bazaar image checkout` of the same image.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { binaryRpms, cli, runAsync, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';
import { archive, file, symlink } from '../helpers/tar-craft.js';
import { zstdFrames } from '../../src/compress/zstd-frames.js';

const t = suite('server: image archives and bazaar pull');

testWith(t, 'pull to .tar.zst is image export; pull to a directory is image checkout; refusals exit 2', ['zstd', 'tar', 'diff'], async () => {
  const store = sampleStore(binaryRpms(), 'server-pull');
  cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup'], store);
  cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
  cli(['image', 'install', 'web', 'sed'], store);
  const work = tempDir('pull');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); }));
    const unzstd = (b: Buffer): Buffer => execFileSync('zstd', ['-dc'], { input: b, maxBuffer: 256 << 20 });
    cli(['image', 'export', 'web', join(work, 'export.tar.zst')], store);
    const pulled = await runAsync(process.execPath, [CLI, 'pull', url, 'web', join(work, 'pulled.tar.zst')]);
    assert.is(pulled.status, 0, pulled.stderr);
    const id = (JSON.parse(cli(['image', 'show', 'web', '--json'], store)) as { id: string }).id;
    assert.match(pulled.stdout, `(${id})`, 'the ETag names the image version');
    assert.ok(unzstd(readFileSync(join(work, 'pulled.tar.zst'))).equals(unzstd(readFileSync(join(work, 'export.tar.zst')))), 'the same tar as image export');
    const old = await runAsync(process.execPath, [CLI, 'pull', url, 'web@1.0.0', join(work, 'old.tar.zst')]);
    assert.is(old.status, 0, old.stderr);
    assert.not.match(execFileSync('tar', ['-t', '--zstd', '-f', join(work, 'old.tar.zst')], { encoding: 'utf8' }), /bin\/sed\n/, 'version 1.0.0 has no sed');

    const dir = join(work, 'pulled');
    const intoDir = await runAsync(process.execPath, [CLI, 'pull', url, 'web', dir]);
    assert.is(intoDir.status, 0, intoDir.stderr);
    cli(['image', 'checkout', 'web', join(work, 'checkout')], store);
    const diff = await runAsync('diff', ['-r', '--no-dereference', dir, join(work, 'checkout')]);
    assert.is(diff.status, 0, `pull and checkout agree: ${diff.stdout}`);
    assert.ok(readFileSync(join(dir, 'etc/passwd')).length > 0);

    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'keep');
    const refused = await runAsync(process.execPath, [CLI, 'pull', url, 'web', full]);
    assert.is(refused.status, 2);
    assert.match(refused.stderr, 'is not empty');
    assert.is(readFileSync(join(full, 'x'), 'utf8'), 'keep');
    const missing = await runAsync(process.execPath, [CLI, 'pull', url, 'nosuch', join(work, 'n.tar.zst')]);
    assert.is(missing.status, 2);
    assert.match(missing.stderr, /no image nosuch.*\(HTTP 404\)/);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});


/** A server that answers every request with `body` as an image archive. */
async function fakeServer(body: Buffer): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/zstd', ETag: '"sha256:0"' }); res.end(body); });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((done) => server.close(() => done())) };
}

async function zstd(tar: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const f of zstdFrames((async function* () { yield tar; })())) out.push(f);
  return Buffer.concat(out);
}

testWith(t, 'a hostile archive from a server is refused by the tar reader: nothing written outside DIR, DIR not made, no scratch left', [], async () => {
  const hostile: Array<[string, Buffer]> = [
    ['a path climbing out', archive(file('../escaped', 'x'))],
    ['an absolute path', archive(file('/tmp/bazaar-pull-escaped', 'x'))],
    ['a write through a symlink', archive(symlink('up', '..'), file('up/escaped', 'x'))],
    ['a truncated archive', archive(file('ok', 'x')).subarray(0, 700)],
  ];
  for (const [what, tar] of hostile) {
    const work = tempDir('pull-hostile');
    const server = await fakeServer(await zstd(tar));
    try {
      const r = await runAsync(process.execPath, [CLI, 'pull', server.url, 'web', join(work, 'out')]);
      assert.is(r.status, 2, `${what}: exit ${r.status}: ${r.stderr}`);
      assert.is(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
      assert.not.match(r.stderr, /\n\s+at /);
      assert.equal(readdirSync(work), [], `${what}: nothing left beside DIR (no DIR, no scratch store)`);
      assert.not.ok(existsSync(join(work, '..', 'escaped')) || existsSync('/tmp/bazaar-pull-escaped'), `${what}: nothing outside`);
    } finally {
      await server.close();
    }
  }
});

t.run();
