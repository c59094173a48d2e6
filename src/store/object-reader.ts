/**
 * The store's door to its objects. The folders above the store read objects through an
 * ObjectReader (every read verified against the id) and stage new ones through a
 * transaction (ObjectStager); nothing above the store reaches the ObjectStore or its
 * backend, so it can neither delete an object nor make one visible outside a commit.
 *
 * `Store` and every view of it (`Snapshot`, `Transaction`) are readers, over the one
 * ObjectStore of the store (objects.ts), which is a reader and a stager itself: a
 * function that only reads takes an ObjectReader and its caller passes the store.
 */
import type { JsonKindName, KindValues } from './kinds/index.js';
import type { ObjectId } from './layout.js';
import type { ContentFile, ObjectStore, ObjectWriter, StagedObject } from './objects.js';

export interface ObjectReader {
  /** Whether the object is stored (or staged in this process and not yet committed). */
  has(id: ObjectId): Promise<boolean>;
  /**
   * The object's bytes as they are read: ERR_STORE_OBJECT_NOT_FOUND when it is absent,
   * ERR_STORE_OBJECT_CORRUPT (at the end, naming it) when they do not hash to its id.
   */
  stream(id: ObjectId): AsyncGenerator<Buffer>;
  /** The whole object, verified; for large objects prefer `stream`. */
  readBytes(id: ObjectId): Promise<Buffer>;
  /** The whole object, verified, when it holds at most `max` bytes; null when it holds more (then `stream` it). */
  readSmall(id: ObjectId, max: number): Promise<Buffer | null>;
  /**
   * Many small objects at once, in the order of `ids`: each entry hashed to its id just now,
   * or null where this path did not verify it (absent, damaged, stored in more than
   * `maxStored` bytes): read that one with `readSmall` or `stream`, which name what is wrong.
   */
  readManyVerified(ids: readonly ObjectId[], maxStored?: number): Promise<Array<Buffer | null>>;
  /** An object of a JSON kind, verified and validated (small kinds are parsed once per process). */
  readKind<K extends JsonKindName>(id: ObjectId, kind: K): Promise<KindValues[K]>;
  /** Many objects of one JSON kind, in the order of `ids`, read together (as readManyVerified) and each verified and validated. */
  readKinds<K extends JsonKindName>(ids: readonly ObjectId[], kind: K): Promise<Array<KindValues[K]>>;
  /** The size of the object as stored (zstd frames and their CRC trailer); null when absent. */
  storedSize(id: ObjectId): Promise<number | null>;
  /**
   * The object as stored, a standard zstd stream, not verified here (for an HTTP client
   * that decompresses it itself); null when absent or stored raw (then its content is
   * what it would send anyway).
   */
  storedStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null>;
  /**
   * Where an object stored raw (zstd hardly shrank it: an .rpm) lies as plain bytes in a
   * file, not verified here (for a server that sends it itself and checks it once); null
   * when absent, compressed, or not in a file.
   */
  contentFile(id: ObjectId): ContentFile | null;
}

/**
 * Staging objects for a transaction: a staged object is written where no reader sees it
 * until the transaction it is handed to (`Transaction.stage`) commits; one not handed on
 * is dropped with `discard`.
 */
export interface StageOptions {
  /** Even when it exists, to replace a damaged copy. */
  rewrite?: boolean;
  /** false: no read asks for it before its commit, so its bytes are not held until then (ObjectStore.stageBytes). */
  readBack?: boolean;
}

export interface ObjectStager extends ObjectReader {
  /** Stages `data` as one object (see StageOptions). */
  stageBytes(data: Buffer, options?: StageOptions): Promise<StagedObject>;
  /** A writer that stages an object from chunks (see ObjectStore.writer for the options). */
  writer(options?: { expect?: ObjectId; rewrite?: boolean | ReadonlySet<ObjectId>; hashOnly?: boolean }): Promise<ObjectWriter>;
  /** Drops staged objects: they never become visible. */
  discard(staged: Iterable<StagedObject>): Promise<void>;
  /** null when the object is intact, else what is wrong with it ('missing' when absent). */
  check(id: ObjectId): Promise<string | null>;
}

let objectStoreOfReader: (reader: ObjectReading) => ObjectStore;

/** The reading side of the store's objects: the base of Store and of every view of it. */
export class ObjectReading implements ObjectReader {
  constructor(protected readonly objects: ObjectStore) {}

  static { objectStoreOfReader = (reader) => reader.objects; }

  has(id: ObjectId): Promise<boolean> { return this.objects.has(id); }
  stream(id: ObjectId): AsyncGenerator<Buffer> { return this.objects.stream(id); }
  readBytes(id: ObjectId): Promise<Buffer> { return this.objects.readBytes(id); }
  readSmall(id: ObjectId, max: number): Promise<Buffer | null> { return this.objects.readSmall(id, max); }
  readManyVerified(ids: readonly ObjectId[], maxStored?: number): Promise<Array<Buffer | null>> { return this.objects.readManyVerified(ids, maxStored); }
  readKind<K extends JsonKindName>(id: ObjectId, kind: K): Promise<KindValues[K]> { return this.objects.readKind(id, kind); }
  readKinds<K extends JsonKindName>(ids: readonly ObjectId[], kind: K): Promise<Array<KindValues[K]>> { return this.objects.readKinds(ids, kind); }
  storedSize(id: ObjectId): Promise<number | null> { return this.objects.storedSize(id); }
  storedStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null> { return this.objects.storedStream(id); }
  contentFile(id: ObjectId): ContentFile | null { return this.objects.contentFile(id); }
}

/** The ObjectStore behind a store or view: for the store's own modules (not exported from index.ts). */
export function objectStoreOf(reader: ObjectReading): ObjectStore { return objectStoreOfReader(reader); }
