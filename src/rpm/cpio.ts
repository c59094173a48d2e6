/**
 * The cpio archive inside an rpm payload: SVR4 "newc" (magic 070701, 110-byte ASCII-hex
 * headers, name and data padded to 4 bytes), and rpm's large-file variant (magic 07070X,
 * "stripped": only the index of the file in the header's file list, whose size the header
 * gives). See rpm's lib/cpio.c.
 */
import { BazaarError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';

const NEWC_HEADER = 110;
const STRIPPED_HEADER = 14;
/** Longest path rpm accepts (PATH_MAX). */
const NAME_MAX = 4096;
export const TRAILER = 'TRAILER!!!';

export interface CpioEntry {
  /** The path without the leading `./` or `/`. */
  name: string;
  /** For stripped entries: the index into the header's file list. */
  fileIndex: number | null;
  mode: number;
  nlink: number;
  /** Body size; for stripped entries the caller supplies it from the header. */
  size: number;
}

function bad(message: string, offset: number): BazaarError {
  return new BazaarError('ERR_RPM_PAYLOAD', `payload is corrupt: ${message} (at uncompressed offset ${offset})`, { data: { offset } });
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function hex(field: Buffer, offset: number): number {
  const text = field.toString('latin1');
  if (!/^[0-9a-fA-F]{8}$/.test(text)) throw bad(`cpio header field "${text}" is not hexadecimal`, offset);
  return parseInt(text, 16);
}

/**
 * Reads the next entry header; returns null at the trailer. The caller then consumes
 * `size` body bytes and calls `finishEntry`.
 */
export async function nextCpioEntry(r: ByteReader): Promise<CpioEntry | null> {
  const at = r.position;
  const magic = await r.read(6);
  if (!magic) throw bad('archive ends without a trailer', at);
  const m = magic.toString('latin1');
  if (m === '07070X') {
    const idx = await r.read(8);
    // The stripped header (14 bytes) is padded to 4 like everything else.
    if (!idx || !(await r.read(pad4(STRIPPED_HEADER)))) throw bad('truncated entry header', at);
    return { name: '', fileIndex: hex(idx, at), mode: 0, nlink: 1, size: -1 };
  }
  if (m !== '070701' && m !== '070702') throw bad(`bad cpio magic "${m.replace(/[^\x20-\x7e]/g, '?')}"`, at);
  const h = await r.read(NEWC_HEADER - 6);
  if (!h) throw bad('truncated entry header', at);
  const field = (i: number): number => hex(h.subarray(i * 8, i * 8 + 8), at);
  const mode = field(1);
  const nlink = field(4);
  const size = field(6);
  const nameSize = field(11);
  if (nameSize < 1 || nameSize > NAME_MAX) throw bad(`name size ${nameSize} is out of range`, at);
  const nameBytes = await r.read(nameSize + pad4(NEWC_HEADER + nameSize));
  if (!nameBytes) throw bad('truncated entry name', at);
  const name = nameBytes.subarray(0, nameSize - 1).toString('utf8');
  if (name === TRAILER) return null;
  return { name: name.replace(/^\.?\//, ''), fileIndex: null, mode, nlink, size };
}

/** Skips the padding after an entry body. */
export async function finishCpioEntry(r: ByteReader, entry: CpioEntry): Promise<void> {
  // Bodies start 4-aligned in both variants, so the padding depends on the size alone.
  const p = pad4(entry.size);
  if (p) await r.skip(p, () => bad('truncated padding', r.position));
}
