/**
 * zstd on disk. The only module that imports the zstd library, so it can be swapped
 * after measuring.
 *
 * An object is a sequence of independent zstd frames, each holding at most FRAME_SIZE
 * uncompressed bytes: memory stays bounded for objects of any size, and the file is still
 * a standard zstd stream (`zstd -d` reads it). The last frame is a skippable frame
 * holding the CRC-32 of every byte before it, so any flipped bit in the file is found,
 * even one that zstd would decode to the same content (a frame header flag, say). Note: @mongodb-js/zstd 1.2.2 ignores the
 * level argument and always compresses at zstd's default level (3).
 *
 * An object whose first frame zstd shrinks by less than RAW_SAVING (an .rpm, a squashfs:
 * already compressed) is stored raw instead: an empty skippable frame as a marker, the
 * content as it is, and the same CRC trailer. Its content then lies in the file byte for
 * byte, so a server can send it from there without decoding anything (storedLayout).
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BazaarError, oneLine } from '../errors.js';
import { MAX_WINDOW, ZSTD_MAGIC, frameHeaderLength, isSkippableMagic, parseBlockHeader, parseFrameHeader } from './zstd-frame.js';

interface ZstdNative { compress(data: Buffer, level?: number): Promise<Buffer>; decompress(data: Buffer): Promise<Buffer> }
let native: ZstdNative | null = null;
/**
 * The native binding, loaded on first need. On glibc x86_64 its platform package is
 * required directly: the package's own loader asks for a whole process report (~30 ms)
 * to tell glibc from musl, on every start. (A pure-JS decoder was tried for small
 * objects: 350 µs per object against 50 µs native, so every read is native.)
 */
function zstdNative(): ZstdNative {
  if (native) return native;
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && process.arch === 'x64') {
    try { native = require('@mongodb-js/zstd-linux-x64-gnu') as ZstdNative; return native; } catch { /* musl or absent: the package decides */ }
  }
  try {
    native = require('@mongodb-js/zstd') as ZstdNative;
  } catch (err) {
    // Not damage (every object would read as damaged, and a repair would set them aside):
    // this host cannot read the store at all until bazaar's dependencies are installed.
    throw new BazaarError('ERR_STORE_UNAVAILABLE', `the zstd codec (@mongodb-js/zstd) cannot be loaded, so no object can be read here (the store is not damaged): ${oneLine((err as Error).message)}; install bazaar's dependencies again (npm ci) where it runs`, { cause: err });
  }
  return native;
}
/** Loads the native codec now, for a caller about to read many objects (a checkout). */
export async function loadNativeZstd(): Promise<void> { zstdNative(); }

/** Uncompressed bytes per frame. */
export const FRAME_SIZE = 1 << 20;

/** Skippable-frame magic (0x184D2A50-5F are reserved for them); "B" for bazaar. */
const TRAILER_MAGIC = 0x184d2a5b;
const TRAILER_SIZE = 12;

/**
 * Skippable-frame magic of the raw marker: an object that starts with these 8 bytes (the
 * magic and a zero length) holds its content as it is, up to the trailer.
 */
export const RAW_MAGIC = 0x184d2a5c;
export const RAW_HEADER_SIZE = 8;
const RAW_HEADER = Buffer.alloc(RAW_HEADER_SIZE);
RAW_HEADER.writeUInt32LE(RAW_MAGIC, 0);
/** Bytes after an object's content: the CRC trailer. */
export const TRAILER_BYTES = TRAILER_SIZE;

/**
 * zstd must save at least this share of the first frame, or the object is stored raw: a
 * few percent of an .rpm is not worth decompressing it on every download.
 */
export const RAW_SAVING = 0.03;

/** How an object's bytes are laid out, from its first RAW_HEADER_SIZE bytes. */
export function storedLayout(head: Buffer): 'raw' | 'zstd' {
  return head.length >= RAW_HEADER_SIZE && head.subarray(0, RAW_HEADER_SIZE).equals(RAW_HEADER) ? 'raw' : 'zstd';
}

