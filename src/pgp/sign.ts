/**
 * Detached OpenPGP signatures over exact bytes (a repomd.xml), as `gpg --detach-sign
 * --armor` makes them: binary mode, so a verifier hashes the file as it was served.
 */
import type { PrivateKey } from 'openpgp';
import { BazaarError } from '../errors.js';
import { openpgpLib } from './openpgp-lib.js';

export interface SigningKeyInfo {
  /** The key id, 16 hex digits, lower case (as gpg --keyid-format long shows it). */
  keyId: string;
  /** The v4 fingerprint, 40 hex digits, lower case. */
  fingerprint: string;
  created: Date;
  algorithm: string;
  userIds: string[];
  /** The armored public key, what clients import. */
  publicArmored: string;
}

/** As `--algorithm` names them: ed25519, rsa4096; another key's as OpenPGP.js does. */
function algorithmName(algorithm: string, bits?: number, curve?: string): string {
  if (curve && /25519/.test(curve)) return 'ed25519';
  if (algorithm.startsWith('rsa') && bits) return `rsa${bits}`;
  return curve ? `${algorithm} ${curve}` : algorithm;
}

/** A parsed secret key, kept to sign many times without parsing it again. */
export interface SigningKey { info: SigningKeyInfo; key: PrivateKey }

/** Reads an armored, unprotected secret key; ERR_KEY when it is not one (`what` names the file). */
export async function loadSigningKey(armored: string, what = 'the signing key'): Promise<SigningKey> {
  let key: PrivateKey;
  try {
    key = await (await openpgpLib()).readPrivateKey({ armoredKey: armored });
  } catch (err) {
    throw new BazaarError('ERR_KEY', `${what} is not an armored OpenPGP secret key (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
  if (!key.isDecrypted()) throw new BazaarError('ERR_KEY', `${what} is protected by a passphrase; the server signs unattended, so a repository signing key has none`);
  const { algorithm, bits, curve } = key.getAlgorithmInfo();
  return {
    key,
    info: {
      keyId: key.getKeyID().toHex().toLowerCase(),
      fingerprint: key.getFingerprint().toLowerCase(),
      created: key.getCreationTime(),
      algorithm: algorithmName(algorithm, bits, curve),
      userIds: key.getUserIDs(),
      publicArmored: key.toPublic().armor(),
    },
  };
}

/** The ASCII-armored detached signature of `data` (repomd.xml.asc). */
export async function signDetached(data: Uint8Array, key: SigningKey): Promise<string> {
  const { createMessage, sign } = await openpgpLib();
  const message = await createMessage({ binary: data });
  return sign({ message, signingKeys: key.key, detached: true, format: 'armored' });
}
