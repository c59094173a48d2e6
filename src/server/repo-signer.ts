/**
 * Which repository signing key signs the served repomd.xml files (docs/repo-signing.md): the
 * one named (`bazaar serve --signing-key NAME`), else the store's newest by creation time
 * (rotation: generate a new key, hand clients both public keys, and it signs from then
 * on); none when the store has no signing key. Looked up again whenever the keys
 * directory changes, so a key generated while the server runs signs the next generation.
 */
import { BazaarError, isBazaarError } from '../errors.js';
import { loadSigningKey, signDetached } from '../pgp/index.js';
import type { SigningKey } from '../pgp/index.js';
import { checkSigningKeyName, documentStamp, readSigningKey, signingKeyLocation, signingKeyNames, signingKeysDir } from '../store/index.js';

/** The key that signs now. */
export interface ActiveSigningKey {
  name: string;
  /** 16 hex digits, lower case. */
  keyId: string;
  publicArmored: string;
  /** The armored detached signature of `data`. */
  sign(data: Uint8Array): Promise<string>;
}

/** A stored key that is no key (damaged, edited, protected) is the store's damage: 503, never an unsigned repository. */
async function load(root: string, name: string): Promise<SigningKey> {
  const file = signingKeyLocation(root, name);
  const { secretArmored } = readSigningKey(root, name);
  try {
    return await loadSigningKey(secretArmored, file);
  } catch (err) {
    if (isBazaarError(err, 'ERR_KEY')) throw new BazaarError('ERR_STORE_DAMAGED', `cannot sign the repositories with signing key ${name}: ${err.message}`, { cause: err, data: { key: name, file } });
    throw err;
  }
}

const active = (name: string, key: SigningKey): ActiveSigningKey => ({
  name, keyId: key.info.keyId, publicArmored: key.info.publicArmored, sign: (data) => signDetached(data, key),
});

export class RepositorySigner {
  private seen: string | null = null;
  private active: Promise<ActiveSigningKey | null> | null = null;

  constructor(private readonly root: string, private readonly name?: string) {
    if (name !== undefined) checkSigningKeyName(name);
  }

  /** The key that signs now, or null; ERR_KEY (no-signing-key) when the named key is not in the store. */
  async current(): Promise<ActiveSigningKey | null> {
    const stamp = this.stamp();
    if (this.active === null || stamp !== this.seen) {
      this.seen = stamp;
      const choosing = this.choose();
      this.active = choosing;
      choosing.catch(() => { if (this.active === choosing) this.active = null; });
    }
    return this.active;
  }

  /** The keys as they are now: a new key is renamed into the directory, which changes its mtime (one stat); an attached store's rows, their generation. */
  stamp(): string { return documentStamp(this.root, signingKeysDir('')); }

  private async choose(): Promise<ActiveSigningKey | null> {
    if (this.name !== undefined) return active(this.name, await load(this.root, this.name));
    // Ties (keys made in the same second) go to the name sorting last.
    let newest: { name: string; key: SigningKey } | null = null;
    for (const name of signingKeyNames(this.root)) {
      const key = await load(this.root, name);
      if (!newest || key.info.created.getTime() >= newest.key.info.created.getTime()) newest = { name, key };
    }
    return newest && active(newest.name, newest.key);
  }
}
