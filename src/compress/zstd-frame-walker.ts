/**
 * Walks a zstd stream's frame and block headers (RFC 8878 §3.1) as it arrives, without
 * decompressing, so an in-process decoder can be fed safely:
 *
 * - a frame asking for a window above MAX_WINDOW is refused before any decoder allocates
 *   it (a 12-byte input may otherwise claim a 2 GiB window);
 * - input is cut into slices whose output is bounded by SLICE_OUTPUT (plus one block): a
 *   64 KiB chunk of a compressed run of zeros decodes to gigabytes in one decoder call,
 *   and a slice boundary is the only place we can apply backpressure;
 * - a stream that ends inside a frame is reported as truncated, with the offset.
 */

/** zstd's own default decoding limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27 in zstd.h), as the `zstd` CLI enforces. */
export const MAX_WINDOW = 1 << 27;
/** Output one slice may produce at most, plus one block. */
export const SLICE_OUTPUT = 4 << 20;
/** RFC 8878 §3.1.1.2: Block_Maximum_Size is min(Window_Size, 128 KiB). */
const MAX_BLOCK = 128 << 10;
const ZSTD_MAGIC = 0xfd2fb528;

export class ZstdFormatError extends Error {}

type State = 'magic' | 'frameHeader' | 'skippableHeader' | 'blockHeader' | 'skip';

export class ZstdFrameWalker {
  private state: State = 'magic';
  /** Header bytes collected so far, and how many the current header needs. */
  private readonly hdr = Buffer.alloc(18);
  private hdrLen = 0;
  private want = 4;
  private afterSkip: 'blockHeader' | 'checksum' | 'magic' = 'magic';
  private lastBlock = false;
  private hasChecksum = false;
  private blockLimit = MAX_BLOCK;
  /** Output the pending slice may produce. */
  private bound = 0;
  /** Input bytes walked so far (for messages). */
  offset = 0;

  /** Yields `chunk` in slices, each safe to hand to the decoder in one call. */
  *slices(chunk: Buffer): Generator<Buffer> {
    let cut = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'skip') {
        const n = Math.min(this.want, chunk.length - i);
        i += n;
        this.want -= n;
        if (this.want === 0) this.endSkip();
        continue;
      }
      const n = Math.min(this.want - this.hdrLen, chunk.length - i);
      chunk.copy(this.hdr, this.hdrLen, i, i + n);
      this.hdrLen += n;
      i += n;
      if (this.hdrLen < this.want) continue;
      const blockOutput = this.headerComplete(this.offset + i);
      if (blockOutput > 0 && this.bound + blockOutput > SLICE_OUTPUT && i > cut) {
        yield chunk.subarray(cut, i);
        cut = i;
        this.bound = 0;
      }
      this.bound += blockOutput;
    }
    this.offset += chunk.length;
    if (cut < chunk.length) yield chunk.subarray(cut);
  }

  /** Throws when the stream stopped inside a frame. */
  finish(): void {
    if (this.state !== 'magic' || this.hdrLen !== 0) throw new ZstdFormatError(`zstd stream ends inside a frame at byte ${this.offset} (truncated)`);
  }

  private expect(state: State, want: number): void {
    this.state = state;
    this.want = want;
    this.hdrLen = 0;
  }

  private endSkip(): void {
    if (this.afterSkip === 'checksum') { this.afterSkip = 'magic'; this.expect('skip', 4); return; }
    this.expect(this.afterSkip, this.afterSkip === 'magic' ? 4 : 3);
  }

  /** Acts on a complete header; returns the output bound of a block header, else 0. */
  private headerComplete(at: number): number {
    const h = this.hdr;
    switch (this.state) {
      case 'magic': {
        const magic = h.readUInt32LE(0);
        if (magic === ZSTD_MAGIC) { this.state = 'frameHeader'; this.want = 5; return 0; }
        if ((magic & 0xfffffff0) === 0x184d2a50) { this.state = 'skippableHeader'; this.want = 8; return 0; }
        throw new ZstdFormatError(`not a zstd frame at byte ${at - 4} (bad magic number)`);
      }
      case 'skippableHeader': {
        this.afterSkip = 'magic';
        const size = h.readUInt32LE(4);
        if (size === 0) this.expect('magic', 4); else this.expect('skip', size);
        return 0;
      }
      case 'frameHeader': {
        const fhd = h[4];
        const single = (fhd >> 5) & 1;
        const dictBytes = [0, 1, 2, 4][fhd & 3];
        const fcsBytes = [single, 2, 4, 8][fhd >> 6];
        const full = 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
        if (this.want < full) { this.want = full; return 0; }
        if (fhd & 0x08) throw new ZstdFormatError(`zstd frame header at byte ${at - full} sets a reserved bit`);
        if (dictBytes && h.readUIntLE(5 + (single ? 0 : 1), dictBytes) !== 0) throw new ZstdFormatError('zstd frame needs a dictionary (not supported)');
        let window: number;
        if (single) {
          const p = 5 + dictBytes;
          window = fcsBytes === 8 ? h.readUInt32LE(p) + h.readUInt32LE(p + 4) * 2 ** 32 : h.readUIntLE(p, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
        } else {
          const wd = h[5];
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        if (window > MAX_WINDOW) throw new ZstdFormatError(`zstd frame at byte ${at - full} asks for a ${window}-byte window (limit ${MAX_WINDOW})`);
        this.blockLimit = Math.min(window, MAX_BLOCK);
        this.hasChecksum = ((fhd >> 2) & 1) === 1;
        this.expect('blockHeader', 3);
        return 0;
      }
      case 'blockHeader': {
        const bh = h[0] | (h[1] << 8) | (h[2] << 16);
        this.lastBlock = (bh & 1) === 1;
        const type = (bh >> 1) & 3;
        const size = bh >>> 3;
        if (type === 3) throw new ZstdFormatError(`zstd block at byte ${at - 3} has the reserved type`);
        if (size > this.blockLimit) throw new ZstdFormatError(`zstd block at byte ${at - 3} is larger than the format allows`);
        this.afterSkip = this.lastBlock ? (this.hasChecksum ? 'checksum' : 'magic') : 'blockHeader';
        const body = type === 1 ? 1 : size;
        if (body === 0) this.endSkip(); else this.expect('skip', body);
        return type === 2 ? this.blockLimit : Math.max(size, 1);
      }
      case 'skip':
        throw new Error('unreachable: skip has no header');
    }
  }
}
