/**
 * The writer that stages an object (objects.ts's ObjectStore.writer, stageBytes): it
 * hashes the bytes, compresses them a frame at a time (later frames on libuv's threads)
 * and writes them to the backend's slot. Imported by the first write, so that a read-only
 * command (`show`) loads none of it, nor finds writers' functions in the code cache it
 * reads (docs/architecture.md#start-up).
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { FRAME_SIZE, FrameEncoder, storedLayout } from '../compress/stored.js';
import type { ObjectId } from './layout.js';
import type { ObjectBackend, StagedObject, WriteSlot } from './object-backend.js';
import type { ObjectWriter } from './objects.js';

/** Frames compressed at once by one writer: libuv's pool has four threads; more only holds memory. */
const FRAMES_IN_FLIGHT = 3;

/** Compresses frames as they fill, hashing the uncompressed bytes. */
export class StagingWriter implements ObjectWriter {
  private readonly hash: Hash = createHash('sha256');
  private frame: Buffer[] = [];
  private frameBytes = 0;
  private size = 0;
  private slot: WriteSlot | null = null;
  /** Frames being compressed, oldest first (see flushFrame). */
  private encoding: Array<Promise<Buffer>> = [];
  // an object zstd hardly shrinks is stored raw (codec.ts), so it can be sent as it lies
  private readonly encoder = new FrameEncoder({ rawWhenIncompressible: true });

  /**
   * `knownExisting`: the caller knows the object exists, so only hash. `rewrite`: write
   * the bytes even when an object of that id exists (a repair replaces a damaged copy);
   * a set: when the id, known once hashed, is in it.
   */
  /**
   * `cutAt`: an object of one frame that is stored compressed is cut into two frames
   * there (an .rpm at its payload: its header, a range record's bytes, is then decoded
   * without the payload, range-records.ts).
   */
  constructor(private readonly backend: ObjectBackend, private readonly knownExisting: boolean, private readonly rewrite: boolean | ReadonlySet<ObjectId> = false, private readonly cutAt = 0) {}

  /** Whether the object `id` is to be written even if it exists (and then loose: reads prefer a loose copy to a packed one). */
  private rewrites(id: ObjectId): boolean { return this.rewrite === true || (this.rewrite !== false && this.rewrite.has(id)); }

  async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.knownExisting) return;
    this.frame.push(chunk);
    this.frameBytes += chunk.length;
    while (this.frameBytes >= FRAME_SIZE) {
      const all = this.joined(); // a copy per MiB was a fifth of a large file's import
      await this.flushFrame(all.subarray(0, FRAME_SIZE));
      const rest = all.subarray(FRAME_SIZE);
      this.frame = rest.length ? [rest] : [];
      this.frameBytes = rest.length;
    }
  }

  /** The pending chunks as one buffer; a single chunk (a file read frame by frame) is not copied. */
  private joined(): Buffer { return this.frame.length === 1 ? this.frame[0] : Buffer.concat(this.frame); }

  private async flushFrame(data: Buffer): Promise<void> {
    // the id is not known yet: a rewrite set writes every large object loose
    this.slot ??= await this.backend.createSlot({ loose: this.rewrite !== false });
    if (!this.encoder.decided) { await this.slot.append(await this.encoder.frame(data)); return; }
    // Later frames compress on libuv's threads while this one reads and hashes the next
    // (a large file used one core). A copy: the caller may reuse its buffer once write returns.
    const encoding = this.encoder.encode(Buffer.from(data));
    encoding.catch(() => {}); // awaited in order by drainOne; a failure is reported there, not as unhandled
    this.encoding.push(encoding);
    if (this.encoding.length >= FRAMES_IN_FLIGHT) await this.drainOne();
  }

  /** Appends the oldest frame being compressed, in order. */
  private async drainOne(): Promise<void> {
    const out = await (this.encoding.shift() as Promise<Buffer>);
    this.encoder.account(out);
    await (this.slot as WriteSlot).append(out);
  }

  private async drain(): Promise<void> { while (this.encoding.length) await this.drainOne(); }

  async finish(): Promise<StagedObject> {
    const id = `sha256:${this.hash.digest('hex')}` as ObjectId;
    const rewrite = this.rewrites(id);
    const ask = !rewrite && this.slot === null && this.backend.keepsExisting !== true;
    if (this.knownExisting || (ask && (await this.backend.has(id)))) return { id, slot: null, size: this.size };
    try {
      if (this.slot === null) {
        // One frame: a single write instead of open/write/write/close.
        const data = this.joined();
        let stored = Buffer.concat([await this.encoder.frame(data), this.encoder.trailer()]);
        if (this.cutAt > 0 && this.cutAt < data.length && storedLayout(stored) === 'zstd') {
          const cut = new FrameEncoder();
          stored = Buffer.concat([await cut.frame(data.subarray(0, this.cutAt)), await cut.frame(data.subarray(this.cutAt)), cut.trailer()]);
        }
        this.slot = await this.backend.createSlot({ loose: rewrite, id });
        this.slot.writeWhole(stored);
      } else {
        if (this.frameBytes > 0) await this.flushFrame(this.joined());
        await this.drain();
        await this.slot.append(this.encoder.trailer());
        await this.slot.close();
      }
    } catch (err) {
      await this.abort();
      throw err;
    }
    return { id, slot: this.slot.token, size: this.size };
  }

  async abort(): Promise<void> {
    this.encoding = [];
    await this.slot?.abort();
    this.slot = null;
  }
}
