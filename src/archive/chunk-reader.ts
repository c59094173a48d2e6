/**
 * Pulls exact byte counts out of an async stream of chunks, holding at most one input
 * chunk plus the bytes asked for: the tar reader's only view of its input.
 */
export class ChunkReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private head: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes handed out (read or skipped) so far: the offset of the next byte. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Refills `head` when empty; false at the end of input. */
  private async fill(): Promise<boolean> {
    while (this.head.length === 0) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) { this.done = true; return false; }
      this.head = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
    return true;
  }

  /** Exactly `n` bytes, or however many remained before the end of input (fewer). */
  async read(n: number): Promise<Buffer> {
    if (!(await this.fill())) return Buffer.alloc(0);
    if (this.head.length >= n) {
      const out = this.head.subarray(0, n);
      this.head = this.head.subarray(n);
      this.offset += n;
      return out;
    }
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n && (await this.fill())) {
      const take = Math.min(n - got, this.head.length);
      parts.push(this.head.subarray(0, take));
      this.head = this.head.subarray(take);
      got += take;
    }
    this.offset += got;
    return Buffer.concat(parts, got);
  }

  /** Up to `n` bytes as they arrive, in chunks; fewer only at the end of input. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0 && (await this.fill())) {
      const take = Math.min(left, this.head.length);
      const out = this.head.subarray(0, take);
      this.head = this.head.subarray(take);
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  /** Skips `n` bytes; returns how many were skipped (fewer only at the end of input). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const chunk of this.stream(n)) skipped += chunk.length;
    return skipped;
  }

  /** Stops the source (a decompressor child, a file stream) when the reader is done early. */
  async close(): Promise<void> {
    this.done = true;
    this.head = Buffer.alloc(0);
    await this.it.return?.();
  }
}
