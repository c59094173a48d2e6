/**
 * Opens an .rpm file: the 96-byte lead, the signature header (padded to 8 bytes), the main
 * header, and where the payload starts. Checks everything that can be checked before the
 * payload is read: magic numbers, rpm's header limits, the header digests (SHA1, SHA256,
 * SHA3-256), the signature packets' structure, and the total size against the file.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BazaarError } from '../errors.js';
import { HEADER_INTRO_SIZE, RpmHeader, decodeString, headerSize } from './header.js';
import { signaturePacketProblem } from './signature-packet.js';
import { SigTag } from './tags.js';

export const LEAD_SIZE = 96;
const LEAD_MAGIC = [0xed, 0xab, 0xee, 0xdb];
/** rpm's RPMSIGTYPE_HEADERSIG: the only signature type since rpm 3. */
const SIGTYPE_HEADERSIG = 5;
/** rpm refuses signature headers larger than this (lib/signature.c, 64 MiB in rpm 4.18). */
const SIGNATURE_HEADER_MAX = 64 * 1024 * 1024;

export interface RpmLead { major: number; minor: number; type: number; name: string }

/** A file path: a Buffer when the name is not valid UTF-8 (it is opened as given). */
export type FilePath = string | Buffer;

export interface RpmPackageFile {
  path: FilePath;
  /** File size in bytes. */
  size: number;
  lead: RpmLead;
  signature: RpmHeader;
  header: RpmHeader;
  /** Offset of the main header (where rpm's SIZE and MD5 start counting). */
  headerOffset: number;
  payloadOffset: number;
}

async function readAt(fh: FileHandle, offset: number, length: number, what: string, path: FilePath): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  if (bytesRead < length) {
    throw new BazaarError('ERR_RPM_TRUNCATED', `${path}: truncated inside the ${what} (needs ${offset + length} bytes, file ends earlier)`, { data: { path, offset } });
  }
  return buf;
}

/** The 96-byte lead, checked: ERR_RPM_NOT_RPM or ERR_RPM_UNSUPPORTED when it is not one rpm reads. */
export function parseLead(buf: Buffer, path: FilePath): RpmLead {
  for (let i = 0; i < 4; i++) {
    if (buf[i] !== LEAD_MAGIC[i]) throw new BazaarError('ERR_RPM_NOT_RPM', `${path}: not an RPM package (no rpm lead magic)`, { data: { path } });
  }
  const lead = { major: buf[4], minor: buf[5], type: buf.readUInt16BE(6), name: decodeString(buf.subarray(10, 76).subarray(0, Math.max(0, buf.subarray(10, 76).indexOf(0)))) };
  if (lead.major < 3 || lead.major > 6) throw new BazaarError('ERR_RPM_UNSUPPORTED', `${path}: rpm format version ${lead.major} is not supported`, { data: { path } });
  if (buf.readUInt16BE(78) !== SIGTYPE_HEADERSIG) throw new BazaarError('ERR_RPM_UNSUPPORTED', `${path}: old-style signature type ${buf.readUInt16BE(78)} is not supported`, { data: { path } });
  return lead;
}

function hexDigest(algo: string, data: Uint8Array): string {
  return createHash(algo).update(data).digest('hex');
}

function checkHeaderDigests(sig: RpmHeader, header: RpmHeader, path: FilePath): void {
  const checks: Array<[number, string, string]> = [[SigTag.SHA256, 'sha256', 'SHA256'], [SigTag.SHA1, 'sha1', 'SHA1'], [SigTag.SHA3_256, 'sha3-256', 'SHA3-256']];
  for (const [tag, algo, label] of checks) {
    const want = sig.string(tag);
    if (want === undefined) continue;
    const got = hexDigest(algo, header.bytes);
    if (got !== want.toLowerCase()) {
      throw new BazaarError('ERR_RPM_DIGEST_MISMATCH', `${path}: header ${label} digest mismatch (package says ${want}, header hashes to ${got}): the package is damaged`, { data: { path, algo: label, expected: want, actual: got } });
    }
  }
}

