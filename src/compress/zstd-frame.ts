/**
 * The zstd format's headers (RFC 8878 §3.1), read without decompressing anything: the one
 * parser of frame and block headers, used for the store's own frames (codec.ts) and for
 * every zstd stream that comes in (zstd-frame-walker.ts), and the one window limit.
 */

export const ZSTD_MAGIC = 0xfd2fb528;

/** Skippable frames carry magic numbers 0x184D2A50 to 0x184D2A5F (RFC 8878 §3.1.2). */
export function isSkippableMagic(magic: number): boolean { return (magic & 0xfffffff0) === 0x184d2a50; }

/**
 * The largest window a frame may ask for, whatever brings it (a layer archive, an RPM
 * payload, rpm-md, an upload, a store object): zstd's own default decoding limit
 * (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27 in zstd.h), which `zstd -d` enforces too. Without it
 * a 12-byte input may make a decoder allocate 2 GiB.
 */
export const MAX_WINDOW = 1 << 27;

/** RFC 8878 §3.1.1.2: Block_Maximum_Size is min(Window_Size, 128 KiB). */
export const MAX_BLOCK = 128 << 10;

/** A frame header's fields, as far as bazaar needs them. */
export interface FrameHeader {
  /** Bytes from the magic number to the first block header. */
  length: number;
  /** Window_Size: the history a decoder must keep (the content size for a single-segment frame). */
  window: number;
  /** Frame_Content_Size, or null when the frame does not declare it. */
  contentSize: number | null;
  checksum: boolean;
  dictionaryId: number;
  /** The descriptor's reserved bit, which a valid frame leaves clear. */
  reservedBit: boolean;
}

/** Bytes from a frame's magic number to its first block header, from its descriptor byte (the fifth). */
export function frameHeaderLength(descriptor: number): number {
  const single = (descriptor >> 5) & 1;
  const dictBytes = [0, 1, 2, 4][descriptor & 3];
  const fcsBytes = [single, 2, 4, 8][descriptor >> 6];
  return 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
}

/** Reads the frame header at the start of `h`, which holds at least frameHeaderLength(h[4]) bytes. */
export function parseFrameHeader(h: Buffer): FrameHeader {
  const fhd = h[4];
  const single = (fhd >> 5) & 1;
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const fcsBytes = [single, 2, 4, 8][fhd >> 6];
  const dictAt = 5 + (single ? 0 : 1);
  const fcsAt = dictAt + dictBytes;
  const contentSize = fcsBytes === 0 ? null
    : fcsBytes === 8 ? h.readUInt32LE(fcsAt) + h.readUInt32LE(fcsAt + 4) * 2 ** 32
      : h.readUIntLE(fcsAt, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
  let window: number;
  if (single) {
    window = contentSize as number;
  } else {
    const wd = h[5];
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  return {
    length: fcsAt + fcsBytes,
    window,
    contentSize,
    checksum: ((fhd >> 2) & 1) === 1,
    dictionaryId: dictBytes ? h.readUIntLE(dictAt, dictBytes) : 0,
    reservedBit: (fhd & 0x08) !== 0,
  };
}

export interface BlockHeader {
  last: boolean;
  /** 0 raw, 1 RLE, 2 compressed, 3 reserved. */
  type: number;
  /** Block_Size: for an RLE block the bytes it decodes to, else the bytes that follow. */
  size: number;
  /** Bytes of the block after its 3-byte header. */
  body: number;
}

/** Reads the 3-byte block header at `at`. */
export function parseBlockHeader(h: Buffer, at = 0): BlockHeader {
  const bh = h[at] | (h[at + 1] << 8) | (h[at + 2] << 16);
  const type = (bh >> 1) & 3;
  const size = bh >>> 3;
  return { last: (bh & 1) === 1, type, size, body: type === 1 ? 1 : size };
}
