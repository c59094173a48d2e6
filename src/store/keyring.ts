/**
 * The trusted package keys: `<store>/keys/trusted/<keyid>.asc`, one armored public key a
 * document (store-documents.ts: a file written under the store lock as a temp file,
 * fsynced and renamed; a row of an attached store). `bazaar verify` and channels that require signatures trust exactly these keys.
 * Public keys are not secret: the files are mode 0644.
 */
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { keyMatches, readPublicKeys } from '../pgp/index.js';
import type { PgpKey } from '../pgp/index.js';
import { documentsOf, updateDocuments } from './store-documents.js';
import type { DocumentView } from './store-documents.js';

export function trustedKeysDir(root: string): string { return join(root, 'keys', 'trusted'); }
const TRUSTED = trustedKeysDir('');
const keyPath = (keyId: string): string => `${TRUSTED}/${keyId}.asc`;

const KEY_FILE = /^[0-9a-f]{16}\.asc$/;

/** Every trusted key of `view`, in key id order; a document that is not a public key is damage, named. */
async function keyringOf(view: DocumentView): Promise<PgpKey[]> {
  const keys: PgpKey[] = [];
  for (const name of view.list(TRUSTED).filter((n) => KEY_FILE.test(n))) {
    const path = `${TRUSTED}/${name}`;
    const file = view.name(path);
    const bytes = view.read(path);
    if (bytes === null) continue;
    try {
      keys.push(...await readPublicKeys(bytes, file));
    } catch (err) {
      throw new BazaarError('ERR_STORE_DAMAGED', `${file} is not a readable public key (${(err as Error).message}); remove it and import the key again`, { cause: err, data: { file } });
    }
  }
  return keys;
}

/** Every trusted key, in key id order; a file that is not a public key is damage, named. */
export async function readKeyring(root: string): Promise<PgpKey[]> { return keyringOf(documentsOf(root)); }

/**
 * Adds the public keys in `data` (armored or binary; one or several) to the keyring.
 * A key already there is replaced by the one given (a key re-exported with new user ids
 * or subkeys); `added` says which were new.
 */
export async function importKeys(root: string, data: Buffer, source: string): Promise<Array<{ key: PgpKey; added: boolean }>> {
  const keys = await readPublicKeys(data, source);
  return updateDocuments(root, async (view) => {
    const have = new Set((await keyringOf(view)).map((k) => k.keyId));
    return {
      changes: keys.map((key) => ({ path: keyPath(key.keyId), bytes: Buffer.from(key.armored), mode: 0o644 })),
      result: keys.map((key) => ({ key, added: !have.has(key.keyId) })),
    };
  });
}

/** Removes the key `id` names (its key id, fingerprint, or a tail of 8+ hex digits of either). */
export async function removeKey(root: string, id: string): Promise<PgpKey> {
  return updateDocuments(root, async (view) => {
    const matches = (await keyringOf(view)).filter((k) => keyMatches(k, id));
    if (matches.length === 0) throw new BazaarError('ERR_KEY', `no trusted key ${id}`, { data: { key: id }, reason: 'no-key' });
    if (matches.length > 1) throw new BazaarError('ERR_KEY', `${id} names ${matches.length} trusted keys (${matches.map((k) => k.keyId).join(', ')}); give more of the key id`, { data: { key: id } });
    return { changes: [{ path: keyPath(matches[0].keyId), bytes: null }], result: matches[0] };
  });
}
