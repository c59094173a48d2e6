/**
 * Changing channels, images and links over HTTP: each route is one library call, the
 * same one the CLI command makes, so the rules (and the all-or-nothing commits) are the
 * library's. Channels need `publish:<channel>` (creating and deleting one: `admin`);
 * images and links need `admin`.
 *
 *   POST   /v1/channels                   {"name", "order"?, "message"?}          create
 *   POST   /v1/channels/<name>/add        {"packages": [ref...], "message"?}       add builds
 *   POST   /v1/channels/<name>/remove     {"packages": [ref...], "message"?}       remove builds
 *   PUT    /v1/channels/<name>            {"packages": [ref...], "message"?}       publish exactly this set
 *   DELETE /v1/channels/<name>                                                      delete
 *   POST   /v1/images                     {"ref": "name@version", "layers": [...], "channel"?}
 *   POST   /v1/images/<name>/install      {"packages": [...], "channel"?, "message"?}
 *   POST   /v1/images/<name>/remove       {"packages": [...], "message"?}
 *   PUT    /v1/images/<name>/link         {"parent", "policy"}                     link (or change the policy)
 *   DELETE /v1/images/<name>/link                                                  unlink
 *   GET    /v1/mirrors                                                             list (admin)
 *   POST   /v1/mirrors                    {"name", "url", "channel", "policy"?, "key"?}  define (admin)
 *   POST   /v1/mirrors/<name>/sync                                                 sync, answered when done (admin)
 *   DELETE /v1/mirrors/<name>                                                      forget (admin)
 */
import { Hono } from 'hono';
import { BazaarError } from '../../errors.js';
import { imageId } from '../../image/index.js';
import {
  addMirror, addToChannel, createChannel, createImage, deleteChannel, deleteImage, deleteLayer, installPackages, linkImage, listMirrors, publishToChannel, removeFromChannel,
  removeMirror, removePackages, renameImage, setChannelSignatureRule, setLinkPolicy, syncMirror, unlinkImage,
} from '../../library/index.js';
import type { Store } from '../../store/index.js';
import type { TokenCheck } from '../auth.js';
import { JsonBody } from '../json-body.js';
import type { Reads } from '../snapshots.js';

const message = (b: JsonBody): { message?: string } => { const m = b.optStr('message'); return m === undefined ? {} : { message: m }; };

export function channelWriteRoutes(store: Store, tokens: TokenCheck): Hono {
  const app = new Hono();
  const admin = tokens.require(() => 'admin');
  const publish = tokens.require((c) => `publish:${c.req.param('name')}`);
  app.post('/', admin, async (c) => {
    const b = await JsonBody.of(c);
    const order = b.optStr('order');
    if (order !== undefined && order !== 'rpm' && order !== 'alt') throw new BazaarError('ERR_BAD_INPUT', `"order" is rpm or alt, not '${order}'`);
    const signed = b.optBool('requireSignature');
    return c.json(await createChannel(store, { channel: b.str('name'), ...(order ? { order } : {}), ...(signed ? { requireSignature: true } : {}), ...message(b) }), 201);
  });
  // the channel's settings that may change: whether it takes only signed packages
  app.patch('/:name', admin, async (c) => {
    const b = await JsonBody.of(c);
    return c.json(await setChannelSignatureRule(store, { channel: c.req.param('name'), requireSignature: b.bool('requireSignature'), ...message(b) }));
  });
  app.post('/:name/add', publish, async (c) => {
    const b = await JsonBody.of(c);
    return c.json(await addToChannel(store, { channel: c.req.param('name'), packages: b.strings('packages'), ...message(b) }));
  });
  app.post('/:name/remove', publish, async (c) => {
    const b = await JsonBody.of(c);
    return c.json(await removeFromChannel(store, { channel: c.req.param('name'), packages: b.strings('packages'), ...message(b) }));
  });
  app.put('/:name', publish, async (c) => {
    const b = await JsonBody.of(c);
    return c.json(await publishToChannel(store, { channel: c.req.param('name'), packages: b.strings('packages', { min: 0 }), ...message(b) }));
  });
  app.delete('/:name', admin, async (c) => c.json(await deleteChannel(store, { channel: c.req.param('name') })));
  return app;
}

export function imageWriteRoutes(store: Store, reads: Reads, tokens: TokenCheck): Hono {
  const app = new Hono();
  // Per route, not app.use: this app shares its mount point with the read routes.
  const admin = tokens.require(() => 'admin');
  app.post('/', admin, async (c) => {
    const b = await JsonBody.of(c);
    const channel = b.optStr('channel');
    return c.json(await createImage(store, { image: b.str('ref'), layers: b.strings('layers'), ...(channel ? { channel } : {}) }), 201);
  });
  app.post('/:name/install', admin, async (c) => {
    const b = await JsonBody.of(c);
    const channel = b.optStr('channel');
    return c.json(await installPackages(store, { image: c.req.param('name'), packages: b.strings('packages'), ...(channel ? { channel } : {}), ...message(b) }));
  });
  app.post('/:name/remove', admin, async (c) => {
    const b = await JsonBody.of(c);
    return c.json(await removePackages(store, { image: c.req.param('name'), packages: b.strings('packages'), ...message(b) }));
  });
  app.put('/:name/link', admin, async (c) => {
    const b = await JsonBody.of(c);
    const name = c.req.param('name');
    const parent = b.str('parent');
    // An image already linked to this parent changes its policy; otherwise it is linked.
    const current = await reads.read(async (view) => (await store.readKind(await imageId(view, name), 'image')).parent ?? null);
    if (current && current.name === parent) return c.json(await setLinkPolicy(store, { child: name, policy: b.str('policy') }));
    return c.json(await linkImage(store, { child: name, parent, policy: b.str('policy') }));
  });
  app.delete('/:name/link', admin, async (c) => c.json(await unlinkImage(store, { child: c.req.param('name') })));
  app.delete('/:name', admin, async (c) => c.json(await deleteImage(store, { image: c.req.param('name') })));
  app.post('/:name/rename', admin, async (c) => {
    const b = await JsonBody.of(c);
    return c.json(await renameImage(store, { image: c.req.param('name'), to: b.str('to') }));
  });
  return app;
}

export function layerWriteRoutes(store: Store, tokens: TokenCheck): Hono {
  const app = new Hono();
  app.delete('/:name', tokens.require(() => 'admin'), async (c) => c.json(await deleteLayer(store, { layer: c.req.param('name') })));
  return app;
}

/** Mirrors: every route needs `admin` (a sync writes a channel from another server's content). */
export function mirrorRoutes(store: Store, tokens: TokenCheck): Hono {
  const app = new Hono();
  app.use('*', tokens.require(() => 'admin'));
  app.get('/', async (c) => c.json(await listMirrors(store)));
  app.post('/', async (c) => {
    const b = await JsonBody.of(c);
    const policy = b.optStr('policy');
    const key = b.optStr('key');
    return c.json(await addMirror(store, { name: b.str('name'), url: b.str('url'), channel: b.str('channel'), ...(policy ? { policy } : {}), ...(key ? { key } : {}) }), 201);
  });
  app.post('/:name/sync', async (c) => c.json(await syncMirror(store, { name: c.req.param('name') })));
  app.delete('/:name', async (c) => c.json(await removeMirror(store, { name: c.req.param('name') })));
  return app;
}
