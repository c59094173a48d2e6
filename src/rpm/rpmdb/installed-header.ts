/**
 * From a header blob as rpm's database stores it to the package's original header.
 *
 * rpm installs a package by importing its main header, adding what it learns at install
 * time (INSTALLTIME, INSTALLTID, FILESTATES, INSTALLCOLOR, the signature header's digests
 * merged as SIGMD5 / SHA1HEADER / SHA256HEADER ...) and exporting the result. The tags
 * the package brought stay untouched inside the immutable region: index entry 0 is
 * RPMTAG_HEADERIMMUTABLE (63), whose data is a 16-byte trailer at the region's end saying
 * how many index entries (ril) and data bytes (rdl) the region spans. Cutting those out,
 * with the header magic and ril/rdl in front, gives back the package's main header byte
 * for byte: what rpm hashes for SHA1HEADER / SHA256HEADER (lib/package.c headerVerify,
 * lib/header.c hdrblobVerifyRegion), and what the store takes as the build identity.
 */
import { createHash } from 'node:crypto';
import { BazaarError } from '../../errors.js';
import { HEADER_DATA_MAX, HEADER_INTRO_SIZE, HEADER_MAGIC, HEADER_TAGS_MAX, RpmHeader } from '../header.js';
import { Tag, TagType } from '../tags.js';

/** Tags rpm adds at install time that bazaar reads (rpm's lib/rpmtag.h). */
export const InstallTag = {
  /** The signature header's digests, merged into the installed header (RPMTAG_SIG_BASE + n). */
  SIGMD5: 261, SHA1HEADER: 269, SHA256HEADER: 273, SHA3_256HEADER: 279,
  INSTALLTIME: 1008, INSTALLTID: 1128,
  /** The legacy region rpm gives headers it imports without one (rpm v3 packages). */
  HEADERIMAGE: 61,
} as const;

const ENTRY_SIZE = 16;
/** rpm's REGION_TAG_COUNT: a region tag's data is one 16-byte index entry. */
const REGION_TAG_COUNT = 16;

/** How `header` was obtained: the package's own immutable region, or the fallback. */
export type HeaderOrigin = 'immutable-region' | 'whole-header';

export interface InstalledHeader {
  /**
   * The package's original main header (magic included), so that sha256(header) is the
   * package's SHA256HEADER and the store's build id. When the installed header has no
   * immutable region (packages in rpm v3 format), this is the whole installed header and
   * `origin` is 'whole-header': it then matches no package file.
   */
  header: Uint8Array;
  /** The whole installed header as stored, install-time tags included. */
  installed: RpmHeader;
  origin: HeaderOrigin;
  /** The digests stored in the installed header that `header` was checked against. */
  verified: Array<'sha1' | 'sha256' | 'sha3-256'>;
  /** INSTALLTIME, seconds since the epoch. */
  installTime?: number;
  /** The database's header number. */
  hnum?: number;
}

/** Where a blob came from, for error messages. */
export interface BlobSource { path: string; hnum: number; offset: number }

function bad(src: BlobSource, message: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `${src.path}: header #${src.hnum} (record at offset ${src.offset}) is corrupt: ${message}`,
    { data: { path: src.path, hnum: src.hnum, offset: src.offset }, cause });
}

