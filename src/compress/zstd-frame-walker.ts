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
import { MAX_BLOCK, MAX_WINDOW, ZSTD_MAGIC, frameHeaderLength, isSkippableMagic, parseBlockHeader, parseFrameHeader } from './zstd-frame.js';

/** Output one slice may produce at most, plus one block. */
export const SLICE_OUTPUT = 4 << 20;

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
        if (isSkippableMagic(magic)) { this.state = 'skippableHeader'; this.want = 8; return 0; }
        throw new ZstdFormatError(`not a zstd frame at byte ${at - 4} (bad magic number)`);
      }
      case 'skippableHeader': {
        this.afterSkip = 'magic';
        const size = h.readUInt32LE(4);
        if (size === 0) this.expect('magic', 4); else this.expect('skip', size);
        return 0;
      }
      case 'frameHeader': {
        const full = frameHeaderLength(h[4]);
        if (this.want < full) { this.want = full; return 0; }
        const frame = parseFrameHeader(h);
        if (frame.reservedBit) throw new ZstdFormatError(`zstd frame header at byte ${at - full} sets a reserved bit`);
        if (frame.dictionaryId !== 0) throw new ZstdFormatError('zstd frame needs a dictionary (not supported)');
        if (frame.window > MAX_WINDOW) throw new ZstdFormatError(`zstd frame at byte ${at - full} asks for a ${frame.window}-byte window (limit ${MAX_WINDOW})`);
        this.blockLimit = Math.min(frame.window, MAX_BLOCK);
        this.hasChecksum = frame.checksum;
        this.expect('blockHeader', 3);
        return 0;
      }
      case 'blockHeader': {
        const block = parseBlockHeader(h);
        this.lastBlock = block.last;
        if (block.type === 3) throw new ZstdFormatError(`zstd block at byte ${at - 3} has the reserved type`);
        if (block.size > this.blockLimit) throw new ZstdFormatError(`zstd block at byte ${at - 3} is larger than the format allows`);
        this.afterSkip = this.lastBlock ? (this.hasChecksum ? 'checksum' : 'magic') : 'blockHeader';
        if (block.body === 0) this.endSkip(); else this.expect('skip', block.body);
        return block.type === 2 ? this.blockLimit : Math.max(block.size, 1);
      }
      case 'skip':
        throw new Error('unreachable: skip has no header');
    }
  }
}
