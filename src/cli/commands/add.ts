import { BazaarError } from '../../errors.js';
import { argPath } from '../arg-path.js';
import type { Command } from '../command.js';

export const add: Command = {
  name: 'add',
  usage: 'bazaar add FILE.rpm... [--channel NAME] [--store DIR] [--json]',
  help: `Reads each package, checks its header, payload and file digests, and stores the
original .rpm, its header, every file it contains and a package manifest. Content
already in the store is not stored again. Prints "NEVRA<TAB>build id" per package; the
build id is the sha256 of the rpm header (rpm's SHA256HEADER), so a re-signed .rpm of a
stored build is the same build: it is kept as another signature variant.

The add is atomic: if any file is bad, or a NEVRA is already in the store as another
build, nothing is added and the exit code is 2. Adding a stored build again changes
nothing, except that objects of it known to be damaged ('bazaar fsck' found them) are
written again from the file: a re-add heals. With --channel NAME the packages (new or
already stored) also go into that existing channel, in the same commit; an unknown
channel is refused before anything is read.

Example:
  bazaar add repos/sample/RPMS/*/*.rpm --channel sample`,
  options: { channel: { type: 'string', describe: 'also add the packages to this channel' } },
  async run({ positionals, options, openStore, progress }) {
    if (positionals.length === 0) throw new BazaarError('ERR_USAGE', 'name at least one .rpm file: bazaar add FILE.rpm...');
    const store = await openStore();
    progress.start('adding', positionals.length);
    const channel = options.channel as string | undefined;
    const results = await store.add(positionals.map(argPath), { onProgress: (_d, _t, path) => progress.tick(1, path), ...(channel === undefined ? {} : { channel }) });
    progress.done();
    return { exitCode: 0, json: results, text: results.map((r) => `${r.nevra}\t${r.id}`).join('\n') };
  },
};
