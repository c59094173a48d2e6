/**
 * `bazaar verify` agrees with `rpmkeys --checksig` (the oracle, over an rpm database
 * holding the same trusted keys): on packages signed in the test by rpmsign with RSA,
 * EdDSA and DSA keys made by gpg (good, signed by a key nobody trusts, unsigned, one bit flipped
 * in the header, in the payload, in the signature), in the one-line verdict byte for byte,
 * in every -v line, and in the exit code; and on every package of the corpus.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Store } from '../../src/store/store.js';
import { verifyPackages } from '../../src/library/index.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { filesUnder } from '../helpers/rpm-files.js';
import { SIGNING_TOOLS, flipped, signingKit, unsignedPackages } from '../helpers/signing.js';
import type { SigningKit } from '../helpers/signing.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('bazaar verify = rpmkeys --checksig');

/** rpmkeys' stdout for `files`, and ours built the same way (an unreadable package: rpm prints `FILE:` and no verdict). */
function oracle(kit: SigningKit | null, files: string[], verbose: boolean, emptyDb?: string): string {
  const args = [verbose ? '-Kv' : '-K', ...files];
  if (kit) return kit.rpmkeys(args, true).stdout;
  return spawnSync('rpmkeys', ['--dbpath', emptyDb as string, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
}

function ours(results: Awaited<ReturnType<typeof verifyPackages>>, verbose: boolean): string {
  return results.map((r) => {
    if (r.error) return `${r.target}:${verbose ? '\n' : ''}`;
    if (!verbose) return `${r.target}: ${r.verdict}\n`;
    return `${r.target}:\n${r.items.map((i) => `    ${i.description}: ${i.status}${i.message ? ` (${i.message})` : ''}\n`).join('')}`;
  }).join('');
}

testWith(t, 'signed in the test (RSA, EdDSA, DSA): good, untrusted key, unsigned, a bit flipped in header, payload, signature: the verdicts, -v lines and exit codes of rpmkeys', SIGNING_TOOLS, async () => {
  const kit = signingKit();
  try {
    const dir = tempDir('checksig');
    const [base] = unsignedPackages(['sigtest']) as [string];
    const files: string[] = [];
    for (const [name, key] of [['rsa', kit.rsa], ['ed', kit.ed], ['dsa', kit.dsa]] as const) {
      const good = kit.sign(base, key, join(dir, `${name}-good.rpm`));
      files.push(good, flipped(good, 'header', join(dir, `${name}-header.rpm`)), flipped(good, 'payload', join(dir, `${name}-payload.rpm`)),
        flipped(good, 'signature', join(dir, `${name}-signature.rpm`)));
    }
    files.push(kit.sign(base, kit.stranger, join(dir, 'stranger.rpm')), base);
    const store = freshStore('checksig');
    bazaarFast(['key', 'import', kit.rsa.file, '--store', store]);
    bazaarFast(['key', 'import', kit.ed.file, '--store', store]);
    bazaarFast(['key', 'import', kit.dsa.file, '--store', store]);
    const results = await verifyPackages(await Store.open(store), { files });
    assert.is(ours(results, false), oracle(kit, files, false), 'the one-line verdicts, byte for byte');
    assert.is(ours(results, true), oracle(kit, files, true), 'every -v line');
    // the cases are what they claim to be (the oracle could agree on nonsense)
    const verdict = (suffix: string): string | undefined => results.find((r) => r.target.endsWith(suffix))?.verdict;
    assert.is(verdict('rsa-good.rpm'), 'digests signatures OK');
    assert.is(verdict('ed-good.rpm'), 'digests signatures OK');
    assert.is(verdict('dsa-good.rpm'), 'digests signatures OK');
    assert.is(verdict('dsa-signature.rpm'), 'digests SIGNATURES NOT OK');
    assert.is(verdict('stranger.rpm'), 'digests SIGNATURES NOT OK');
    assert.is(verdict('sigtest-1.0-1.noarch.rpm'), 'digests OK');
    assert.is(verdict('rsa-header.rpm'), 'DIGESTS SIGNATURES NOT OK');
    assert.is(verdict('ed-payload.rpm'), 'DIGESTS SIGNATURES NOT OK');
    assert.is(verdict('ed-signature.rpm'), 'digests SIGNATURES NOT OK');
    // the command: rpmkeys' lines, exit 1 when any fails, 0 when all pass
    for (const f of files) {
      const r = bazaarFast(['verify', f, '--store', store]);
      const rk = kit.rpmkeys(['-K', f]);
      assert.is(r.stdout, rk.stdout, f);
      assert.is(r.status, rk.status === 0 ? 0 : 1, `${f}: exit code`);
    }
    // --keyring adds a key for one run; the store's keyring is unchanged
    const stranger = files.find((f) => f.endsWith('stranger.rpm')) as string;
    assert.is(bazaarFast(['verify', stranger, '--keyring', kit.stranger.file, '--store', store]).stdout, `${stranger}: digests signatures OK\n`);
    assert.is(bazaarFast(['verify', stranger, '--store', store]).status, 1);
  } finally {
    kit.close();
  }
});

testWith(t, 'every corpus package: the verdicts and -v lines of rpmkeys with no trusted key', ['rpmkeys', 'corpus'], async () => {
  const files = [...filesUnder(join(corpusDir, 'rpms')), ...filesUnder(join(corpusDir, 'rpms-bad'))].filter((f) => f.endsWith('.rpm')).sort();
  assert.ok(files.length > 100, 'the corpus has its packages');
  const emptyDb = tempDir('rpmdb-empty');
  const results = await verifyPackages(await Store.open(freshStore('checksig-corpus')), { files });
  assert.is(ours(results, false), oracle(null, files, false, emptyDb));
  assert.is(ours(results, true), oracle(null, files, true, emptyDb));
  assert.ok(results.some((r) => r.items.some((i) => /^Header V3 RSA/.test(i.description))), 'v3 signatures are among them');
  assert.ok(results.some((r) => r.items.some((i) => /EdDSA/.test(i.description))), 'EdDSA signatures are among them');
});

testWith(t, 'hostile input: truncated at every part, empty, a directory, a device; key files that are not keys: one line each, exit 1 or 2, no key stored', ['rpmbuild', 'rpmkeys'], async () => {
  const dir = tempDir('checksig-hostile');
  const [base] = unsignedPackages(['hostile']) as [string];
  const bytes = readFileSync(base);
  const emptyDb = tempDir('rpmdb-empty');
  const cuts = [0, 50, 96, 120, 400, 1000, 2000, bytes.length - 100, bytes.length - 1];
  const files = cuts.map((n) => { const f = join(dir, `cut-${n}.rpm`); writeFileSync(f, bytes.subarray(0, n)); return f; });
  const store = freshStore('checksig-hostile');
  const results = await verifyPackages(await Store.open(store), { files });
  assert.is(ours(results, false), oracle(null, files, false, emptyDb), 'what rpmkeys says of each truncation');
  assert.ok(results.every((r) => !r.ok), 'every cut is NOT OK');
  for (const args of [[dir], ['/dev/zero'], files.slice(0, 2)]) {
    const r = bazaarFast(['verify', ...args, '--store', store]);
    assert.is(r.status, 1, args.join(' '));
    assert.is(r.stdout, args.map((a) => `${a}: NOT OK\n`).join(''));
    assert.is(r.stderr.trim().split('\n').length, args.length, 'one line each on stderr');
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const sparse = join(dir, 'huge.asc');
  writeFileSync(sparse, ''); truncateSync(sparse, 17 * 1024 * 1024);
  const garbage = join(dir, 'garbage.asc');
  writeFileSync(garbage, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----\n');
  for (const f of [dir, '/dev/zero', sparse, garbage, base, join(dir, 'absent.asc')]) {
    const r = bazaarFast(['key', 'import', f, '--store', store]);
    assert.is(r.status, 2, f);
    assert.is(r.stderr.trim().split('\n').length, 1, `${f}: one line: ${r.stderr}`);
    assert.not.match(r.stderr, /\n\s+at /);
  }
  assert.is(bazaarFast(['key', 'ls', '--store', store]).stdout, '', 'no key stored');
});

t.run();
