/**
 * A repository signing key made with OpenPGP.js: a v4 OpenPGP key that only signs (no
 * encryption subkey), unprotected because the server signs unattended; the store keeps
 * its secret half mode 0600 (store/signing-keys.ts). Ed25519 by default (gpg 2.1+, rpm
 * 4.13+, dnf, zypper); RSA 4096 for clients whose gpg predates Ed25519.
 */
import { openpgpLib } from './openpgp-lib.js';
import { BazaarError } from '../errors.js';
import { loadSigningKey } from './sign.js';
import type { SigningKeyInfo } from './sign.js';

export const SIGNING_ALGORITHMS = ['ed25519', 'rsa4096'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface GeneratedKey extends SigningKeyInfo {
  /** The armored secret key (no passphrase): to be stored mode 0600 and never served. */
  secretArmored: string;
}

/** `Name <email>` or a plain name, as gpg's --quick-gen-key takes a user id. */
function userIdOf(text: string): { name?: string; email?: string } {
  if (text.trim() === '' || text.length > 200 || /[\x00-\x1f\x7f]/.test(text)) {
    throw new BazaarError('ERR_KEY', 'a user id is one line of at most 200 printable characters, such as "Repository Team <team@example.org>"');
  }
  const m = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(text.trim());
  return m ? { ...(m[1] ? { name: m[1] } : {}), email: m[2] } : { name: text.trim() };
}

export async function generateSigningKey(options: { userId: string; algorithm?: SigningAlgorithm }): Promise<GeneratedKey> {
  const algorithm = options.algorithm ?? 'ed25519';
  if (!SIGNING_ALGORITHMS.includes(algorithm)) throw new BazaarError('ERR_KEY', `'${String(algorithm)}' is not a signing key algorithm: use ${SIGNING_ALGORITHMS.join(' or ')}`);
  const kind = algorithm === 'ed25519' ? { type: 'ecc' as const, curve: 'curve25519Legacy' as const } : { type: 'rsa' as const, rsaBits: 4096 };
  const { privateKey } = await (await openpgpLib()).generateKey({ ...kind, userIDs: [userIdOf(options.userId)], subkeys: [], format: 'armored' });
  const info = await loadSigningKey(privateKey);
  return { ...info.info, secretArmored: privateKey };
}
