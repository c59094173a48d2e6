/**
 * `/v1/images` and `/v1/layers`: images (what `bazaar image show --json` prints), their
 * published versions, history and linked children; layers and their versions; a layer's
 * files as a `.tar.zst` archive, written as it is sent (tar entries from the store,
 * compressed frame by frame), never staged on disk or held in memory.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import semver from 'semver';
import { BazaarError, isBazaarError } from '../../errors.js';
import { imageLog, imageStack, listImages, listLayers, showImage, showLayer } from '../../api/index.js';
import { imageId } from '../../image/index.js';
import { layerVersions } from '../../layer/index.js';
import { childrenOf } from '../../linked/index.js';
import { mergedLayerEntries } from '../../stack/index.js';
import { writeTar } from '../../archive/index.js';
import { zstdFrames } from '../../compress/index.js';
import { imageBranch, isObjectId, VERSIONS_DIR } from '../../store/index.js';
import type { ObjectId, Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';
import { notFound } from '../http-error.js';
import { matches, webStream } from '../send.js';

/** Streams a layer object's tree as `.tar.zst`; the layer id is the ETag (the archive is a function of it). */
async function sendLayer(c: Context, store: Store, layerId: ObjectId, filename: string): Promise<Response> {
  const layer = await store.readKind(layerId, 'layer');
  return sendTrees(c, store, [layer.tree], layerId, filename);
}

/** The merged filesystem of layer trees (lowest first) as `.tar.zst`, written as it is sent; `tag` (an object id it is a function of) is the ETag. */
function sendTrees(c: Context, store: Store, trees: ObjectId[], tag: ObjectId, filename: string): Response {
  const etag = `"${tag}"`;
  const headers = {
    'Content-Type': 'application/zstd',
    'Content-Disposition': `attachment; filename="${filename.replace(/["\\]/g, '_')}"`,
    ETag: etag,
    'Cache-Control': 'public, max-age=31536000, immutable',
  };
  // made as it is sent, so no size and no ranges; its ETag is checked as any download's
  if (matches(c.req.header('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
  if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
  // The snapshot is released when the headers go out; the objects an archive reads are
  // immutable and kept by the retention window meanwhile.
  const archive = zstdFrames(writeTar(mergedLayerEntries(store, trees)));
  return new Response(webStream(archive), { status: 200, headers });
}

export function imageRoutes(store: Store, reads: Reads): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json(await reads.read((view) => listImages(store, view))));
  app.get('/:name', async (c) => c.json(await reads.read((view) => showImage(store, view, c.req.param('name')))));
  app.get('/:name/versions', async (c) => c.json(await reads.read(async (view) => {
    const name = c.req.param('name');
    await imageId(view, name);
    const { values } = await view.list(imageBranch(name), VERSIONS_DIR);
    return [...values].map(([version, id]) => ({ version, id })).sort((a, b) => (semver.valid(a.version) && semver.valid(b.version) ? semver.rcompare(a.version, b.version) : a.version < b.version ? 1 : -1));
  })));
  /** The image's merged filesystem, as `bazaar image export NAME OUT.tar.zst` writes it. */
  const archive = (ref: (c: Context) => string) => async (c: Context): Promise<Response> => {
    const stack = await reads.read((view) => imageStack(store, view, ref(c)));
    return sendTrees(c, store, stack.trees, stack.id, `${stack.name}-${stack.version}.tar.zst`);
  };
  app.get('/:name/archive.tar.zst', archive((c) => c.req.param('name') as string));
  app.get('/:name/versions/:version/archive.tar.zst', archive((c) => `${c.req.param('name')}@${c.req.param('version')}`));
  app.get('/:name/versions/:version', async (c) => c.json(await reads.read((view) => showImage(store, view, `${c.req.param('name')}@${c.req.param('version')}`))));
  app.get('/:name/history', async (c) => c.json(await reads.read((view) => imageLog(store, view, c.req.param('name')))));
  app.get('/:name/children', async (c) => c.json(await reads.read(async (view) => {
    const name = c.req.param('name');
    await imageId(view, name);
    // an image that cannot be read is listed as damaged: whether it is a child cannot be known
    const damaged: Array<{ name: string; damaged: string }> = [];
    const children = await childrenOf(view, store, name, (n, err) => damaged.push({ name: n, damaged: err.message.split('\n')[0] }));
    return [...children.map(({ id, image }) => ({ name: image.name, version: image.version, id, policy: image.parent?.policy ?? null })), ...damaged];
  })));
  return app;
}

export function layerRoutes(store: Store, reads: Reads): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json(await reads.read((view) => listLayers(view))));
  /** Any layer object by id (an image's private layer has no name to look up). */
  app.get('/by-id/:id/archive.tar.zst', async (c) => {
    const id = c.req.param('id');
    if (!isObjectId(id)) throw new BazaarError('ERR_BAD_INPUT', `'${id.slice(0, 80)}' is not an object id (sha256:<64 hex digits>)`);
    try {
      return await sendLayer(c, store, id, `${id.slice(7, 19)}.tar.zst`);
    } catch (err) {
      // The client named the id: an object of another kind (a package, an .rpm) is no layer, not damage.
      if (isBazaarError(err, 'ERR_STORE_OBJECT_CORRUPT')) throw notFound(`no layer ${id}: that object is not a layer (or is damaged)`);
      throw err;
    }
  });
  app.get('/:name', async (c) => c.json(await reads.read((view) => showLayer(store, view, c.req.param('name')))));
  app.get('/:name/:version', async (c) => c.json(await reads.read((view) => showLayer(store, view, `${c.req.param('name')}@${c.req.param('version')}`))));
  app.get('/:name/:version/archive.tar.zst', async (c) => {
    const { name, version } = c.req.param();
    const id = await reads.read(async (view) => (await layerVersions(view, name)).get(version));
    if (!id) throw notFound(`no version ${version} of layer ${name}; GET /v1/layers lists them`);
    return sendLayer(c, store, id, `${name}-${version}.tar.zst`);
  });
  return app;
}