/**
 * Compresses frames one at a time and tracks the CRC-32 that the trailer records. With
 * `rawWhenIncompressible` (the store's objects), the first frame decides: if zstd saves
 * less than RAW_SAVING of it, this and every later piece is written as it is, after the
 * raw marker (and not compressed at all: no time spent on what does not shrink).
 */
export class FrameEncoder {
  private crc = 0;
  private layout: 'undecided' | 'raw' | 'zstd';

  constructor(options: { rawWhenIncompressible?: boolean } = {}) {
    this.layout = options.rawWhenIncompressible ? 'undecided' : 'zstd';
  }

  /** The next frame's bytes, counted into the trailer's CRC. */
  async frame(data: Buffer): Promise<Buffer> {
    const out = await this.encode(data);
    this.account(out);
    return out;
  }

  /** Whether the first frame has fixed the layout, so that later frames may be encoded concurrently. */
  get decided(): boolean { return this.layout !== 'undecided'; }

  /**
   * A frame's bytes, not yet counted: a writer that compresses several frames at once
   * (once `decided`) calls `account` on each result in order.
   */
  async encode(data: Buffer): Promise<Buffer> {
    if (this.layout === 'raw') return data;
    let out = await zstdNative().compress(data, 3);
    if (this.layout === 'undecided') {
      this.layout = out.length > data.length * (1 - RAW_SAVING) ? 'raw' : 'zstd';
      if (this.layout === 'raw') out = Buffer.concat([RAW_HEADER, data]);
    }
    return out;
  }

  account(out: Buffer): void { this.crc = crc32(out, this.crc); }

  trailer(): Buffer {
    const t = Buffer.alloc(TRAILER_SIZE);
    t.writeUInt32LE(TRAILER_MAGIC, 0);
    t.writeUInt32LE(4, 4);
    t.writeUInt32LE(this.crc >>> 0, 8);
    return t;
  }
}

/**
 * Checks a frame's header against bazaar's limits before anything is decoded, so that a
 * damaged one cannot make the decoder allocate gigabytes: bazaar writes frames of at most
 * FRAME_SIZE bytes, so a frame declaring more content (or, declaring none, a larger
 * window), or a window above MAX_WINDOW, is damage.
 */
function checkedFrameHeader(frame: Buffer): void {
  const header = parseFrameHeader(frame);
  const declared = header.contentSize ?? header.window;
  if (declared > 2 * FRAME_SIZE) throw corrupt(`a zstd frame declares ${declared} bytes, more than bazaar ever writes in one frame`);
  if (header.window > MAX_WINDOW) throw corrupt(`a zstd frame asks for a ${header.window}-byte window (limit ${MAX_WINDOW})`);
}

/** Decodes one of the store's own frames, whole, its header checked first (checkedFrameHeader). */
export async function decompressFrame(frame: Buffer): Promise<Buffer> {
  checkedFrameHeader(frame);
  const codec = zstdNative();
  return codec.decompress(frame);
}

function corrupt(message: string): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_CORRUPT', message);
}

/**
 * Length of the zstd frame (or skippable frame) at the start of `buf`, or 0 when `buf`
 * does not yet hold the whole frame. Walks the frame header and block headers
 * (RFC 8878 §3.1) without decompressing anything.
 */
export function frameLength(buf: Buffer): number {
  if (buf.length < 4) return 0;
  const magic = buf.readUInt32LE(0);
  if (isSkippableMagic(magic)) {
    if (buf.length < 8) return 0;
    const n = 8 + buf.readUInt32LE(4);
    return buf.length >= n ? n : 0;
  }
  if (magic !== ZSTD_MAGIC) throw corrupt('not a zstd frame');
  if (buf.length < 5 || buf.length < frameHeaderLength(buf[4])) return 0;
  const header = parseFrameHeader(buf);
  let pos = header.length;
  for (; ;) {
    if (buf.length < pos + 3) return 0;
    const block = parseBlockHeader(buf, pos);
    if (block.type === 3) throw corrupt('reserved zstd block type');
    pos += 3 + block.body;
    if (block.last) break;
  }
  pos += header.checksum ? 4 : 0;
  return buf.length >= pos ? pos : 0;
}

