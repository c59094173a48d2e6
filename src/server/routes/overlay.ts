/**
 * The net-boot workflow: a VA sends its overlay upper directory as a layer archive, and
 * the server bakes it into a new version of one of the image's layers (by default
 * `<image>-rw`, put on top of the image's layers at the first upload) and a new image
 * version following it. The mount points bazaar's /init makes are left out
 * (boot/boot-mounts.ts).
 *
 *   POST /v1/images/<name>/overlay[?layer=L]   body: .tar.zst (.tar.gz, .tar)   → 202 {"job"}
 *   GET  /v1/jobs/<id>                          → {"id", "status", "result" | "error"}
 *
 * The archive is received like an .rpm upload (temp file in tmp/, size limit, digest
 * header) and read through once before answering: an entry that would escape the layer
 * (`..`, an absolute path), a device node (other than an overlayfs whiteout), a broken
 * tar, or a root marked opaque is a 400 and nothing is queued. The baking is a job, run one at a time: the layer's next version is the
 * smallest bump its content needs (patch, else what the version check asks), published
 * with `importLayer` — the code of `bazaar layer import` — and the image moved to it
 * with `upgradeImageLayer` (`bazaar image upgrade-layer`). Jobs live in the server's
 * memory for a local store, as rows every server sees for an attached one (jobs.ts).
 */
import { unlink } from 'node:fs/promises';
import { Hono } from 'hono';
import { BazaarError } from '../../errors.js';
import { imageId, loadImage } from '../../image/index.js';
import { readLayerArchive } from '../../archive/index.js';
import { tmpPath } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import type { TokenCheck } from '../auth.js';
import type { JobBoard } from '../jobs.js';
import { notFound } from '../http-error.js';
import type { Reads } from '../snapshots.js';
import { expectedDigest, receive } from './upload.js';

export function overlayRoutes(store: Store, reads: Reads, tokens: TokenCheck, options: { maxUploadBytes: number; log: (line: string) => void; jobs: JobBoard }): { images: Hono; jobs: Hono } {
  const { jobs } = options;

  const images = new Hono();
  images.post('/:name/overlay', tokens.require(() => 'admin'), async (c) => {
    const name = c.req.param('name');
    const layer = c.req.query('layer') ?? `${name}-rw`;
    // Which image and layer, before a byte is read: the image must follow that layer.
    await reads.read(async (view) => {
      const loaded = await loadImage(store, await imageId(view, name));
      // the default <image>-rw is put on top of the image's layers at its first upload
      if (!loaded.image.layers.some((l) => l.name === layer) && layer !== `${name}-rw`) {
        throw new BazaarError('ERR_IMAGE', `image ${name} has no layer ${layer} to bake an overlay into (it has ${loaded.image.layers.map((l) => l.name).join(', ') || 'none'}); name one with ?layer=, or leave it out for ${name}-rw`, { data: { image: name, layer } });
      }
    });
    const declared = c.req.header('Content-Length');
    if (declared !== undefined && Number(declared) > options.maxUploadBytes) throw new BazaarError('ERR_TOO_LARGE', `the upload (${declared} bytes) is larger than this server's limit of ${options.maxUploadBytes} bytes`);
    const want = expectedDigest(c.req.header('Digest'), c.req.header('Content-Digest'));
    const tmp = tmpPath(store.dir);
    let queued = false;
    try {
      const got = await receive(c.req.raw.body, tmp, options.maxUploadBytes);
      if (got.size === 0) throw new BazaarError('ERR_BAD_INPUT', 'the request has no body: send the overlay as a .tar.zst');
      if (want !== null && want !== got.sha256) throw new BazaarError('ERR_BAD_INPUT', `the upload's sha-256 is ${got.sha256}, the digest header says ${want}`);
      let entries = 0;
      try {
        for await (const e of readLayerArchive(tmp)) {
          entries++;
          if (e.path === '.' && e.opaque) throw new BazaarError('ERR_BAD_INPUT', 'the overlay\'s root directory is opaque (it would hide every layer below it)');
          // A VA's changes have no business creating devices (overlayfs whiteouts, char 0/0, are not devices).
          if ((e.kind === 'char' || e.kind === 'block') && !e.whiteout) throw new BazaarError('ERR_BAD_INPUT', `${e.path}: a device node is not allowed in an overlay upload`);
        }
      } catch (err) {
        if (err instanceof BazaarError) throw new BazaarError(err.code === 'ERR_LAYER' || err.code === 'ERR_BAD_INPUT' ? err.code : 'ERR_BAD_INPUT', err.message.split(tmp).join('the upload'), { data: err.data, cause: err });
        throw err;
      }
      const job = await jobs.submit({ image: name, layer, upload: tmp });
      queued = true;
      options.log(`job ${job.id}: overlay for ${name} (${got.size} bytes, ${entries} entries) queued`);
      return c.json({ job: { id: job.id, status: job.status, url: `/v1/jobs/${job.id}` } }, 202);
    } finally {
      if (!queued) await unlink(tmp).catch(() => undefined);
    }
  });

  const jobRoutes = new Hono();
  jobRoutes.get('/:id', async (c) => {
    const job = await jobs.get(c.req.param('id'));
    if (!job) throw notFound(`no job ${c.req.param('id').slice(0, 40)} ${jobs.where}`);
    return c.json(job);
  });
  return { images, jobs: jobRoutes };
}
