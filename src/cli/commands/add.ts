import { BazaarError } from '../../errors.js';
import { argPath } from '../arg-path.js';
import type { Command } from '../command.js';

export const add: Command = {
  name: 'add',
  usage: 'bazaar add FILE.rpm... [--channel NAME] [--unpack] [--keep-going] [--store DIR] [--json]',
  help: `Reads each package, checks its header, payload and file digests, and stores the
original .rpm, its header and a package manifest that names every file it contains by
the sha256 of its content. The files themselves stay in the .rpm until an image layer
first needs them (then they are stored once, as objects of their own), so a package
costs about the size of its .rpm; --unpack stores them now. Content already in the
store is not stored again. Prints "NEVRA<TAB>build id" per package; the
build id is the sha256 of the rpm header (rpm's SHA256HEADER), so a re-signed .rpm of a
stored build is the same build: it is kept as another signature variant.

The add is atomic: if any file is bad, or a NEVRA is already in the store as another
build, nothing is added and the exit code is 2. Adding a stored build again changes
nothing, except that objects of it known to be damaged ('bazaar fsck' found them) are
written again from the file: a re-add heals. With --channel NAME the packages (new or
already stored) also go into that existing channel, in the same commit; an unknown
channel is refused before anything is read. Two files of one add that are different
builds under the same NEVRA are named both.

With --keep-going, what can be added is added (one commit) and each file that cannot
be is reported on its own line on stderr ("refused FILE: why"); the exit code is then 1
if any file was refused. With --json, refused files are entries with a "refused" field
({"code", "message"}).

Example:
  bazaar add repos/sample/RPMS/*/*.rpm --channel sample`,
  options: {
    channel: { type: 'string', describe: 'also add the packages to this channel' },
    unpack: { type: 'boolean', describe: 'store every file as an object now, not when a layer first needs it' },
    'keep-going': { type: 'boolean', describe: 'add what can be added and report each file that cannot (exit 1 if any)' },
  },
  async run({ positionals, options, openStore, progress }) {
    if (positionals.length === 0) throw new BazaarError('ERR_USAGE', 'name at least one .rpm file: bazaar add FILE.rpm...');
    const store = await openStore();
    progress.start('adding', positionals.length);
    const channel = options.channel as string | undefined;
    const results = await store.add(positionals.map(argPath), {
      onProgress: (_d, _t, path) => progress.tick(1, path), unpack: options.unpack === true, keepGoing: options['keep-going'] === true, ...(channel === undefined ? {} : { channel }),
    });
    progress.done();
    // each new build's rpm-md fragments now, so a channel's first rpm-md request only concatenates
    await (await import('../../rpmmd/index.js')).prepareRpmmdFragments(store, results);
    const refused = results.filter((r) => r.refused);
    return {
      exitCode: refused.length ? 1 : 0,
      json: results,
      text: results.filter((r) => !r.refused).map((r) => `${r.nevra}\t${r.id}`).join('\n'),
      stderr: refused.map((r) => (r.refused?.message.includes(r.path) ? `refused: ${r.refused.message}` : `refused ${r.path}: ${r.refused?.message}`)),
    };
  },
};
