/**
 * The trusted package keys: `<store>/keys/trusted/<keyid>.asc`, one armored public key a
 * file, written under the store lock as a temp file, fsynced and renamed (tokens.ts is the
 * model). `bazaar verify` and channels that require signatures trust exactly these keys.
 * Public keys are not secret: the files are mode 0644.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { createFile, fsyncPath, makeDir, removeFile, renameFile } from '../fs/index.js';
import { keyMatches, readPublicKeys } from '../pgp/index.js';
import type { PgpKey } from '../pgp/index.js';
import { tmpPath } from './layout.js';
import { withLock } from './lock.js';

export function trustedKeysDir(root: string): string { return join(root, 'keys', 'trusted'); }

const KEY_FILE = /^[0-9a-f]{16}\.asc$/;

/** Every trusted key, in key id order; a file that is not a public key is damage, named. */
export async function readKeyring(root: string): Promise<PgpKey[]> {
  const dir = trustedKeysDir(root);
  let names: string[];
  try { names = readdirSync(dir).filter((n) => KEY_FILE.test(n)).sort(); } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw new BazaarError('ERR_STORE_DAMAGED', `cannot read ${dir}: ${(err as Error).message}`, { cause: err, data: { dir } });
  }
  const keys: PgpKey[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      keys.push(...await readPublicKeys(readFileSync(file), file));
    } catch (err) {
      throw new BazaarError('ERR_STORE_DAMAGED', `${file} is not a readable public key (${(err as Error).message}); remove it and import the key again`, { cause: err, data: { file } });
    }
  }
  return keys;
}

/**
 * Adds the public keys in `data` (armored or binary; one or several) to the keyring.
 * A key already there is replaced by the one given (a key re-exported with new user ids
 * or subkeys); `added` says which were new.
 */
export async function importKeys(root: string, data: Buffer, source: string): Promise<Array<{ key: PgpKey; added: boolean }>> {
  const keys = await readPublicKeys(data, source);
  return withLock(root, async () => {
    const dir = trustedKeysDir(root);
    makeDir(dir);
    const have = new Set((await readKeyring(root)).map((k) => k.keyId));
    const out: Array<{ key: PgpKey; added: boolean }> = [];
    for (const key of keys) {
      const tmp = tmpPath(root);
      createFile(tmp, key.armored, { sync: true, mode: 0o644 });
      try { renameFile(tmp, join(dir, `${key.keyId}.asc`)); } catch (err) { removeFile(tmp); throw err; }
      out.push({ key, added: !have.has(key.keyId) });
    }
    fsyncPath(dir);
    return out;
  });
}

/** Removes the key `id` names (its key id, fingerprint, or a tail of 8+ hex digits of either). */
export async function removeKey(root: string, id: string): Promise<PgpKey> {
  return withLock(root, async () => {
    const matches = (await readKeyring(root)).filter((k) => keyMatches(k, id));
    if (matches.length === 0) throw new BazaarError('ERR_KEY', `no trusted key ${id}`, { data: { key: id }, reason: 'no-key' });
    if (matches.length > 1) throw new BazaarError('ERR_KEY', `${id} names ${matches.length} trusted keys (${matches.map((k) => k.keyId).join(', ')}); give more of the key id`, { data: { key: id } });
    const dir = trustedKeysDir(root);
    removeFile(join(dir, `${matches[0].keyId}.asc`));
    fsyncPath(dir);
    return matches[0];
  });
}
