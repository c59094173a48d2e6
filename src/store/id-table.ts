/**
 * A set of object ids in typed arrays: each id is its 32 bytes in one growing buffer,
 * found through an open-addressing hash table (an id is a sha256, so its first bytes are
 * the hash), and numbered in insertion order so that callers keep what they know of an
 * object in parallel typed arrays. About 45 bytes an object, where a Map of id strings
 * to records took ~400: a walk of a store of 60,000 builds (1.6 million objects, most of
 * them files named by package trees) took 2 GB.
 */
import type { ObjectId } from './layout.js';

/** Past this many ids the table grows by half: a doubling left up to half of it unused. */
const GROW_BY_HALF_FROM = 1 << 16;

export class IdTable {
  private ids = Buffer.from(new ArrayBuffer(32 * 1024));
  /** `ids` as 32-bit words: a probe compares ids for equality 8 words at a time (a native-call-free compare; fsck probes ~60 times an object). */
  private words = new Uint32Array(this.ids.buffer);
  /** Slot -> index + 1 (0: empty); a power of two, at most half full. */
  private slots = new Int32Array(2048);
  private readonly key = Buffer.from(new ArrayBuffer(32));
  private readonly keyWords = new Uint32Array(this.key.buffer);
  size = 0;

  /** Called with the new capacity when the table grows, so parallel arrays can follow. */
  constructor(private readonly onGrow: (capacity: number) => void = () => {}) {}

  get capacity(): number { return this.ids.length / 32; }

  /** The id the last indexOf missed, and the empty slot it found (`key` still holds it): an add that follows reuses both. */
  private missed: ObjectId | null = null;
  private missedAt = 0;

  /** The id `key` holds: asked again at once (fsck asks whether one object is reached, then whether settled), it is not decoded again. */
  private keyId: ObjectId | null = null;

  private setKey(id: ObjectId): void {
    this.missed = null;
    if (id === this.keyId) return;
    this.key.write(id.slice(7), 0, 32, 'hex');
    this.keyId = id;
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private probe(): number {
    const mask = this.slots.length - 1;
    let pos = this.keyWords[0] & mask;
    const w = this.words;
    const k = this.keyWords;
    for (; ;) {
      const at = this.slots[pos];
      if (at === 0) return pos;
      const b = (at - 1) * 8;
      if (w[b] === k[0] && w[b + 1] === k[1] && w[b + 2] === k[2] && w[b + 3] === k[3] && w[b + 4] === k[4] && w[b + 5] === k[5] && w[b + 6] === k[6] && w[b + 7] === k[7]) return pos;
      pos = (pos + 1) & mask;
    }
  }

  /** The id's index, or -1. */
  indexOf(id: ObjectId): number {
    this.setKey(id);
    const pos = this.probe();
    if (this.slots[pos] === 0) { this.missed = id; this.missedAt = pos; }
    return this.slots[pos] - 1;
  }

  has(id: ObjectId): boolean { return this.indexOf(id) >= 0; }

  /** The id's index, adding it when new. */
  add(id: ObjectId): number {
    let pos: number;
    if (this.missed === id) pos = this.missedAt; else { this.setKey(id); pos = this.probe(); }
    this.missed = null;
    if (this.slots[pos] !== 0) return this.slots[pos] - 1;
    if (this.size === this.capacity) this.grow(this.capacity < GROW_BY_HALF_FROM ? this.capacity * 2 : this.capacity + (this.capacity >> 1));
    if ((this.size + 1) * 2 > this.slots.length) { this.rehash(this.slots.length * 2); pos = this.probe(); }
    this.key.copy(this.ids, this.size * 32);
    this.slots[pos] = ++this.size;
    return this.size - 1;
  }

  /** Makes room for `count` ids in all. */
  reserve(count: number): void {
    if (count > this.capacity) this.grow(count);
    let slots = this.slots.length;
    while (count * 2 > slots) slots *= 2;
    if (slots > this.slots.length) this.rehash(slots);
  }

  private grow(capacity: number): void {
    const grown = Buffer.from(new ArrayBuffer(capacity * 32));
    this.ids.copy(grown, 0, 0, this.size * 32);
    this.ids = grown;
    this.words = new Uint32Array(grown.buffer);
    this.onGrow(capacity);
  }

  private rehash(length: number): void {
    const mask = length - 1;
    const slots = new Int32Array(length);
    for (let i = 0; i < this.size; i++) {
      let pos = this.words[i * 8] & mask;
      while (slots[pos] !== 0) pos = (pos + 1) & mask;
      slots[pos] = i + 1;
    }
    this.slots = slots;
  }

  idAt(index: number): ObjectId { return `sha256:${this.ids.toString('hex', index * 32, index * 32 + 32)}`; }
}

/**
 * The 32-byte id at `at` in `bytes` against `key`, in byte order (as Buffer.compare),
 * compared in 4-byte words here: a native compare per step of a search or probe was a
 * tenth of an fsck or a walk. Pack indexes search with it too (object-packs.ts).
 */
export function compareIdAt(bytes: Buffer, at: number, key: Buffer, keyAt = 0): number {
  for (let i = 0; i < 32; i += 4) {
    const a = bytes.readUInt32BE(at + i);
    const b = key.readUInt32BE(keyAt + i);
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** A typed array grown to `capacity`, keeping its contents. */
export function grown<T extends Uint8Array | Uint16Array | Int32Array>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a);
  return b;
}
