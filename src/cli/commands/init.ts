import { Store } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const init: Command = {
  name: 'init',
  usage: 'bazaar init [--store DIR]',
  help: `Creates an empty store in DIR (default: $BAZAAR_STORE, else ./bazaar-store),
creating missing parent directories. DIR must be new or empty (a lost+found, as a fresh
file system has, is allowed): a directory holding anything else is refused. Running it on
an existing store changes nothing.

Example:
  bazaar init --store /srv/bazaar && bazaar add --store /srv/bazaar *.rpm`,
  options: {},
  async run({ positionals, storeDir, notice }) {
    expectArgs(positionals, 0, 0, 'bazaar init [--store DIR]');
    await Store.init(storeDir, { onNotice: notice });
    return { exitCode: 0, json: { store: storeDir }, text: `initialised store ${storeDir}` };
  },
};
