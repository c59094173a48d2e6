/**
 * A package's digests and signatures judged as `rpmkeys --checksig` judges them (rpm 4.18,
 * lib/rpmvs.c and lib/rpmchecksig.c): which items are checked, in which order they are
 * reported, when a missing one counts, and the one-line verdict ("digests signatures OK").
 * The package is read once, as a stream (a file or a stored object); every digest and
 * signature is fed as the bytes go by.
 *
 * rpm's rules, briefly: every digest and signature tag it knows becomes an item (a tag
 * that is absent is a NOTFOUND item); the header items cover the main header, the payload
 * items the compressed payload, the legacy ones (MD5, PGP, GPG) both. A NOTFOUND item is
 * reported only when nothing else of its kind covered its range; digests are always
 * required, signatures once any signature verified (a partly signed package fails); a
 * failing payload digest is forgiven when its alternative verified.
 */
import { createHash, type Hash } from 'node:crypto';
import { BazaarError } from '../errors.js';
import { ALGORITHMS, HASHES, PgpFormatError, SignatureCheck, readPacket } from '../pgp/index.js';
import type { PgpKey, Signature } from '../pgp/index.js';
import { ByteReader } from './byte-reader.js';
import { HEADER_INTRO_SIZE, RpmHeader, headerSize } from './header.js';
import { headerBlobProblem } from './header-blob.js';
import { LEAD_SIZE, parseLead } from './read-rpm.js';
import { SigTag, Tag, TagType } from './tags.js';

/** rpm's ranges: the main header, the (compressed) payload, or both. */
const HEADER = 1, PAYLOAD = 2, BOTH = 3;
const DIGEST = 1, SIGNATURE = 2;

type Status = 'OK' | 'BAD' | 'NOKEY' | 'NOTFOUND';

interface ItemSpec {
  tag: number;
  /** In the signature header (else the main header: then "wrapped" by the header signature). */
  inSignatureHeader: boolean;
  type: typeof DIGEST | typeof SIGNATURE;
  range: number;
  /** rpm's RPMVSF_NO* bit that disables it: items sharing one are alternatives. */
  disabler: number;
  tagType: number;
  tagCount?: number;
  /** Digests: the algorithm; signatures: the public-key algorithm the tag is named for. */
  hash?: string;
  algorithm?: number;
  alt?: boolean;
}

/** rpm's rpmvfyitems, the verifiable ones, in its order. */
const SPECS: ItemSpec[] = [
  { tag: SigTag.PGP, inSignatureHeader: true, type: SIGNATURE, range: BOTH, disabler: 1 << 19, tagType: TagType.BIN, algorithm: 1 },
  { tag: SigTag.MD5, inSignatureHeader: true, type: DIGEST, range: BOTH, disabler: 1 << 17, tagType: TagType.BIN, hash: 'md5' },
  { tag: SigTag.GPG, inSignatureHeader: true, type: SIGNATURE, range: BOTH, disabler: 1 << 18, tagType: TagType.BIN, algorithm: 17 },
  { tag: SigTag.DSA, inSignatureHeader: true, type: SIGNATURE, range: HEADER, disabler: 1 << 10, tagType: TagType.BIN, algorithm: 17 },
  { tag: SigTag.RSA, inSignatureHeader: true, type: SIGNATURE, range: HEADER, disabler: 1 << 11, tagType: TagType.BIN, algorithm: 1 },
  { tag: SigTag.SHA1, inSignatureHeader: true, type: DIGEST, range: HEADER, disabler: 1 << 8, tagType: TagType.STRING, tagCount: 1, hash: 'sha1' },
  { tag: SigTag.SHA256, inSignatureHeader: true, type: DIGEST, range: HEADER, disabler: 1 << 9, tagType: TagType.STRING, tagCount: 1, hash: 'sha256' },
  { tag: Tag.PAYLOADDIGEST, inSignatureHeader: false, type: DIGEST, range: PAYLOAD, disabler: 1 << 16, tagType: TagType.STRING_ARRAY, hash: 'sha256' },
  { tag: Tag.PAYLOADDIGESTALT, inSignatureHeader: false, type: DIGEST, range: PAYLOAD, disabler: 1 << 16, tagType: TagType.STRING_ARRAY, hash: 'sha256', alt: true },
];

export interface ChecksigItem {
  kind: 'digest' | 'signature';
  tag: number;
  range: 'header' | 'payload' | 'package';
  /** As rpm -Kv names it: `Header V4 RSA/SHA256 Signature, key ID 4f5bb414`, `Payload SHA256 digest`. */
  description: string;
  status: Status;
  /** rpm's parenthesis: `Expected X != Y`, `package tag 268: invalid OpenPGP signature`. */
  message?: string;
  /** Signatures: the signing key's id (16 hex) when the packet names it. */
  keyId?: string | null;
}