function withIntro(il: number, dl: number, ...parts: Uint8Array[]): Uint8Array {
  const total = HEADER_INTRO_SIZE + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(HEADER_MAGIC, 0);
  view.setUint32(8, il);
  view.setUint32(12, dl);
  let at = HEADER_INTRO_SIZE;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function parse(bytes: Uint8Array, src: BlobSource, what: string): RpmHeader {
  try {
    return new RpmHeader(bytes, `${src.path}: header #${src.hnum}${what}`);
  } catch (err) {
    throw bad(src, `${what ? `${what.trim()}: ` : ''}${(err as Error).message.replace(/^.*?: /, '')}`, err);
  }
}

/**
 * The immutable region of an exported header, as the original header's bytes; null when
 * entry 0 is not a HEADERIMMUTABLE region tag. Checks the region the way rpm's
 * hdrblobVerifyRegion does; a malformed region is corruption, not an absent one.
 */
function immutableRegion(blob: Uint8Array, il: number, dl: number, src: BlobSource): Uint8Array | null {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const tag = view.getUint32(8);
  if (tag !== Tag.HEADERIMMUTABLE) return null;
  const type = view.getUint32(12);
  const offset = view.getInt32(16);
  const count = view.getUint32(20);
  if (type !== TagType.BIN || count !== REGION_TAG_COUNT) throw bad(src, `region tag has type ${type} and count ${count}`);
  if (offset < 0 || offset + REGION_TAG_COUNT > dl) throw bad(src, `region trailer at data offset ${offset} lies outside the ${dl}-byte data`);
  const data = 8 + il * ENTRY_SIZE;
  const trailer = new DataView(blob.buffer, blob.byteOffset + data + offset, REGION_TAG_COUNT);
  const tTag = trailer.getUint32(0);
  const tType = trailer.getUint32(4);
  const tSize = -trailer.getInt32(8);
  const tCount = trailer.getUint32(12);
  if (tTag !== Tag.HEADERIMMUTABLE || tType !== TagType.BIN || tCount !== REGION_TAG_COUNT) {
    throw bad(src, `region trailer is {tag ${tTag}, type ${tType}, count ${tCount}}, not the HEADERIMMUTABLE trailer`);
  }
  const ril = tSize / ENTRY_SIZE;
  const rdl = offset + REGION_TAG_COUNT;
  if (!Number.isInteger(ril) || ril < 1 || ril > il) throw bad(src, `region trailer claims ${tSize} bytes of index entries, the header has ${il} entries`);
  return withIntro(ril, rdl, blob.subarray(8, 8 + ril * ENTRY_SIZE), blob.subarray(data, data + rdl));
}

const DIGESTS: Array<[number, 'sha1' | 'sha256' | 'sha3-256']> = [
  [InstallTag.SHA256HEADER, 'sha256'], [InstallTag.SHA1HEADER, 'sha1'], [InstallTag.SHA3_256HEADER, 'sha3-256'],
];

/**
 * Parses one stored blob, extracts the original header and, when `verify` is set (the
 * default), checks it against every header digest the installed header carries.
 */
export function installedHeader(blob: Uint8Array, src: BlobSource, verify = true): InstalledHeader {
  if (blob.length < 8) throw bad(src, `the blob is ${blob.length} bytes, too short for a header`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  if (il < 1 || il > HEADER_TAGS_MAX) throw bad(src, `${il} index entries is out of range`);
  if (dl > HEADER_DATA_MAX) throw bad(src, `data size ${dl} is out of range`);
  if (8 + il * ENTRY_SIZE + dl !== blob.length) throw bad(src, `the blob is ${blob.length} bytes, but ${il} entries and ${dl} data bytes make ${8 + il * ENTRY_SIZE + dl}`);
  const installed = parse(withIntro(il, dl, blob.subarray(8)), src, '');
  const region = immutableRegion(blob, il, dl, src);
  const header = region ?? installed.bytes;
  if (region) parse(region, src, ' immutable region');
  const verified: InstalledHeader['verified'] = [];
  if (verify && region) {
    for (const [tag, algo] of DIGESTS) {
      const want = installed.string(tag);
      if (want === undefined) continue;
      const got = createHash(algo).update(header).digest('hex');
      if (got !== want.toLowerCase()) throw bad(src, `its ${algo} header digest is ${want}, the immutable region hashes to ${got}`);
      verified.push(algo);
    }
  }
  return {
    header,
    installed,
    origin: region ? 'immutable-region' : 'whole-header',
    verified,
    installTime: installed.number(InstallTag.INSTALLTIME),
    hnum: src.hnum,
  };
}
