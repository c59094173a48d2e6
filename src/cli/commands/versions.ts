import { packageVersions } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const versions: Command = {
  name: 'versions',
  usage: 'bazaar versions NAME [--channel C] [--store DIR] [--json]',
  help: `Lists every build of NAME in the store (all coexist), newest first by rpm's order,
or by channel C's order (rpm or alt) with --channel. Each line: the NEVRA, its build id,
the channels whose current state holds that build, and "pinned" if a pin keeps it.

Example:
  bazaar versions openssl
  bazaar versions bash --channel sisyphus --json | jq -r '.[0].nevra'`,
  options: {
    channel: { type: 'string', describe: 'order by this channel\'s order (rpm or alt)' },
  },
  async run({ positionals, options, openStore }) {
    expectArgs(positionals, 1, 1, 'bazaar versions NAME');
    const name = positionals[0] as string;
    const store = await openStore();
    return store.read(async (snap) => {
      const rows = await packageVersions(store, snap, name, options.channel as string | undefined);
      const text = rows.map((r) => [r.nevra, r.id, r.channels.join(',') || '-', ...(r.pinned ? ['pinned'] : [])].join('\t')).join('\n');
      return { exitCode: 0, json: rows, text };
    });
  },
};
