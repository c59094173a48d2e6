/**
 * `/repo/<channel>/`: every channel as an ordinary rpm-md repository for stock dnf, yum
 * and zypper. The metadata comes from the channel's cached generation (repo-cache.ts),
 * regenerated when the channel's head moves; the .rpm files stream from the store at the
 * `location href` the metadata names, byte-identical to what was added.
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { isErrno } from '../../errors.js';
import { fetchOnFirstUse } from '../../library/index.js';
import { channelNames } from '../../store/index.js';
import type { ObjectId, Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';
import { notFound } from '../http-error.js';
import { UNIQUE_PER_GENERATION } from '../repo-cache.js';
import type { RepoCache, RepoGeneration } from '../repo-cache.js';
import { ServedObjects, answer, objectAnswer, toResponse, viewOf, wantsZstd } from '../send.js';
import type { Answer, Bytes, RequestView } from '../send.js';
import { BytesLru } from '../bytes-lru.js';

const TYPES: Array<[string, string]> = [['.xml', 'application/xml'], ['.gz', 'application/gzip'], ['.asc', 'application/pgp-signature'], ['.key', 'application/pgp-keys']];

/** Repodata files up to this size are read whole and kept; larger ones stream from disk. */
const SMALL = 1 << 20;

/** A repodata file in memory, with its ETag (the sha256 of its bytes) and, once made, a plain GET's headers. */
interface SmallFile { bytes: Buffer; etag: string; headers?: Record<string, string> }

/** A GET with no condition and no range: its answer is the same every time (200, the whole body). */
const plainGet = (req: RequestView): boolean => req.method === 'GET' && req.header('If-None-Match') === undefined && req.header('Range') === undefined;

/** A repodata file's bytes with its ETag. */
function smallFile(bytes: Buffer): SmallFile {
  return { bytes, etag: `"sha256:${createHash('sha256').update(bytes).digest('hex')}"` };
}

const typeOf = (file: string): string => TYPES.find(([suffix]) => file.endsWith(suffix))?.[1] ?? 'application/octet-stream';
// repomd.xml (and its signature and key) change with the channel; the documents are named by their checksum.
const cacheOf = (file: string): string => (UNIQUE_PER_GENERATION.has(file) ? 'no-cache' : 'public, max-age=31536000, immutable');

/**
 * The downloads of `/repo/<channel>/`: repodata files and .rpm files. `quick` answers
 * without waiting when all it needs is in memory (the channel's generation for the
 * current state, the file's bytes or a checked raw file): serve.ts calls it before the
 * router, and the routes call it first too, so both answer the same way. Otherwise the
 * routes' async path generates, reads and checks, filling what `quick` uses.
 */
export class RepoDownloads {
  /** Small repodata files by path. */
  private readonly smallFiles = new BytesLru<string, SmallFile>(64 << 20, (f) => f.bytes.length);
  private readonly objects: ServedObjects;

  constructor(private readonly store: Store, private readonly reads: Reads, private readonly cache: RepoCache) {
    this.objects = ServedObjects.for(store);
  }

  /**
   * Plain GETs' answers by path, with the generation they were made for and the object
   * whose bytes they send (null for repodata): reused while both are current, so a hot
   * download costs the two stats of `known` and a few lookups. Bounded by body bytes.
   */
  private readonly plain = new BytesLru<string, { channel: string; gen: RepoGeneration; rpm: ObjectId | null; bytes: Bytes; answer: Answer }>(64 << 20, (p) => (Buffer.isBuffer(p.answer.body) ? p.answer.body.length : 0) + 256);

  /** The answer for `/repo/<rest>` when everything it needs is in memory, else null. */
  quick(req: RequestView, rest: string): Answer | null {
    if (!plainGet(req)) return this.quickly(req, rest);
    const p = this.plain.get(rest);
    if (p !== undefined && this.cache.known(p.channel) === p.gen && (p.rpm === null || this.objects.known(p.rpm) === p.bytes)) return p.answer;
    return this.quickly(req, rest);
  }

  private quickly(req: RequestView, rest: string): Answer | null {
    const m = /^\/([^/]+)\/(Packages|repodata)\/([^/]+)$/.exec(rest);
    if (!m) return null;
    let channel: string;
    let file: string;
    try { channel = decodeURIComponent(m[1]); file = decodeURIComponent(m[3]); } catch { return null; }
    const gen = this.cache.known(channel);
    if (gen === null) return null;
    if (m[2] === 'repodata') {
      // the key repodata() stores it under (file names have no dot segments: join's result)
      const small = /^[A-Za-z0-9._-]+$/.test(file) && !file.startsWith('.') ? this.smallFiles.get(`${gen.dir}/repodata/${file}`) : null;
      if (!small) return null;
      if (!plainGet(req)) return this.repodataAnswer(req, file, small);
      const answer = { status: 200, headers: small.headers ??= this.repodataAnswer(req, file, small).headers, body: small.bytes };
      this.plain.set(rest, { channel, gen, rpm: null, bytes: small.bytes, answer });
      return answer;
    }
    const hit = gen.packages.get(`Packages/${file}`);
    // a client that takes zstd may get an object's stored frames: the async path decides
    if (!hit || wantsZstd(req, `"${hit.rpm}"`)) return null;
    const bytes = this.objects.known(hit.rpm);
    if (bytes === null) return null;
    const made = answer(req, { etag: `"${hit.rpm}"`, size: hit.size, bytes, type: 'application/x-rpm', filename: file, vary: true });
    if (plainGet(req) && made.status === 200) this.plain.set(rest, { channel, gen, rpm: hit.rpm, bytes, answer: made });
    return made;
  }

