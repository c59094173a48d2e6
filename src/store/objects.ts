/**
 * Content-addressed objects: sha256 of the uncompressed bytes names the object, zstd
 * frames hold it (codec.ts), a backend keeps the bytes (object-backend.ts; the local
 * filesystem by default). Writes are staged and made visible together by `commit`;
 * every read re-hashes and fails, naming the object, on any mismatch.
 */
import { createHash, webcrypto } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { BazaarError, isErrno } from '../errors.js';
import { RAW_HEADER_SIZE, TRAILER_BYTES, decodeStored, decodeWholeBatch, decodeWholeUpTo, peekLayout, storedLayout } from '../compress/stored.js';
import { fileChunks } from './file-chunks.js';
import { ParsedObjects, askedObjectId, decodeKind } from './kinds/index.js';
import type { JsonKindName, KindValues } from './kinds/index.js';
import { objectIdOf } from './layout.js';
import type { ObjectId } from './layout.js';
import { encodeRangeRecord } from './range-records.js';
import type { ObjectStager, StageOptions } from './object-reader.js';
import type { ListedObject, ObjectBackend, StagedObject } from './object-backend.js';

export type { StagedObject } from './object-backend.js';

/** An object's content as plain bytes in a file: [offset, offset + size) of `path`. */
export interface ContentFile { path: string; offset: number; size: number }

/** Receives an object's bytes; `finish` stages it and tells its id. */
export interface ObjectWriter {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<StagedObject>;
  abort(): Promise<void>;
}

export function objectNotFound(id: ObjectId, data: Record<string, unknown> = {}): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${id} is not in the store`, { data: { id, ...data } });
}

function damaged(id: ObjectId, why: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is damaged: ${why}`, { data: { id }, cause });
}

/**
 * Errors of reading an object that are not its damage: what keeps this host from reading
 * any object (the codec not installed, an engine down, a full disk). They stop a check or
 * a walk instead of naming the object, which fsck --repair would set aside.
 */
const NOT_THE_OBJECTS: ReadonlySet<string> = new Set(['ERR_STORE_UNAVAILABLE', 'ERR_NO_SPACE', 'ERR_STORE_LOCKED']);

/** Whether an error of reading an object says something of the object (see NOT_THE_OBJECTS). */
export function isObjectReadProblem(err: unknown): err is BazaarError {
  return err instanceof BazaarError && !NOT_THE_OBJECTS.has(err.code);
}

/**
 * The content of an object from its stored bytes, checked as it passes: a frame that does
 * not decode, or content that does not hash to `id`, is ERR_STORE_OBJECT_CORRUPT naming it.
 */
export async function* verifiedContent(id: ObjectId, stored: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  try {
    for await (const frame of decodeStored(stored)) {
      hash.update(frame);
      yield frame;
    }
  } catch (err) {
    if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_CORRUPT') throw damaged(id, err.message, err);
    if (err instanceof BazaarError) throw err;
    throw damaged(id, 'it cannot be decompressed', err);
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== id) throw damaged(id, `its content hashes to ${got}`);
}

/**
 * Content at least this large is hashed on libuv's thread pool (WebCrypto's digest is a
 * pool job), beside the decoder's frames: a copy checkout that writes thousands of files
 * hashed every byte on the main thread (issue 21). Smaller content is hashed here: the
 * hop to the pool costs more than the hash.
 */
const HASH_ON_POOL_MIN = 64 << 10;

async function contentId(content: Buffer): Promise<ObjectId> {
  if (content.length < HASH_ON_POOL_MIN) return objectIdOf(content);
  return `sha256:${Buffer.from(await webcrypto.subtle.digest('SHA-256', content)).toString('hex')}`;
}

/** `verifiedContent` for stored bytes held whole (decodeWhole: the same checks, no stream). */
async function verifiedWhole(id: ObjectId, stored: Buffer): Promise<Buffer>;
async function verifiedWhole(id: ObjectId, stored: Buffer, limit: number): Promise<Buffer | null>;
async function verifiedWhole(id: ObjectId, stored: Buffer, limit = Infinity): Promise<Buffer | null> {
  let content: Buffer | null;
  try {
    content = await decodeWholeUpTo(stored, limit);
    if (content === null) return null;
  } catch (err) {
    if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_CORRUPT') throw damaged(id, err.message, err);
    if (err instanceof BazaarError) throw err;
    throw damaged(id, 'it cannot be decompressed', err);
  }
  const got = await contentId(content);
  if (got !== id) throw damaged(id, `its content hashes to ${got}`);
  return content;
}

