/**
 * Signed upstreams and signed channels: a mirror with `--key` reads nothing past
 * repomd.xml unless repomd.xml.asc verifies with that key; a channel that requires
 * signatures takes through a sync only packages signed by a trusted key.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { binaryRpms } from '../helpers/server.js';
import { signingKit, SIGNING_TOOLS } from '../helpers/signing.js';
import { testWith } from '../helpers/tools.js';
import { makeRepo, pythonUpstream } from '../helpers/upstream.js';

const t = suite('mirror: signed upstreams, signed channels');

/** A gpg home with one ed25519 key per name; `sign` writes FILE.asc. */
function gpgKeys(names: string[]): { file: (n: string) => string; sign: (n: string, path: string) => void } {
  const dir = tempDir('mirror-gpg');
  const env = { ...process.env, GNUPGHOME: join(dir, 'home') };
  mkdirSync(env.GNUPGHOME, { mode: 0o700 });
  for (const n of names) {
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${n} <${n}@bazaar.test>`, 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
    writeFileSync(join(dir, `${n}.asc`), execFileSync('gpg', ['--armor', '--export', `${n}@bazaar.test`], { env }));
  }
  return {
    file: (n) => join(dir, `${n}.asc`),
    sign: (n, path) => execFileSync('gpg', ['--batch', '--yes', '--local-user', `${n}@bazaar.test`, '--armor', '--detach-sign', '--output', `${path}.asc`, path], { env, stdio: 'ignore' }),
  };
}

const run = (args: string[], store: string): { status: number; stdout: string; stderr: string } => bazaarFast([...args, '--store', store]);

testWith(t, '--key: a good repomd.xml.asc syncs; a tampered repomd.xml, another key or no .asc is refused in one line, nothing stored', ['createrepo_c', 'python3', 'gpg'], async () => {
  const keys = gpgKeys(['upstream', 'stranger']);
  const up = join(tempDir('mirror-signed'), 'up');
  makeRepo(up, binaryRpms().slice(0, 3));
  const repomd = join(up, 'repodata', 'repomd.xml');
  const server = await pythonUpstream(up);
  try {
    const fresh = (key: string): string => {
      const dir = freshStore('mirror-signed');
      assert.is(run(['channel', 'create', 'm'], dir).status, 0);
      const r = run(['mirror', 'add', 'up', server.url, '--channel', 'm', '--key', keys.file(key)], dir);
      assert.is(r.status, 0, r.stderr);
      return dir;
    };
    const refusedWith = (dir: string, pattern: RegExp): void => {
      const r = run(['mirror', 'sync', 'up'], dir);
      assert.is(r.status, 1, r.stderr);
      assert.match(r.stderr, pattern);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.is(run(['ls'], dir).stdout.trim(), '', 'nothing stored');
    };
    refusedWith(fresh('upstream'), /repomd\.xml\.asc: HTTP 404/);
    keys.sign('upstream', repomd);
    const good = fresh('upstream');
    const r = run(['mirror', 'sync', 'up', '--json'], good);
    assert.is(r.status, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).downloaded, 3);
    refusedWith(fresh('stranger'), /repomd\.xml: the signature .*repomd\.xml\.asc does not verify with the mirror's key/);
    writeFileSync(repomd, readFileSync(repomd, 'utf8').replace('<revision>', '<revision>1'));
    refusedWith(fresh('upstream'), /does not verify with the mirror's key/);
    assert.ok(!server.rpmRequests().some((p, i, all) => all.indexOf(p) !== i), 'each .rpm fetched by the one good sync only');
  } finally {
    await server.stop();
  }
});

testWith(t, 'a channel that requires signatures: a sync of unsigned packages is refused and the channel unchanged; signed by a trusted key, it is published', ['createrepo_c', 'python3', ...SIGNING_TOOLS], async () => {
  const kit = signingKit();
  try {
    const root = tempDir('mirror-reqsig');
    const plain = binaryRpms().slice(0, 2);
    const up = join(root, 'up');
    makeRepo(up, plain);
    const server = await pythonUpstream(up);
    try {
      const dir = freshStore('mirror-reqsig');
      assert.is(run(['key', 'import', kit.rsa.file], dir).status, 0);
      assert.is(run(['channel', 'create', 'm', '--require-signature'], dir).status, 0);
      assert.is(run(['mirror', 'add', 'up', server.url, '--channel', 'm'], dir).status, 0);
      const bad = run(['mirror', 'sync', 'up'], dir);
      assert.is(bad.status, 2, bad.stderr);
      assert.match(bad.stderr, /unsigned|not signed|signature/i);
      assert.is(run(['channel', 'ls', 'm'], dir).stdout.trim(), '', 'the channel is unchanged');
      // the upstream re-signs its packages with the trusted key
      const signed = join(root, 'signed');
      mkdirSync(signed);
      for (const f of plain) kit.sign(f, kit.rsa, join(signed, f.split('/').pop() as string));
      for (const f of plain) copyFileSync(join(signed, f.split('/').pop() as string), join(up, f.split('/').pop() as string));
      makeRepo(up, []); // a full run: --update keys on mtime, and the copies share the second
      const ok = run(['mirror', 'sync', 'up', '--json'], dir);
      assert.is(ok.status, 0, ok.stderr);
      assert.is(JSON.parse(ok.stdout).added.length, 2);
    } finally {
      await server.stop();
    }
  } finally {
    kit.close();
  }
});

t.run();
