/**
 * `POST /v1/packages[?channel=NAME]`: an .rpm as the request body. The body streams into
 * a temp file in the store's tmp/ (gc removes it should the server die), bounded by the
 * size limit and hashed on the way; a `Digest: sha-256=<base64>` or
 * `Content-Digest: sha-256=:<base64>:` header must match. Then the file goes through
 * `store.add`, the very code path of `bazaar add`: every check, all or nothing, published
 * (into the channel too) in one commit. Whatever is refused leaves the store unchanged.
 */
import { createHash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { Hono } from 'hono';
import { BazaarError } from '../../errors.js';
import { channelSettings, tmpPath } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { prepareRpmmdFragments } from '../../rpmmd/index.js';
import type { Reads } from '../snapshots.js';
import type { TokenCheck } from '../auth.js';

/** The sha-256 a Digest or Content-Digest header asks for (base64), or null when neither names one. */
export function expectedDigest(digest: string | undefined, contentDigest: string | undefined): string | null {
  if (contentDigest) {
    const m = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):/i.exec(contentDigest);
    if (m) return m[1];
  }
  if (digest) {
    const m = /(?:^|,)\s*sha-256=([A-Za-z0-9+/=]+)/i.exec(digest);
    if (m) return m[1];
  }
  if (contentDigest || digest) throw new BazaarError('ERR_BAD_INPUT', 'the Digest/Content-Digest header names no sha-256 digest (sha-256=:BASE64: or sha-256=BASE64)');
  return null;
}

/** Streams `body` into `path`, at most `limit` bytes; returns its size and sha256 (base64). */
export async function receive(body: ReadableStream<Uint8Array> | null, path: string, limit: number): Promise<{ size: number; sha256: string }> {
  const fh = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  let size = 0;
  try {
    if (body) {
      const reader = body.getReader();
      for (; ;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try { r = await reader.read(); } catch (err) {
          throw new BazaarError('ERR_BAD_INPUT', `the upload broke off after ${size} bytes (${(err as Error).message})`, { cause: err });
        }
        if (r.done) break;
        size += r.value.length;
        if (size > limit) {
          await reader.cancel().catch(() => undefined);
          throw new BazaarError('ERR_TOO_LARGE', `the upload is larger than this server's limit of ${limit} bytes`, { data: { limit } });
        }
        hash.update(r.value);
        await fh.write(r.value);
      }
    }
  } finally {
    await fh.close();
  }
  return { size, sha256: hash.digest('base64') };
}

export function uploadRoutes(store: Store, reads: Reads, tokens: TokenCheck, options: { maxUploadBytes: number }): Hono {
  const app = new Hono();
  app.post('/', tokens.require((c) => {
    const channel = c.req.query('channel');
    return channel === undefined ? 'publish:*' : `publish:${channel}`;
  }), async (c) => {
    const channel = c.req.query('channel');
    // An unknown channel is refused before a byte is read, as `bazaar add --channel` does.
    if (channel !== undefined) await reads.read((view) => channelSettings(store, view, channel));
    const declared = c.req.header('Content-Length');
    if (declared !== undefined && Number(declared) > options.maxUploadBytes) {
      throw new BazaarError('ERR_TOO_LARGE', `the upload (${declared} bytes) is larger than this server's limit of ${options.maxUploadBytes} bytes`, { data: { limit: options.maxUploadBytes } });
    }
    const want = expectedDigest(c.req.header('Digest'), c.req.header('Content-Digest'));
    const tmp = tmpPath(store.dir);
    try {
      const got = await receive(c.req.raw.body, tmp, options.maxUploadBytes);
      if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== got.size) {
        throw new BazaarError('ERR_BAD_INPUT', `the upload is ${got.size} bytes, Content-Length said ${declared}`);
      }
      if (got.size === 0) throw new BazaarError('ERR_BAD_INPUT', 'the request has no body: send the .rpm file as the body');
      if (want !== null && want !== got.sha256) {
        throw new BazaarError('ERR_BAD_INPUT', `the upload's sha-256 is ${got.sha256}, the digest header says ${want}`);
      }
      let results;
      try {
        results = await store.add([tmp], channel === undefined ? {} : { channel });
      } catch (err) {
        // Messages name the file read: here that is a temp file the client never saw.
        if (err instanceof BazaarError) throw new BazaarError(err.code, err.message.split(tmp).join('the upload'), { data: err.data, cause: err });
        throw err;
      }
      await prepareRpmmdFragments(store, results);
      return c.json({ packages: results.map((r) => ({ nevra: r.nevra, id: r.id, added: r.added })), ...(channel === undefined ? {} : { channel }) }, 201);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  });
  return app;
}
