/**
 * OpenPGP public keys: read (armored or binary, one or several in a file) with OpenPGP.js,
 * and turned into node:crypto keys so that verify.ts checks signatures with one engine.
 * Key ids are 16 hex digits, lowercase; fingerprints 40 (v4) or 64 (v6) hex digits.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type * as openpgp from 'openpgp';
import { BazaarError } from '../errors.js';
import { openpgpLib } from './openpgp-lib.js';
import { ALGORITHMS } from './packets.js';

/** A key or subkey that can check signatures: its OpenPGP algorithm id and node:crypto key. */
export interface VerifyingKey { keyId: string; algorithm: number; key: KeyObject }

export interface PgpKey {
  /** The primary key's id (16 hex, lowercase). */
  keyId: string;
  fingerprint: string;
  userIds: string[];
  /** `RSA 4096`, `EdDSA ed25519`, ... */
  algorithm: string;
  created: Date;
  /** The primary key and its subkeys that bazaar can verify with, by key id. */
  verifying: VerifyingKey[];
  /** Every key id this key answers to (the primary and its subkeys). */
  keyIds: string[];
  /** The public key, armored (what the keyring stores). */
  armored: string;
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** DER: a definite length, an INTEGER (unsigned, minimal), a SEQUENCE, a tag around bytes. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const der = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
function derInteger(value: Uint8Array): Buffer {
  let v = Buffer.from(value);
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return der(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

/** A DSA public key as SubjectPublicKeyInfo DER (node:crypto takes DSA keys no other way). */
function dsaSpki(p: Uint8Array, q: Uint8Array, g: Uint8Array, y: Uint8Array): Buffer {
  const algorithm = der(0x30, Buffer.concat([Buffer.from('06072a8648ce380401', 'hex'), der(0x30, Buffer.concat([derInteger(p), derInteger(q), derInteger(g)]))]));
  return der(0x30, Buffer.concat([algorithm, der(0x03, Buffer.concat([Buffer.from([0]), derInteger(y)]))]));
}

const EC_CURVES: Record<string, { crv: string; size: number }> = { nistP256: { crv: 'P-256', size: 32 }, nistP384: { crv: 'P-384', size: 48 }, nistP521: { crv: 'P-521', size: 66 } };

type KeyPacket = openpgp.Key['keyPacket'] | openpgp.Subkey['keyPacket'];

/** The node:crypto key of one OpenPGP key packet, or null for an algorithm that cannot sign (or bazaar does not know). */
function cryptoKey(packet: KeyPacket): KeyObject | null {
  const params = packet.publicParams as Record<string, Uint8Array>;
  const info = packet.getAlgorithmInfo();
  switch (packet.algorithm as number) {
    case 1: case 3:
      return createPublicKey({ key: { kty: 'RSA', n: b64url(params.n), e: b64url(params.e) }, format: 'jwk' });
    case 17:
      return createPublicKey({ key: dsaSpki(params.p, params.q, params.g, params.y), format: 'der', type: 'spki' });
    case 19: {
      const curve = info.curve ? EC_CURVES[info.curve] : undefined;
      const q = params.Q;
      if (!curve || q[0] !== 4 || q.length !== 1 + 2 * curve.size) return null;
      return createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(q.subarray(1, 1 + curve.size)), y: b64url(q.subarray(1 + curve.size)) }, format: 'jwk' });
    }
    case 22: // EdDSA "legacy": only Ed25519, the point prefixed with 0x40
      if (info.curve !== 'ed25519Legacy' || params.Q.length !== 33 || params.Q[0] !== 0x40) return null;
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(params.Q.subarray(1)) }, format: 'jwk' });
    case 27:
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(params.A) }, format: 'jwk' });
    default:
      return null;
  }
}

function describeAlgorithm(packet: KeyPacket): string {
  const info = packet.getAlgorithmInfo();
  const name = ALGORITHMS[packet.algorithm as number] ?? info.algorithm;
  return info.bits ? `${name} ${info.bits}` : info.curve ? `${name} ${info.curve.replace(/Legacy$/, '')}` : name;
}

function toPgpKey(key: openpgp.Key): PgpKey {
  const verifying: VerifyingKey[] = [];
  for (const k of key.getKeys()) {
    let crypto: KeyObject | null = null;
    try { crypto = cryptoKey(k.keyPacket); } catch { /* a key node cannot load verifies nothing */ }
    if (crypto) verifying.push({ keyId: k.getKeyID().toHex(), algorithm: k.keyPacket.algorithm as number, key: crypto });
  }
  return {
    keyId: key.getKeyID().toHex(),
    fingerprint: key.getFingerprint(),
    userIds: key.getUserIDs(),
    algorithm: describeAlgorithm(key.keyPacket),
    created: key.getCreationTime(),
    verifying,
    keyIds: key.getKeys().map((k) => k.getKeyID().toHex()),
    armored: key.armor(),
  };
}

/**
 * Reads every public key in `data` (armored text or binary packets). A secret key is
 * refused: trusted keys are public, and a secret key copied into a keyring is a leak.
 */
export async function readPublicKeys(data: Buffer | string, source = 'the key file'): Promise<PgpKey[]> {
  const text = typeof data === 'string' ? data : data.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP') ? data.toString('utf8') : null;
  let keys: openpgp.Key[];
  const { readKeys } = await openpgpLib();
  try {
    if (text === null) keys = await readKeys({ binaryKeys: data as Buffer });
    else {
      // readKeys reads one armored block; an exported keyring file often holds several
      const blocks = text.match(/-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g) ?? [text];
      keys = (await Promise.all(blocks.map((armoredKeys) => readKeys({ armoredKeys })))).flat();
    }
  } catch (err) {
    throw new BazaarError('ERR_KEY', `${source} is not an OpenPGP public key: ${(err as Error).message.split('\n')[0]}`, { cause: err, data: { source } });
  }
  if (keys.some((k) => k.isPrivate())) throw new BazaarError('ERR_KEY', `${source} holds a secret key: give its public key (gpg --export --armor ID)`, { data: { source } });
  if (keys.length === 0) throw new BazaarError('ERR_KEY', `${source} holds no OpenPGP public key`, { data: { source } });
  return keys.map(toPgpKey);
}

/** Whether `id` (a key id, a fingerprint, or their tail of at least 8 hex digits) names `key`. */
export function keyMatches(key: PgpKey, id: string): boolean {
  const want = id.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{8,64}$/.test(want)) return false;
  return key.fingerprint.endsWith(want) || key.keyIds.some((k) => k.endsWith(want));
}
