import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const reindex: Command = {
  name: 'reindex',
  summary: 'rebuild the index from the refs',
  usage: 'bazaar reindex [--store DIR] [--json]',
  help: `Deletes the LevelDB index and rebuilds it from the refs. The index is derived data;
the store also rebuilds it by itself when it finds it behind the refs.

Example:
  bazaar reindex`,
  options: {},
  async run({ storeDir }) {
    const store = await Store.open(storeDir);
    const r = await store.reindex();
    return { exitCode: 0, json: r, text: `indexed ${r.packages} packages` };
  },
};
