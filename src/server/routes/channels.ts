/** `/v1/channels`: the channels, one channel's builds, its history and diffs (what `bazaar channel ls|log|diff --json` print). */
import { Hono } from 'hono';
import { channelBuilds, channelLog, diffChannel, listChannels, readChannel, servedVariant } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';

export function channelRoutes(store: Store, reads: Reads): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json(await reads.read((view) => listChannels(store, view))));
  app.get('/:name', async (c) => c.json(await reads.read(async (view) => {
    const state = await readChannel(store, view, c.req.param('name'));
    const builds = await channelBuilds(store, state);
    return {
      name: state.name, settings: state.settings, commit: state.commit,
      packages: builds.map((b) => ({ name: b.name, nevra: b.nevra, id: b.id, rpm: servedVariant(b.record).rpm })),
    };
  })));
  app.get('/:name/log', async (c) => c.json(await reads.read((view) => channelLog(store, view, c.req.param('name')))));
  app.get('/:name/diff', async (c) => {
    const { from, to } = c.req.query();
    return c.json(await reads.read((view) => diffChannel(store, view, c.req.param('name'), from, to)));
  });
  return app;
}
