import { BazaarError } from '../../errors.js';
import { importKeys, listKeys, removeKey } from '../../library/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

const SUBCOMMANDS = 'import|ls|rm';

export const key: Command = {
  name: 'key',
  usage: `bazaar key ${SUBCOMMANDS} ...`,
  help: `The store's trusted package keys (OpenPGP public keys, in <store>/keys/trusted/):
what 'bazaar verify' checks signatures with, and what channels created with
--require-signature accept.

  key import FILE.asc   trust the public keys in FILE (armored or binary, one or several)
  key ls                id, fingerprint, user ids, algorithm and creation time of each
  key rm ID             stop trusting a key (its key id, fingerprint, or their last 8+ hex digits)

Example:
  gpg --export --armor packager@example.org > packager.asc
  bazaar key import packager.asc
  bazaar verify RPMS/x86_64/*.rpm`,
  options: {},
  async run({ positionals, openStore }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'import': {
        expectArgs(rest, 1, 1, 'bazaar key import FILE.asc');
        const keys = await importKeys(await openStore(), { file: rest[0] as string });
        return { exitCode: 0, json: keys, text: keys.map((k) => `${k.added ? 'imported' : 'updated'} ${k.id} ${k.userIds.join(', ')}`).join('\n') };
      }
      case 'ls': {
        expectArgs(rest, 0, 0, 'bazaar key ls');
        const keys = await listKeys(await openStore());
        return { exitCode: 0, json: keys, text: keys.map((k) => `${k.id}\t${k.algorithm}\t${k.created}\t${k.userIds.join(', ')}`).join('\n') };
      }
      case 'rm': {
        expectArgs(rest, 1, 1, 'bazaar key rm ID');
        const gone = await removeKey(await openStore(), { key: rest[0] as string });
        return { exitCode: 0, json: gone, text: `removed ${gone.id} ${gone.userIds.join(', ')}` };
      }
      default:
        throw new BazaarError('ERR_USAGE', sub === undefined ? `name a subcommand: bazaar key ${SUBCOMMANDS}` : `unknown subcommand '${sub}': bazaar key ${SUBCOMMANDS}`);
    }
  },
};
