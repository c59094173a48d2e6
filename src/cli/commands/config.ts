import { BazaarError } from '../../errors.js';
import { readStoreConfig, setStoreConfig } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';
import type { StoreConfig } from '../../store/index.js';

const lines = (c: StoreConfig): string => `retention.days\t${c.retention.days}\nserver.privateReads\t${c.server.privateReads}`;

export const config: Command = {
  name: 'config',
  usage: 'bazaar config [show] | config set KEY VALUE',
  help: `The store's settings (config.json). A local store's may also be edited by hand; an
attached store keeps them in PostgreSQL, shared by every host, so they are set here.

  config show                        the settings in force (defaults where none is set)
  config set retention.days DAYS     how long gc keeps replaced history (default 180)
  config set server.privateReads true|false
                                     'bazaar serve' asks a token with scope read for reads

Example:
  bazaar config set retention.days 30`,
  options: {},
  async run({ positionals, openStore }) {
    const [sub = 'show', ...rest] = positionals;
    const store = await openStore();
    switch (sub) {
      case 'show': {
        expectArgs(rest, 0, 0, 'bazaar config show');
        const c = await readStoreConfig(store.dir);
        return { exitCode: 0, json: c, text: lines(c) };
      }
      case 'set': {
        expectArgs(rest, 2, 2, 'bazaar config set KEY VALUE');
        const c = await setStoreConfig(store.dir, rest[0] as string, rest[1] as string);
        return { exitCode: 0, json: c, text: lines(c) };
      }
      default:
        throw new BazaarError('ERR_USAGE', `unknown subcommand '${sub}': bazaar config show|set`);
    }
  },
};
