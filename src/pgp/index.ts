/** The pgp folder's public surface: OpenPGP keys and signatures, the one home of `openpgp` (docs/architecture.md). */
export { keyMatches, readPublicKeys } from './keys.js';
export type { PgpKey, VerifyingKey } from './keys.js';
export { ALGORITHMS, HASHES, PgpFormatError, parseSignature, readPacket } from './packets.js';
export type { Signature } from './packets.js';
export { SignatureCheck, verifyDetached } from './verify.js';
export type { VerifyResult } from './verify.js';
