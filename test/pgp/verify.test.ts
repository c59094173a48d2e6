/**
 * src/pgp: public keys read (armored, binary, several in one file; secret keys and
 * garbage refused in one line), detached signatures checked (RSA and EdDSA made by gpg,
 * armored and binary, data whole or streamed): good, tampered data, a key not given, a
 * malformed signature; the key id is the 16-hex-digit id gpg prints.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { keyMatches, readPublicKeys, verifyDetached } from '../../src/pgp/index.js';
import { tempDir } from '../helpers/cli.js';
import { testWith } from '../helpers/tools.js';

const t = suite('pgp: keys and detached signatures');

async function* chunks(b: Buffer): AsyncGenerator<Buffer> { for (let i = 0; i < b.length; i += 3) yield b.subarray(i, i + 3); }

testWith(t, 'keys and signatures made by gpg: RSA and EdDSA, armored and binary; good, tampered, no key, malformed', ['gpg', 'gpgconf'], async () => {
  const dir = tempDir('pgp');
  const home = join(dir, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (args: string[], input?: Buffer): Buffer => {
    const r = spawnSync('gpg', ['--batch', '--passphrase', '', '--pinentry-mode', 'loopback', ...args], { env, input });
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.stderr.toString()}`);
    return r.stdout;
  };
  try {
    gpg(['--quick-gen-key', 'R <r@bazaar.test>', 'rsa2048', 'sign', 'never']);
    gpg(['--quick-gen-key', 'E <e@bazaar.test>', 'ed25519', 'sign', 'never']);
    const idOf = (email: string): string => (/^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):/m.exec(gpg(['--with-colons', '--list-keys', email]).toString())?.[1] ?? '').toLowerCase();
    const [rsaId, edId] = [idOf('r@bazaar.test'), idOf('e@bazaar.test')];
    const both = gpg(['--armor', '--export']);
    const keys = await readPublicKeys(both);
    assert.equal(keys.map((k) => k.keyId).sort(), [rsaId, edId].sort(), 'both keys of one armored file (two blocks), by gpg\'s key ids');
    assert.equal(keys.find((k) => k.keyId === rsaId)?.userIds, ['R <r@bazaar.test>']);
    assert.match(keys.find((k) => k.keyId === rsaId)?.algorithm ?? '', /^RSA 2048$/);
    assert.match(keys.find((k) => k.keyId === edId)?.algorithm ?? '', /^EdDSA ed25519$/);
    assert.ok(keys.every((k) => k.fingerprint.endsWith(k.keyId) && k.fingerprint.length === 40));
    assert.equal((await readPublicKeys(gpg(['--export', 'e@bazaar.test']))).map((k) => k.keyId), [edId], 'binary export');
    assert.ok(keyMatches(keys[0], keys[0].keyId.slice(-8).toUpperCase()) && !keyMatches(keys[0], keys[0].keyId.slice(0, 8)), 'a short id is the tail');

    const data = Buffer.from('the signed document\nline two\n');
    writeFileSync(join(dir, 'doc'), data);
    for (const [email, id] of [['r@bazaar.test', rsaId], ['e@bazaar.test', edId]] as const) {
      gpg(['-u', email, '--detach-sign', '-o', join(dir, `${id}.sig`), join(dir, 'doc')]);
      gpg(['-u', email, '--armor', '--detach-sign', '-o', join(dir, `${id}.asc`), join(dir, 'doc')]);
      const binary = readFileSync(join(dir, `${id}.sig`));
      const armored = readFileSync(join(dir, `${id}.asc`), 'utf8');
      for (const sig of [binary, armored]) {
        assert.equal(await verifyDetached(data, sig, keys).then((r) => [r.ok, r.keyId, r.status]), [true, id, 'ok'], `${email}: good`);
        assert.equal((await verifyDetached(chunks(data), sig, keys)).ok, true, `${email}: streamed in 3-byte chunks`);
        const tampered = Buffer.from(data); tampered[4] ^= 1;
        assert.equal(await verifyDetached(tampered, sig, keys).then((r) => [r.ok, r.status]), [false, 'bad'], `${email}: tampered data`);
        assert.equal(await verifyDetached(data, sig, keys.filter((k) => k.keyId !== id)).then((r) => [r.ok, r.status, r.keyId]), [false, 'nokey', id], `${email}: key not given`);
      }
      const broken = Buffer.from(binary); broken[broken.length - 2] ^= 1;
      assert.equal((await verifyDetached(data, broken, keys)).status, 'bad', `${email}: a bit flipped in the signature value`);
    }
    const garbage = await verifyDetached(data, Buffer.from('not a signature'), keys);
    assert.equal([garbage.ok, garbage.status, garbage.keyId], [false, 'invalid', null]);
    assert.match(garbage.reason ?? '', /^invalid OpenPGP signature/);

    const secret = gpg(['--armor', '--export-secret-keys', 'e@bazaar.test']);
    for (const [bad, why] of [[secret, /holds a secret key/], [Buffer.from('hello'), /is not an OpenPGP public key/]] as const) {
      try { await readPublicKeys(bad, 'k.asc'); assert.unreachable('refused'); } catch (err) {
        assert.instance(err, BazaarError);
        assert.is((err as BazaarError).code, 'ERR_KEY');
        assert.match((err as Error).message, why);
        assert.not.match((err as Error).message, /\n/, 'one line');
      }
    }
  } finally {
    spawnSync('gpgconf', ['--kill', 'all'], { env });
  }
});

t.run();
