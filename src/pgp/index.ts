/** The pgp folder's public surface: OpenPGP (the one home of `openpgp`; docs/architecture.md). */
export { generateSigningKey, SIGNING_ALGORITHMS } from './generate.js';
export type { GeneratedKey, SigningAlgorithm } from './generate.js';
export { loadSigningKey, signDetached } from './sign.js';
export type { SigningKey, SigningKeyInfo } from './sign.js';
