import { expectArgs } from '../command.js';
import { withPackageArgs } from '../package-args.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

export const rm: Command = {
  name: 'rm',
  usage: 'bazaar rm PKG [--message TEXT] [--store DIR] [--json]',
  help: `Takes a build (NEVRA, a name with one build, or a build id) out of the store's list
of published builds. Refused (exit 2, nothing changes) while a channel or a pin holds
it. Its objects are deleted by a later 'bazaar gc' once no history inside the retention
window reaches them; files another build shares are kept.

Example:
  bazaar channel remove sample openssl-1.1.1w-alt1.x86_64 && bazaar rm openssl-1.1.1w-alt1.x86_64`,
  options: { message: { type: 'string', short: 'm', describe: 'why: recorded in the commit message' } },
  async run({ positionals, options, openStore }) {
    expectArgs(positionals, 1, 1, 'bazaar rm PKG');
    const message = options.message as string | undefined;
    const store = await openStore();
    const r = await withPackageArgs(positionals, async ([ref]) => (await library()).removePackage(store, { package: ref as string, ...(message ? { message } : {}) }));
    return { exitCode: 0, json: r, text: `removed ${r.nevra}\t${r.id}` };
  },
};
