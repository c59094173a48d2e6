import { BazaarError } from '../../errors.js';
import { listPins, pinPackage, unpinPackage } from '../../store/pins.js';
import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const pin: Command = {
  name: 'pin',
  summary: 'keep a build through gc (no argument: list the pins)',
  usage: 'bazaar pin [PKG] [--reason TEXT] [--store DIR] [--json]',
  help: `Pins a stored build (NEVRA, or a name with one build): gc keeps it and its files
whatever the retention window, and 'bazaar rm' refuses it. Pinning again replaces the
reason. Without PKG, lists the pins with their reasons.

Example:
  bazaar pin bash-5.2.26-alt1.x86_64 --reason "core-os 11.0 requires it"`,
  options: { reason: { type: 'string', describe: 'why it is pinned (shown by bazaar pin and versions)' } },
  async run({ positionals, options, storeDir }) {
    const store = await Store.open(storeDir);
    if (positionals.length === 0) {
      const pins = await listPins(store);
      return { exitCode: 0, json: pins, text: pins.map((p) => `${p.nevra}\t${p.id}${p.reason ? `\t${p.reason}` : ''}`).join('\n') };
    }
    if (positionals.length !== 1) throw new BazaarError('ERR_USAGE', 'name one package: bazaar pin PKG [--reason TEXT]');
    const r = await pinPackage(store, positionals[0] as string, (options.reason as string | undefined) ?? '');
    return { exitCode: 0, json: r, text: `pinned ${r.nevra}\t${r.id}` };
  },
};

export const unpin: Command = {
  name: 'unpin',
  summary: 'remove a pin (the build stays in the store)',
  usage: 'bazaar unpin PKG [--store DIR] [--json]',
  help: `Removes the pin of a build (NEVRA, or a name with one pinned build). The build stays
in the store; gc may delete it later if nothing else keeps it.

Example:
  bazaar unpin bash-5.2.26-alt1.x86_64`,
  options: {},
  async run({ positionals, storeDir }) {
    if (positionals.length !== 1) throw new BazaarError('ERR_USAGE', 'name one package: bazaar unpin PKG');
    const r = await unpinPackage(await Store.open(storeDir), positionals[0] as string);
    return { exitCode: 0, json: r, text: `unpinned ${r.nevra}\t${r.id}` };
  },
};