/** The layout of stored bytes, read from their start, and the same bytes again as a stream. */
export async function peekLayout(chunks: AsyncIterable<Buffer>): Promise<{ layout: 'raw' | 'zstd'; stream: AsyncGenerator<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  while (head.length < RAW_HEADER_SIZE && !done) {
    const r = await it.next();
    if (r.done) done = true; else head = head.length ? Buffer.concat([head, r.value]) : r.value;
  }
  const stream = (async function* (): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      if (done) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      if (!done) await it.return?.();
    }
  })();
  return { layout: storedLayout(head), stream };
}

/**
 * An object's content from its stored bytes, either layout: zstd frames decoded one at a
 * time, or raw content passed through (the last TRAILER_SIZE bytes held back for the CRC
 * check). Throws ERR_STORE_OBJECT_CORRUPT on a bad CRC, a truncation or bad frames.
 */
export async function* decodeStored(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { layout, stream: rest } = await peekLayout(chunks);
  if (layout === 'zstd') { yield* decompressFrames(rest); return; }
  // The marker and the content are under the CRC; the marker is not content.
  let crc = 0;
  let skip = RAW_HEADER_SIZE;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of rest) {
    const all = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    const cut = all.length - TRAILER_SIZE;
    if (cut <= 0) { tail = Buffer.from(all); continue; }
    crc = crc32(all.subarray(0, cut), crc);
    tail = Buffer.from(all.subarray(cut));
    const from = Math.min(skip, cut);
    skip -= from;
    if (from < cut) yield all.subarray(from, cut);
  }
  if (skip > 0) throw corrupt('object ends in its raw marker (truncated?)');
  if (tail.length !== TRAILER_SIZE || tail.readUInt32LE(0) !== TRAILER_MAGIC || tail.readUInt32LE(4) !== 4) throw corrupt('object has no integrity trailer (truncated?)');
  if (tail.readUInt32LE(8) !== crc >>> 0) throw corrupt('its bytes on disk do not match their CRC-32 (a flipped bit)');
}

/**
 * An object's content from its stored bytes held whole (a small object: one read), with
 * exactly decodeStored's checks (the CRC trailer over every byte before it, nothing after
 * it, each frame's header within bazaar's limits) but without a stream of generators per
 * object: most of a walk over many small objects went there.
 */
export async function decodeWhole(stored: Buffer): Promise<Buffer> {
  return (await decodeWholeUpTo(stored, Infinity))!;
}

/**
 * `decodeWhole`, or null as soon as the content is known to exceed `limit` bytes (frames
 * past it are not decoded: a reader that expects a small object never holds a large one).
 */
