/**
 * A git object's encoding (`<type> <length>\0<body>`, named by the sha1 of that) and its
 * verification on read, shared by every history backend: what is read back is hashed
 * again and its header checked, because doubt is damage, never "absent".
 */
import { createHash } from 'node:crypto';
import { BazaarError } from '../../errors.js';

export type GitObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface GitObject { type: GitObjectType; body: Buffer }

export const OID = /^[0-9a-f]{40}$/;

/** A git object that is missing or damaged: doubt is damage, never "absent". */
export function historyDamage(oid: string, problem: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_STORE_DAMAGED', `history object ${oid} ${problem}`, { data: { git: oid, problem }, cause });
}

export function encodeObject(type: GitObjectType, body: Buffer): { oid: string; raw: Buffer } {
  const raw = Buffer.concat([Buffer.from(`${type} ${body.length}\u0000`), body]);
  return { oid: createHash('sha1').update(raw).digest('hex'), raw };
}

/** The object `raw` (header and body) holds, when it hashes to `oid` and its header is sound. */
/**
 * `body` in a buffer of its own size: inflateSync leaves a 300-byte tree in a 16 KiB
 * buffer, so the read cache (50,000 entries) held 330 MB in an fsck of 10,000 builds, and
 * gc's packing of 20,000 loose objects 400 MB.
 */
export function compact(body: Buffer): Buffer { return body.buffer.byteLength > 2 * body.length + 1024 ? Buffer.from(body) : body; }

export function decodeObject(oid: string, raw: Buffer): GitObject {
  if (createHash('sha1').update(raw).digest('hex') !== oid) throw historyDamage(oid, 'does not hash to its id (damaged)');
  const nul = raw.indexOf(0);
  const m = nul > 0 ? /^(blob|tree|commit|tag) (\d+)$/.exec(raw.subarray(0, nul).toString('latin1')) : null;
  if (!m || Number(m[2]) !== raw.length - nul - 1) throw historyDamage(oid, 'has a malformed header (damaged)');
  return { type: m[1] as GitObjectType, body: compact(raw.subarray(nul + 1)) };
}
