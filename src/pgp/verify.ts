/**
 * Detached OpenPGP signatures checked against a set of public keys: the one verification
 * path for rpm's signature tags (v3 and v4 packets) and repository metadata (.asc). The
 * data is hashed as it streams (a package's payload is never held whole), then the
 * public-key operation is node:crypto's: RSA PKCS#1 v1.5, DSA, ECDSA, Ed25519.
 */
import { constants, createHash, createVerify, publicDecrypt, verify as cryptoVerify, type Hash, type Verify } from 'node:crypto';
import type { PgpKey, VerifyingKey } from './keys.js';
import { openpgpLib } from './openpgp-lib.js';
import { HASHES, PgpFormatError, parseSignature, type Signature } from './packets.js';

export interface VerifyResult {
  ok: boolean;
  /** The key id the signature names (16 hex), null when it names none or cannot be read. */
  keyId: string | null;
  /** Why it is not ok: no key, bad signature, a malformed or unsupported packet. */
  reason?: string;
  /** `ok`, `nokey` (no given key has that id), `bad` (the check failed), `invalid` (unreadable), `unsupported`. */
  status: 'ok' | 'nokey' | 'bad' | 'invalid' | 'unsupported';
  /** What the packet is, as rpm -v describes it (`V4 RSA/SHA256`), when it could be read. */
  signature?: Signature;
}

/** ASN.1 DigestInfo prefixes of EMSA-PKCS1-v1_5 (RFC 4880 §5.2.2). */
const DIGEST_INFO: Record<string, string> = {
  md5: '3020300c06082a864886f70d020505000410', sha1: '3021300906052b0e03021a05000414', ripemd160: '3021300906052b2403020105000414',
  sha224: '302d300d06096086480165030402040500041c', sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430', sha512: '3051300d060960864801650304020305000440',
};

/** The signature packet inside `signature`: binary, or armored text (`-----BEGIN PGP SIGNATURE-----`). */
async function signatureBytes(signature: Buffer | string): Promise<Buffer> {
  const text = typeof signature === 'string' ? signature : signature.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP') ? signature.toString('utf8') : null;
  if (text === null) return signature as Buffer;
  const { data } = await (await openpgpLib()).unarmor(text);
  if (data instanceof Uint8Array) return Buffer.from(data);
  const chunks: Uint8Array[] = [];
  for await (const c of data as AsyncIterable<Uint8Array>) chunks.push(c);
  return Buffer.concat(chunks);
}

const fixed = (b: Buffer, size: number): Buffer => (b.length >= size ? b.subarray(b.length - size) : Buffer.concat([Buffer.alloc(size - b.length), b]));

/** The public-key check of a digest (RSA, EdDSA) or of a streamed verifier (DSA, ECDSA). */
function checkValue(sig: Signature, key: VerifyingKey, digest: Buffer, verifier: Verify | null): boolean {
  const hash = HASHES[sig.hashAlgorithm].node;
  switch (sig.publicKeyAlgorithm) {
    case 1: case 3: {
      const size = Math.ceil((key.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
      let decoded: Buffer;
      try { decoded = publicDecrypt({ key: key.key, padding: constants.RSA_PKCS1_PADDING }, fixed(sig.values[0], size)); } catch { return false; }
      return decoded.equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash] ?? '', 'hex'), digest])) && DIGEST_INFO[hash] !== undefined;
    }
    case 22: return cryptoVerify(null, digest, key.key, Buffer.concat([fixed(sig.values[0], 32), fixed(sig.values[1], 32)]));
    case 27: return cryptoVerify(null, digest, key.key, sig.values[0]);
    case 17: case 19: {
      const size = sig.publicKeyAlgorithm === 17 ? Math.ceil((key.key.asymmetricKeyDetails?.divisorLength ?? 0) / 8) : Math.max(sig.values[0].length, sig.values[1].length, 32);
      return verifier!.verify({ key: key.key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([fixed(sig.values[0], size), fixed(sig.values[1], size)]));
    }
    default: return false;
  }
}

