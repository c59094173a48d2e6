import { BazaarError } from '../../errors.js';
import { createToken, readTokens, revokeToken } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const token: Command = {
  name: 'token',
  usage: 'bazaar token create --scope SCOPE... [--name N] | token ls | token revoke ID|NAME',
  help: `API tokens for 'bazaar serve'. Scopes: read (reads, when the server runs with
--private), publish:CHANNEL (upload packages into CHANNEL; publish:* any channel, or
uploads into no channel), admin (everything).

  token create --scope SCOPE... [--name N]   prints the new token once; the store keeps only its sha256
  token ls                                   id, name, scopes and creation time of every token
  token revoke ID|NAME                       the server refuses it from the next request on

Example:
  export BAZAAR_TOKEN=$(bazaar token create --scope publish:sisyphus --name ci)
  bazaar push http://127.0.0.1:8080/ --channel sisyphus foo-1.0-alt1.x86_64.rpm`,
  options: {
    scope: { type: 'string', multiple: true, describe: 'a scope (repeatable): read, admin, publish:CHANNEL, publish:*' },
    name: { type: 'string', describe: 'a name to recognise the token by' },
  },
  async run({ positionals, options, openStore }) {
    const [sub, ...rest] = positionals;
    const store = await openStore();
    switch (sub) {
      case 'create': {
        expectArgs(rest, 0, 0, 'bazaar token create --scope SCOPE... [--name N]');
        const { token: secret, record } = await createToken(store.dir, (options.scope as string[] | undefined) ?? [], (options.name as string | undefined) ?? '');
        const { sha256: _hash, ...shown } = record;
        return { exitCode: 0, json: { token: secret, ...shown }, text: secret };
      }
      case 'ls': {
        expectArgs(rest, 0, 0, 'bazaar token ls');
        const rows = readTokens(store.dir).map(({ sha256: _hash, ...r }) => r);
        return { exitCode: 0, json: rows, text: rows.map((r) => `${r.id}\t${r.name || '-'}\t${r.scopes.join(',')}\t${r.created}`).join('\n') };
      }
      case 'revoke': {
        expectArgs(rest, 1, 1, 'bazaar token revoke ID|NAME');
        const gone = await revokeToken(store.dir, rest[0] as string);
        return { exitCode: 0, json: gone.map(({ sha256: _hash, ...r }) => r), text: gone.map((r) => `revoked ${r.id}${r.name ? ` (${r.name})` : ''}`).join('\n') };
      }
      default:
        throw new BazaarError('ERR_USAGE', sub === undefined ? 'name a subcommand: bazaar token create|ls|revoke' : `unknown subcommand '${sub}': bazaar token create|ls|revoke`);
    }
  },
};