  private repodataAnswer(req: RequestView, file: string, small: SmallFile): Answer {
    return answer(req, { etag: small.etag, size: small.bytes.length, bytes: small.bytes, type: typeOf(file), cache: cacheOf(file) });
  }

  async repodata(req: RequestView, channel: string, file: string): Promise<Answer> {
    let gen: RepoGeneration = await this.reads.read((view) => this.cache.generation(view, channel));
    const small = this.smallFiles.get(join(gen.dir, 'repodata', file));
    if (small) return this.repodataAnswer(req, file, small);
    let path = this.cache.repodataFile(gen, file);
    if (path === null && !existsSync(gen.dir)) {
      // The cache was deleted under us (bazaar reindex): generate it again.
      this.cache.forget(channel);
      gen = await this.reads.read((view) => this.cache.generation(view, channel));
      path = this.cache.repodataFile(gen, file);
    }
    if (path === null) throw notFound(`no ${file} in the rpm-md metadata of channel ${channel}`);
    // Opened before answering: a generation pruned meanwhile is still read whole.
    let fd: number;
    try { fd = openSync(path, 'r'); } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`no ${file} in the rpm-md metadata of channel ${channel} (pruned just now)`);
      throw err;
    }
    let size: number;
    try { size = fstatSync(fd).size; } catch (err) { closeSync(fd); throw err; }
    const named = /^([0-9a-f]{64})-/.exec(file);
    if (size <= SMALL || !named) {
      // A generation's files never change (its directory is named by the channel commit):
      // they are kept in memory, sparing the file system round trips per request.
      let bytes: Buffer;
      try { bytes = readFileSync(fd); } finally { closeSync(fd); }
      return this.repodataAnswer(req, file, size <= SMALL ? this.smallFiles.set(path, smallFile(bytes)) : smallFile(bytes));
    }
    // A large document is named by its sha256 (rpm-md's own checksum): that is its ETag.
    const stream = (): AsyncIterable<Buffer> => createReadStream('', { fd, highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>;
    const a = answer(req, { etag: `"sha256:${named[1]}"`, size, bytes: { stream }, type: typeOf(file), cache: cacheOf(file) });
    if (a.body === null) closeSync(fd); // HEAD, 304, 416: nothing read
    return a;
  }

  async rpm(req: RequestView, channel: string, file: string): Promise<Answer> {
    const gen = await this.reads.read((view) => this.cache.generation(view, channel));
    const href = `Packages/${file}`;
    if (gen.upstream) return this.fromUpstream(req, gen, href);
    const hit = gen.packages.get(href);
    if (!hit) throw notFound(`channel ${channel} has no ${href}`);
    return objectAnswer(req, this.store, hit.rpm, { size: hit.size, type: 'application/x-rpm', filename: file });
  }

  /** An on-demand channel's package at any href of its upstream (createrepo_c keeps packages where they are). */
  async upstreamHref(req: RequestView, channel: string, href: string): Promise<Answer> {
    const gen = await this.reads.read((view) => this.cache.generation(view, channel));
    if (!gen.upstream) throw notFound(`channel ${channel} has no ${href.slice(0, 200)}`);
    return this.fromUpstream(req, gen, href);
  }

  /**
   * An on-demand mirror's channel serves its upstream's hrefs: a package not stored yet
   * is fetched, checked and added first (docs/mirrors.md#on-demand); an upstream that
   * fails or does not verify is a 502.
   */
  private async fromUpstream(req: RequestView, gen: RepoGeneration, href: string): Promise<Answer> {
    const entry = gen.upstream?.atHref(href);
    if (!entry) throw notFound(`channel ${gen.channel} has no ${href}`);
    const [use] = await fetchOnFirstUse(this.store, { channel: gen.channel, packages: [entry.key] });
    return objectAnswer(req, this.store, use.rpm, { ...(entry.size === null ? {} : { size: entry.size }), type: 'application/x-rpm', filename: href.slice(href.lastIndexOf('/') + 1) });
  }
}

/**
 * `publicUrl` (`bazaar serve --public-url`) makes the `baseurl`s of `GET /repo/` absolute;
 * without it they are paths from the server's root, never built from the Host header.
 */
export function repoRoutes(reads: Reads, downloads: RepoDownloads, publicUrl?: string): Hono {
  const app = new Hono();
  const root = publicUrl === undefined ? '/' : new URL(publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).href;

  app.get('/', async (c) => {
    const names = await reads.read(async (view) => channelNames(view));
    return c.json({ repositories: names.map((n) => ({ channel: n, baseurl: `${root}repo/${n}/` })) });
  });
  const download = (kind: 'repodata' | 'rpm') => async (c: Context): Promise<Response> => {
    const { channel, file } = c.req.param() as { channel: string; file: string };
    const req = viewOf(c);
    const quick = downloads.quick(req, `/${encodeURIComponent(channel)}/${kind === 'rpm' ? 'Packages' : 'repodata'}/${encodeURIComponent(file)}`);
    return toResponse(quick ?? await (kind === 'rpm' ? downloads.rpm(req, channel, file) : downloads.repodata(req, channel, file)));
  };
  app.get('/:channel/repodata/:file', download('repodata'));
  app.get('/:channel/Packages/:file', download('rpm'));
  app.get('/:channel/:href{.+}', async (c) => {
    const { channel, href } = c.req.param();
    return toResponse(await downloads.upstreamHref(viewOf(c), channel, href));
  });
  return app;
}
