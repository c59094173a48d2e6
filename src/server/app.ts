/**
 * The bazaar repository server as a hono app, independent of any listener: tests call
 * `app.request(...)` in-process, serve.ts puts it on a socket. Every read goes through
 * `store.read` (a lock-free snapshot), so the CLI can write to the same store meanwhile;
 * writes go through the same library calls as the CLI.
 *
 *   /repo/<channel>/...        rpm-md repositories for stock clients (routes/repo.ts)
 *   /v1/channels, /v1/packages, /v1/objects, /v1/images, /v1/layers   the JSON API
 *   POST /v1/packages          authenticated uploads (routes/upload.ts)
 *   /boot/...                  boot sets for net-booted VAs (routes/boot.ts)
 */
import { Hono } from 'hono';
import { RepositorySigner } from './repo-signer.js';
import type { Store } from '../store/index.js';
import { TokenCheck } from './auth.js';
import { errorBody, errorResponse } from './http-error.js';
import { jobBoardFor } from './jobs.js';
import type { JobBoard } from './jobs.js';
import { RepoCache } from './repo-cache.js';
import { SnapshotPool } from './snapshots.js';
import { bootRoutes } from './routes/boot.js';
import { channelRoutes } from './routes/channels.js';
import { imageRoutes, layerRoutes } from './routes/images.js';
import { channelWriteRoutes, imageWriteRoutes, layerWriteRoutes, mirrorRoutes } from './routes/manage.js';
import { objectRoutes } from './routes/objects.js';
import { queryGuard } from './query-guard.js';
import { overlayRoutes } from './routes/overlay.js';
import { packageRoutes } from './routes/packages.js';
import { RepoDownloads, repoRoutes } from './routes/repo.js';
import type { Answer, RequestView } from './send.js';
import { uploadRoutes } from './routes/upload.js';
import { webRoutes } from './web/pages.js';
import { packageVersion } from '../package-files.js';

export interface AppOptions {
  /** Where one-line notices and internal errors go (the server's stderr). */
  log?: (line: string) => void;
  /** Largest accepted upload; default 1 GiB. */
  maxUploadBytes?: number;
  /** Require a token with scope `read` for reads too (default: reads are open); see `readScope`. */
  privateReads?: boolean;
  /**
   * The URL clients reach the server at (`bazaar serve --public-url`), for the absolute
   * `baseurl`s of `/repo/`; without it they are paths from the server's root. Never taken
   * from a request's Host header, which the client writes.
   */
  publicUrl?: string;
  /**
   * The repository signing key that signs every channel's repomd.xml (`bazaar serve
   * --signing-key`); default: the store's newest signing key, none when it has none.
   */
  signingKey?: string;
  /** The snapshots reads share (serve.ts passes its own, to drop its lease on stopping). */
  snapshots?: SnapshotPool;
  /** Where jobs run (a worker of `serve --workers N` over a local store passes the primary's); default: jobs.ts's `jobBoardFor`. */
  jobs?: JobBoard;
}

export const DEFAULT_MAX_UPLOAD = 1 << 30;

const VERSION = packageVersion();

/**
 * The scope a read of `path` needs under private reads: the routes of one channel (its
 * rpm-md repository, `/v1/channels/<name>...`) need `read:<name>`, which a token that
 * publishes to it also grants (tokens.ts); everything else needs `read`. The name is
 * decoded as the router decodes the parameter, so both see the same channel.
 */
export function readScope(path: string): string {
  const m = /^\/(?:repo|v1\/channels)\/([^/]+)/.exec(path);
  if (!m) return 'read';
  try { return `read:${decodeURIComponent(m[1])}`; } catch { return 'read'; }
}

export function createApp(store: Store, options: AppOptions = {}): Hono { return buildApp(store, options).app; }

/**
 * The answer to a download when all it needs is in memory (see RepoDownloads.quick),
 * before the router: `url` is the request target as sent (path and query); null when the
 * router answers it. The routes answer the same requests the same way (they call `quick`
 * first too), only through more machinery. serve.ts calls it from its connection layer
 * (fast-connection.ts) and from Node's request handler.
 */
export type QuickPath = (req: RequestView, url: string) => Answer | null;

export function buildApp(store: Store, options: AppOptions = {}): { app: Hono; quick: QuickPath; jobs: JobBoard } {
  const log = options.log ?? (() => {});
  const tokens = new TokenCheck(store.dir, log);
  const cache = new RepoCache(store, log, new RepositorySigner(store.dir, options.signingKey));
  const reads = options.snapshots ?? new SnapshotPool(store);
  // strict: false — `/repo/sample` and `/repo/sample/` are one route, as clients write both.
  const app = new Hono({ strict: false });

  if (options.privateReads) {
    app.use('*', async (c, next) => {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') tokens.check(c.req.header('Authorization'), readScope(c.req.path));
      await next();
    });
  }

  // A browser asking for / gets the pages; any other client the service description.
  app.get('/', (c) => ((c.req.header('Accept') ?? '').includes('text/html') ? c.redirect('/ui/') : c.json({ service: 'bazaar', version: VERSION, api: '/v1/', repositories: '/repo/', ui: '/ui/' })));
  app.route('/ui', webRoutes(store, reads, log));
  const downloads = new RepoDownloads(store, reads, cache);
  app.route('/repo', repoRoutes(reads, downloads, options.publicUrl));
  app.route('/boot', bootRoutes(store, reads, options.publicUrl, log));
  app.use('/v1/*', queryGuard());
  app.route('/v1/channels', channelWriteRoutes(store, tokens));
  app.route('/v1/mirrors', mirrorRoutes(store, tokens));
  app.route('/v1/channels', channelRoutes(store, reads));
  app.route('/v1/packages', uploadRoutes(store, reads, tokens, { maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD }));
  app.route('/v1/packages', packageRoutes(store, reads));
  app.route('/v1/objects', objectRoutes(store, reads));
  const jobs = options.jobs ?? jobBoardFor(store, reads, log);
  const overlays = overlayRoutes(store, reads, tokens, { maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD, log, jobs });
  app.route('/v1/images', overlays.images);
  app.route('/v1/jobs', overlays.jobs);
  app.route('/v1/images', imageWriteRoutes(store, reads, tokens));
  app.route('/v1/images', imageRoutes(store, reads));
  app.route('/v1/layers', layerWriteRoutes(store, tokens));
  app.route('/v1/layers', layerRoutes(store, reads));

  app.notFound((c) => c.json(errorBody('ERR_NOT_FOUND', `no route ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
  app.onError((err, c) => errorResponse(err, c, log));

  const quick: QuickPath = (view, url) => {
    if ((view.method !== 'GET' && view.method !== 'HEAD') || !url.startsWith('/repo/')) return null;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // under private reads, a request the token check refuses goes the long way, to be refused there
    if (options.privateReads) { try { tokens.check(view.header('Authorization'), readScope(path)); } catch { return null; } }
    try {
      return downloads.quick(view, path.slice('/repo'.length));
    } catch {
      return null; // the router answers it, and reports what went wrong as it does for any request
    }
  };
  return { app, quick, jobs };
}