export async function decodeWholeUpTo(stored: Buffer, limit: number): Promise<Buffer | null> {
  const layout = wholeLayout(stored);
  if (layout === null) {
    // not ours at the end: a truncation, or frames running past where a trailer should be
    const parts: Buffer[] = [];
    let total = 0;
    for await (const b of decodeStored(once(stored))) {
      total += b.length;
      if (total > limit) return null;
      parts.push(b);
    }
    return Buffer.concat(parts);
  }
  if ('raw' in layout) return layout.raw.length > limit ? null : layout.raw;
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of layout.frames) {
    const part = await decompressFrame(frame);
    total += part.length;
    if (total > limit) return null;
    parts.push(part);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * The checks of stored bytes held whole that need no decoding: the CRC trailer over every
 * byte before it, nothing after it, whole frames. Gives the raw content, or the zstd
 * frames to decode (skippable frames left out; walked as they are taken); null when the bytes do not end in a
 * trailer (decodeStored then says why); throws ERR_STORE_OBJECT_CORRUPT.
 */
function wholeLayout(stored: Buffer): { raw: Buffer } | { frames: Iterable<Buffer> } | null {
  const end = stored.length - TRAILER_SIZE;
  if (end < 0 || stored.readUInt32LE(end) !== TRAILER_MAGIC || stored.readUInt32LE(end + 4) !== 4) {
    if (storedLayout(stored) === 'raw' && stored.length < RAW_HEADER_SIZE + TRAILER_SIZE) throw corrupt('object ends in its raw marker (truncated?)');
    return null;
  }
  if (stored.readUInt32LE(end + 8) !== crc32(stored.subarray(0, end)) >>> 0) throw corrupt('its bytes on disk do not match their CRC-32 (a flipped bit)');
  if (storedLayout(stored) === 'raw') return { raw: stored.subarray(RAW_HEADER_SIZE, end) };
  return { frames: zstdFramesOf(stored.subarray(0, end)) };
}

/** The zstd frames of stored bytes up to their trailer, walked lazily: a reader that decodes as it goes stops at the first bad frame, as the stream does. */
function* zstdFramesOf(body: Buffer): Generator<Buffer> {
  for (let pos = 0; pos < body.length;) {
    const n = frameLength(body.subarray(pos));
    if (n === 0) throw corrupt('object ends in the middle of a zstd frame');
    const frame = body.subarray(pos, pos + n);
    const magic = frame.readUInt32LE(0);
    if (magic === TRAILER_MAGIC && n === TRAILER_SIZE) throw corrupt('data after the integrity trailer');
    if (magic === ZSTD_MAGIC) yield frame;
    pos += n;
  }
}

/** Stored bytes decoded at most per native call of decodeWholeBatch. */
const BATCH_STORED_MAX = 1 << 20;

/**
 * A zstd frame of one raw block holding `marker` (32 bytes): decodes to the marker itself.
 * Header: single segment, a 1-byte content size; block header: last, raw, 32 bytes.
 */
function markerFrame(marker: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 32, 0x01, 0x01, 0x00]), marker]);
}

/**
 * Many small objects' contents from their stored bytes held whole, in few native calls:
 * a call costs ~28 µs of hops to libuv's pool and back whatever it decodes, and a walk
 * of a store is mostly objects of a few hundred bytes. libzstd decodes concatenated
 * frames as one stream, so the frames of many objects go in one call, each object's
 * followed by a frame that decodes to a marker of 32 random bytes drawn for the call
 * (bazaar's frames declare no content size to cut at), and the result is cut at the
 * markers. Each object passes exactly decodeWhole's checks first (wholeLayout,
 * checkedFrameHeader).
 *
 * An entry is null where this path does not decide: the bytes fail a check, or the call
 * fails (one damaged frame fails its whole call). Content given here is unverified: the
 * caller hashes it against the id (a marker in an object's content would cut it wrong,
 * and the hash would not match), and reads a null one, or one that does not hash to its
 * id, again the one-object way, whose error names what is wrong.
 */
export async function decodeWholeBatch(stored: readonly Buffer[]): Promise<Array<Buffer | null>> {
  return decodeBatch(stored.length, (i) => {
    const layout = wholeLayout(stored[i]);
    if (layout === null || 'raw' in layout) return layout;
    const frames = [...layout.frames];
    for (const f of frames) checkedFrameHeader(f);
    return { frames };
  });
}

/**
 * The content of the first zstd frame of each of `heads` (stored bytes from their start,
 * as far as the caller read them), decoded as decodeWholeBatch decodes; null where the
 * bytes start with anything else, the frame runs past what was read, or its header fails
 * checkedFrameHeader. For a range record (range-records.ts), which names bytes at the
 * start of its source: an .rpm is stored with its header in a frame of its own (cutAt),
 * so its payload frames need not be decoded again to check the header. As a range read
 * that stops early (rangeContent), the source's CRC is not checked here: what is given
 * is unverified, and the caller hashes the range against the record's id. The source
 * itself is checked, CRC and all, as an object of its own.
 */
