/**
 * OpenPGP packet framing and the signature packet (RFC 4880 §4.2, §5.2; RFC 9580 for the
 * v4 Ed25519 algorithm). bazaar reads signature packets itself because the signatures it
 * meets most, rpm's, are often version 3 (CentOS and EPEL packages), which OpenPGP.js 6
 * silently drops; one reader for v3 and v4 keeps one verification path (verify.ts).
 */

export class PgpFormatError extends Error {}

export interface Packet { tag: number; body: Buffer; end: number }

/** The packet at `at` in `bytes`: its tag, body and where the next one starts. */
export function readPacket(bytes: Buffer, at = 0): Packet {
  if (at + 2 > bytes.length) throw new PgpFormatError('packet truncated');
  const first = bytes[at];
  if ((first & 0x80) === 0) throw new PgpFormatError('not an OpenPGP packet');
  let tag: number, start: number, length: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const o = bytes[at + 1];
    if (o < 192) { length = o; start = at + 2; }
    else if (o < 224) { if (at + 3 > bytes.length) throw new PgpFormatError('packet length truncated'); length = ((o - 192) << 8) + bytes[at + 2] + 192; start = at + 3; }
    else if (o === 255) { if (at + 6 > bytes.length) throw new PgpFormatError('packet length truncated'); length = bytes.readUInt32BE(at + 2); start = at + 6; }
    else throw new PgpFormatError('partial body lengths are not allowed in a signature');
  } else {
    tag = (first >> 2) & 0x0f;
    const lt = first & 0x03;
    if (lt === 3) throw new PgpFormatError('indeterminate packet length');
    const n = 1 << lt;
    if (at + 1 + n > bytes.length) throw new PgpFormatError('packet length truncated');
    length = bytes.readUIntBE(at + 1, n);
    start = at + 1 + n;
  }
  if (start + length > bytes.length) throw new PgpFormatError('packet runs past its data');
  return { tag, body: bytes.subarray(start, start + length), end: start + length };
}

export interface Signature {
  version: 3 | 4;
  /** 0x00 binary document, 0x01 canonical text; others are not document signatures. */
  type: number;
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  /** What is hashed after the signed data (v3: type and time; v4: the hashed part and its trailer). */
  trailer: Buffer;
  /** The issuer's key id, 16 hex digits lowercase, when the packet names it. */
  keyId: string | null;
  /** The issuer's v4 fingerprint (40 hex), when the packet names it. */
  fingerprint: string | null;
  created: Date | null;
  /** The first two bytes of the hash, a quick check before the public-key operation. */
  hashPrefix: Buffer;
  /** The signature's MPIs (RSA: s; DSA, ECDSA, EdDSA: r and s) or, for algorithm 27, the 64 raw bytes. */
  values: Buffer[];
}

/** Number of MPIs the signature of each public-key algorithm carries. */
const MPI_COUNT: Record<number, number> = { 1: 1, 3: 1, 17: 2, 19: 2, 22: 2 };

function readValues(b: Buffer, at: number, algorithm: number): Buffer[] {
  if (algorithm === 27) {
    if (b.length - at !== 64) throw new PgpFormatError('Ed25519 signature is not 64 bytes');
    return [b.subarray(at)];
  }
  const n = MPI_COUNT[algorithm];
  if (n === undefined) throw new PgpFormatError(`public-key algorithm ${algorithm} is not supported`);
  const values: Buffer[] = [];
  let pos = at;
  for (let i = 0; i < n; i++) {
    if (pos + 2 > b.length) throw new PgpFormatError('signature value truncated');
    const bits = b.readUInt16BE(pos);
    const end = pos + 2 + ((bits + 7) >> 3);
    if (end > b.length) throw new PgpFormatError('signature value runs past the packet');
    values.push(b.subarray(pos + 2, end));
    pos = end;
  }
  if (pos !== b.length) throw new PgpFormatError('trailing bytes after the signature value');
  return values;
}

interface Subpackets { keyId: string | null; fingerprint: string | null; created: Date | null }

