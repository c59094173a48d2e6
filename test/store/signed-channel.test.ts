/**
 * The keyring and channels that require signatures: `bazaar key import|ls|rm` keep the
 * trusted keys in <store>/keys/trusted/ (fsck clean); a channel created with
 * --require-signature refuses, on `add --channel`, on `channel add` and on POST
 * /v1/packages, an unsigned package, one signed by a key not trusted and one whose
 * signature does not verify: exit 2 (HTTP 422) with one line naming the package and the
 * key, and the store exactly as it was; it takes packages signed by a trusted RSA or
 * EdDSA key; `channel set --require-signature off|on` lifts and restores the rule.
 * `show --json` reports each variant's signer and whether it verifies.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaarFast } from '../helpers/cli-fast.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { appFor, cli } from '../helpers/server.js';
import { SIGNING_TOOLS, flipped, signingKit, unsignedPackages } from '../helpers/signing.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { testWith } from '../helpers/tools.js';

const t = suite('signed channels and the keyring');

testWith(t, 'key import|ls|rm; a channel requiring signatures on add, channel add and POST /v1/packages; channel set; show --json', SIGNING_TOOLS, async () => {
  const kit = signingKit();
  try {
    const dir = tempDir('signed-channel');
    const [alpha, beta, gamma] = unsignedPackages(['alpha', 'beta', 'gamma']) as [string, string, string];
    const rsaAlpha = kit.sign(alpha, kit.rsa, join(dir, 'alpha-rsa.rpm'));
    const edBeta = kit.sign(beta, kit.ed, join(dir, 'beta-ed.rpm'));
    const strangerBeta = kit.sign(beta, kit.stranger, join(dir, 'beta-stranger.rpm'));
    const brokenGamma = flipped(kit.sign(gamma, kit.rsa, join(dir, 'gamma-rsa.rpm')), 'signature', join(dir, 'gamma-broken.rpm'));
    const store = freshStore('signed-channel');
    const run = (...args: string[]): ReturnType<typeof bazaarFast> => bazaarFast([...args, '--store', store]);

    // the keyring
    assert.match(run('key', 'import', kit.rsa.file).stdout, `imported ${kit.rsa.keyId} rsa-signer <rsa-signer@bazaar.test>`);
    assert.match(run('key', 'import', kit.ed.file).stdout, `imported ${kit.ed.keyId}`);
    assert.match(run('key', 'import', kit.ed.file).stdout, `updated ${kit.ed.keyId}`, 'importing again replaces, nothing doubles');
    const ls = JSON.parse(run('key', 'ls', '--json').stdout) as Array<Record<string, unknown>>;
    assert.equal(ls.map((k) => [k.id, k.userIds, (k.algorithm as string).split(' ')[0]]).sort(),
      [[kit.rsa.keyId, ['rsa-signer <rsa-signer@bazaar.test>'], 'RSA'], [kit.ed.keyId, ['ed-signer <ed-signer@bazaar.test>'], 'EdDSA']].sort());
    assert.ok(ls.every((k) => typeof k.fingerprint === 'string' && (k.fingerprint as string).endsWith(k.id as string) && !Number.isNaN(Date.parse(k.created as string))));
    assert.equal(readdirSync(join(store, 'keys/trusted')).sort(), [`${kit.ed.keyId}.asc`, `${kit.rsa.keyId}.asc`].sort());
    assert.is(statSync(join(store, 'keys/trusted', `${kit.rsa.keyId}.asc`)).mode & 0o777, 0o644);
    assert.is(run('key', 'import', alpha).status, 2, 'an .rpm is not a key');
    assert.is(run('key', 'rm', 'deadbeefdeadbeef').status, 2);
    assert.is(run('fsck').status, 0, 'fsck: the key files are not stray');

    assert.is(run('channel', 'create', 'signed', '--require-signature').status, 0);
    const refused = (args: string[], why: RegExp): void => {
      const before = storeSnapshot(store);
      const r = run(...args);
      assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.equal(storeSnapshot(store), before, 'the store unchanged');
    };
    refused(['add', '--channel', 'signed', alpha], /channel signed takes only packages signed by a trusted key: alpha-1\.0-1\.noarch is not signed/);
    refused(['add', '--channel', 'signed', strangerBeta], new RegExp(`beta-1\\.0-1\\.noarch is signed by key ${kit.stranger.keyId}, which is not a trusted key`));
    refused(['add', '--channel', 'signed', brokenGamma], new RegExp(`gamma-1\\.0-1\\.noarch fails rpm's checks \\(digests SIGNATURES NOT OK: Header V4 RSA/SHA\\d+ Signature, key ID ${kit.rsa.keyId.slice(8)}: BAD\\)`));
    refused(['add', '--channel', 'signed', rsaAlpha, gamma], /gamma-1\.0-1\.noarch is not signed/); // all or nothing

    assert.is(run('add', '--channel', 'signed', rsaAlpha, edBeta).status, 0, 'RSA and EdDSA signatures by trusted keys');
    assert.match(run('channel', 'ls', 'signed').stdout, /alpha-1\.0-1\.noarch[\s\S]*beta-1\.0-1\.noarch/);

    // stored builds: channel add judges the .rpm the channel would serve
    assert.is(run('add', gamma).status, 0);
    refused(['channel', 'add', 'signed', 'gamma'], /gamma-1\.0-1\.noarch is not signed/);
    // a stranger-signed variant of beta: the store takes it, the signed channel keeps its record
    assert.is(run('add', strangerBeta).status, 0);
    refused(['channel', 'add', 'signed', 'beta'], new RegExp(`signed by key ${kit.stranger.keyId}`));

    // POST /v1/packages
    const token = cli(['token', 'create', '--scope', 'publish:signed'], store).trim();
    const { app } = await appFor(store);
    const post = async (file: string): Promise<Response> => app.request('/v1/packages?channel=signed', { method: 'POST', body: readFileSync(file), headers: { Authorization: `Bearer ${token}` } });
    const before = storeSnapshot(store);
    const r1 = await post(kit.sign(gamma, kit.stranger, join(dir, 'gamma-stranger.rpm')));
    assert.is(r1.status, 422);
    const body = await r1.json() as { error: { code: string; message: string } };
    assert.is(body.error.code, 'ERR_SIGNATURE');
    assert.match(body.error.message, new RegExp(`gamma-1\\.0-1\\.noarch is signed by key ${kit.stranger.keyId}, which is not a trusted key$`), 'no CLI hint over HTTP');
    assert.is((await post(gamma)).status, 422);
    assert.equal(storeSnapshot(store), before, 'refused uploads change nothing');
    const r2 = await post(kit.sign(gamma, kit.ed, join(dir, 'gamma-ed.rpm')));
    assert.is(r2.status, 201, await r2.clone().text());
    assert.match(run('channel', 'ls', 'signed').stdout, 'gamma-1.0-1.noarch');

    // over HTTP: create a channel that requires signatures, lift and restore the rule (admin)
    const admin = cli(['token', 'create', '--scope', 'admin'], store).trim();
    const json = async (method: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const r = await app.request(path, { method, body: JSON.stringify(body), headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' } });
      return { status: r.status, body: await r.json() as Record<string, unknown> };
    };
    const made = await json('POST', '/v1/channels', { name: 'web-signed', requireSignature: true });
    assert.equal([made.status, made.body.settings], [201, { order: 'rpm', requireSignature: true }]);
    assert.equal((await json('PATCH', '/v1/channels/web-signed', { requireSignature: false })).body.settings, { order: 'rpm' });
    assert.is((await json('PATCH', '/v1/channels/web-signed', { requireSignature: 'yes' })).status, 400);
    assert.is((await json('PATCH', '/v1/channels/nowhere', { requireSignature: true })).status, 404);

    // the rule lifted and restored
    assert.match(run('channel', 'set', 'signed', '--require-signature', 'off').stdout, 'signed: signatures not required');
    assert.is(run('channel', 'create', 'plain').status, 0);
    assert.is((JSON.parse(run('channel', 'ls', '--json').stdout) as Array<{ name: string; settings: { requireSignature?: boolean } }>).find((c) => c.name === 'signed')?.settings.requireSignature, undefined);
    const [delta] = unsignedPackages(['delta']) as [string];
    assert.is(run('add', '--channel', 'signed', delta).status, 0, 'unsigned accepted once the rule is off');
    assert.is(run('channel', 'set', 'signed', '--require-signature', 'on').status, 0);
    const [epsilon] = unsignedPackages(['epsilon']) as [string];
    refused(['add', '--channel', 'signed', epsilon], /epsilon-1\.0-1\.noarch is not signed/);
    assert.is(run('channel', 'set', 'signed', '--require-signature', 'maybe').status, 2);
    assert.is(run('add', '--channel', 'plain', epsilon).status, 0, 'a channel without the rule takes anything');

    refused(['channel', 'publish', 'signed', 'alpha', 'epsilon'], /epsilon-1\.0-1\.noarch is not signed/); // publish goes through the rule too

    // removing the key: the same package is now refused
    assert.match(run('key', 'rm', kit.ed.keyId.slice(-8)).stdout, `removed ${kit.ed.keyId}`);
    refused(['channel', 'add', 'signed', 'beta'], new RegExp(`signed by key ${kit.stranger.keyId}`));

    // show --json: each variant's signers, judged with the keyring (ed no longer trusted)
    const shown = JSON.parse(run('show', 'beta', '--json').stdout) as { variants: Array<{ rpm: string; signers: Array<{ keyId: string; status: string; verified: boolean }>; verdict: string }> };
    assert.equal(shown.variants.map((v) => v.signers.map((s) => [s.keyId, s.status, s.verified])), [[[kit.ed.keyId, 'NOKEY', false]], [[kit.stranger.keyId, 'NOKEY', false]]]);
    const alphaShown = JSON.parse(run('show', 'alpha', '--json').stdout) as typeof shown;
    assert.equal(alphaShown.variants.map((v) => [v.signers.map((s) => [s.keyId, s.verified]), v.verdict]), [[[[kit.rsa.keyId, true]], 'digests signatures OK']]);
    assert.is(run('verify', 'alpha').stdout, 'alpha-1.0-1.noarch: digests signatures OK\n', 'verify PKG: a stored package');
    assert.is(run('fsck').status, 0);
  } finally {
    kit.close();
  }
});

t.run();
