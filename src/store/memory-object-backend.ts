/**
 * Objects in memory: the ObjectBackend contract without a disk, for tests and tools, and
 * the proof that callers depend on the interface only (test/contracts/object-backend.ts
 * runs the same suite over this and the filesystem backend).
 */
import type { ObjectId } from './layout.js';
import type { ListedObject, ObjectBackend, StagedObject, WriteSlot } from './object-backend.js';

export class MemoryObjectBackend implements ObjectBackend {
  readonly kind = 'memory';
  readonly label = 'memory';
  private readonly objects = new Map<ObjectId, Buffer>();
  private readonly slots = new Map<string, Buffer[]>();
  private next = 0;

  async has(id: ObjectId): Promise<boolean> { return this.objects.has(id); }
  async readWhole(id: ObjectId): Promise<Buffer | null> { return this.objects.get(id) ?? null; }
  async readStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null> {
    const b = this.objects.get(id);
    return b === undefined ? null : (async function* one() { yield b; })();
  }
  async storedSize(id: ObjectId): Promise<number | null> { return this.objects.get(id)?.length ?? null; }

  async createSlot(): Promise<WriteSlot> {
    const token = `slot-${this.next++}`;
    const parts: Buffer[] = [];
    this.slots.set(token, parts);
    return {
      token,
      append: async (chunk) => { parts.push(Buffer.from(chunk)); },
      writeWhole: (chunk) => { parts.push(Buffer.from(chunk)); },
      close: async () => {},
      abort: async () => { this.slots.delete(token); },
    };
  }

  async commit(staged: readonly StagedObject[]): Promise<boolean> {
    for (const s of staged) {
      if (s.slot === null) continue;
      const parts = this.slots.get(s.slot);
      if (parts === undefined) throw new Error(`slot ${s.slot} was never written or already committed`);
      this.objects.set(s.id, Buffer.concat(parts));
      this.slots.delete(s.slot);
    }
    return false;
  }

  async discard(staged: readonly StagedObject[]): Promise<void> {
    for (const s of staged) if (s.slot) this.slots.delete(s.slot);
  }

  async deleteAll(ids: readonly ObjectId[]): Promise<void> { for (const id of ids) this.objects.delete(id); }

  async *list(): AsyncGenerator<ListedObject> {
    for (const id of [...this.objects.keys()].sort()) yield { id };
  }

  /** Test hook: an object's stored bytes, at once. */
  stored(id: ObjectId): Buffer | null { return this.objects.get(id) ?? null; }

  /** Test hook: overwrite an object's stored bytes (damage). */
  corrupt(id: ObjectId, bytes: Buffer): void { this.objects.set(id, bytes); }
}
