/**
 * `/boot/`: boot sets for net-booted VAs (docs/netboot.md).
 *
 *   GET /boot/                                  the images that can boot (each a profile)
 *   GET /boot/<image>/<version>/boot.json       kernel, initrd, cmdline, layers; `latest` for the current version
 *   GET /boot/<image>/<version>/vmlinuz|initrd.img|boot.ipxe
 *   GET /boot/<image>/<version>/layers/<NN>-<layer>@<v>.squashfs   302 to the layer's own URL:
 *   GET /boot/layers/<tree>.squashfs            one URL and ETag per layer tree, whatever image names it
 *
 * A set is built on its first request (boot/boot-set.ts) and cached in the store; two
 * requests for one set while it builds share the build.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bootability, bootIpxe, bootJson, bootSet, BootCache } from '../../boot/index.js';
import type { BootSet } from '../../boot/index.js';
import { listImages } from '../../api/index.js';
import type { Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';
import { notFound } from '../http-error.js';
import { sendFile, sendObject } from '../send.js';

const LATEST = 'latest';

export function bootRoutes(store: Store, reads: Reads, publicUrl: string | undefined, log: (line: string) => void): Hono {
  const app = new Hono();
  const cache = new BootCache(store.dir);
  const building = new Map<string, Promise<BootSet>>();

  /** The set a request names; `latest` is never cached by clients (it moves). */
  const setOf = (c: Context): Promise<BootSet> => {
    const image = c.req.param('image') as string;
    const version = c.req.param('version') as string;
    const ref = version === LATEST ? image : `${image}@${version}`;
    let p = building.get(ref);
    if (!p) {
      p = bootSet(store, ref, { onStep: (s) => log(`boot set ${ref}: building ${s}`) }).finally(() => building.delete(ref));
      building.set(ref, p);
    }
    return p;
  };
  const moving = (c: Context) => (c.req.param('version') === LATEST ? 'no-cache' : 'public, max-age=31536000, immutable');

  // Paths in redirects and listings carry the public URL's path, for a server behind a prefix.
  const root = publicUrl ? new URL(publicUrl).pathname.replace(/\/?$/, '/') : '/';
  app.get('/', async (c) => {
    const images = await reads.read((view) => listImages(store, view));
    const bootable: Array<{ name: string; version: string; url: string }> = [];
    const notBootable: Array<{ name: string; why: string }> = [];
    for (const i of images) {
      if (!('version' in i) || typeof i.version !== 'string') { notBootable.push({ name: i.name, why: 'damaged: bazaar fsck names it' }); continue; }
      const b = await bootability(store, i.name);
      if (b.bootable) bootable.push({ name: i.name, version: i.version, url: `${root}boot/${encodeURIComponent(i.name)}/${LATEST}/boot.json` });
      else notBootable.push({ name: i.name, why: b.why });
    }
    return c.json({ images: bootable, notBootable });
  });
  app.get('/layers/:file', async (c) => {
    const m = /^([0-9a-f]{64})\.squashfs$/.exec(c.req.param('file'));
    if (!m) throw notFound(`no boot layer ${c.req.param('file')} (names are <tree sha256>.squashfs)`);
    const file = await cache.get(`layers/${m[1]}.squashfs`);
    if (!file) throw notFound(`boot layer ${m[1]} is not built (or was damaged): fetch its boot set's boot.json again to rebuild it`);
    return sendFile(c, file.path, file.sha256, file.size);
  });
  app.get('/:image/:version', (c) => c.redirect(`${c.req.path.replace(/\/?$/, '/')}boot.json`, 302));
  app.get('/:image/:version/boot.json', async (c) => {
    const set = await setOf(c);
    c.header('Cache-Control', moving(c));
    return c.body(bootJson(set), 200, { 'Content-Type': 'application/json' });
  });
  app.get('/:image/:version/boot.ipxe', async (c) => {
    const set = await setOf(c);
    const base = publicUrl ? new URL(`boot/${encodeURIComponent(set.image.name)}/${encodeURIComponent(set.image.version)}/`, publicUrl.replace(/\/?$/, '/')).href : undefined;
    c.header('Cache-Control', moving(c));
    return c.body(bootIpxe(set, base), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });
  app.get('/:image/:version/vmlinuz', async (c) => {
    const set = await setOf(c);
    return sendObject(c, store, set.kernel.id, { size: set.kernel.size });
  });
  app.get('/:image/:version/initrd.img', async (c) => {
    const set = await setOf(c);
    return sendFile(c, set.initrd.path, set.initrd.sha256, set.initrd.size, { cache: moving(c) });
  });
  app.get('/:image/:version/layers/:file', async (c) => {
    const set = await setOf(c);
    const layer = set.layers.find((l) => l.file === `layers/${c.req.param('file')}`);
    if (!layer) throw notFound(`boot set of ${set.image.name}@${set.image.version} has no ${c.req.param('file')} (boot.json lists its layers)`);
    return c.redirect(`${root}boot/layers/${layer.tree.slice('sha256:'.length)}.squashfs`, 302);
  });
  return app;
}