function readSubpackets(b: Buffer, start: number, end: number, into: Subpackets): void {
  let pos = start;
  while (pos < end) {
    const o = b[pos];
    let len: number;
    if (o < 192) { len = o; pos += 1; }
    else if (o < 255) { if (pos + 2 > end) throw new PgpFormatError('subpacket length truncated'); len = ((o - 192) << 8) + b[pos + 1] + 192; pos += 2; }
    else { if (pos + 5 > end) throw new PgpFormatError('subpacket length truncated'); len = b.readUInt32BE(pos + 1); pos += 5; }
    if (len === 0 || pos + len > end) throw new PgpFormatError('subpacket runs past its area');
    const type = b[pos] & 0x7f, data = b.subarray(pos + 1, pos + len);
    if (type === 2 && data.length === 4 && into.created === null) into.created = new Date(data.readUInt32BE(0) * 1000);
    if (type === 16 && data.length === 8 && into.keyId === null) into.keyId = data.toString('hex');
    if (type === 33 && data.length === 21 && data[0] === 4 && into.fingerprint === null) into.fingerprint = data.subarray(1).toString('hex');
    pos += len;
  }
}

/** Parses one signature packet (the whole of `bytes`, as rpm stores it, or the first packet of a detached signature). */
export function parseSignature(bytes: Buffer): Signature {
  const packet = readPacket(bytes);
  if (packet.tag !== 2) throw new PgpFormatError(`packet tag ${packet.tag} is not a signature`);
  const b = packet.body;
  if (b.length < 1) throw new PgpFormatError('signature packet is empty');
  if (b[0] === 3) {
    if (b.length < 19 || b[1] !== 5) throw new PgpFormatError('malformed v3 signature');
    return {
      version: 3, type: b[2], trailer: Buffer.from(b.subarray(2, 7)), created: new Date(b.readUInt32BE(3) * 1000),
      keyId: b.subarray(7, 15).toString('hex'), fingerprint: null,
      publicKeyAlgorithm: b[15], hashAlgorithm: b[16], hashPrefix: b.subarray(17, 19), values: readValues(b, 19, b[15]),
    };
  }
  if (b[0] === 4) {
    if (b.length < 6) throw new PgpFormatError('v4 signature truncated');
    const hashedEnd = 6 + b.readUInt16BE(4);
    if (hashedEnd + 2 > b.length) throw new PgpFormatError('hashed area runs past the packet');
    const sub: Subpackets = { keyId: null, fingerprint: null, created: null };
    readSubpackets(b, 6, hashedEnd, sub);
    const unhashedEnd = hashedEnd + 2 + b.readUInt16BE(hashedEnd);
    if (unhashedEnd + 2 > b.length) throw new PgpFormatError('unhashed area runs past the packet');
    readSubpackets(b, hashedEnd + 2, unhashedEnd, sub);
    if (sub.created === null) throw new PgpFormatError('no signature creation time');
    const trailer = Buffer.alloc(hashedEnd + 6);
    b.copy(trailer, 0, 0, hashedEnd);
    trailer.writeUInt8(4, hashedEnd); trailer.writeUInt8(0xff, hashedEnd + 1); trailer.writeUInt32BE(hashedEnd, hashedEnd + 2);
    const keyId = sub.keyId ?? (sub.fingerprint ? sub.fingerprint.slice(-16) : null);
    return {
      version: 4, type: b[1], publicKeyAlgorithm: b[2], hashAlgorithm: b[3], trailer, created: sub.created, keyId, fingerprint: sub.fingerprint,
      hashPrefix: b.subarray(unhashedEnd, unhashedEnd + 2), values: readValues(b, unhashedEnd + 2, b[2]),
    };
  }
  throw new PgpFormatError(`signature version ${b[0]} is not supported`);
}

/** Hash algorithm ids (RFC 4880 §9.4) as node:crypto names them, and their display names. */
export const HASHES: Record<number, { node: string; name: string }> = {
  1: { node: 'md5', name: 'MD5' }, 2: { node: 'sha1', name: 'SHA1' }, 3: { node: 'ripemd160', name: 'RIPEMD160' },
  8: { node: 'sha256', name: 'SHA256' }, 9: { node: 'sha384', name: 'SHA384' }, 10: { node: 'sha512', name: 'SHA512' }, 11: { node: 'sha224', name: 'SHA224' },
};

/** Public-key algorithm ids as rpm names them in its `-v` lines. */
export const ALGORITHMS: Record<number, string> = { 1: 'RSA', 2: 'RSA', 3: 'RSA', 16: 'ELGAMAL', 17: 'DSA', 18: 'ECDH', 19: 'ECDSA', 22: 'EdDSA', 25: 'X25519', 27: 'Ed25519', 28: 'X448', 29: 'Ed448' };