/** What storing n bytes adds at most (zstd's bound for a frame's worth, the raw header, the trailer): readSmall's limit on stored bytes. */
const STORED_SLACK = 64 << 10;

/** Objects stored in at most this many bytes are checked by one read, larger ones streamed (bounded memory). */
const CHECK_WHOLE_MAX = 1 << 20;

/** Objects readKinds reads in one batch: bounds the bytes it holds at once to a few MB of records. */
const KIND_BATCH = 512;

/** The writer that stages objects (object-staging.ts): imported by the first write, so that a reader loads none of it. */
const staging = (): Promise<typeof import('./object-staging.js')> => import('./object-staging.js');

/** The store's objects: a reader and a stager (object-reader.ts) over a backend, and what only the store itself may do (commit, delete, list). */
export class ObjectStore implements ObjectStager {
  /**
   * Small objects staged from memory (`stage`), readable before their transaction commits
   * (a layer's trees are read back while it is composed); counted, since two writers may
   * stage the same object. An object staged with `readBack: false` is counted without its
   * bytes (see stageBytes).
   */
  private readonly pending = new Map<ObjectId, { data: Buffer | null; count: number }>();

  /** Small typed objects parsed once per process (kinds/index.ts). */
  private readonly parsed = new ParsedObjects();

  /** Range records staged (stageRange), by slot token: the object whose content they name. */
  private readonly ranges = new Map<string, ObjectId>();

  constructor(readonly backend: ObjectBackend) {}

  has(id: ObjectId): Promise<boolean> { return this.backend.has(id); }

  /** The ids of `ids` not stored, asked together where the backend can. */
  async missing(ids: readonly ObjectId[]): Promise<ObjectId[]> {
    if (this.backend.missing) return this.backend.missing(ids);
    const absent: ObjectId[] = [];
    for (const id of new Set(ids)) if (!(await this.backend.has(id))) absent.push(id);
    return absent;
  }

  /**
   * A writer that stages a new object (`hashOnly`: that only tells its id). With `expect`, an id the caller already knows
   * (e.g. a sha256 file digest from an rpm header): if that object exists, nothing is
   * compressed or written, and the bytes are only hashed. `rewrite` stages the bytes even
   * when the object exists (a repair replaces a damaged copy).
   */
  async writer(options: { expect?: ObjectId; rewrite?: boolean | ReadonlySet<ObjectId>; hashOnly?: boolean; cutAt?: number } = {}): Promise<ObjectWriter> {
    // hashOnly: the caller wants the id, not a copy (a package's files stay in its .rpm
    // until a layer needs them)
    const rewrite = options.rewrite ?? false;
    const rewritesExpected = rewrite === true || (rewrite !== false && options.expect !== undefined && rewrite.has(options.expect));
    const known = options.hashOnly === true || (!rewritesExpected && options.expect !== undefined && (await this.backend.has(options.expect)));
    return new (await staging()).StagingWriter(this.backend, known, rewrite, options.cutAt);
  }

