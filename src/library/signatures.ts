/**
 * Package signatures for build tools (docs/signatures.md): the store's keyring of trusted
 * package keys, and packages judged as `rpmkeys --checksig` judges them with those keys.
 *
 * @example
 *   await importKeys(store, { file: 'RPM-GPG-KEY-example' });
 *   const [r] = await verifyPackages(store, { files: ['foo-1.0-1.x86_64.rpm'] });
 *   r.ok; // false when a digest or signature fails, or a signing key is not trusted
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { BazaarError } from '../errors.js';
import { readPublicKeys } from '../pgp/index.js';
import type { PgpKey } from '../pgp/index.js';
import { checksig } from '../rpm/index.js';
import type { ChecksigItem } from '../rpm/index.js';
import { importKeys as importOp, readKeyring, removeKey as removeOp, storedVerdict } from '../store/index.js';
import type { ObjectId, Store } from '../store/index.js';
import { checkOptions } from './check-options.js';
import { checkStore } from './store-arg.js';

/** A trusted key as `key ls --json` shows it. */
export interface KeyInfo { id: string; fingerprint: string; userIds: string[]; algorithm: string; created: string }

const info = (k: PgpKey): KeyInfo => ({ id: k.keyId, fingerprint: k.fingerprint, userIds: k.userIds, algorithm: k.algorithm, created: k.created.toISOString() });

/** Larger than any public key file (a key with thousands of certifications is a few MiB). */
const KEY_FILE_MAX = 16 * 1024 * 1024;

/** A regular file, opened as given: FIFOs and devices are refused before a read could block or run forever. */
function regularFile(file: string, max?: number): string | null {
  let st;
  try { st = statSync(file); } catch (err) { return `${file}: cannot open: ${(err as Error).message}`; }
  if (!st.isFile()) return `${file}: ${st.isDirectory() ? 'a directory' : 'not a regular file'}`;
  if (max !== undefined && st.size > max) return `${file}: ${st.size} bytes is larger than any key file (at most ${max})`;
  return null;
}

function readKeyFile(file: string): Buffer {
  const problem = regularFile(file, KEY_FILE_MAX);
  if (problem) throw new BazaarError('ERR_BAD_INPUT', problem, { data: { file } });
  try { return readFileSync(file); } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${file}: cannot read: ${(err as Error).message}`, { cause: err, data: { file } });
  }
}

/** Trusts the public keys in `file` (or `data`: the bytes of such a file, armored or binary). */
export async function importKeys(store: Store, options: { file?: string; data?: Buffer }): Promise<Array<KeyInfo & { added: boolean }>> {
  const s = checkStore('importKeys', store);
  const o = checkOptions<typeof options>('importKeys', options, { file: 'string?', data: 'object?' });
  if ((o.file === undefined) === (o.data === undefined) || (o.data !== undefined && !Buffer.isBuffer(o.data))) throw new BazaarError('ERR_USAGE', 'importKeys takes a file (a path) or data (a Buffer), one of them');
  const data = o.file !== undefined ? readKeyFile(o.file) : o.data as Buffer;
  return (await importOp(s.dir, data, o.file ?? 'the key data')).map(({ key, added }) => ({ ...info(key), added }));
}

/** The trusted package keys. */
export async function listKeys(store: Store): Promise<KeyInfo[]> {
  return (await readKeyring(checkStore('listKeys', store).dir)).map(info);
}

/** Stops trusting the key `key` names (key id, fingerprint, or 8+ hex digits of their end). */
export async function removeKey(store: Store, options: { key: string }): Promise<KeyInfo> {
  const s = checkStore('removeKey', store);
  const o = checkOptions<typeof options>('removeKey', options, { key: 'string' });
  return info(await removeOp(s.dir, o.key));
}

/** The file's bytes; a read error (the file vanished, EIO) ends the stream as a truncation would. */
async function* readStream(file: string): AsyncGenerator<Buffer> {
  try { for await (const chunk of createReadStream(file)) yield chunk as Buffer; } catch { /* checksig sees the bytes read so far */ }
}

export interface PackageVerdict {
  /** The file as given, or the stored package (`NEVRA` or `NEVRA (variant N)`). */
  target: string;
  rpm?: ObjectId;
  ok: boolean;
  /** rpmkeys' words after `FILE:`: `digests signatures OK`, `DIGESTS SIGNATURES NOT OK`, ... */
  verdict: string;
  items: ChecksigItem[];
  signatures: ChecksigItem[];
  /** Why the package could not be read at all. */
  error?: string;
}

/**
 * Judges .rpm files and stored packages (every variant of each) with the store's trusted
 * keys, plus those in `keyFiles`. `ok` is false on any failed digest or signature, and on
 * a signature whose key is not trusted (rpm's NOKEY).
 */
export async function verifyPackages(store: Store, options: { files?: string[]; packages?: string[]; keyFiles?: string[] }): Promise<PackageVerdict[]> {
  const s = checkStore('verifyPackages', store);
  const o = checkOptions<typeof options>('verifyPackages', options, { files: 'strings?', packages: 'strings?', keyFiles: 'strings?' });
  const keys = [...await readKeyring(s.dir)];
  for (const f of o.keyFiles ?? []) keys.push(...await readPublicKeys(readKeyFile(f), f));
  const out: PackageVerdict[] = [];
  for (const file of o.files ?? []) {
    const problem = regularFile(file);
    if (problem) { out.push({ target: file, ok: false, verdict: 'NOT OK', items: [], signatures: [], error: problem }); continue; }
    out.push({ target: file, ...await checksig(readStream(file), keys, file) });
  }
  for (const ref of o.packages ?? []) {
    const found = await s.read((snap) => s.findPackage(snap, ref));
    const variants = found.build.variants;
    for (const [i, v] of variants.entries()) {
      out.push({ target: variants.length === 1 ? found.build.nevra : `${found.build.nevra} (variant ${i + 1})`, rpm: v.rpm, ...await storedVerdict(s, v.rpm, keys) });
    }
  }
  return out;
}
