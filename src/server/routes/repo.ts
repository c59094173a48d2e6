/**
 * `/repo/<channel>/`: every channel as an ordinary rpm-md repository for stock dnf, yum
 * and zypper. The metadata comes from the channel's cached generation (repo-cache.ts),
 * regenerated when the channel's head moves; the .rpm files stream from the store at the
 * `location href` the metadata names, byte-identical to what was added.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Hono } from 'hono';
import { channelNames } from '../../store/channels.js';
import type { Store } from '../../store/store.js';
import { notFound } from '../http-error.js';
import type { RepoCache } from '../repo-cache.js';
import { sendObject, webStream } from '../send.js';

export function repoRoutes(store: Store, cache: RepoCache): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    const names = await store.read(async (view) => channelNames(view));
    return c.json({ repositories: names.map((n) => ({ channel: n, baseurl: `${new URL(c.req.url).origin}/repo/${n}/` })) });
  });

  app.get('/:channel/repodata/:file', async (c) => {
    const { channel, file } = c.req.param();
    const gen = await store.read((view) => cache.generation(view, channel));
    const path = cache.repodataFile(gen, file);
    if (path === null) throw notFound(`no ${file} in the rpm-md metadata of channel ${channel}`);
    // Opened before answering: a generation pruned meanwhile is still read whole.
    const fh = await open(path, 'r');
    const { size } = await fh.stat();
    const headers = {
      'Content-Type': file.endsWith('.xml') ? 'application/xml' : file.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream',
      'Content-Length': String(size),
      // repomd.xml changes with the channel; the documents are named by their checksum.
      'Cache-Control': file === 'repomd.xml' ? 'no-cache' : 'public, max-age=31536000, immutable',
    };
    if (c.req.method === 'HEAD') { await fh.close(); return new Response(null, { status: 200, headers }); }
    return new Response(webStream(createReadStream('', { fd: fh, highWaterMark: 1 << 16 })), { status: 200, headers });
  });

  app.get('/:channel/Packages/:file', async (c) => {
    const { channel, file } = c.req.param();
    const gen = await store.read((view) => cache.generation(view, channel));
    const href = `Packages/${file}`;
    const hit = gen.packages.get(href);
    if (!hit) throw notFound(`channel ${channel} has no ${href}`);
    return sendObject(c, store, hit.rpm, { size: hit.size, type: 'application/x-rpm', filename: file });
  });

  return app;
}
