/**
 * Sending stored bytes: objects (and the .rpm files of rpm-md repositories) stream from
 * the store, verified as they are read, never held whole in memory. An object's id is its
 * ETag (its content can never change), so `If-None-Match` is answered with 304; a
 * single valid `Range` is served by streaming up to its end (any other, or one an
 * `If-Range` does not match, is ignored: 200, the whole body); a client that accepts zstd gets
 * the stored frames as they are (a standard zstd stream; the trailer is a skippable
 * frame), which costs the server no decompression.
 */
import { createReadStream } from 'node:fs';
import type { Context } from 'hono';
import { BazaarError } from '../errors.js';
import type { ObjectId, Store } from '../store/index.js';

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
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').map((s) => s.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

/** Uncompressed sizes of objects seen, by id (ids are immutable, so an entry never goes stale). */
const sizes = new Map<ObjectId, number>();
const SIZES_MAX = 10_000;

/** An object's uncompressed size: counted once by reading it through (verified), then remembered. */
export async function objectSize(store: Store, id: ObjectId): Promise<number> {
  const known = sizes.get(id);
  if (known !== undefined) return known;
  let n = 0;
  for await (const chunk of store.stream(id)) n += chunk.length;
  if (sizes.size >= SIZES_MAX) sizes.delete(sizes.keys().next().value as ObjectId);
  sizes.set(id, n);
  return n;
}

export interface SendOptions {
  /** The uncompressed size when the caller knows it (an .rpm's size is in its build record). */
  size?: number;
  type?: string;
  /** `Content-Disposition` file name. */
  filename?: string;
}

const notFound = (id: ObjectId): BazaarError => new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `no object ${id} in the store`, { data: { id } });

/**
 * The object's chunks as a body. The first two chunks (frames of at most 1 MiB) are read
 * before answering: an object of one frame — most .rpm files — is then complete and
 * verified, and goes out as one buffer (no stream machinery, and damage is a clean 500
 * rather than a cut connection); a larger one streams on, holding one frame at a time.
 */
async function objectBody(store: Store, id: ObjectId): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  const it = store.stream(id)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return new Uint8Array(0);
  const second = await it.next();
  if (second.done) return first.value as Uint8Array<ArrayBuffer>;
  async function* rest(): AsyncGenerator<Buffer> {
    yield first.value as Buffer;
    yield second.value as Buffer;
    for (; ;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return webStream(rest());
}

export async function sendObject(c: Context, store: Store, id: ObjectId, options: SendOptions = {}): Promise<Response> {
  const etag = `"${id}"`;
  const headers: Record<string, string> = {
    ETag: etag,
    'Content-Type': options.type ?? 'application/octet-stream',
    'Cache-Control': 'public, max-age=31536000, immutable',
    'Accept-Ranges': 'bytes',
    Vary: 'Accept-Encoding',
  };
  if (options.filename) headers['Content-Disposition'] = `attachment; filename="${options.filename.replace(/["\\]/g, '_')}"`;
  if (matches(c.req.header('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
  const head = c.req.method === 'HEAD';
  const spec = rangeApplies(c.req.header('If-Range'), etag) ? rangeSpec(c.req.header('Range')) : null;
  const acceptsZstd = /(^|,)\s*zstd\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(c.req.header('Accept-Encoding') ?? '');
  if (acceptsZstd && spec === null) {
    const stored = store.storedSize(id);
    if (stored === null) throw notFound(id);
    headers['Content-Encoding'] = 'zstd';
    headers['Content-Length'] = String(stored);
    if (head) return new Response(null, { status: 200, headers });
    const raw = await store.storedStream(id);
    if (raw === null) throw notFound(id);
    return new Response(webStream(raw), { status: 200, headers });
  }
  const size = options.size ?? await objectSize(store, id);
  const range = spec === null ? null : satisfy(spec, size);
  if (range === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  }
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    if (head) return new Response(null, { status: 206, headers });
    return new Response(webStream(slice(store.stream(id), range.start, range.end)), { status: 206, headers });
  }
  headers['Content-Length'] = String(size);
  if (head) return new Response(null, { status: 200, headers });
  return new Response(await objectBody(store, id), { status: 200, headers });
}

/**
 * A file of a derived cache (a boot set's squashfs or initrd) whose sha256 the cache has
 * checked: ETag `"sha256:<hex>"` as for objects, 304, ranges, streamed from disk.
 */
export function sendFile(c: Context, path: string, sha256: string, size: number, options: { type?: string; cache?: string } = {}): Response {
  const etag = `"sha256:${sha256}"`;
  const headers: Record<string, string> = {
    ETag: etag,
    'Content-Type': options.type ?? 'application/octet-stream',
    'Cache-Control': options.cache ?? 'public, max-age=31536000, immutable',
    'Accept-Ranges': 'bytes',
  };
  if (matches(c.req.header('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
  const spec = rangeApplies(c.req.header('If-Range'), etag) ? rangeSpec(c.req.header('Range')) : null;
  const range = spec === null ? null : satisfy(spec, size);
  if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  const [start, end] = range ? [range.start, range.end] : [0, size - 1];
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1);
  const status = range ? 206 : 200;
  if (c.req.method === 'HEAD' || size === 0) return new Response(null, { status, headers });
  return new Response(webStream(createReadStream(path, { start, end }) as AsyncIterable<Uint8Array>), { status, headers });
}
