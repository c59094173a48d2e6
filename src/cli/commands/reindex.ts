import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const reindex: Command = {
  name: 'reindex',
  usage: 'bazaar reindex [--store DIR] [--json]',
  help: `Deletes every derived cache (the package indexes, the resolver's universe caches)
and rebuilds the package index of the store's current state. Never needed for
correctness: a missing or damaged index is rebuilt by whoever needs it.

Example:
  bazaar reindex`,
  options: {},
  async run({ positionals, openStore }) {
    expectArgs(positionals, 0, 0, 'bazaar reindex');
    const r = await (await openStore()).reindex();
    return { exitCode: 0, json: r, text: `indexed ${r.packages} packages` };
  },
};
