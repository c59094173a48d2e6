/**
 * Repository signing keys (docs/repo-signing.md): `generateSigningKey` makes the store's key
 * that signs every served channel's repomd.xml, `exportSigningKey` gives its public key
 * (what a client's `gpgkey=` names). Which key signs is the server's choice
 * (server/repo-signer.ts).
 *
 * @example
 *   await generateSigningKey(store, { name: 'repo-2026' });
 *   process.stdout.write(await exportSigningKey(store, { name: 'repo-2026' }));
 */
import { BazaarError } from '../errors.js';
import { generateSigningKey as makeKey, SIGNING_ALGORITHMS } from '../pgp/index.js';
import type { SigningAlgorithm, SigningKeyInfo } from '../pgp/index.js';
import { checkSigningKeyName, readSigningKey, signingKeyNames, writeSigningKey } from '../store/index.js';
import type { Store } from '../store/index.js';
import { checkChoice, checkOptions } from './check-options.js';
import { checkStore } from './store-arg.js';

/** What is shown of a signing key: never its secret half. */
export interface SigningKeySummary { name: string; keyId: string; fingerprint: string; created: string; algorithm: string; userIds: string[] }

const summary = (name: string, info: SigningKeyInfo): SigningKeySummary => ({
  name, keyId: info.keyId, fingerprint: info.fingerprint, created: info.created.toISOString(), algorithm: info.algorithm, userIds: info.userIds,
});

/**
 * Makes the signing key `name` (Ed25519 unless `algorithm: 'rsa4096'`) and stores it; the
 * newest key signs the served repositories unless the server is told another.
 */
export async function generateSigningKey(store: Store, options: { name: string; algorithm?: SigningAlgorithm; userId?: string }): Promise<SigningKeySummary> {
  const s = checkStore('generateSigningKey', store);
  const o = checkOptions<typeof options>('generateSigningKey', options, { name: 'string', algorithm: 'string?', userId: 'string?' });
  checkSigningKeyName(o.name);
  checkChoice('generateSigningKey', 'algorithm', o.algorithm, SIGNING_ALGORITHMS);
  if (signingKeyNames(s.dir).includes(o.name)) throw new BazaarError('ERR_KEY', `a signing key named ${o.name} exists; choose another name (clients that trust it would refuse a new one under the same name)`, { data: { key: o.name } });
  const key = await makeKey({ userId: o.userId ?? `${o.name} (bazaar repository signing key)`, ...(o.algorithm ? { algorithm: o.algorithm } : {}) });
  await writeSigningKey(s.dir, { name: o.name, secretArmored: key.secretArmored, publicArmored: key.publicArmored });
  return summary(o.name, key);
}

/** The armored public key of signing key `name` (ERR_KEY, reason no-signing-key, when there is none). */
export async function exportSigningKey(store: Store, options: { name: string }): Promise<string> {
  const s = checkStore('exportSigningKey', store);
  const o = checkOptions<typeof options>('exportSigningKey', options, { name: 'string' });
  return readSigningKey(s.dir, o.name).publicArmored;
}
