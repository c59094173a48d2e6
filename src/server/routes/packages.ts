/**
 * `/v1/packages`: search (by name, glob or provide, in the store or in one channel),
 * paged by limit/offset or by an opaque cursor; one package as `bazaar show --json`
 * prints it; the coexisting versions of a name as `bazaar versions --json` prints them.
 */
import { Hono } from 'hono';
import { BazaarError } from '../../errors.js';
import { globMatch } from '../../policy/index.js';
import { channelSettings, checkPackageRef, packageDetails, packageVersions } from '../../store/index.js';
import type { IndexedBuild, Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

function intParam(value: string | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,15}$/.test(value) || Number(value) > max) throw new BazaarError('ERR_BAD_INPUT', `${name} must be a whole number from 0 to ${max}, not '${value.slice(0, 40)}'`);
  return Number(value);
}

/** Position in the (name, key) order; a cursor names the last build a page returned. */
const order = (a: { name: string; key: string }, b: { name: string; key: string }): number =>
  (a.name < b.name ? -1 : a.name > b.name ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function encodeCursor(b: { name: string; key: string }): string { return Buffer.from(JSON.stringify([b.name, b.key])).toString('base64url'); }
function decodeCursor(text: string): { name: string; key: string } {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { name: v[0], key: v[1] };
  } catch { /* refused below */ }
  throw new BazaarError('ERR_BAD_INPUT', 'cursor is not one this server gave out');
}

export function packageRoutes(store: Store, reads: Reads): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    const q = c.req.query();
    const limit = intParam(q.limit, 'limit', DEFAULT_LIMIT, MAX_LIMIT);
    const offset = intParam(q.offset, 'offset', 0);
    if (q.cursor !== undefined && q.offset !== undefined) throw new BazaarError('ERR_BAD_INPUT', 'give offset or cursor, not both');
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (q.name !== undefined) checkPackageRef(q.name);
    return c.json(await reads.read(async (view) => {
      const index = q.channel === undefined ? await store.index(view) : await store.indexOf((await channelSettings(store, view, q.channel)).commit);
      let builds: IndexedBuild[] = q.provides !== undefined ? index.whatProvides(q.provides) : q.name !== undefined ? index.named(q.name) : index.builds;
      if (q.name !== undefined) builds = builds.filter((b) => b.name === q.name);
      if (q.glob !== undefined) builds = builds.filter((b) => globMatch(q.glob, b.name) || globMatch(q.glob, b.nevra) || globMatch(q.glob, b.key));
      builds = [...builds].sort(order);
      const start = after === null ? offset : builds.findIndex((b) => order(b, after) > 0);
      const from = start < 0 ? builds.length : start;
      const page = builds.slice(from, from + limit);
      const more = from + page.length < builds.length;
      return {
        total: builds.length,
        offset: from,
        items: page.map((b) => ({ name: b.name, nevra: b.nevra, id: b.header, record: b.value })),
        next: more && page.length ? encodeCursor(page[page.length - 1]) : null,
      };
    }));
  });

  app.get('/:name/versions', async (c) => {
    const channel = c.req.query('channel');
    return c.json(await reads.read((view) => packageVersions(store, view, c.req.param('name'), channel)));
  });

  app.get('/:ref', async (c) => c.json(await reads.read(async (view) => (await packageDetails(store, view, c.req.param('ref'))).json)));

  return app;
}