/**
 * One signature checked as its data streams by: `update` with each chunk, then `finish`.
 * The hash's first two bytes are compared before any key is looked for (as rpm does), so
 * data that does not match is `bad` even when the key is not at hand.
 */
export class SignatureCheck {
  readonly signature: Signature;
  private readonly hash: Hash | null;
  private readonly verifier: Verify | null;
  private readonly text: boolean;
  private lastCR = false;

  /** Throws PgpFormatError when `packet` is not a readable signature packet. */
  constructor(packet: Buffer, private readonly keys: readonly PgpKey[]) {
    this.signature = parseSignature(packet);
    const name = HASHES[this.signature.hashAlgorithm]?.node;
    this.hash = name ? createHash(name) : null;
    this.verifier = name && (this.signature.publicKeyAlgorithm === 17 || this.signature.publicKeyAlgorithm === 19) ? createVerify(name) : null;
    this.text = this.signature.type === 1;
  }

  update(chunk: Buffer): void {
    let c = chunk;
    if (this.text) { // canonical text: line ends hashed as CRLF
      const s = c.toString('latin1').replace(/\r?\n/g, '\r\n');
      c = Buffer.from(this.lastCR && s.startsWith('\r\n') ? s.slice(1) : s, 'latin1');
      if (chunk.length > 0) this.lastCR = chunk[chunk.length - 1] === 0x0d;
    }
    this.hash?.update(c);
    this.verifier?.update(c);
  }

  finish(): VerifyResult {
    const sig = this.signature;
    const result = (status: VerifyResult['status'], reason?: string): VerifyResult => ({ ok: status === 'ok', keyId: sig.keyId, status, signature: sig, ...(reason ? { reason } : {}) });
    if (sig.type !== 0 && sig.type !== 1) return result('invalid', `signature type 0x${sig.type.toString(16).padStart(2, '0')} is not a document signature`);
    if (!this.hash) return result('unsupported', `hash algorithm ${sig.hashAlgorithm} is not supported`);
    this.hash.update(sig.trailer);
    this.verifier?.update(sig.trailer);
    const digest = this.hash.digest();
    const mismatch = `signature by key ${sig.keyId} does not match the data`;
    if (!digest.subarray(0, 2).equals(sig.hashPrefix)) return result('bad', mismatch);
    const key = sig.keyId === null ? undefined : this.keys.flatMap((k) => k.verifying).find((v) => v.keyId === sig.keyId);
    if (!key) return result('nokey', sig.keyId ? `key ${sig.keyId} is not among the trusted keys` : 'the signature names no key');
    const family = (a: number): number => (a === 3 ? 1 : a === 27 ? 22 : a);
    if (family(key.algorithm) !== family(sig.publicKeyAlgorithm)) return result('bad', `key ${sig.keyId} is not of the signature's algorithm`);
    let good: boolean;
    try { good = checkValue(sig, key, digest, this.verifier); } catch { good = false; }
    return good ? result('ok') : result('bad', mismatch);
  }
}

const invalid = (err: Error): VerifyResult => ({ ok: false, keyId: null, status: /not supported/.test(err.message) ? 'unsupported' : 'invalid', reason: `invalid OpenPGP signature: ${err.message}` });

/**
 * Checks a detached signature (binary or armored) over `data` with `keys` (the signer must
 * be one of them, or one of their subkeys). Never throws for a bad or malformed
 * signature: the result says why.
 */
export async function verifyDetached(data: Buffer | AsyncIterable<Buffer>, signature: Buffer | string, keys: readonly PgpKey[]): Promise<VerifyResult> {
  let check: SignatureCheck;
  try {
    check = new SignatureCheck(await signatureBytes(signature), keys);
  } catch (err) {
    if (err instanceof PgpFormatError || (err instanceof Error && /armor/i.test(err.message))) return invalid(err);
    throw err;
  }
  if (Buffer.isBuffer(data)) check.update(data);
  else for await (const chunk of data) check.update(chunk);
  return check.finish();
}