export interface ChecksigResult {
  ok: boolean;
  /** The items rpm reports, in its order (the `-v` lines). */
  items: ChecksigItem[];
  /** Every signature the package carries, reported or not (show --json, channel checks). */
  signatures: ChecksigItem[];
  /** What follows `FILE:` in rpm's one-line verdict: `digests signatures OK`, `DIGESTS NOT OK`. */
  verdict: string;
  /** Why the package could not be read at all (rpm then prints no verdict). */
  error?: string;
}

interface Item {
  spec: ItemSpec;
  index: number;
  status: Status;
  message?: string;
  /** rpm's id: (tag << 16) | index once the item is readable, else 0 (it orders the report). */
  id: number;
  strength: number;
  expected?: string;
  hash?: Hash;
  check?: SignatureCheck;
  signature?: Signature;
  /** Whether it is fed (and judged) while the package streams by. */
  live: boolean;
}

const RANGE_NAME: Record<number, string> = { [HEADER]: 'Header ', [PAYLOAD]: 'Payload ', [BOTH]: '' };
const RANGE_WORD: Record<number, ChecksigItem['range']> = { [HEADER]: 'header', [PAYLOAD]: 'payload', [BOTH]: 'package' };

function hexOk(s: string): boolean {
  return s.length % 2 === 0 && s.length >= 40 && /^[0-9a-fA-F]*$/.test(s);
}

/** rpm's rpmsinfoInit: one item per value of the tag (one NOTFOUND item when absent). */
function itemsOf(spec: ItemSpec, header: RpmHeader, keys: readonly PgpKey[]): Item[] {
  const base = { spec, status: 'NOTFOUND' as Status, id: 0, strength: spec.type, live: false };
  const entry = header.entry(spec.tag);
  if (!entry) return [{ ...base, index: 0 }];
  const fail = (index: number, message: string): Item => ({ ...base, index, status: 'BAD', message });
  if (entry.type !== spec.tagType) return [fail(0, `package tag ${spec.tag}: invalid type ${entry.type}`)];
  if (spec.tagCount !== undefined && entry.count !== spec.tagCount) return [fail(0, `package: tag ${spec.tag}: invalid count ${entry.count}`)];
  const values: Array<Uint8Array | string> = entry.type === TagType.BIN ? [header.binary(spec.tag) ?? new Uint8Array()] : header.strings(spec.tag) ?? [];
  return values.map((value, index): Item => {
    const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
    if (spec.hash && length < 16) return fail(index, `package tag ${spec.tag}: invalid data (${length})`);
    const ready = { ...base, index, status: 'OK' as Status, id: ((spec.tag << 16) | index) >>> 0, live: true };
    if (spec.type === SIGNATURE) {
      const bytes = Buffer.from(value as Uint8Array);
      try {
        if (readPacket(bytes).end !== bytes.length) throw new PgpFormatError('trailing data after the signature packet');
        const check = new SignatureCheck(bytes, keys);
        return { ...ready, check, signature: check.signature };
      } catch (err) {
        if (!(err instanceof PgpFormatError)) throw err;
        return fail(index, `package tag ${spec.tag}: invalid OpenPGP signature`);
      }
    }
    const expected = typeof value === 'string' ? value : Buffer.from(value).toString('hex');
    if (typeof value === 'string' && !hexOk(value)) return fail(index, `package: tag ${spec.tag}: invalid hex`);
    return { ...ready, expected, hash: createHash(spec.hash as string) };
  });
}

function describe(item: Item): string {
  const { spec, signature } = item;
  const range = RANGE_NAME[spec.range];
  if (spec.type === DIGEST) return `${range}${(spec.hash as string).toUpperCase()}${spec.alt ? ' ALT' : ''} digest`;
  if (signature) {
    const keyId = (signature.keyId ?? '0'.repeat(16)).slice(8);
    return `${range}V${signature.version} ${ALGORITHMS[signature.publicKeyAlgorithm] ?? 'Unknown'}/${HASHES[signature.hashAlgorithm]?.name ?? 'Unknown'} Signature, key ID ${keyId}`;
  }
  return `${range}${ALGORITHMS[spec.algorithm as number]}${spec.alt ? ' ALT' : ''} signature`;
}

/** Finishes an item fed with its range's bytes: its status and message. */
function judge(item: Item): void {
  if (item.hash) {
    const got = item.hash.digest('hex');
    if (got.toLowerCase() === (item.expected as string).toLowerCase()) item.status = 'OK';
    else { item.status = 'BAD'; item.message = `Expected ${item.expected} != ${got}`; }
    return;
  }
  const check = item.check as SignatureCheck;
  if (check.signature.type !== 0) { item.status = 'BAD'; return; }
  const r = check.finish();
  item.status = r.status === 'ok' ? 'OK' : r.status === 'nokey' ? 'NOKEY' : r.status === 'unsupported' ? 'NOTFOUND' : 'BAD';
}

function feed(items: Item[], range: number, chunk: Buffer): void {
  for (const i of items) if (i.live && (i.spec.range & range)) { i.hash?.update(chunk); i.check?.update(chunk); }
}

