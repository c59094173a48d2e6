/**
 * Signed repositories (docs/repo-signing.md): `bazaar key generate|export`, and every served
 * channel's repodata/repomd.xml.asc and repomd.xml.key, judged by the stock tools: gpg
 * --verify accepts the signature of the served repomd.xml, and Debian's dnf with
 * gpgcheck=1 repo_gpgcheck=1 installs packages signed by rpmsign from a bazaar channel,
 * and refuses when a proxy changes one byte of repomd.xml.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { signingKeysDir } from '../../src/store/signing-keys.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { SIGNING_TOOLS, signingKit } from '../helpers/signing.js';
import { appFor, cli, listening, rawHttp, runAsync, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';
import { dnfInstall, installedNames } from '../helpers/dnf-root.js';

const t = suite('server: signed repositories');

/** gpg in its own home: the oracle for signatures. */
function gpgHome(): { home: string; gpg: (args: string[], input?: Buffer | string) => { status: number; stdout: string; stderr: string }; close: () => void } {
  const home = tempDir('gnupg');
  return {
    home,
    /** Stops the gpg-agent gpg may have started for this home, and removes it. */
    close: () => { spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']); rmSync(home, { recursive: true, force: true }); },
    gpg: (args, input) => {
      const r = spawnSync('gpg', ['--homedir', home, '--batch', '--no-tty', ...args], { input, env: { ...process.env, LC_ALL: 'C' } });
      return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
    },
  };
}

/** gpg --verify of `data` against `signature`, with only `publicKey` trusted. */
function gpgVerify(publicKey: string, signature: Buffer, data: Buffer): { ok: boolean; text: string } {
  const { home, gpg, close } = gpgHome();
  try {
    const imported = gpg(['--import'], publicKey);
    assert.is(imported.status, 0, `gpg --import: ${imported.stderr}`);
    writeFileSync(join(home, 'data'), data);
    writeFileSync(join(home, 'data.asc'), signature);
    const r = gpg(['--verify', join(home, 'data.asc'), join(home, 'data')]);
    return { ok: r.status === 0 && /Good signature/.test(r.stderr), text: r.stderr };
  } finally {
    close();
  }
}

const run = (args: string[], store: string): { status: number; stdout: string; stderr: string } => bazaarFast([...args, '--store', store]);

/** Every file under `dir` with its bytes: what "the store is unchanged" compares. */
function snapshotDir(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.isFile()) out.set(p, readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

testWith(t, 'key generate stores the secret key mode 0600 beside its public key; key export prints the public key gpg imports; refusals change nothing', ['gpg'], () => {
  const store = freshStore('signkey');
  const made = run(['key', 'generate', 'repo-2026', '--user-id', 'Repository Team <team@example.org>', '--json'], store);
  assert.is(made.status, 0, made.stderr);
  const info = JSON.parse(made.stdout) as { name: string; keyId: string; fingerprint: string; algorithm: string };
  assert.match(info.keyId, /^[0-9a-f]{16}$/);
  assert.ok(info.fingerprint.endsWith(info.keyId));
  const secret = join(signingKeysDir(store), 'repo-2026.asc');
  assert.is(statSync(secret).mode & 0o777, 0o600, 'the secret key is readable by its owner only');
  assert.match(readFileSync(secret, 'utf8'), /^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
  const exported = run(['key', 'export', 'repo-2026'], store);
  assert.is(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  assert.not.match(exported.stdout, /PRIVATE/);
  // gpg reads the exported key as the key generate described, a signing-only Ed25519 key.
  const { gpg, close } = gpgHome();
  try {
    assert.is(gpg(['--import'], exported.stdout).status, 0);
    const listed = gpg(['--with-colons', '--list-keys']).stdout;
    assert.ok(listed.includes(`fpr:::::::::${info.fingerprint.toUpperCase()}:`), listed);
    assert.match(listed, /^pub:[^:]*:255:22:[^\n]*:s[^\n]*:/m, `an EdDSA (22) key for signing: ${listed}`);
    assert.ok(listed.includes('Repository Team <team@example.org>'), listed);
    assert.is(gpg(['--list-secret-keys']).stdout, '', 'no secret key travelled with the export');
  } finally {
    close();
  }
  // Refused, exit 2, one line, and the store as it was.
  const before = snapshotDir(store);
  for (const [args, says] of [
    [['key', 'generate', 'repo-2026'], /a signing key named repo-2026 exists/],
    [['key', 'generate', '../../tokens'], /is not a signing key name/],
    [['key', 'generate', 'x.pub'], /is not a signing key name/],
    [['key', 'generate', 'k', '--algorithm', 'dsa'], /--algorithm is ed25519 or rsa4096/],
    [['key', 'export', 'nosuch'], /no signing key named nosuch/],
    [['key', 'export'], /usage: bazaar key export NAME/],
    [['key', 'frobnicate'], /unknown subcommand 'frobnicate'/],
  ] as Array<[string[], RegExp]>) {
    const r = run(args, store);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, says);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stderr, /\n\s+at /);
  }
  assert.equal(snapshotDir(store), before, 'refusals left every file of the store as it was');
  assert.is(run(['fsck'], store).status, 0, 'fsck calls the keys no damage');
});

testWith(t, 'every served repomd.xml has a detached signature gpg --verify accepts, made again with the metadata; no key, no signature', ['gpg'], async () => {
  const files = sampleRpms().filter((f) => /\/(sed-4\.9|grep-3\.11|etcskel)-/.test(f));
  const store = sampleStore(files, 'signed');
  const { app, log } = await appFor(store);
  const get = async (path: string): Promise<{ status: number; type: string; cache: string; body: Buffer }> => {
    const res = await app.request(path);
    return { status: res.status, type: res.headers.get('Content-Type') ?? '', cache: res.headers.get('Cache-Control') ?? '', body: Buffer.from(await res.arrayBuffer()) };
  };
  // Without a signing key nothing changes: no signature, no key.
  const plain = await get('/repo/sample/repodata/repomd.xml');
  assert.is(plain.status, 200);
  assert.is((await get('/repo/sample/repodata/repomd.xml.asc')).status, 404);
  assert.is((await get('/repo/sample/repodata/repomd.xml.key')).status, 404);

  // A key generated while the server runs signs from the next request on.
  cli(['key', 'generate', 'repo'], store);
  const publicKey = cli(['key', 'export', 'repo'], store);
  const repomd = await get('/repo/sample/repodata/repomd.xml');
  const asc = await get('/repo/sample/repodata/repomd.xml.asc');
  const key = await get('/repo/sample/repodata/repomd.xml.key');
  assert.is(asc.status, 200);
  assert.is(asc.type, 'application/pgp-signature');
  assert.is(asc.cache, 'no-cache', 'the signature changes with repomd.xml');
  assert.match(asc.body.toString('latin1'), /^-----BEGIN PGP SIGNATURE-----/);
  assert.is(key.status, 200);
  assert.is(key.type, 'application/pgp-keys');
  assert.is(key.body.toString('utf8').trim(), publicKey.trim(), 'repomd.xml.key is the exported public key');
  const good = gpgVerify(publicKey, asc.body, repomd.body);
  assert.ok(good.ok, `gpg --verify: ${good.text}`);
  // The oracle can say no: one byte changed in repomd.xml is a bad signature.
  const tampered = Buffer.from(repomd.body);
  tampered[tampered.indexOf('<revision>') + '<revision>'.length] ^= 1;
  assert.not.ok(gpgVerify(publicKey, asc.body, tampered).ok, 'gpg refuses a changed repomd.xml');
  assert.ok(log.some((l) => /signed by repo [0-9a-f]{16}/.test(l)), log.join('\n'));

  // A channel change: new metadata, a new signature of it; the old one does not fit.
  cli(['channel', 'remove', 'sample', 'etcskel'], store);
  const repomd2 = await get('/repo/sample/repodata/repomd.xml');
  const asc2 = await get('/repo/sample/repodata/repomd.xml.asc');
  assert.not.equal(repomd2.body, repomd.body);
  assert.ok(gpgVerify(publicKey, asc2.body, repomd2.body).ok, 'the new repomd.xml is signed');
  assert.not.ok(gpgVerify(publicKey, asc.body, repomd2.body).ok, 'the previous signature does not cover it');

  // A newer key signs from then on; --signing-key (the signingKey option) picks another.
  await new Promise((r) => setTimeout(r, 1100)); // key creation times are in seconds
  cli(['key', 'generate', 'repo-next'], store);
  const nextKey = cli(['key', 'export', 'repo-next'], store);
  const repomd3 = await get('/repo/sample/repodata/repomd.xml');
  const asc3 = await get('/repo/sample/repodata/repomd.xml.asc');
  assert.ok(gpgVerify(nextKey, asc3.body, repomd3.body).ok, 'the newest key signs');
  assert.not.ok(gpgVerify(publicKey, asc3.body, repomd3.body).ok);
  assert.is((await get('/repo/sample/repodata/repomd.xml.key')).body.toString('utf8').trim(), nextKey.trim());
  const chosen = await appFor(store, { signingKey: 'repo' });
  const repomd4 = Buffer.from(await (await chosen.app.request('/repo/sample/repodata/repomd.xml')).arrayBuffer());
  const asc4 = Buffer.from(await (await chosen.app.request('/repo/sample/repodata/repomd.xml.asc')).arrayBuffer());
  assert.ok(gpgVerify(publicKey, asc4, repomd4).ok, 'the named key signs');
});

testWith(t, 'no route serves the secret key (repo paths, dot segments, encoded slashes, the API, the pages); a missing or damaged key is refused, never unsigned', ['gpg'], async () => {
  const store = sampleStore(sampleRpms().filter((f) => /\/etcskel-/.test(f)), 'signed-secret');
  cli(['key', 'generate', 'repo'], store);
  const secret = readFileSync(join(signingKeysDir(store), 'repo.asc'), 'utf8');
  // The armor's body lines: any of them in a response would be a leak (a line is 60+ base64 characters).
  const secretLines = secret.split('\n').filter((l) => /^[A-Za-z0-9+/]{40,}$/.test(l));
  assert.ok(secretLines.length > 3);
  const server = await listening(store);
  try {
    const paths = [
      '/keys/signing/repo.asc', '/repo/sample/repodata/repo.asc', '/repo/sample/repodata/..%2f..%2f..%2f..%2fkeys%2fsigning%2frepo.asc',
      '/repo/sample/../../keys/signing/repo.asc', '/repo/sample/repodata/../../../../keys/signing/repo.asc', '/repo/..%2fkeys/signing/repo.asc',
      '/repo/sample/Packages/..%2f..%2f..%2fkeys%2fsigning%2frepo.asc', '/repo/sample/repodata/%2e%2e/%2e%2e/keys/signing/repo.asc',
      '/v1/objects/..%2fkeys%2fsigning%2frepo.asc', '/v1/keys', '/v1/keys/repo', '/ui/../keys/signing/repo.asc', '/boot/../keys/signing/repo.asc',
      '/repo/sample/repodata/repomd.xml.key', '/repo/sample/repodata/repomd.xml.asc', '/repo/sample/repodata/repomd.xml', '/repo/', '/', '/ui/', '/v1/channels/sample',
    ];
    for (const path of paths) {
      const res = await rawHttp(server.port, 'GET', path);
      const body = res.body.toString('latin1');
      assert.ok(res.status !== 500 && res.status !== 0, `${path}: ${res.status}`);
      assert.not.match(body, /PRIVATE KEY/, `${path} (${res.status}) shows a private key`);
      for (const line of secretLines) assert.not.ok(body.includes(line), `${path} (${res.status}) carries the secret key's bytes`);
    }
  } finally {
    await server.close();
  }
  // A named key that is not there: refused before listening.
  const refused = await listening(store, { signingKey: 'nosuch' }).then(() => null, (err: Error) => err);
  assert.match(refused?.message ?? 'it listened', /the store has no signing key named nosuch/);
  // A damaged key file: the repositories answer 503 naming it, never unsigned, never 500.
  writeFileSync(join(signingKeysDir(store), 'repo.asc'), secret.replace(/^([A-Za-z0-9+/]{40,})$/m, (l) => l.split('').reverse().join('')));
  const { app } = await appFor(store);
  const res = await app.request('/repo/sample/repodata/repomd.xml');
  const body = await res.text();
  assert.is(res.status, 503, body);
  assert.match(body, /cannot sign the repositories with signing key repo: .*repo\.asc/);
  assert.not.match(body, /PRIVATE KEY|\n\s+at /);
});

/** One byte of every repomd.xml changed on its way from bazaar to the client; everything else passed on. */
async function tamperingProxy(upstream: string): Promise<{ url: string; tampered: () => number; close: () => Promise<void> }> {
  let count = 0;
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const out = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        if (/\/repodata\/repomd\.xml$/.test(req.url ?? '') && up.statusCode === 200) {
          // A digit of <revision> (the channel commit): checksums still fit, only the signature tells.
          const at = body.indexOf('<revision>') + '<revision>'.length;
          body[at] = body[at] === 0x30 ? 0x31 : 0x30;
          count++;
        }
        res.writeHead(up.statusCode ?? 502, { ...up.headers, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    out.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    tampered: () => count,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

testWith(t, 'dnf with gpgcheck=1 repo_gpgcheck=1 installs rpmsign-signed packages from a signed channel; a changed repomd.xml is refused', ['dnf', 'rpm', ...SIGNING_TOOLS], async () => {
  // The packager's key (gpg) signs the packages; the store's key (bazaar) signs the metadata.
  const kit = signingKit();
  const work = tempDir('signed-dnf');
  const rpms = sampleRpms().filter((f) => /\/(etcskel-5\.0|filesystem-2\.3\.21)-/.test(f)).map((f) => kit.sign(f, kit.ed, join(work, basename(f))));
  assert.is(rpms.length, 2);
  const store = sampleStore(rpms, 'signed-dnf-store');
  cli(['key', 'generate', 'repo'], store);

  const server = await listening(store);
  const proxy = await tamperingProxy(server.url);
  const dnf = (name: string, baseurl: string, repoGpgcheck: boolean): ReturnType<typeof dnfInstall> => dnfInstall(join(work, name), [
    `baseurl=${baseurl}repo/sample`, 'gpgcheck=1', `repo_gpgcheck=${repoGpgcheck ? 1 : 0}`, `gpgkey=file://${kit.ed.file} ${baseurl}repo/sample/repodata/repomd.xml.key`,
  ], ['etcskel']);
  // Packages, not the gpg-pubkey entries of the keys dnf imported.
  const installed = installedNames;
  try {
    const good = await dnf('good', server.url, true);
    assert.is(good.status, 0, `dnf install: ${good.out}`);
    assert.equal(await installed(good.root), ['etcskel', 'filesystem']);
    // Both keys were needed and imported: the packager's into the root's rpmdb, the repository's for the metadata.
    assert.match(good.out, /Importing GPG key[\s\S]*ed-signer <ed-signer@bazaar\.test>/);
    assert.match(good.out, /Importing GPG key[\s\S]*repo \(bazaar repository signing key\)/);
    assert.ok(server.requests.some((l) => /^GET \/repo\/sample\/repodata\/repomd\.xml\.asc 200 /.test(l)), server.requests.join('\n'));
    // The .rpm bazaar serves is the one rpmsign signed: rpmkeys, with the packager's key only, says so.
    const served = join(work, 'served.rpm');
    writeFileSync(served, Buffer.from(await (await fetch(`${server.url}repo/sample/Packages/etcskel-5.0-alt1.noarch.rpm`)).arrayBuffer()));
    const keyring = join(work, 'keyring');
    mkdirSync(keyring);
    assert.is((await runAsync('rpmkeys', ['--root', keyring, '--import', kit.ed.file])).status, 0);
    const checked = await runAsync('rpmkeys', ['--root', keyring, '--checksig', served]);
    assert.match(checked.stdout, /digests signatures OK/, checked.stdout + checked.stderr);

    const refused = await dnf('tampered', proxy.url, true);
    assert.ok(proxy.tampered() > 0, 'dnf read repomd.xml through the proxy');
    assert.is.not(refused.status, 0, `dnf took a changed repomd.xml: ${refused.out}`);
    assert.match(refused.out, /repomd\.xml GPG signature verification error: Bad GPG signature/, refused.out);
    assert.equal(await installed(refused.root), [], 'nothing installed from the changed metadata');
    // The control: the change is one only the signature sees (without repo_gpgcheck dnf installs).
    const unchecked = await dnf('unchecked', proxy.url, false);
    assert.is(unchecked.status, 0, `dnf without repo_gpgcheck: ${unchecked.out}`);
    assert.equal(await installed(unchecked.root), ['etcskel', 'filesystem']);
  } finally {
    await proxy.close();
    await server.close();
    kit.close();
    rmSync(work, { recursive: true, force: true });
  }
});

t.run();
