/**
 * Range records: an object stored as bytes [offset, offset + length) of another object's
 * content, not as its own bytes. An .rpm's main header is stored so (the build identity
 * and the blob every package reader decodes): it already lies inside the stored .rpm, and
 * a second copy was a tenth of a store of small packages (docs/store.md#range-records).
 *
 *   u32 RANGE_MAGIC, u32 44    a zstd skippable frame, so a pack walk tells it apart
 *   source id (32 bytes)       the object whose content holds the bytes (never a range record itself)
 *   u64 offset, u32 length     where in that content
 *   CRC trailer                as every stored object has (codec.ts)
 *
 * Only the files backend writes them, only in packs. Reading one gives the bytes of the
 * source's range as a raw-stored object (marker, content, CRC trailer), so every reader
 * above the backend (hash check, migrate, the server) sees an ordinary object; its
 * content is verified against its own id as every object's is.
 */
import { BazaarError } from '../errors.js';
import { FrameEncoder, RAW_HEADER_SIZE, RAW_MAGIC, TRAILER_BYTES, decodeStored, storedLayout } from '../compress/stored.js';
import type { ObjectId } from './layout.js';

/** Skippable-frame magic of a range record ("C", after the trailer's "B" and the raw marker's). */
export const RANGE_MAGIC = 0x184d2a5d;
const BODY = 8 + 32 + 8 + 4;
/** Every range record is exactly this long: a pack entry of another length is not one. */
export const RANGE_RECORD_SIZE = BODY + TRAILER_BYTES;

export interface RangeRecord { source: ObjectId; offset: number; length: number }

function withTrailer(parts: Buffer[]): Buffer {
  const e = new FrameEncoder();
  for (const p of parts) e.account(p);
  return Buffer.concat([...parts, e.trailer()]);
}

export function encodeRangeRecord(r: RangeRecord): Buffer {
  const body = Buffer.alloc(BODY);
  body.writeUInt32LE(RANGE_MAGIC, 0);
  body.writeUInt32LE(BODY - 8, 4);
  Buffer.from(r.source.slice(7), 'hex').copy(body, 8);
  body.writeBigUInt64LE(BigInt(r.offset), 40);
  body.writeUInt32LE(r.length, 48);
  return withTrailer([body]);
}

/** Whether stored bytes are a range record (by their magic; `parseRangeRecord` checks the rest). */
export function isRangeRecord(stored: Buffer): boolean {
  return stored.length === RANGE_RECORD_SIZE && stored.readUInt32LE(0) === RANGE_MAGIC;
}

function corrupt(id: ObjectId, why: string): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is damaged: ${why}`, { data: { id } });
}

/** The record in `stored`, its CRC checked: a flipped bit is damage naming `id`. */
export function parseRangeRecord(id: ObjectId, stored: Buffer): RangeRecord {
  const body = stored.subarray(0, BODY);
  if (!isRangeRecord(stored) || body.readUInt32LE(4) !== BODY - 8 || !withTrailer([body]).equals(stored)) {
    throw corrupt(id, 'its range record does not match its CRC-32 (a flipped bit)');
  }
  return { source: `sha256:${body.subarray(8, 40).toString('hex')}`, offset: Number(body.readBigUInt64LE(40)), length: body.readUInt32LE(48) };
}

/** `content` stored raw (codec.ts's layout), as the record's object is handed on. */
export function asRawStored(content: Buffer): Buffer {
  const marker = Buffer.alloc(RAW_HEADER_SIZE);
  marker.writeUInt32LE(RAW_MAGIC, 0);
  return withTrailer([marker, content]);
}

/**
 * Where the source's stored bytes are: a file and the place of its encoded bytes in it
 * (`read` gives a part of them), or its stored bytes as a stream.
 */
export interface RangeSource {
  length: number;
  read(offset: number, length: number): Buffer | null;
  stream(): Promise<AsyncIterable<Buffer> | null>;
}

/**
 * The bytes a record names, from its source's stored bytes: read in place when the source
 * is stored raw, else decoded frame by frame only as far as the range reaches (an .rpm's
 * header is at its start). Not verified here: the caller hashes them against the id.
 */
export async function rangeContent(id: ObjectId, r: RangeRecord, source: RangeSource | null): Promise<Buffer> {
  const where = `bytes ${r.offset}-${r.offset + r.length} of ${r.source}`;
  if (source === null) throw corrupt(id, `it is stored as ${where}, which is not in the store`);
  const head = source.read(0, RAW_HEADER_SIZE);
  if (head !== null && storedLayout(head) === 'raw') {
    if (RAW_HEADER_SIZE + r.offset + r.length > source.length - TRAILER_BYTES) throw corrupt(id, `it is stored as ${where}, which is shorter`);
    const bytes = source.read(RAW_HEADER_SIZE + r.offset, r.length);
    if (bytes === null || bytes.length !== r.length) throw corrupt(id, `it is stored as ${where}, which cannot be read`);
    return bytes;
  }
  const stored = await source.stream();
  if (stored === null) throw corrupt(id, `it is stored as ${where}, which is not in the store`);
  const parts: Buffer[] = [];
  let at = 0;
  const end = r.offset + r.length;
  try {
    for await (const chunk of decodeStored(stored)) {
      const from = Math.max(r.offset - at, 0);
      const to = Math.min(end - at, chunk.length);
      if (to > from) parts.push(chunk.subarray(from, to));
      at += chunk.length;
      if (at >= end) break;
    }
  } catch (err) {
    throw corrupt(id, `it is stored as ${where}, which cannot be decoded (${(err as Error).message})`);
  } finally {
    (stored as { destroy?: () => void }).destroy?.();
  }
  if (at < end) throw corrupt(id, `it is stored as ${where}, which is shorter`);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