/** rpmvsVerify: the order, the strength of wrapped digests, what is required, the verdict. */
function verdictOf(all: Item[]): Omit<ChecksigResult, 'signatures' | 'error'> {
  const items = [...all].sort((a, b) => (a.spec.range - b.spec.range) || (b.spec.type - a.spec.type) || (b.id - a.id) || (b.spec.disabler - a.spec.disabler));
  const verified = { [DIGEST]: 0, [SIGNATURE]: 0 } as Record<number, number>;
  let range = 0;
  for (const i of items) {
    if (!i.spec.inSignatureHeader && (verified[SIGNATURE] & HEADER)) i.strength = SIGNATURE;
    if (i.status === 'OK') { verified[i.spec.type] |= i.spec.range; verified[i.strength] |= i.spec.range; }
    range |= i.spec.range;
  }
  const level = DIGEST | (verified[SIGNATURE] ? SIGNATURE : 0);
  const reported: ChecksigItem[] = [];
  let seen = 0, bad = 0;
  for (const i of items) {
    if (i.status === 'BAD') {
      const alt = items.find((o) => o.id !== i.id && o.spec.disabler === i.spec.disabler);
      if (alt && alt.status === 'OK') i.status = 'NOTFOUND';
    }
    const strength = i.spec.type | i.strength;
    let required = 0;
    if (level & strength & DIGEST) required |= range & ~verified[DIGEST] & i.spec.range;
    if (level & strength & SIGNATURE) required |= range & ~verified[SIGNATURE] & i.spec.range;
    if (!required && i.status === 'NOTFOUND') continue;
    reported.push(publicItem(i));
    seen |= i.spec.type;
    if (i.status !== 'OK') bad |= i.spec.type;
  }
  const words = [
    ...(seen & DIGEST ? [bad & DIGEST ? 'DIGESTS' : 'digests'] : []),
    ...(seen & SIGNATURE ? [bad & SIGNATURE ? 'SIGNATURES' : 'signatures'] : []),
    bad ? 'NOT OK' : 'OK',
  ];
  return { ok: bad === 0, items: reported, verdict: words.join(' ') };
}

function publicItem(i: Item): ChecksigItem {
  return {
    kind: i.spec.type === DIGEST ? 'digest' : 'signature', tag: i.spec.tag, range: RANGE_WORD[i.spec.range], description: describe(i), status: i.status,
    ...(i.message ? { message: i.message } : {}), ...(i.spec.type === SIGNATURE && i.signature ? { keyId: i.signature.keyId } : {}),
  };
}

/**
 * Checks the package whose bytes `source` yields (the whole .rpm, from its lead) against
 * `keys`. Never throws for a bad package: the result says what rpm would say.
 */
export async function checksig(source: AsyncIterable<Buffer>, keys: readonly PgpKey[], what = 'package'): Promise<ChecksigResult> {
  const reader = new ByteReader(source);
  const unreadable = (error: string): ChecksigResult => ({ ok: false, items: [], signatures: [], verdict: 'NOT OK', error });
  let signature: RpmHeader, header: RpmHeader;
  try {
    const lead = await reader.read(LEAD_SIZE);
    if (lead === null) return unreadable(`${what}: not an RPM package (shorter than an rpm lead)`);
    parseLead(lead, what);
    signature = await readHeader(reader, `${what}: signature header`, 62);
    const size = signature.bytes.length;
    if ((await reader.read((8 - (size % 8)) % 8)) === null) return unreadable(`${what}: truncated after the signature header`);
    header = await readHeader(reader, `${what}: header`, 63);
  } catch (err) {
    if (err instanceof BazaarError) return unreadable(err.message);
    throw err;
  }
  const items = SPECS.flatMap((spec) => itemsOf(spec, spec.inSignatureHeader ? signature : header, keys));
  feed(items, HEADER, Buffer.from(header.bytes));
  for await (const chunk of reader.rest()) feed(items, PAYLOAD, chunk);
  for (const i of items) if (i.live) judge(i);
  const signatures = items.filter((i) => i.spec.type === SIGNATURE && (i.signature || i.status !== 'NOTFOUND')).map(publicItem);
  return { ...verdictOf(items), signatures };
}

/** A header blob read and checked as rpm reads it before any tag (header-blob.ts). */
async function readHeader(reader: ByteReader, what: string, regionTag: 62 | 63): Promise<RpmHeader> {
  const intro = await reader.read(HEADER_INTRO_SIZE);
  if (intro === null) throw new BazaarError('ERR_RPM_TRUNCATED', `${what} is truncated`);
  const size = headerSize(intro, what);
  const rest = await reader.read(size - HEADER_INTRO_SIZE);
  if (rest === null) throw new BazaarError('ERR_RPM_TRUNCATED', `${what} is truncated`);
  const bytes = Buffer.concat([intro, rest]);
  const problem = headerBlobProblem(bytes, regionTag, regionTag === 63);
  if (problem) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${what}: ${problem.trim()}`);
  return new RpmHeader(bytes, what);
}
