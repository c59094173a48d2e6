import { BazaarError } from '../../errors.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const importTree: Command = {
  name: 'import-tree',
  usage: 'bazaar import-tree DIR --name NAME [--store DIR] [--json]',
  help: `Stores every file of DIR once (content already in the store costs nothing), its
directories as tree objects, and records the root tree as trees/NAME in the store's
history. This is the primitive layers are built from (an overlay upper dir, an
unpacked image). Owners are recorded as numeric ids.

Example:
  bazaar import-tree /srv/netinst/overlay-2026-11 --name overlay-2026-11`,
  options: { name: { type: 'string', describe: 'the name to record the tree under (trees/NAME)' } },
  async run({ positionals, options, openStore, progress }) {
    expectArgs(positionals, 1, 1, 'bazaar import-tree DIR --name NAME');
    const name = options.name as string | undefined;
    if (!name) throw new BazaarError('ERR_USAGE', 'give the tree a name: bazaar import-tree DIR --name NAME');
    const store = await openStore();
    progress.start('importing', 0);
    const r = await store.importTree(positionals[0], name, () => progress.tick(1));
    progress.done();
    return { exitCode: 0, json: { name, ...r }, text: `trees/${name}\t${r.root}\t${r.files} files, ${r.bytes} bytes` };
  },
};