  /** Stages a file's content as one object (see `writer` for the options). */
  async stageFile(path: string | Buffer, size: number, options: { expect?: ObjectId; rewrite?: boolean; cutAt?: number; seen?: (chunk: Buffer, at: number) => void } = {}): Promise<StagedObject> {
    const w = await this.writer(options);
    try {
      let at = 0;
      for await (const chunk of fileChunks(path, size)) {
        // `seen`: the caller learns exactly the bytes hashed into the id (an .rpm's header, see stageRange)
        options.seen?.(chunk, at);
        at += chunk.length;
        await w.write(chunk);
      }
      return await w.finish();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  /**
   * Stages `data` as one object (`rewrite`: even if it exists, to replace a damaged copy).
   * `readBack: false`: nothing reads it before its commit, so its bytes are not held until
   * then (an add's headers, trees and manifests: 200 MB for 10,000 packages); a read
   * before the commit does not find it.
   */
  async stageBytes(data: Buffer, options: StageOptions = {}): Promise<StagedObject> {
    const w = new (await staging()).StagingWriter(this.backend, false, options.rewrite === true);
    let s: StagedObject;
    try {
      await w.write(data);
      s = await w.finish();
    } catch (err) {
      await w.abort(); // a failed write (a full disk) leaves no temp file
      throw err;
    }
    if (s.slot !== null) this.hold(s.id, data, options);
    return s;
  }

  /** The bytes of an object staged and not yet committed, where they are held. */
  private stagedBytes(id: ObjectId): Buffer | null { return this.pending.get(id)?.data ?? null; }

  /** Counts a staged object in `pending`, with its bytes unless no read will ask for them. */
  private hold(id: ObjectId, data: Buffer, options: StageOptions): void {
    const kept = options.readBack === false ? null : data;
    const p = this.pending.get(id);
    if (!p) this.pending.set(id, { data: kept, count: 1 });
    else { p.count++; p.data ??= kept; }
  }

  /**
   * Stages `data`, which is bytes [offset, offset + data.length) of the content of
   * `source` (stored, or staged for the same commit): as a range record where the backend
   * keeps them (range-records.ts; the bytes are then stored once), else whole. The caller
   * must know the bytes are the source's (ingest-rpm.ts compares them as the source is
   * hashed); a read hashes them against the id all the same.
   */
  async stageRange(data: Buffer, source: ObjectId, offset: number, options: StageOptions = {}): Promise<StagedObject> {
    if (this.backend.holdsRanges !== true || data.length === 0) return this.stageBytes(data, options);
    const id = objectIdOf(data);
    if (await this.backend.has(id)) return { id, slot: null, size: data.length };
    const slot = await this.backend.createSlot({ id });
    slot.writeWhole(encodeRangeRecord({ source, offset, length: data.length }));
    this.ranges.set(slot.token, source);
    this.hold(id, data, options);
    return { id, slot: slot.token, size: data.length };
  }

  /**
   * A range record whose source is neither stored nor committed with it is staged whole
   * instead (a caller that commits a header without its .rpm): a record never names an
   * absent object.
   */
  private async wholeWhereSourceLacks(list: StagedObject[]): Promise<void> {
    const withRange = list.filter((s) => s.slot !== null && this.ranges.has(s.slot));
    if (withRange.length === 0) return;
    const committed = new Set(list.filter((s) => s.slot !== null).map((s) => s.id));
    for (const s of withRange) {
      const source = this.ranges.get(s.slot as string) as ObjectId;
      if (committed.has(source) || (await this.backend.has(source))) continue;
      const data = this.stagedBytes(s.id);
      // ingest-rpm.ts commits a header staged without its bytes with its .rpm, always
      if (!data) throw new Error(`bazaar internal error: the range object ${s.id} is committed without its source ${source} and without its bytes`);
      const w = new (await staging()).StagingWriter(this.backend, false);
      await w.write(data);
      const whole = await w.finish();
      await this.backend.discard([s]);
      this.ranges.delete(s.slot as string);
      (s as { slot: string | null }).slot = whole.slot;
    }
  }

  private settle(staged: readonly StagedObject[]): void {
    for (const s of staged) {
      if (s.slot !== null) this.ranges.delete(s.slot);
      const p = s.slot === null ? undefined : this.pending.get(s.id);
      if (p && --p.count === 0) this.pending.delete(s.id);
    }
  }

  /** Makes staged objects durable and visible (see ObjectBackend.commit for the result). */
  async commit(staged: Iterable<StagedObject>): Promise<boolean> {
    const list = [...staged];
    await this.wholeWhereSourceLacks(list);
    const synced = await this.backend.commit(list);
    this.settle(list);
    // Visible now, so from here on as an object that was there: a transaction that lost
    // the race for the state (another host committed first) stages them again as such.
    for (const s of list) (s as { slot: string | null }).slot = null;
    return synced;
  }

  /** Drops staged objects (they never became visible). */
  async discard(staged: Iterable<StagedObject>): Promise<void> {
    const list = [...staged];
    await this.backend.discard(list);
    this.settle(list);
  }

  /** Writes one object and makes it visible at once. */
  async put(data: Buffer): Promise<ObjectId> {
    const s = await this.stageBytes(data);
    await this.commit([s]);
    return s.id;
  }

  /** Streams an object's bytes; throws (naming it) if it is missing or its bytes do not hash to its id. */
  async *stream(id: ObjectId): AsyncGenerator<Buffer> {
    // staged bytes first: they hash to the id by construction, and replace a damaged copy
    const p = this.stagedBytes(id);
    if (p) { yield p; return; }
    const source = await this.backend.readStream(id);
    if (source === null) throw objectNotFound(id);
    try {
      yield* verifiedContent(id, source);
    } finally {
      (source as { destroy?: () => void }).destroy?.();
    }
  }

  /** The whole object, verified. For large objects prefer `stream`. */
  async readBytes(id: ObjectId): Promise<Buffer> {
    const p = this.stagedBytes(id);
    if (p) return p;
    // one read and one decode, not a stream: a walk over many small objects (fsck, gc) spent most of its time in the stream's machinery
    const stored = await this.backend.readWhole(id);
    if (stored === null) throw objectNotFound(id);
    return verifiedWhole(id, stored);
  }

  /**
   * The whole object, verified, when it holds at most `max` bytes; null when it holds more
   * (then `stream` it): neither more stored bytes than `max` can take nor frames past
   * `max` are read. A caller that knows the size to expect (a tree entry's) reads a small
   * file in one go, decoded and hashed on the thread pool, and a wrong size costs no memory.
   */
  async readSmall(id: ObjectId, max: number): Promise<Buffer | null> {
    const p = this.stagedBytes(id);
    if (p) return p.length <= max ? p : null;
    const storedSize = await this.backend.storedSize(id);
    if (storedSize === null) throw objectNotFound(id);
    if (storedSize > max + STORED_SLACK) return null;
    const stored = await this.backend.readWhole(id);
    if (stored === null) throw objectNotFound(id);
    return verifiedWhole(id, stored, max);
  }

  /** Reads, verifies and validates an object of `kind` (small kinds are parsed once per process). */
  async readKind<K extends JsonKindName>(id: ObjectId, kind: K): Promise<KindValues[K]> {
    return this.parsed.get(id, kind) ?? this.parsed.keep(id, kind, decodeKind(await this.readBytes(id), id, kind));
  }

  /**
   * Many objects of one JSON kind, in the order of `ids`: read and decoded together
   * (readManyVerified), and any that path did not verify read alone (which names what is
   * wrong with it). For a reader that needs thousands of records (a channel's universe).
   */
  async readKinds<K extends JsonKindName>(ids: readonly ObjectId[], kind: K): Promise<Array<KindValues[K]>> {
    const out: Array<KindValues[K]> = [];
    for (let at = 0; at < ids.length; at += KIND_BATCH) {
      const part = ids.slice(at, at + KIND_BATCH);
      // packed copies first: content that hashes to its id is the content, and anything
      // else is read again alone, loose first, which finds a repair copy or names the damage
      const bytes = await this.readManyVerified(part, Infinity, { packedFirst: true });
      for (let i = 0; i < part.length; i++) {
        const id = part[i];
        const b = bytes[i];
        // not kept parsed: thousands read once would only be copied by the collector (and evict what a server keeps)
        out.push(this.parsed.get(id, kind) ?? (b === null ? await this.readKind(id, kind) : decodeKind(b, id, kind)));
      }
    }
    return out;
  }

  /**
   * Reads an object of `kind` whose id a caller gave (a library user, a CLI argument, an
   * HTTP path): an id that is not one is ERR_USAGE, one of another kind ERR_WRONG_KIND.
   */
  async readAskedKind<K extends JsonKindName>(asked: unknown, kind: K): Promise<KindValues[K]> {
    const id = askedObjectId(asked);
    return this.parsed.get(id, kind) ?? decodeKind(await this.readBytes(id), id, kind, true);
  }

  /**
   * The verified contents of many objects at once, in the order of `ids` (a walk's or
   * fsck's reads): the backend reads them together, their frames are decoded in a few
   * native calls (decodeWholeBatch), each is hashed against its id. An entry is null
   * where that did not verify it (absent, damaged, stored in more than `maxStored`
   * bytes): read it the one-object way, which names what is wrong. Nothing is taken on
   * trust: an entry given here hashed to its id just now.
   */
  async readManyVerified(ids: readonly ObjectId[], maxStored = Infinity, options: { packedFirst?: boolean } = {}): Promise<Array<Buffer | null>> {
    const out = new Array<Buffer | null>(ids.length).fill(null);
    const stored: Buffer[] = [];
    const at: number[] = [];
    const read = this.backend.readWholeMany ? await this.backend.readWholeMany(ids, maxStored, options) : await this.readWholeEach(ids, maxStored);
    for (let i = 0; i < ids.length; i++) {
      const p = this.stagedBytes(ids[i]);
      if (p) out[i] = p;
      else if (read[i] !== null) { stored.push(read[i] as Buffer); at.push(i); }
    }
    const contents = await decodeWholeBatch(stored);
    for (let k = 0; k < at.length; k++) {
      const content = contents[k];
      if (content !== null && objectIdOf(content) === ids[at[k]]) out[at[k]] = content;
    }
    return out;
  }

  /** The backend's listing held for a walk's readManyVerified calls (ObjectBackend.holdListing); call what it returns when the walk ends. */
  holdListing(): () => void { return this.backend.holdListing?.() ?? (() => {}); }

  /** ObjectBackend.storedAsListed. */
  storedAsListed(ids: readonly ObjectId[]): boolean[] | null { return this.backend.storedAsListed?.(ids) ?? null; }

  /** ObjectBackend.countAsListed. */
  countAsListed(): number | null { return this.backend.countAsListed?.() ?? null; }

  /** One readWhole each (a backend without readWholeMany); the size asked first only under a limit (a request more, on S3). */
  private async readWholeEach(ids: readonly ObjectId[], maxStored: number): Promise<Array<Buffer | null>> {
    const out: Array<Buffer | null> = [];
    for (const id of ids) {
      const size = maxStored === Infinity ? 0 : await this.backend.storedSize(id);
      out.push(size !== null && size <= maxStored ? await this.backend.readWhole(id) : null);
    }
    return out;
  }

  /** `check` of many objects, in the order of `ids`: those readManyVerified verifies are intact, the rest are checked one by one. */
  async checkMany(ids: readonly ObjectId[]): Promise<Array<string | null>> {
    const read = await this.readManyVerified(ids, CHECK_WHOLE_MAX);
    const out: Array<string | null> = [];
    for (let i = 0; i < ids.length; i++) out.push(read[i] !== null ? null : await this.check(ids[i]));
    return out;
  }

  /** null when the object is intact, else what is wrong with it ('missing' when absent). */
  async check(id: ObjectId): Promise<string | null> {
    try {
      const size = await this.backend.storedSize(id);
      if (size !== null && size <= CHECK_WHOLE_MAX) await this.readBytes(id);
      else for await (const _ of this.stream(id)) { /* hash only */ }
      return null;
    } catch (err) {
      if (!isObjectReadProblem(err)) throw err;
      if (err.code === 'ERR_STORE_OBJECT_NOT_FOUND') return 'missing';
      return err.message.replace(`object ${id} is damaged: `, '');
    }
  }

  delete(id: ObjectId): Promise<void> { return this.backend.deleteAll([id]); }
  deleteAll(ids: readonly ObjectId[]): Promise<void> { return this.backend.deleteAll(ids); }

  /** Every object (and stray entry) in the object area, in no particular order. */
  list(): AsyncIterable<ListedObject> { return this.backend.list(); }

  /** Size of the stored (compressed) bytes; null when absent. */
  storedSize(id: ObjectId): Promise<number | null> { return this.backend.storedSize(id); }

  /** The stored bytes as they are (a standard zstd stream), unverified; null when absent or stored raw. */
  async storedStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null> {
    const source = await this.backend.readStream(id);
    if (source === null) return null;
    const { layout, stream } = await peekLayout(source);
    if (layout === 'zstd') return stream;
    await stream.return(undefined);
    return null;
  }

  /**
   * Where an object stored raw lies as plain bytes: its content is bytes
   * [offset, offset + size) of the file `path` (a loose file, or a pack). Unverified: it
   * is for a server that sends the bytes itself and decides when to check them
   * (docs/store.md, Objects). null when the object is absent, stored compressed, or kept
   * by a backend without files.
   */
  contentFile(id: ObjectId): ContentFile | null {
    const at = this.backend.locate?.(id) ?? null;
    if (at === null || at.length < RAW_HEADER_SIZE + TRAILER_BYTES) return null;
    const head = Buffer.alloc(RAW_HEADER_SIZE);
    let fd: number;
    try { fd = openSync(at.path, 'r'); } catch (err) { if (isErrno(err, 'ENOENT')) return null; throw err; }
    try { readSync(fd, head, 0, RAW_HEADER_SIZE, at.offset); } finally { closeSync(fd); }
    if (storedLayout(head) !== 'raw') return null;
    return { path: at.path, offset: at.offset + RAW_HEADER_SIZE, size: at.length - RAW_HEADER_SIZE - TRAILER_BYTES };
  }
}
