import { BazaarError } from '../../errors.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

const SUBCOMMANDS = 'import|ls|rm|generate|export';

export const key: Command = {
  name: 'key',
  usage: `bazaar key ${SUBCOMMANDS} ...`,
  help: `OpenPGP keys of the store. Trusted package keys (OpenPGP public keys, in
<store>/keys/trusted/) are what 'bazaar verify' checks signatures with, and what
channels created with --require-signature accept. A repository signing key signs every
channel's repodata/repomd.xml that 'bazaar serve' hands out (repomd.xml.asc, with the
public key as repomd.xml.key), so dnf and zypper can check the metadata
(repo_gpgcheck=1); the newest signs, unless 'bazaar serve --signing-key NAME' names
another. Its secret key stays in the store (keys/signing/NAME.asc, mode 0600), never served.

  key import FILE.asc   trust the public keys in FILE (armored or binary, one or several)
  key ls                id, fingerprint, user ids, algorithm and creation time of each
  key rm ID             stop trusting a key (its key id, fingerprint, or their last 8+ hex digits)
  key generate NAME     make repository signing key NAME (Ed25519; --algorithm rsa4096 for
                        clients whose gpg predates Ed25519); prints its key id and fingerprint
  key export NAME       print its armored public key, what clients import

Example:
  gpg --export --armor packager@example.org > packager.asc
  bazaar key import packager.asc
  bazaar verify RPMS/x86_64/*.rpm
  bazaar key generate repo-2026 --user-id 'Repository Team <team@example.org>'
  bazaar key export repo-2026 > /etc/pki/rpm-gpg/RPM-GPG-KEY-bazaar`,
  options: {
    algorithm: { type: 'string', describe: 'generate: ed25519 (default) or rsa4096' },
    'user-id': { type: 'string', describe: "generate: the key's user id, 'Name <mail>' (default: NAME (bazaar repository signing key))" },
  },
  async run({ positionals, options, openStore }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'import': {
        expectArgs(rest, 1, 1, 'bazaar key import FILE.asc');
        const keys = await (await library()).importKeys(await openStore(), { file: rest[0] as string });
        return { exitCode: 0, json: keys, text: keys.map((k) => `${k.added ? 'imported' : 'updated'} ${k.id} ${k.userIds.join(', ')}`).join('\n') };
      }
      case 'ls': {
        expectArgs(rest, 0, 0, 'bazaar key ls');
        const keys = await (await library()).listKeys(await openStore());
        return { exitCode: 0, json: keys, text: keys.map((k) => `${k.id}\t${k.algorithm}\t${k.created}\t${k.userIds.join(', ')}`).join('\n') };
      }
      case 'rm': {
        expectArgs(rest, 1, 1, 'bazaar key rm ID');
        const gone = await (await library()).removeKey(await openStore(), { key: rest[0] as string });
        return { exitCode: 0, json: gone, text: `removed ${gone.id} ${gone.userIds.join(', ')}` };
      }
      case 'generate': {
        expectArgs(rest, 1, 1, 'bazaar key generate NAME [--algorithm ed25519|rsa4096] [--user-id "Name <mail>"]');
        const algorithm = options.algorithm as string | undefined;
        if (algorithm !== undefined && algorithm !== 'ed25519' && algorithm !== 'rsa4096') throw new BazaarError('ERR_USAGE', `--algorithm is ed25519 or rsa4096, not '${algorithm}'`);
        const made = await (await library()).generateSigningKey(await openStore(), {
          name: rest[0] as string, ...(algorithm ? { algorithm } : {}), ...(options['user-id'] === undefined ? {} : { userId: options['user-id'] as string }),
        });
        return { exitCode: 0, json: made, text: `signing key ${made.name}: ${made.algorithm}, key id ${made.keyId}, fingerprint ${made.fingerprint.toUpperCase()}` };
      }
      case 'export': {
        expectArgs(rest, 1, 1, 'bazaar key export NAME');
        const armored = await (await library()).exportSigningKey(await openStore(), { name: rest[0] as string });
        return { exitCode: 0, json: { name: rest[0], publicKey: armored }, text: armored.trimEnd() };
      }
      default:
        throw new BazaarError('ERR_USAGE', sub === undefined ? `name a subcommand: bazaar key ${SUBCOMMANDS}` : `unknown subcommand '${sub}': bazaar key ${SUBCOMMANDS}`);
    }
  },
};
