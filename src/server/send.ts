/**
 * Sending stored bytes, one way for everything that is downloaded (.rpm files, repodata,
 * objects, boot sets' kernels, initrds and layer squashfs): a `Sendable` says what is sent
 * (ETag, size, type) and where its bytes are (in memory, a range of a file, or a verified
 * stream); `answer` applies the request's conditions to it. The ETag is the content's
 * sha256 (it can never change), so `If-None-Match` is answered with 304; a single valid
 * `Range` is served (any other, or one an `If-Range` does not match, is ignored: 200, the
 * whole body); HEAD gets the headers only. The answer goes out as a fetch Response (the
 * hono routes), straight onto Node's response (serve.ts), or on the connection itself (fast-connection.ts).
 *
 * Objects: one the store keeps raw (an .rpm: zstd did not shrink it) is sent from its file
 * as it lies, checked once per process (`verifiedFile`); small ones are kept in memory,
 * verified, so a hot .rpm costs no read at all; a compressed one is decompressed and
 * verified as it streams, and a client that accepts zstd gets its stored frames as they
 * are (a standard zstd stream; the trailer is a skippable frame).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { BazaarError, isErrno } from '../errors.js';
import type { ContentFile, ObjectId, Store } from '../store/index.js';
import { BytesLru } from './bytes-lru.js';

/** A web stream over an async iterable, closing the iterator when the client goes away. */
export function webStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await it.next();
        if (done) controller.close(); else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() { await it.return?.(); },
  }, { highWaterMark: 1 });
}

/** Bytes [start, end] (inclusive) of a stream of chunks. */
async function* slice(source: AsyncIterable<Buffer>, start: number, end: number): AsyncGenerator<Buffer> {
  let pos = 0;
  for await (const chunk of source) {
    const from = Math.max(start - pos, 0);
    const to = Math.min(end + 1 - pos, chunk.length);
    if (from < to) yield chunk.subarray(from, to);
    pos += chunk.length;
    if (pos > end) return;
  }
}

/** One range as a client asked for it: `bytes=a-b`, `bytes=a-` (no last) or `bytes=-n` (no first: the last n bytes). */
export interface RangeSpec { first: number | null; last: number | null }

/**
 * The one valid range a Range header asks for, or null: the header is ignored and the whole
 * body sent (200), as RFC 9110 (14.2) lets a server do with anything but one valid range:
 * several ranges, another unit, a malformed one, and an invalid one such as `bytes=5-3`
 * (last before first). The unit is case-insensitive (14.1).
 */
export function rangeSpec(header: string | undefined): RangeSpec | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const first = m[1] === '' ? null : Number(m[1]);
  const last = m[2] === '' ? null : Number(m[2]);
  if (first !== null && last !== null && last < first) return null;
  return { first, last };
}

/** A valid range against `size`: the inclusive bytes, or 'unsatisfiable' (answered 416). */
export function satisfy(spec: RangeSpec, size: number): { start: number; end: number } | 'unsatisfiable' {
  if (spec.first === null) {
    const n = spec.last as number;
    return n === 0 ? 'unsatisfiable' : { start: Math.max(size - n, 0), end: size - 1 };
  }
  if (spec.first >= size) return 'unsatisfiable';
  return { start: spec.first, end: spec.last === null ? size - 1 : Math.min(spec.last, size - 1) };
}

/** Whether a Range header may be honoured: without If-Range, or when If-Range names this ETag (a date never does: no Last-Modified is sent). */
function rangeApplies(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}

/** Whether an If-None-Match header names this ETag (or `*`). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').map((s) => s.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

/** What a request is, as far as sending needs it: a hono request or Node's IncomingMessage. */
export interface RequestView { method: string; header(name: string): string | undefined }

export function viewOf(c: Context): RequestView { return { method: c.req.method, header: (n) => c.req.header(n) }; }

/** Where the bytes of a Sendable are: in memory, bytes [offset, offset + size) of a file, or a stream from the start. */
export type Bytes = Buffer | { path: string; offset: number } | { stream: () => AsyncIterable<Buffer> };

