import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BazaarError, pathError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import { readLayerDirectory, writeLayerArchive } from '../../archive/index.js';
import type { Command } from '../command.js';
import { serverError } from '../server-error.js';
import { serverUrl, urlSegment } from '../server-url.js';

interface Job { id: string; status: string; result?: { layer: { name: string; version: string }; image: { name: string; version: string; id: string } }; error?: { code: string; message: string } }

export const uploadOverlay: Command = {
  name: 'upload-overlay',
  usage: 'bazaar upload-overlay URL IMAGE DIR|FILE.tar.zst [--layer L] [--no-wait]',
  help: `Sends a VA's overlay changes to a bazaar server, which bakes them into the next
version of one of the image's layers (default IMAGE-rw) and a new image version
(POST URL/v1/images/IMAGE/overlay). DIR is an overlay upper directory (packed as a
.tar.zst first, overlayfs whiteouts and xattrs kept); FILE a layer archive. Waits for
the server's job to finish (--no-wait: prints the job and returns). Token from
$BAZAAR_TOKEN (scope admin).

Example:
  BAZAAR_TOKEN=bzr_... bazaar upload-overlay http://build:8080/ va1 /srv/va1/.rw/upper`,
  options: {
    layer: { type: 'string', describe: 'the image layer to bake into (default IMAGE-rw)' },
    'no-wait': { type: 'boolean', describe: 'return once the server has queued the job' },
  },
  async run({ positionals, options }) {
    if (positionals.length !== 3) throw new BazaarError('ERR_USAGE', 'usage: bazaar upload-overlay URL IMAGE DIR|FILE.tar.zst [--layer L]');
    const [url, image, from] = positionals as [string, string, string];
    const base = serverUrl(url);
    let isDir: boolean;
    try { isDir = statSync(from).isDirectory(); } catch (err) { throw pathError(err, from); }
    const work = isDir ? mkdtempSync(join(tmpdir(), 'bazaar-overlay-')) : null;
    try {
      const file = work ? join(work, 'overlay.tar.zst') : from;
      if (work) await writeLayerArchive(readLayerDirectory(from), file);
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      const target = new URL(`v1/images/${urlSegment(image, 'image name')}/overlay`, base);
      if (options.layer !== undefined) target.searchParams.set('layer', options.layer as string);
      const token = process.env.BAZAAR_TOKEN;
      const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      let res: Response;
      try {
        res = await fetch(target, {
          method: 'POST', duplex: 'half',
          headers: { ...auth, 'Content-Type': 'application/zstd', 'Content-Length': String(statSync(file).size), 'Content-Digest': `sha-256=:${hash.digest('base64')}:` },
          body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
        } as RequestInit);
      } catch (err) {
        throw new BazaarError('ERR_BAD_INPUT', `cannot reach ${base.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, { cause: err });
      }
      if (res.status !== 202) throw await serverError(res, from);
      let job = (await res.json() as { job: Job }).job;
      if (options['no-wait'] === true) return { exitCode: 0, json: job, text: `job ${job.id} ${job.status}` };
      for (const started = Date.now(); job.status === 'queued' || job.status === 'running';) {
        if (Date.now() - started > 30 * 60_000) throw new BazaarError('ERR_BAD_INPUT', `job ${job.id} is still ${job.status} after 30 minutes`);
        await new Promise((r) => setTimeout(r, 200));
        const poll = await fetch(new URL(`v1/jobs/${job.id}`, base), { headers: auth });
        if (!poll.ok) throw await serverError(poll, `job ${job.id}`);
        job = await poll.json() as Job;
      }
      if (job.status === 'failed') throw new BazaarError((job.error?.code ?? 'ERR_BAD_INPUT') as ErrorCode, `job ${job.id}: ${job.error?.message ?? 'failed'}`);
      const r = job.result;
      return { exitCode: 0, json: job, text: r ? `baked into ${r.layer.name}@${r.layer.version}: image ${r.image.name}@${r.image.version} ${r.image.id}` : `job ${job.id} ${job.status}` };
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  },
};