function checkSignaturePackets(sig: RpmHeader, path: FilePath): void {
  for (const tag of [SigTag.RSA, SigTag.DSA, SigTag.PGP, SigTag.GPG]) {
    const packet = sig.binary(tag);
    if (packet === undefined) continue;
    const problem = signaturePacketProblem(packet);
    if (problem) {
      throw new BazaarError('ERR_RPM_SIGNATURE_CORRUPT', `${path}: signature (tag ${tag}) is not a valid OpenPGP signature: ${problem}`, { data: { path, tag } });
    }
  }
}

/** Reads and checks everything before the payload; see the module comment. */
export async function readRpmFile(path: FilePath): Promise<RpmPackageFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${path}: cannot open: ${(err as Error).message}`, { cause: err, data: { path } });
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw new BazaarError('ERR_BAD_INPUT', `${path}: not a regular file`, { data: { path } });
    const { size } = info;
    if (size === 0) throw new BazaarError('ERR_RPM_NOT_RPM', `${path}: not an RPM package (the file is empty)`, { data: { path } });
    if (size < LEAD_SIZE) {
      const head = await readAt(fh, 0, size, 'lead', path);
      const looksLikeRpm = LEAD_MAGIC.every((b, i) => i >= size || head[i] === b);
      throw new BazaarError(looksLikeRpm ? 'ERR_RPM_TRUNCATED' : 'ERR_RPM_NOT_RPM', `${path}: ${looksLikeRpm ? 'truncated inside the lead' : 'not an RPM package'}`, { data: { path } });
    }
    const lead = parseLead(await readAt(fh, 0, LEAD_SIZE, 'lead', path), path);

    const sigIntro = await readAt(fh, LEAD_SIZE, HEADER_INTRO_SIZE, 'signature header', path);
    const sigSize = headerSize(sigIntro, `${path}: signature header`);
    if (sigSize > SIGNATURE_HEADER_MAX) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${path}: signature header of ${sigSize} bytes is implausibly large`, { data: { path } });
    if (LEAD_SIZE + sigSize > size) throw new BazaarError('ERR_RPM_TRUNCATED', `${path}: truncated inside the signature header`, { data: { path } });
    const signature = new RpmHeader(await readAt(fh, LEAD_SIZE, sigSize, 'signature header', path), `${path}: signature header`);
    const headerOffset = LEAD_SIZE + sigSize + ((8 - (sigSize % 8)) % 8);

    const intro = await readAt(fh, headerOffset, HEADER_INTRO_SIZE, 'header', path);
    const hSize = headerSize(intro, `${path}: header`);
    if (headerOffset + hSize > size) throw new BazaarError('ERR_RPM_TRUNCATED', `${path}: truncated inside the header (needs ${headerOffset + hSize} bytes, file has ${size})`, { data: { path } });
    const header = new RpmHeader(await readAt(fh, headerOffset, hSize, 'header', path), `${path}: header`);
    const payloadOffset = headerOffset + hSize;

    checkSignaturePackets(signature, path);
    checkHeaderDigests(signature, header, path);
    const declared = signature.number(SigTag.LONGSIZE) ?? signature.number(SigTag.SIZE);
    if (declared !== undefined && declared !== size - headerOffset) {
      const short = declared > size - headerOffset;
      throw new BazaarError(short ? 'ERR_RPM_TRUNCATED' : 'ERR_RPM_PAYLOAD',
        `${path}: ${short ? 'truncated' : 'has trailing data'}: header and payload should be ${declared} bytes, the file has ${size - headerOffset}`,
        { data: { path, declared, actual: size - headerOffset } });
    }
    return { path, size, lead, signature, header, headerOffset, payloadOffset };
  } finally {
    await fh.close();
  }
}