export interface Sendable {
  /** Quoted: `"sha256:<hex>"`. */
  etag: string;
  size: number;
  bytes: Bytes;
  type?: string;
  cache?: string;
  /** `Content-Disposition` file name. */
  filename?: string;
  /** Sent `Vary: Accept-Encoding` (objects, whose zstd form a client may ask for). */
  vary?: boolean;
}

/** An answer, before it is written: a body in memory, a file range (inclusive) or a stream. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: null | Buffer | { path: string; start: number; end: number } | AsyncIterable<Buffer>;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Bytes read from a file per chunk it is sent in. */
const FILE_CHUNK = 1 << 20;

function baseHeaders(s: Pick<Sendable, 'etag' | 'type' | 'cache' | 'filename' | 'vary'>): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: s.etag,
    'Content-Type': s.type ?? 'application/octet-stream',
    'Cache-Control': s.cache ?? IMMUTABLE,
    'Accept-Ranges': 'bytes',
  };
  if (s.vary) headers.Vary = 'Accept-Encoding';
  if (s.filename) headers['Content-Disposition'] = `attachment; filename="${s.filename.replace(/["\\]/g, '_')}"`;
  return headers;
}

/** The request's conditions (If-None-Match, If-Range, Range) and method applied to `s`. */
export function answer(req: RequestView, s: Sendable): Answer {
  const headers = baseHeaders(s);
  if (matches(req.header('If-None-Match'), s.etag)) return { status: 304, headers, body: null };
  const spec = rangeApplies(req.header('If-Range'), s.etag) ? rangeSpec(req.header('Range')) : null;
  const range = spec === null ? null : satisfy(spec, s.size);
  if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${s.size}` }, body: null };
  const [start, end] = range ? [range.start, range.end] : [0, s.size - 1];
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${s.size}`;
  headers['Content-Length'] = String(end - start + 1);
  const status = range ? 206 : 200;
  if (req.method === 'HEAD' || end < start) return { status, headers, body: null };
  const b = s.bytes;
  if (Buffer.isBuffer(b)) return { status, headers, body: range ? b.subarray(start, end + 1) : b };
  if ('path' in b) return { status, headers, body: { path: b.path, start: b.offset + start, end: b.offset + end } };
  return { status, headers, body: range ? slice(b.stream(), start, end) : b.stream() };
}

/** An answer as a fetch Response (hono routes). */
export function toResponse(a: Answer): Response {
  const b = a.body;
  const body = b === null ? null
    : Buffer.isBuffer(b) ? b as Uint8Array<ArrayBuffer>
      : 'path' in b ? webStream(createReadStream(b.path, { start: b.start, end: b.end, highWaterMark: FILE_CHUNK }) as AsyncIterable<Uint8Array>)
        : webStream(b);
  return new Response(body, { status: a.status, headers: a.headers });
}

/** Body bytes handed to a response so far, for the request log (writeAnswer adds them; serve.ts counts the router's). */
export interface Sent { bytes: number }

/**
 * An answer written onto Node's response (serve.ts's download path): a buffer in one
 * write, a file range sent from an fd opened before the headers go out (so a file pruned
 * meanwhile is still read whole); false when that file is gone (the caller answers
 * another way). The body bytes handed over are added to `sent`.
 */
export function writeAnswer(res: ServerResponse, a: Answer, sent: Sent = { bytes: 0 }): boolean {
  const b = a.body;
  if (b !== null && !Buffer.isBuffer(b) && 'path' in b) {
    let fd: number;
    try { fd = openSync(b.path, 'r'); } catch (err) { if (isErrno(err, 'ENOENT')) return false; throw err; }
    res.writeHead(a.status, a.headers);
    sendRange(res, fd, b.start, b.end, sent);
    return true;
  }
  res.writeHead(a.status, a.headers);
  if (b === null || Buffer.isBuffer(b)) { if (b) sent.bytes += b.length; res.end(b ?? undefined); return true; }
  (async () => {
    for await (const chunk of b) { sent.bytes += chunk.length; if (!res.write(chunk)) await new Promise((r) => res.once('drain', r)); }
    res.end();
  })().catch(() => res.destroy());
  return true;
}

/** Buffers a file range is read into, reused: a fresh buffer per chunk made a 50 MB download cost more in garbage collection than in copying. */
const freeChunks: Buffer[] = [];
const takeChunk = (): Buffer => freeChunks.pop() ?? Buffer.allocUnsafeSlow(FILE_CHUNK);

