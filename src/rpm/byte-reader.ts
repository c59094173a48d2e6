/**
 * Pulls exact byte counts out of an async stream of chunks, without copying the body of
 * large entries: `read(n)` returns n bytes, `chunks(n)` yields the next n bytes as they come.
 */
export class ByteReader {
  private readonly source: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes consumed so far (for error messages). */
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) { this.done = true; return false; }
    this.pending = this.pending.length ? Buffer.concat([this.pending, next.value]) : next.value;
    return true;
  }

  /** Exactly n bytes, or null if the stream ends first (the partial bytes are dropped). */
  async read(n: number): Promise<Buffer | null> {
    while (this.pending.length < n) if (!(await this.fill())) return null;
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.position += n;
    return out;
  }

  /** Yields the next n bytes in chunks; throws `onShort()` if the stream ends first. */
  async *chunks(n: number, onShort: () => Error): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.fill())) throw onShort();
      const take = Math.min(left, this.pending.length);
      const out = this.pending.subarray(0, take);
      this.pending = this.pending.subarray(take);
      this.position += take;
      left -= take;
      yield out;
    }
  }

  async skip(n: number, onShort: () => Error): Promise<void> {
    for await (const _ of this.chunks(n, onShort)) { /* discard */ }
  }

  /** Yields every byte left, as it comes. */
  async *rest(): AsyncGenerator<Buffer> {
    while (this.pending.length > 0 || (await this.fill())) {
      const out = this.pending;
      this.pending = Buffer.alloc(0);
      this.position += out.length;
      yield out;
    }
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return this.pending.length === 0 && !(await this.fill());
  }
}
