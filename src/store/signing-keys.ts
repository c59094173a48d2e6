/**
 * Repository signing keys: `<store>/keys/signing/<name>.asc`, the armored secret key (mode
 * 0600; no route of the server reads this directory), and
 * `<name>.pub.asc` beside it, its public key. The store keeps them as text; making and
 * reading keys is OpenPGP's (pgp/, through the library). Written under the store lock as
 * temp files, fsynced and renamed, the public half first: the secret file is the key's
 * existence, so a crash between the two leaves no key, only a public file the next
 * `generate` of that name replaces.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { createFile, makeDir, removeFile, renameFile } from '../fs/index.js';
import { tmpPath } from './layout.js';
import { withLock } from './lock.js';

export interface StoredSigningKey { name: string; secretArmored: string; publicArmored: string }

/** Letters, digits, `.`, `_`, `-`; starting with a letter or digit; not ending in `.pub` (the public files' suffix). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function signingKeysDir(root: string): string { return join(root, 'keys', 'signing'); }
const secretPath = (root: string, name: string): string => join(signingKeysDir(root), `${name}.asc`);
const publicPath = (root: string, name: string): string => join(signingKeysDir(root), `${name}.pub.asc`);

export function checkSigningKeyName(name: string): string {
  if (NAME.test(name) && !name.endsWith('.pub') && !name.includes('..')) return name;
  throw new BazaarError('ERR_KEY', `'${name}' is not a signing key name: use up to 64 letters, digits, '.', '_', '-', starting with a letter or digit (e.g. repo-2026)`, { data: { key: name } });
}

function readText(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw new BazaarError('ERR_STORE_DAMAGED', `cannot read ${path}: ${(err as Error).message}`, { cause: err, data: { file: path } });
  }
}

/** Stores a new key; ERR_KEY when one of that name exists (a key is never replaced: clients trust it). */
export async function writeSigningKey(root: string, key: StoredSigningKey): Promise<void> {
  checkSigningKeyName(key.name);
  await withLock(root, async () => {
    if (readText(secretPath(root, key.name)) !== null) {
      throw new BazaarError('ERR_KEY', `a signing key named ${key.name} exists; choose another name (clients that trust it would refuse a new one under the same name)`, { data: { key: key.name } });
    }
    makeDir(signingKeysDir(root));
    const pub = tmpPath(root);
    const secret = tmpPath(root);
    try {
      createFile(pub, key.publicArmored, { sync: true, mode: 0o644 });
      createFile(secret, key.secretArmored, { sync: true, mode: 0o600 });
      renameFile(pub, publicPath(root, key.name));
      renameFile(secret, secretPath(root, key.name));
    } finally {
      removeFile(pub);
      removeFile(secret);
    }
  });
}

/** The key named `name`, or ERR_KEY (reason no-signing-key). */
export function readSigningKey(root: string, name: string): StoredSigningKey {
  checkSigningKeyName(name);
  const secretArmored = readText(secretPath(root, name));
  if (secretArmored === null) throw new BazaarError('ERR_KEY', `the store has no signing key named ${name}`, { data: { key: name }, reason: 'no-signing-key' });
  const publicArmored = readText(publicPath(root, name));
  if (publicArmored === null) throw new BazaarError('ERR_STORE_DAMAGED', `the signing key ${name} has lost its public half (${publicPath(root, name)})`, { data: { key: name } });
  return { name, secretArmored, publicArmored };
}

/** The names of the stored signing keys, sorted. */
export function signingKeyNames(root: string): string[] {
  let names: string[];
  try { names = readdirSync(signingKeysDir(root)); } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
  return names.filter((n) => n.endsWith('.asc') && !n.endsWith('.pub.asc')).map((n) => n.slice(0, -'.asc'.length))
    .filter((n) => NAME.test(n) && !n.endsWith('.pub')).sort();
}
