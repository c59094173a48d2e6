/**
 * A structural check of the OpenPGP signature packets rpm stores in the signature header
 * (RSA, DSA, PGP, GPG, OPENPGP tags). bazaar does not verify signatures against keys
 * (that is the job of the deployment's keyring); it refuses packets that are malformed,
 * as rpm does before it ever looks for a key ("invalid OpenPGP signature"). RFC 4880 §4-5,
 * RFC 9580 for v6.
 */

/** Returns null when the packet is well formed, else the reason it is not. */
export function signaturePacketProblem(bytes: Uint8Array): string | null {
  if (bytes.length < 2) return 'packet is empty';
  const first = bytes[0];
  if ((first & 0x80) === 0) return 'not an OpenPGP packet';
  let tag: number;
  let bodyStart: number;
  let bodyLength: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const o = bytes[1];
    if (o < 192) { bodyLength = o; bodyStart = 2; }
    else if (o < 224) { if (bytes.length < 3) return 'length truncated'; bodyLength = ((o - 192) << 8) + bytes[2] + 192; bodyStart = 3; }
    else if (o === 255) { if (bytes.length < 6) return 'length truncated'; bodyLength = readU32(bytes, 2); bodyStart = 6; }
    else return 'partial body length in a signature';
  } else {
    tag = (first >> 2) & 0x0f;
    const lt = first & 0x03;
    if (lt === 3) return 'indeterminate length';
    const n = 1 << lt;
    if (bytes.length < 1 + n) return 'length truncated';
    bodyLength = 0;
    for (let i = 0; i < n; i++) bodyLength = bodyLength * 256 + bytes[1 + i];
    bodyStart = 1 + n;
  }
  if (tag !== 2) return `packet tag ${tag} is not a signature`;
  if (bodyStart + bodyLength !== bytes.length) return 'packet length does not match its data';
  return signatureBodyProblem(bytes.subarray(bodyStart));
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

/** Number of MPIs the signature of each public-key algorithm carries. */
const MPI_COUNT: Record<number, number> = { 1: 1, 3: 1, 17: 2, 19: 2, 22: 2 };

function mpisProblem(b: Uint8Array, at: number, algo: number): string | null {
  const n = MPI_COUNT[algo];
  if (n === undefined) return null; // newer algorithms: framing already checked
  let pos = at;
  for (let i = 0; i < n; i++) {
    if (pos + 2 > b.length) return 'signature value truncated';
    const bits = (b[pos] << 8) | b[pos + 1];
    pos += 2 + ((bits + 7) >> 3);
    if (pos > b.length) return 'signature value runs past the packet';
  }
  return pos === b.length ? null : 'trailing bytes after the signature value';
}

function subpacketsProblem(b: Uint8Array, start: number, end: number, requireTime: boolean): string | null {
  let pos = start;
  let sawTime = false;
  while (pos < end) {
    const o = b[pos];
    let len: number;
    if (o < 192) { len = o; pos += 1; }
    else if (o < 255) { if (pos + 2 > end) return 'subpacket length truncated'; len = ((o - 192) << 8) + b[pos + 1] + 192; pos += 2; }
    else { if (pos + 5 > end) return 'subpacket length truncated'; len = readU32(b, pos + 1); pos += 5; }
    if (len === 0 || pos + len > end) return 'subpacket runs past its area';
    if ((b[pos] & 0x7f) === 2) sawTime = true;
    pos += len;
  }
  return requireTime && !sawTime ? 'no signature creation time' : null;
}

function signatureBodyProblem(b: Uint8Array): string | null {
  const version = b[0];
  if (version === 3) {
    if (b.length < 19 || b[1] !== 5) return 'malformed v3 signature';
    return mpisProblem(b, 19, b[15]);
  }
  if (version === 4) {
    if (b.length < 6) return 'v4 signature truncated';
    const algo = b[2];
    const hashedLen = (b[4] << 8) | b[5];
    const hashedEnd = 6 + hashedLen;
    if (hashedEnd + 2 > b.length) return 'hashed area runs past the packet';
    const p1 = subpacketsProblem(b, 6, hashedEnd, true);
    if (p1) return p1;
    const unhashedLen = (b[hashedEnd] << 8) | b[hashedEnd + 1];
    const unhashedEnd = hashedEnd + 2 + unhashedLen;
    if (unhashedEnd + 2 > b.length) return 'unhashed area runs past the packet';
    const p2 = subpacketsProblem(b, hashedEnd + 2, unhashedEnd, false);
    if (p2) return p2;
    return mpisProblem(b, unhashedEnd + 2, algo);
  }
  if (version === 6) {
    if (b.length < 8) return 'v6 signature truncated';
    const hashedLen = readU32(b, 4);
    const hashedEnd = 8 + hashedLen;
    if (hashedEnd + 4 > b.length) return 'hashed area runs past the packet';
    const unhashedLen = readU32(b, hashedEnd);
    if (hashedEnd + 4 + unhashedLen + 2 > b.length) return 'unhashed area runs past the packet';
    return null;
  }
  return `unknown signature version ${version}`;
}