/**
 * Bytes [start, end] of `fd` onto `res`, then closed: two buffers in turn, one read while
 * the other is written, each read into again only once the socket has taken it (its
 * write's callback), which is also the back-pressure. A client gone ends it; the buffers
 * go back to the pool only when every write completed.
 */
function sendRange(res: ServerResponse, fd: number, start: number, end: number, sent: Sent): void {
  const chunks = [takeChunk(), takeChunk()];
  const written: Array<Promise<boolean>> = [Promise.resolve(true), Promise.resolve(true)];
  let gone = false;
  const goneNow = new Promise<boolean>((resolve) => res.once('close', () => { gone = true; resolve(false); }));
  (async () => {
    let pos = start;
    for (let i = 0; pos <= end; i ^= 1) {
      if (!await Promise.race([written[i], goneNow]) || gone) return false;
      const n = await new Promise<number>((resolve, reject) => read(fd, chunks[i], 0, Math.min(FILE_CHUNK, end + 1 - pos), pos, (err, got) => (err ? reject(err) : resolve(got))));
      if (n === 0) throw new Error('file shorter than its object');
      pos += n;
      sent.bytes += n;
      const chunk = chunks[i].subarray(0, n);
      written[i] = new Promise<boolean>((resolve) => res.write(chunk, (err) => resolve(!err)));
    }
    res.end();
    return (await Promise.all(written)).every(Boolean);
  })().then((whole) => { if (whole) freeChunks.push(...chunks.slice(0, Math.max(0, 8 - freeChunks.length))); }, () => res.destroy())
    .finally(() => closeSync(fd));
}

/** Objects up to this size are kept in memory once verified (most .rpm files, every pack member). */
const HOT_OBJECT_MAX = 1 << 20;

/**
 * What a server process knows of a store's objects: verified small objects in memory,
 * and the raw files it has checked (by path, offset, inode, size and mtime: a file
 * replaced, by a repair say, is checked again). Ids name content in any store, but an
 * object's presence is the store's: one per store.
 */
export class ServedObjects {
  /** Verified objects' bytes, by id. */
  private readonly hot = new BytesLru<ObjectId, Buffer>(64 << 20, (b) => b.length);
  private readonly checked = new Set<string>();
  private readonly checking = new Map<string, Promise<boolean>>();
  /** Uncompressed sizes of objects seen (ids are immutable: an entry never goes stale). */
  private readonly sizes = new Map<ObjectId, number>();

  constructor(readonly store: Store) {}

  private static of = new WeakMap<Store, ServedObjects>();
  static for(store: Store): ServedObjects {
    let s = ServedObjects.of.get(store);
    if (!s) { s = new ServedObjects(store); ServedObjects.of.set(store, s); }
    return s;
  }

  /** The bytes of `id` known without waiting: in memory, or a raw file already checked; null otherwise. */
  known(id: ObjectId): Bytes | null {
    const hot = this.hot.get(id);
    if (hot) return hot;
    const file = this.store.contentFile(id);
    return file !== null && this.checked.has(fileKey(file)) ? { path: file.path, offset: file.offset } : null;
  }

