/**
 * `/repo/<channel>/`: every channel as an ordinary rpm-md repository for stock dnf, yum
 * and zypper. The metadata comes from the channel's cached generation (repo-cache.ts),
 * regenerated when the channel's head moves; the .rpm files stream from the store at the
 * `location href` the metadata names, byte-identical to what was added.
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { isErrno } from '../../errors.js';
import { fetchOnFirstUse } from '../../library/index.js';
import { channelNames } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';
import { notFound } from '../http-error.js';
import { UNIQUE_PER_GENERATION } from '../repo-cache.js';
import type { RepoCache, RepoGeneration } from '../repo-cache.js';
import { sendObject, webStream } from '../send.js';

const TYPES: Array<[string, string]> = [['.xml', 'application/xml'], ['.gz', 'application/gzip'], ['.asc', 'application/pgp-signature'], ['.key', 'application/pgp-keys']];

/** Repodata files up to this size are read whole and kept; larger ones stream from disk. */
const SMALL = 1 << 20;

/** Small repodata files by path, least recently used dropped first; bounded by bytes. */
class SmallFiles {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;
  constructor(private readonly max: number) {}
  get(path: string): Buffer | undefined {
    const hit = this.map.get(path);
    if (hit) { this.map.delete(path); this.map.set(path, hit); }
    return hit;
  }
  set(path: string, data: Buffer): void {
    this.map.set(path, data);
    this.bytes += data.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.max) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }
}

function send(c: Context, bytes: Buffer, type: string, cacheControl: string): Response {
  const headers = { 'Content-Type': type, 'Content-Length': String(bytes.length), 'Cache-Control': cacheControl };
  return new Response(c.req.method === 'HEAD' ? null : bytes as Uint8Array<ArrayBuffer>, { status: 200, headers });
}

/**
 * `publicUrl` (`bazaar serve --public-url`) makes the `baseurl`s of `GET /repo/` absolute;
 * without it they are paths from the server's root, never built from the Host header.
 */
export function repoRoutes(store: Store, reads: Reads, cache: RepoCache, publicUrl?: string): Hono {
  const app = new Hono();
  const smallFiles = new SmallFiles(64 << 20);
  const root = publicUrl === undefined ? '/' : new URL(publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).href;

  app.get('/', async (c) => {
    const names = await reads.read(async (view) => channelNames(view));
    return c.json({ repositories: names.map((n) => ({ channel: n, baseurl: `${root}repo/${n}/` })) });
  });

  app.get('/:channel/repodata/:file', async (c) => {
    const { channel, file } = c.req.param();
    let gen = await reads.read((view) => cache.generation(view, channel));
    const type = TYPES.find(([suffix]) => file.endsWith(suffix))?.[1] ?? 'application/octet-stream';
    // repomd.xml (and its signature and key) change with the channel; the documents are named by their checksum.
    const cacheControl = UNIQUE_PER_GENERATION.has(file) ? 'no-cache' : 'public, max-age=31536000, immutable';
    const small = smallFiles.get(join(gen.dir, 'repodata', file));
    if (small) return send(c, small, type, cacheControl);
    let path = cache.repodataFile(gen, file);
    if (path === null && !existsSync(gen.dir)) {
      // The cache was deleted under us (bazaar reindex): generate it again.
      cache.forget(channel);
      gen = await reads.read((view) => cache.generation(view, channel));
      path = cache.repodataFile(gen, file);
    }
    if (path === null) throw notFound(`no ${file} in the rpm-md metadata of channel ${channel}`);
    // Opened before answering: a generation pruned meanwhile is still read whole.
    let fd: number;
    try { fd = openSync(path, 'r'); } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`no ${file} in the rpm-md metadata of channel ${channel} (pruned just now)`);
      throw err;
    }
    const { size } = fstatSync(fd);
    if (size <= SMALL) {
      // A generation's files never change (its directory is named by the channel commit):
      // small ones are kept in memory, sparing the file system round trips per request.
      let bytes: Buffer;
      try { bytes = readFileSync(fd); } finally { closeSync(fd); }
      smallFiles.set(path, bytes);
      return send(c, bytes, type, cacheControl);
    }
    const headers = { 'Content-Type': type, 'Content-Length': String(size), 'Cache-Control': cacheControl };
    if (c.req.method === 'HEAD') { closeSync(fd); return new Response(null, { status: 200, headers }); }
    return new Response(webStream(createReadStream('', { fd, highWaterMark: 1 << 16 })), { status: 200, headers });
  });

  /**
   * An on-demand mirror's channel serves its upstream's hrefs: a package not stored yet
   * is fetched, checked and added first (docs/mirrors.md#on-demand); an upstream that
   * fails or does not verify is a 502.
   */
  const fromUpstream = async (c: Context, gen: RepoGeneration, href: string): Promise<Response> => {
    const entry = gen.upstream?.atHref(href);
    if (!entry) throw notFound(`channel ${gen.channel} has no ${href}`);
    const [use] = await fetchOnFirstUse(store, { channel: gen.channel, packages: [entry.key] });
    return sendObject(c, store, use.rpm, { ...(entry.size === null ? {} : { size: entry.size }), type: 'application/x-rpm', filename: href.slice(href.lastIndexOf('/') + 1) });
  };

  app.get('/:channel/Packages/:file', async (c) => {
    const { channel, file } = c.req.param();
    const gen = await reads.read((view) => cache.generation(view, channel));
    const href = `Packages/${file}`;
    if (gen.upstream) return fromUpstream(c, gen, href);
    const hit = gen.packages.get(href);
    if (!hit) throw notFound(`channel ${channel} has no ${href}`);
    return sendObject(c, store, hit.rpm, { size: hit.size, type: 'application/x-rpm', filename: file });
  });

  // An upstream's packages may be anywhere below its base (createrepo_c keeps them where they are).
  app.get('/:channel/:href{.+}', async (c) => {
    const { channel, href } = c.req.param();
    const gen = await reads.read((view) => cache.generation(view, channel));
    if (!gen.upstream) throw notFound(`channel ${channel} has no ${href.slice(0, 200)}`);
    return fromUpstream(c, gen, href);
  });

  return app;
}
