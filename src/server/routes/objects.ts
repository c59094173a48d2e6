/** `/v1/objects/<id>`: any object by its id, verified as it streams (see send.ts for ETag, Range and zstd). */
import { Hono } from 'hono';
import { BazaarError } from '../../errors.js';
import { isObjectId } from '../../store/layout.js';
import type { Store } from '../../store/store.js';
import { sendObject } from '../send.js';

export function objectRoutes(store: Store): Hono {
  const app = new Hono();
  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!isObjectId(id)) throw new BazaarError('ERR_BAD_INPUT', `'${id.slice(0, 80)}' is not an object id (sha256:<64 hex digits>)`);
    return sendObject(c, store, id);
  });
  return app;
}
