import { BazaarError } from '../../errors.js';
import { isObjectId } from '../../store/layout.js';
import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const cat: Command = {
  name: 'cat',
  summary: 'write an object\'s bytes to standard output, verified',
  usage: 'bazaar cat sha256:<64 hex> [--store DIR]',
  help: `Writes the object's uncompressed bytes to standard output. The content is checked
against its id as it streams; on a mismatch the command fails (exit 1) naming the object.
The rpm blob of a package (its "rpm" field in bazaar show --json) is the original .rpm file.

Example:
  bazaar cat $(bazaar show --json bash | jq -r .rpm) > bash.rpm`,
  options: {},
  async run({ positionals, storeDir }) {
    const [id] = positionals;
    if (positionals.length !== 1 || !isObjectId(id)) throw new BazaarError('ERR_USAGE', 'name one object id: bazaar cat sha256:<64 hex digits>');
    const store = await Store.open(storeDir);
    for await (const chunk of store.objects.stream(id)) {
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
    }
    return { exitCode: 0 };
  },
};
