/**
 * Repository signing keys: `<store>/keys/signing/<name>.asc`, the armored secret key (mode
 * 0600; no route of the server reads this directory), and
 * `<name>.pub.asc` beside it, its public key. The store keeps them as text; making and
 * reading keys is OpenPGP's (pgp/, through the library). Documents of the store
 * (store-documents.ts): files written under the store lock as temp files, fsynced and
 * renamed, the public half first; rows of an attached store, both in one transaction: the secret file is the key's
 * existence, so a crash between the two leaves no key, only a public file the next
 * `generate` of that name replaces.
 */
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { documentsOf, updateDocuments } from './store-documents.js';
import type { DocumentView } from './store-documents.js';

export interface StoredSigningKey { name: string; secretArmored: string; publicArmored: string }

/** Letters, digits, `.`, `_`, `-`; starting with a letter or digit; not ending in `.pub` (the public files' suffix). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function signingKeysDir(root: string): string { return join(root, 'keys', 'signing'); }
const SIGNING = signingKeysDir('');
const secretPath = (name: string): string => `${SIGNING}/${name}.asc`;
const publicPath = (name: string): string => `${SIGNING}/${name}.pub.asc`;
const text = (view: DocumentView, path: string): string | null => view.read(path)?.toString('utf8') ?? null;

export function checkSigningKeyName(name: string): string {
  if (NAME.test(name) && !name.endsWith('.pub') && !name.includes('..')) return name;
  throw new BazaarError('ERR_KEY', `'${name}' is not a signing key name: use up to 64 letters, digits, '.', '_', '-', starting with a letter or digit (e.g. repo-2026)`, { data: { key: name } });
}

/** Stores a new key; ERR_KEY when one of that name exists (a key is never replaced: clients trust it). */
export async function writeSigningKey(root: string, key: StoredSigningKey): Promise<void> {
  checkSigningKeyName(key.name);
  await updateDocuments(root, async (view) => {
    if (view.read(secretPath(key.name)) !== null) {
      throw new BazaarError('ERR_KEY', `a signing key named ${key.name} exists; choose another name (clients that trust it would refuse a new one under the same name)`, { data: { key: key.name } });
    }
    return {
      changes: [
        { path: publicPath(key.name), bytes: Buffer.from(key.publicArmored), mode: 0o644 },
        { path: secretPath(key.name), bytes: Buffer.from(key.secretArmored), mode: 0o600 },
      ],
      result: undefined,
    };
  });
}

/** The key named `name`, or ERR_KEY (reason no-signing-key). */
export function readSigningKey(root: string, name: string): StoredSigningKey {
  checkSigningKeyName(name);
  const view = documentsOf(root);
  const secretArmored = text(view, secretPath(name));
  if (secretArmored === null) throw new BazaarError('ERR_KEY', `the store has no signing key named ${name}`, { data: { key: name }, reason: 'no-signing-key' });
  const publicArmored = text(view, publicPath(name));
  if (publicArmored === null) throw new BazaarError('ERR_STORE_DAMAGED', `the signing key ${name} has lost its public half (${view.name(publicPath(name))})`, { data: { key: name } });
  return { name, secretArmored, publicArmored };
}

/** Where a key's secret half is, as its reader would look: a file of a local store, a row of an attached one. */
export function signingKeyLocation(root: string, name: string): string {
  return documentsOf(root).name(secretPath(checkSigningKeyName(name)));
}

/** The names of the stored signing keys, sorted. */
export function signingKeyNames(root: string): string[] {
  return documentsOf(root).list(SIGNING).filter((n) => n.endsWith('.asc') && !n.endsWith('.pub.asc')).map((n) => n.slice(0, -'.asc'.length))
    .filter((n) => NAME.test(n) && !n.endsWith('.pub')).sort();
}
