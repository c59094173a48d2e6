/**
 * Where object bytes live: a small interface so that the local filesystem (the embedded
 * default, fs-object-backend.ts) can be replaced by an S3-compatible object store later
 * without touching callers. The backend stores *encoded* bytes (zstd frames and the
 * integrity trailer, see codec.ts) under an object's id and knows nothing of hashing:
 * objects.ts hashes, encodes and verifies.
 *
 * Writes are two-phase. `createSlot` gives a place to write an object that no reader can
 * see; `commit` makes a batch of written slots durable and then visible under their ids,
 * so that an object under its final id always has durable content; `discard` drops them.
 */
import type { ObjectId } from './layout.js';

/** An object written to a slot but not yet visible; `slot` is null when it already existed. */
export interface StagedObject { id: ObjectId; slot: string | null; size: number }

export interface WriteSlot {
  /** The slot's token, handed back in StagedObject.slot. */
  readonly token: string;
  append(chunk: Uint8Array): Promise<void>;
  /** Writes the whole encoded object at once (small objects: one call, no stream). */
  writeWhole(chunk: Uint8Array): void;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * One entry of a listing: an object id (with when it was last written, ms, where the
 * backend tells it: gc's grace period across hosts), something in the object area that is not one, or
 * a container of objects (a pack) whose own index is damaged.
 */
export type ListedObject = { id: ObjectId; modified?: number } | { stray: string } | { damagedPack: string; problem: string };

export interface ObjectBackend {
  /**
   * What keeps the bytes: 'files' (fs-object-backend.ts, the default), 'memory', ...; a
   * store's marker records it (store-backends.ts).
   */
  readonly kind: string;
  /** A label for messages: the directory or bucket. */
  readonly label: string;
  has(id: ObjectId): Promise<boolean>;
  /**
   * The backend's commit itself keeps an object already stored (S3's conditional PUT),
   * and asking first costs a request about as dear as the write: a small object is then
   * staged without asking `has`. Absent: asking is cheap (a stat), so it is asked.
   */
  readonly keepsExisting?: boolean;
  /**
   * The backend keeps range records (range-records.ts: an object stored as a range of
   * another's content) and resolves them on read; absent: every object is stored whole.
   */
  readonly holdsRanges?: boolean;
  /** The ids of `ids` that are not stored, asked together (absent: one `has` each). */
  missing?(ids: readonly ObjectId[]): Promise<ObjectId[]>;
  /**
   * Removes what writers that died left staged, older than `graceMs` (absent: a backend
   * whose staging the store's tmp/ scan covers).
   */
  sweepStaging?(graceMs: number): Promise<number>;
  /** The encoded bytes, whole; null when absent. For small objects. */
  readWhole(id: ObjectId): Promise<Buffer | null>;
  /**
   * `readWhole` of many objects at once, in the order of `ids` (absent: one `readWhole`
   * each); null for an object absent, or stored in more than `maxStored` bytes. For a
   * walk of the whole store: a backend can read them in the order they lie.
   * `packedFirst`: a packed copy is read without looking for a loose one first (for a
   * reader that verifies what it gets and only wants intact content, not to find damage).
   */
  readWholeMany?(ids: readonly ObjectId[], maxStored: number, options?: { packedFirst?: boolean }): Promise<Array<Buffer | null>>;
  /**
   * Lists where the objects are once, for a walk's readWholeMany calls until the returned
   * function is called (absent: nothing to list; a read asks each time). Only a hint: an
   * object the listing lacks is still looked for, and what it yields is verified.
   */
  holdListing?(): () => void;
  /**
   * Whether each of `ids` is stored, from the listing a walk holds (holdListing), with no
   * request or stat per id; null when no listing is held (absent: ask `has`). Stale only
   * towards what appears meanwhile: an object stored since the listing counts as absent.
   */
  storedAsListed?(ids: readonly ObjectId[]): boolean[] | null;
  /** About how many objects are stored, from the listing a walk holds (a copy in two places counts twice); null when none is held. */
  countAsListed?(): number | null;
  /** The encoded bytes as a stream; null when absent. */
  readStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null>;
  /** Size of the encoded bytes; null when absent. */
  storedSize(id: ObjectId): Promise<number | null>;
  /**
   * Where the encoded bytes lie in a local file (a loose file, or a range of a pack), for
   * a reader that sends them itself; absent for a backend that keeps no files.
   */
  locate?(id: ObjectId): { path: string; offset: number; length: number } | null;
  /**
   * `loose`: the object must not share a container with others (a repair's copy). `id`:
   * the object's id, when known before its bytes are written (a small object written
   * whole), so that it can be packed.
   */
  createSlot(options?: { loose?: boolean; id?: ObjectId }): Promise<WriteSlot>;
  /**
   * Makes written slots durable, then visible under their ids (replacing what is there).
   * True when doing so made every write to the store's filesystem so far durable (one
   * syncfs), so that a transaction needs no second one for its history.
   */
  commit(staged: readonly StagedObject[]): Promise<boolean>;
  discard(staged: readonly StagedObject[]): Promise<void>;
  /** Deletes objects, all at once (cheaper where objects share containers). */
  deleteAll(ids: readonly ObjectId[]): Promise<void>;
  /** Rewrites damaged containers from what they still hold; returns what was rewritten. */
  repairPacks?(): Promise<string[]>;
  list(): AsyncIterable<ListedObject>;
  /**
   * How long an unreferenced object is kept after it was last written (ms), because a
   * writer on another host may be about to name it (docs/engines.md); absent: 0.
   */
  readonly gcGraceMs?: number;
}
