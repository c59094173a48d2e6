/**
 * What rpm's `:pgpsig` formatter shows of an OpenPGP signature packet: public-key and
 * hash algorithm, creation time, signer key id. Parsed as rpm 4.18's internal OpenPGP
 * parser (rpmio/rpmpgp_internal.c pgpPrtSig) parses v3 and v4 signatures, including its
 * refusals (unhashed creation time, unknown critical subpackets, truncation).
 */

export interface PgpSigInfo { version: number; pubkeyAlgo: number; hashAlgo: number; time: number; keyId: string }

/** rpm's pgpPubkeyTbl / pgpHashTbl names. */
export const PUBKEY_ALGOS: Record<number, string> = {
  1: 'RSA', 2: 'RSA(Encrypt-Only)', 3: 'RSA(Sign-Only)', 16: 'Elgamal(Encrypt-Only)', 17: 'DSA',
  18: 'Elliptic Curve', 19: 'ECDSA', 20: 'Elgamal', 21: 'Diffie-Hellman (X9.42)', 22: 'EdDSA',
};
export const HASH_ALGOS: Record<number, string> = {
  1: 'MD5', 2: 'SHA1', 3: 'RIPEMD160', 5: 'MD2', 6: 'TIGER192', 7: 'HAVAL-5-160', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224',
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** OpenPGP subpacket / new-format length (RFC 4880 §5.2.3.1): [header bytes, body length] or null. */
function subLength(p: Uint8Array, at: number, end: number): [number, number] | null {
  if (at >= end) return null;
  const o = p[at];
  if (o < 192) return [1, o];
  if (o < 255) return at + 1 < end ? [2, ((o - 192) << 8) + p[at + 1] + 192] : null;
  return at + 4 < end ? [5, ((p[at + 1] << 24) >>> 0) + (p[at + 2] << 16) + (p[at + 3] << 8) + p[at + 4]] : null;
}

interface Saved { time?: number; keyId?: Uint8Array; hasTime: boolean }

const KEYID_SIGTYPES = new Set([0x00, 0x01, 0x02, 0x13]);

/** rpm's pgpPrtSubType: false when rpm would reject the signature. */
function subpackets(p: Uint8Array, start: number, end: number, sigtype: number, hashed: boolean, saved: Saved): boolean {
  let at = start;
  while (at < end) {
    const len = subLength(p, at, end);
    if (!len || len[1] < 1 || at + len[0] + len[1] > end) break;
    at += len[0];
    const type = p[at] & 0x7f;
    const critical = (p[at] & 0x80) !== 0;
    const body = p.subarray(at + 1, at + len[1]);
    let implemented = false;
    if (type === 2) { // signature creation time
      if (hashed && body.length === 4) {
        if (saved.hasTime) return false;
        implemented = true;
        if (saved.time === undefined) saved.time = ((body[0] << 24) >>> 0) + (body[1] << 16) + (body[2] << 8) + body[3];
        saved.hasTime = true;
      }
    } else if (type === 16) { // issuer key id
      implemented = true;
      if (saved.keyId === undefined && KEYID_SIGTYPES.has(sigtype) && body.length === 8) saved.keyId = body;
    } else if (type === 27) { // key flags
      if (hashed) implemented = true;
    }
    if (!implemented && critical) return false;
    at += len[1];
  }
  return true;
}

/** Parses one signature packet as rpm does; null where rpm says "(not an OpenPGP signature)". */
export function parsePgpSignature(bytes: Uint8Array): PgpSigInfo | null {
  if (bytes.length < 2 || !(bytes[0] & 0x80)) return null;
  let tag: number;
  let start: number;
  let length: number;
  if (bytes[0] & 0x40) {
    tag = bytes[0] & 0x3f;
    const l = subLength(bytes, 1, bytes.length);
    if (!l) return null;
    start = 1 + l[0];
    length = l[1];
  } else {
    tag = (bytes[0] >> 2) & 0x0f;
    const n = [1, 2, 4, 0][bytes[0] & 3];
    if (n === 0 || bytes.length < 1 + n) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[1 + i];
    start = 1 + n;
  }
  if (tag !== 2 || start + length > bytes.length) return null;
  const h = bytes.subarray(start, start + length);
  const version = h[0];
  if (version === 3) {
    if (h.length <= 19 || h[1] !== 5) return null;
    return {
      version, pubkeyAlgo: h[15], hashAlgo: h[16],
      time: ((h[3] << 24) >>> 0) + (h[4] << 16) + (h[5] << 8) + h[6], keyId: hex(h.subarray(7, 15)),
    };
  }
  if (version !== 4 || h.length <= 6) return null;
  const sigtype = h[1];
  const saved: Saved = { hasTime: false };
  const hashedLen = (h[4] << 8) + h[5];
  let at = 6;
  if (at + hashedLen > h.length) return null;
  if (!subpackets(h, at, at + hashedLen, sigtype, true, saved)) return null;
  at += hashedLen;
  if (!saved.hasTime || at + 2 > h.length) return null;
  const unhashedLen = (h[at] << 8) + h[at + 1];
  at += 2;
  if (at + unhashedLen > h.length) return null;
  if (!subpackets(h, at, at + unhashedLen, sigtype, false, saved)) return null;
  at += unhashedLen;
  if (h.length - at < 2) return null;
  return { version, pubkeyAlgo: h[2], hashAlgo: h[3], time: saved.time ?? 0, keyId: saved.keyId ? hex(saved.keyId) : '0000000000000000' };
}
