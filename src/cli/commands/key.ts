import { BazaarError } from '../../errors.js';
import { exportSigningKey, generateSigningKey } from '../../library/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const key: Command = {
  name: 'key',
  usage: 'bazaar key generate NAME [--algorithm ed25519|rsa4096] [--user-id "Name <mail>"] | key export NAME',
  help: `OpenPGP keys of the store. A repository signing key signs every channel's
repodata/repomd.xml that 'bazaar serve' hands out (repomd.xml.asc, with the public key
as repomd.xml.key), so dnf and zypper can check the metadata (repo_gpgcheck=1). The
newest signing key signs, unless 'bazaar serve --signing-key NAME' names another. The
secret key stays in the store (keys/signing/NAME.asc, mode 0600) and is never served.

  key generate NAME    makes signing key NAME (Ed25519; --algorithm rsa4096 for clients
                       whose gpg predates Ed25519) and prints its key id and fingerprint
  key export NAME      prints its armored public key, what clients import

Example:
  bazaar key generate repo-2026 --user-id 'Repository Team <team@example.org>'
  bazaar key export repo-2026 > /etc/pki/rpm-gpg/RPM-GPG-KEY-bazaar`,
  options: {
    algorithm: { type: 'string', describe: 'generate: ed25519 (default) or rsa4096' },
    'user-id': { type: 'string', describe: "generate: the key's user id, 'Name <mail>' (default: NAME (bazaar repository signing key))" },
  },
  async run({ positionals, options, openStore }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'generate': {
        expectArgs(rest, 1, 1, 'bazaar key generate NAME [--algorithm ed25519|rsa4096] [--user-id "Name <mail>"]');
        const algorithm = options.algorithm as string | undefined;
        if (algorithm !== undefined && algorithm !== 'ed25519' && algorithm !== 'rsa4096') throw new BazaarError('ERR_USAGE', `--algorithm is ed25519 or rsa4096, not '${algorithm}'`);
        const made = await generateSigningKey(await openStore(), {
          name: rest[0] as string, ...(algorithm ? { algorithm } : {}), ...(options['user-id'] === undefined ? {} : { userId: options['user-id'] as string }),
        });
        return { exitCode: 0, json: made, text: `signing key ${made.name}: ${made.algorithm}, key id ${made.keyId}, fingerprint ${made.fingerprint.toUpperCase()}` };
      }
      case 'export': {
        expectArgs(rest, 1, 1, 'bazaar key export NAME');
        const armored = await exportSigningKey(await openStore(), { name: rest[0] as string });
        return { exitCode: 0, json: { name: rest[0], publicKey: armored }, text: armored.trimEnd() };
      }
      default:
        throw new BazaarError('ERR_USAGE', sub === undefined ? 'name a subcommand: bazaar key generate|export' : `unknown subcommand '${sub}': bazaar key generate|export`);
    }
  },
};
