/**
 * `/v1/objects/<id>`: any object by its id, verified as it streams (see send.ts for ETag,
 * Range and zstd). A file that stays in its package's .rpm (added without unpacking) is
 * read from the .rpm and checked against its id (store.streamObject): every id the API
 * prints can be fetched.
 */
import { Hono } from 'hono';
import { BazaarError } from '../../errors.js';
import { isObjectId } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { matches, sendObject, webStream } from '../send.js';
import type { Reads } from '../snapshots.js';

export function objectRoutes(store: Store, reads: Reads): Hono {
  const app = new Hono();
  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!isObjectId(id)) throw new BazaarError('ERR_BAD_INPUT', `'${id.slice(0, 80)}' is not an object id (sha256:<64 hex digits>)`);
    if (await store.has(id)) return sendObject(c, store, id);
    const etag = `"${id}"`;
    const headers = { ETag: etag, 'Content-Type': 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable' };
    if (matches(c.req.header('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
    // The .rpm is read and checked whole before the first byte: under this snapshot's lease.
    const body = await reads.read(async (view) => {
      const chunks = store.streamObject(view, id)[Symbol.asyncIterator]();
      const first = await chunks.next();
      return (async function* rest(): AsyncGenerator<Buffer> {
        if (first.done) return;
        yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      })();
    });
    return new Response(c.req.method === 'HEAD' ? null : webStream(body), { status: 200, headers });
  });
  return app;
}