export async function decodeFirstFrames(heads: ReadonlyArray<Buffer | null>): Promise<Array<Buffer | null>> {
  return decodeBatch(heads.length, (i) => {
    const head = heads[i];
    if (head === null || head.length < 4 || head.readUInt32LE(0) !== ZSTD_MAGIC) return null;
    const n = frameLength(head);
    if (n === 0) return null;
    const frame = head.subarray(0, n);
    checkedFrameHeader(frame);
    return { frames: [frame] };
  });
}

/**
 * decodeWholeBatch and decodeFirstFrames over `n` entries: `plan` tells, per entry, its
 * content as it lies (raw), the frames to decode, or null (a check failed; its
 * ERR_STORE_OBJECT_CORRUPT is null too).
 */
async function decodeBatch(n: number, plan: (i: number) => { raw: Buffer } | { frames: Buffer[] } | null): Promise<Array<Buffer | null>> {
  const out: Array<Buffer | null> = new Array<Buffer | null>(n).fill(null);
  // drawn when first needed: many calls have nothing to decode (a batch of raw or no range records)
  let marker: Buffer | null = null;
  let separator: Buffer | null = null;
  let group: number[] = [];
  let parts: Buffer[] = [];
  let groupBytes = 0;
  const decodeGroup = async (): Promise<void> => {
    const g = group;
    const input = Buffer.concat(parts);
    group = [];
    parts = [];
    groupBytes = 0;
    if (g.length === 0) return;
    let all: Buffer;
    try {
      all = await zstdNative().decompress(input);
    } catch (err) {
      if (err instanceof BazaarError) throw err; // the codec cannot be loaded: no object can be read
      return;
    }
    let pos = 0;
    for (const i of g) {
      const cut = all.indexOf(marker as Buffer, pos);
      if (cut < 0) return;
      out[i] = all.subarray(pos, cut);
      pos = cut + (marker as Buffer).length;
    }
  };
  for (let i = 0; i < n; i++) {
    let p: { raw: Buffer } | { frames: Buffer[] } | null;
    try {
      p = plan(i);
    } catch (err) {
      if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_CORRUPT') continue;
      throw err;
    }
    if (p === null) continue;
    if ('raw' in p) { out[i] = p.raw; continue; }
    if (p.frames.length === 0) { out[i] = Buffer.alloc(0); continue; }
    let bytes = 0;
    for (const f of p.frames) bytes += f.length;
    if (groupBytes + bytes > BATCH_STORED_MAX) await decodeGroup();
    marker ??= randomBytes(32);
    separator ??= markerFrame(marker);
    group.push(i);
    parts.push(...p.frames, separator);
    groupBytes += bytes;
  }
  await decodeGroup();
  return out;
}

async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }

/**
 * Decompresses a stream of compressed chunks frame by frame: at most one compressed
 * frame and one decompressed frame are held at once.
 */
export async function* decompressFrames(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let crc = 0;
  let sawTrailer = false;
  for await (const chunk of chunks) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (; ;) {
      const n = frameLength(pending);
      if (n === 0) break;
      const frame = pending.subarray(0, n);
      pending = pending.subarray(n);
      if (sawTrailer) throw corrupt('data after the integrity trailer');
      const magic = frame.readUInt32LE(0);
      if (magic === TRAILER_MAGIC && n === TRAILER_SIZE) {
        if (frame.readUInt32LE(8) !== crc >>> 0) throw corrupt('its bytes on disk do not match their CRC-32 (a flipped bit)');
        sawTrailer = true;
        continue;
      }
      crc = crc32(frame, crc);
      if (magic === ZSTD_MAGIC) yield await decompressFrame(frame);
    }
  }
  if (pending.length) throw corrupt('object ends in the middle of a zstd frame');
  if (!sawTrailer) throw corrupt('object has no integrity trailer (truncated?)');
}
