/**
 * Small objects staged for a pack, until their commit: held in memory up to a limit, and
 * past it spilled into packs in tmp/ (each a complete pack of what memory held), so a
 * transaction of any size puts its small objects into packs with memory bounded by the
 * limit. Loose files for them cost a disk block and an inode each: an add of 10,000
 * packages wrote 520,986 of them, the store 7.4x its .rpm bytes on disk.
 *
 * A commit takes a spill pack as it is (renamed into the pack directory) when all its
 * objects are the commit's; otherwise (objects of a concurrent transaction, or ones
 * discarded) it copies its own out, and the spill file is removed once no slot in it is
 * left. Spill packs are temp files (<pid>-<random>.tmp): a killed process leaves them to
 * gc, as any temp file.
 */
import { removeFile } from '../fs/ops.js';
import type { ObjectId } from './layout.js';
import { PackFile, PackWriter } from './object-packs.js';
import { isRangeRecord } from './range-records.js';

/** Small staged objects held in memory at most; past it they are spilled into a pack in tmp/. */
export const STAGING_MEMORY_MAX = 64 << 20;

export const MEM_SLOT = 'mem:';

/** Held objects up to SLAB_SIZE / 8 are copied into slabs of this size; larger ones into a buffer of their own. */
const SLAB_SIZE = 256 << 10;

/**
 * Copies of the bytes held, so that what memory holds is what is counted. A small Buffer
 * is usually a view of Node's shared 8 KiB allocation pool (Buffer.concat, allocUnsafe),
 * and holding the view held the whole pool chunk: an add of 10,000 packages held 7,579
 * chunks (62 MB) at the end of its ingest, uncounted, range records among the holders
 * (64 bytes each, never spilled: a chunk each until the commit, whatever the batch).
 * Small objects are packed into slabs (a slab is freed once nothing copied into it is
 * held); a range record, or a larger object, gets a buffer of exactly its size.
 */
class HeldCopies {
  private slab: Buffer | null = null;
  private used = 0;

  copy(chunk: Uint8Array, ownBuffer: boolean): Buffer {
    if (ownBuffer || chunk.length > SLAB_SIZE / 8) {
      const own = Buffer.allocUnsafeSlow(chunk.length);
      own.set(chunk);
      return own;
    }
    if (this.slab === null || this.used + chunk.length > SLAB_SIZE) { this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE); this.used = 0; }
    const out = this.slab.subarray(this.used, this.used + chunk.length);
    out.set(chunk);
    this.used += chunk.length;
    return out;
  }

  /** The next copy starts a new slab (after a spill, the current one is left to the views still held). */
  newSlab(): void { this.slab = null; }
}

/** A pack of spilled objects in tmp/: `live` slots in it not yet committed or discarded. */
class Spill {
  live = 0;
  /** A slot in it was discarded, so it holds an object no commit takes: never renamed whole. */
  partial = false;
  readonly file: PackFile;
  constructor(readonly tmp: string, readonly name: string) { this.file = new PackFile(tmp); }
}

interface Held { id: ObjectId; bytes: Buffer; record: boolean }
interface Spilled { id: ObjectId; spill: Spill; offset: number; length: number }

/** What a commit does with its small objects: spill packs to rename whole, and the rest to copy into a new pack. */
export interface StagedForPack {
  /** Spill packs in tmp/ that are wholly this commit's: rename each to `objects/pack/<name>`. */
  whole: Array<{ tmp: string; name: string }>;
  /** Writes the commit's other small objects into `writer`; false when there are none. */
  copyRest(writer: PackWriter): boolean;
  /** After the commit (or its failure): forgets its slots and removes spill files no slot needs. */
  settle(): void;
}

export class PackStaging {
  private readonly held = new Map<string, Held>();
  private readonly spilled = new Map<string, Spilled>();
  private heldBytes = 0;
  private next = 0;
  private readonly copies = new HeldCopies();

  /** `newWriter`: a pack writer in tmp/. */
  constructor(private readonly newWriter: () => PackWriter, private readonly limit = STAGING_MEMORY_MAX) {}

  /** Takes a small object; returns its slot token. */
  hold(id: ObjectId, chunk: Uint8Array): string {
    const token = `${MEM_SLOT}${this.next++}`;
    // A range record is never spilled: it stays for the commit's own pack, renamed after
    // every spill and loose file, so its source is in place before it is (64 bytes each).
    if (isRangeRecord(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))) {
      this.held.set(token, { id, bytes: this.copies.copy(chunk, true), record: true });
      return token;
    }
    if (this.heldBytes + chunk.length > this.limit && this.heldBytes > 0) this.spill();
    this.held.set(token, { id, bytes: this.copies.copy(chunk, false), record: false });
    this.heldBytes += chunk.length;
    return token;
  }

  /** Writes everything held into one pack in tmp/ (finished, not synced: the commit syncs it). */
  private spill(): void {
    const writer = this.newWriter();
    let name: string;
    const at: Array<[string, Held, number]> = [];
    try {
      for (const [token, h] of this.held) if (!h.record) at.push([token, h, writer.add(h.id, h.bytes)]);
      name = writer.finish();
    } catch (err) {
      writer.discard();
      throw err;
    }
    const spill = new Spill(writer.tmpPath, name);
    for (const [token, h, offset] of at) {
      this.spilled.set(token, { id: h.id, spill, offset, length: h.bytes.length });
      this.held.delete(token);
      spill.live++;
    }
    this.heldBytes = 0;
    this.copies.newSlab();
  }

  /** Drops a slot that will never be committed. */
  release(token: string): void {
    const h = this.held.get(token);
    if (h) { if (!h.record) this.heldBytes -= h.bytes.length; this.held.delete(token); return; }
    const s = this.spilled.get(token);
    if (!s) return;
    this.spilled.delete(token);
    s.spill.partial = true;
    if (--s.spill.live === 0) removeFile(s.spill.tmp);
  }

  /** The plan for committing `tokens` (see StagedForPack). */
  forCommit(tokens: readonly string[]): StagedForPack {
    const mine = new Map<Spill, number>();
    for (const t of tokens) {
      const s = this.spilled.get(t);
      if (s) mine.set(s.spill, (mine.get(s.spill) ?? 0) + 1);
      else if (!this.held.has(t)) throw new Error(`slot ${t} was never written or already committed`);
    }
    const whole = new Set([...mine].filter(([spill, n]) => n === spill.live && !spill.partial).map(([spill]) => spill));
    return {
      whole: [...whole].map((s) => ({ tmp: s.tmp, name: s.name })),
      copyRest: (writer) => {
        let any = false;
        for (const t of tokens) {
          const h = this.held.get(t);
          const s = h ? undefined : this.spilled.get(t);
          if (s && whole.has(s.spill)) continue;
          const bytes = h ? h.bytes : s!.spill.file.read(s!.offset, s!.length);
          if (bytes === null || bytes.length !== (h?.bytes.length ?? s!.length)) throw new Error(`staged pack ${s!.spill.tmp} lost an object`);
          writer.add(h ? h.id : s!.id, bytes);
          any = true;
        }
        return any;
      },
      settle: () => {
        for (const t of tokens) {
          const s = this.spilled.get(t);
          if (!s) { this.release(t); continue; }
          this.spilled.delete(t);
          // a whole spill was renamed away; another one goes once no slot needs it
          if (--s.spill.live === 0 && !whole.has(s.spill)) removeFile(s.spill.tmp);
        }
      },
    };
  }
}
