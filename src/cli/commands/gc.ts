import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const gc: Command = {
  name: 'gc',
  summary: 'delete objects that nothing references',
  usage: 'bazaar gc [--store DIR] [--json]',
  help: `Marks every object reachable from any ref's history and deletes the rest, plus temp
files left by processes that are gone. It holds the store lock, so it never deletes
what a concurrent 'bazaar add' is committing.

Example:
  bazaar gc --json | jq .freedBytes`,
  options: {},
  async run({ storeDir }) {
    const store = await Store.open(storeDir);
    const r = await store.gc();
    return { exitCode: 0, json: r, text: `kept ${r.kept} objects, deleted ${r.deleted} (${r.freedBytes} bytes), removed ${r.tempsRemoved} stale temp files` };
  },
};
