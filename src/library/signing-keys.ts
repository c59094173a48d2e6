/**
 * Repository signing keys (docs/signing.md): `generateSigningKey` makes the store's key
 * that signs every served channel's repomd.xml, `exportSigningKey` gives its public key
 * (what a client's `gpgkey=` names), and `RepositorySigner` is the server's choice of the
 * key that signs: the one named (`bazaar serve --signing-key NAME`), else the newest.
 *
 * @example
 *   await generateSigningKey(store, { name: 'repo-2026' });
 *   process.stdout.write(await exportSigningKey(store, { name: 'repo-2026' }));
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { generateSigningKey as makeKey, loadSigningKey, signDetached, SIGNING_ALGORITHMS } from '../pgp/index.js';
import type { SigningAlgorithm, SigningKey, SigningKeyInfo } from '../pgp/index.js';
import { checkSigningKeyName, readSigningKey, signingKeyNames, signingKeysDir, writeSigningKey } from '../store/index.js';
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
  if (signingKeyNames(s.dir).includes(o.name)) throw new BazaarError('ERR_BAD_INPUT', `a signing key named ${o.name} exists; choose another name (clients that trust it would refuse a new one under the same name)`, { data: { key: o.name } });
  const key = await makeKey({ userId: o.userId ?? `${o.name} (bazaar repository signing key)`, ...(o.algorithm ? { algorithm: o.algorithm } : {}) });
  await writeSigningKey(s.dir, { name: o.name, secretArmored: key.secretArmored, publicArmored: key.publicArmored });
  return summary(o.name, key);
}

/** The armored public key of signing key `name` (ERR_NOT_FOUND when there is none). */
export async function exportSigningKey(store: Store, options: { name: string }): Promise<string> {
  const s = checkStore('exportSigningKey', store);
  const o = checkOptions<typeof options>('exportSigningKey', options, { name: 'string' });
  return readSigningKey(s.dir, o.name).publicArmored;
}

/** Every signing key of the store, oldest first. */
export async function listSigningKeys(store: Store): Promise<SigningKeySummary[]> {
  const s = checkStore('listSigningKeys', store);
  const keys = await Promise.all(signingKeyNames(s.dir).map(async (name) => summary(name, (await loadStored(s.dir, name)).info)));
  return keys.sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
}

async function loadStored(root: string, name: string): Promise<SigningKey> {
  return loadSigningKey(readSigningKey(root, name).secretArmored, `signing key ${name} (${join(signingKeysDir(root), `${name}.asc`)})`);
}

/** The key that signs now, as the server uses it. */
export interface ActiveSigningKey {
  name: string;
  /** 16 hex digits, lower case. */
  keyId: string;
  publicArmored: string;
  /** The armored detached signature of `data`. */
  sign(data: Uint8Array): Promise<string>;
}

const active = (name: string, key: SigningKey): ActiveSigningKey => ({
  name, keyId: key.info.keyId, publicArmored: key.info.publicArmored, sign: (data) => signDetached(data, key),
});

/**
 * The server's signing key, looked up again whenever the keys directory changes (a key
 * generated while the server runs signs from the next generation on): the one named, or
 * else the newest by creation time (rotation: generate a new key, hand clients both
 * public keys, and it signs from then on). Null when the store has no signing key.
 */
export class RepositorySigner {
  private seen: string | null = null;
  private active: Promise<ActiveSigningKey | null> | null = null;

  constructor(private readonly root: string, private readonly name?: string) {
    if (name !== undefined) checkSigningKeyName(name);
  }

  /** ERR_NOT_FOUND when a named key is not in the store. */
  async current(): Promise<ActiveSigningKey | null> {
    // The directory's mtime and the named key's file: renames into it (a new key) change them.
    const st = statSync(signingKeysDir(this.root), { throwIfNoEntry: false });
    const stamp = st ? `${st.ino}:${st.mtimeMs}` : 'none';
    if (this.active === null || stamp !== this.seen) {
      this.seen = stamp;
      const choosing = this.choose();
      this.active = choosing;
      choosing.catch(() => { if (this.active === choosing) this.active = null; });
    }
    return this.active;
  }

  private async choose(): Promise<ActiveSigningKey | null> {
    if (this.name !== undefined) return active(this.name, await loadStored(this.root, this.name));
    // Ties (keys made in the same second) go to the name sorting last.
    let newest: { name: string; key: SigningKey } | null = null;
    for (const name of signingKeyNames(this.root)) {
      const key = await loadStored(this.root, name);
      if (!newest || key.info.created.getTime() >= newest.key.info.created.getTime()) newest = { name, key };
    }
    return newest && active(newest.name, newest.key);
  }
}