  /**
   * The bytes of `id` to send, and its size: from memory, from its raw file (its content
   * hashed once per process first), else a verified stream. ERR_STORE_OBJECT_NOT_FOUND
   * when absent, ERR_STORE_OBJECT_CORRUPT when its raw file does not hash to it.
   */
  async bytes(id: ObjectId, size?: number): Promise<{ bytes: Bytes; size: number }> {
    const hot = this.hot.get(id);
    if (hot) return { bytes: hot, size: hot.length };
    const file = this.store.contentFile(id);
    if (file !== null) {
      if (file.size <= HOT_OBJECT_MAX) {
        const data = await this.store.readBytes(id);
        this.hot.set(id, data);
        return { bytes: data, size: data.length };
      }
      const key = fileKey(file);
      if (!this.checked.has(key)) {
        let p = this.checking.get(key);
        if (!p) { p = hashesTo(file, id).finally(() => this.checking.delete(key)); this.checking.set(key, p); }
        if (!await p) throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is damaged: its content hashes to something else (bazaar fsck names it)`, { data: { id } });
        this.checked.add(key);
      }
      return { bytes: { path: file.path, offset: file.offset }, size: file.size };
    }
    if (!(await this.store.has(id))) throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `no object ${id} in the store`, { data: { id } });
    const n = size ?? this.sizes.get(id) ?? await this.countSize(id);
    if (n <= HOT_OBJECT_MAX) {
      const data = await this.store.readBytes(id);
      this.hot.set(id, data);
      return { bytes: data, size: data.length };
    }
    return { bytes: { stream: () => this.store.stream(id) }, size: n };
  }

  /** An object's uncompressed size: counted once by reading it through (verified), then remembered. */
  private async countSize(id: ObjectId): Promise<number> {
    let n = 0;
    for await (const chunk of this.store.stream(id)) n += chunk.length;
    if (this.sizes.size >= 10_000) this.sizes.delete(this.sizes.keys().next().value as ObjectId);
    this.sizes.set(id, n);
    return n;
  }
}

/** A raw file's identity for `checked`: a new inode, size or mtime is checked again. */
function fileKey(file: ContentFile): string {
  let fd: number;
  try { fd = openSync(file.path, 'r'); } catch { return `${file.path}\0gone`; }
  try {
    const st = fstatSync(fd);
    return `${file.path}\0${file.offset}\0${file.size}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  } finally { closeSync(fd); }
}

async function hashesTo(file: ContentFile, id: ObjectId): Promise<boolean> {
  const hash = createHash('sha256');
  if (file.size > 0) {
    for await (const chunk of createReadStream(file.path, { start: file.offset, end: file.offset + file.size - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}` === id;
}

export interface SendOptions {
  /** The uncompressed size when the caller knows it (an .rpm's size is in its build record). */
  size?: number;
  type?: string;
  /** `Content-Disposition` file name. */
  filename?: string;
}

const ACCEPTS_ZSTD = /(^|,)\s*zstd\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i;

/**
 * Whether an object's stored zstd frames may answer the request: its Accept-Encoding
 * takes zstd (with a q above 0) and it asks for no range that applies (frames have no ranges).
 */
export function wantsZstd(req: RequestView, etag: string): boolean {
  if (!ACCEPTS_ZSTD.test(req.header('Accept-Encoding') ?? '')) return false;
  return !rangeApplies(req.header('If-Range'), etag) || rangeSpec(req.header('Range')) === null;
}

/** The answer for object `id`: ETag, 304, ranges and HEAD as `answer` does, and its stored zstd frames to a client that accepts zstd. */
export async function objectAnswer(req: RequestView, store: Store, id: ObjectId, options: SendOptions = {}): Promise<Answer> {
  const meta = { etag: `"${id}"`, type: options.type, filename: options.filename, vary: true };
  if (matches(req.header('If-None-Match'), meta.etag)) return { status: 304, headers: baseHeaders(meta), body: null };
  if (wantsZstd(req, meta.etag)) {
    const stored = await store.storedStream(id); // null for an object stored raw: its content is sent as it is
    if (stored !== null) {
      const headers = { ...baseHeaders(meta), 'Content-Encoding': 'zstd', 'Content-Length': String(await store.storedSize(id)) };
      if (req.method === 'HEAD') { await (stored as AsyncGenerator<Buffer>).return?.(undefined); return { status: 200, headers, body: null }; }
      return { status: 200, headers, body: stored };
    }
  }
  const { bytes, size } = await ServedObjects.for(store).bytes(id, options.size);
  return answer(req, { ...meta, size, bytes });
}

export async function sendObject(c: Context, store: Store, id: ObjectId, options: SendOptions = {}): Promise<Response> {
  return toResponse(await objectAnswer(viewOf(c), store, id, options));
}

/**
 * A file of a derived cache (a boot set's squashfs or initrd) whose sha256 the cache has
 * checked: ETag `"sha256:<hex>"` as for objects, 304, ranges, streamed from disk.
 */
export function sendFile(c: Context, path: string, sha256: string, size: number, options: { type?: string; cache?: string } = {}): Response {
  return toResponse(answer(viewOf(c), { etag: `"sha256:${sha256}"`, size, bytes: { path, offset: 0 }, ...options }));
}
