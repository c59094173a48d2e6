import { expectArgs } from '../command.js';
import { withPackageArgs } from '../package-args.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

export const pin: Command = {
  name: 'pin',
  usage: 'bazaar pin [PKG] [--reason TEXT] [--store DIR] [--json]',
  help: `Pins a stored build (NEVRA, a name with one build, or a build id): gc keeps it and
its files whatever the retention window, and 'bazaar rm' refuses it. Pinning again
replaces the reason. Without PKG, lists the pins with their reasons.

Example:
  bazaar pin bash-5.2.26-alt1.x86_64 --reason "core-os 11.0 requires it"`,
  options: { reason: { type: 'string', describe: 'why it is pinned (shown by bazaar pin and versions)' } },
  async run({ positionals, options, openStore }) {
    expectArgs(positionals, 0, 1, 'bazaar pin [PKG] [--reason TEXT]');
    const store = await openStore();
    if (positionals.length === 0) {
      const pins = await (await library()).listPins(store);
      const rows = await Promise.all(pins.map(async (p) => ({ nevra: p.nevra, id: (await store.build(p.build).catch(() => null))?.header ?? p.build, reason: p.reason })));
      return { exitCode: 0, json: rows, text: rows.map((p) => `${p.nevra}\t${p.id}${p.reason ? `\t${p.reason}` : ''}`).join('\n') };
    }
    const r = await withPackageArgs(positionals, async ([ref]) => (await library()).pinPackage(store, { package: ref as string, ...(options.reason ? { reason: options.reason as string } : {}) }));
    return { exitCode: 0, json: r, text: `pinned ${r.nevra}\t${r.id}` };
  },
};

export const unpin: Command = {
  name: 'unpin',
  usage: 'bazaar unpin PKG [--store DIR] [--json]',
  help: `Removes the pin of a build (NEVRA, a name with one pinned build, or a build id). The build stays
in the store; gc may delete it later if nothing else keeps it.

Example:
  bazaar unpin bash-5.2.26-alt1.x86_64`,
  options: {},
  async run({ positionals, openStore }) {
    expectArgs(positionals, 1, 1, 'bazaar unpin PKG');
    const store = await openStore();
    const r = await withPackageArgs(positionals, async ([ref]) => (await library()).unpinPackage(store, { package: ref as string }));
    return { exitCode: 0, json: r, text: `unpinned ${r.nevra}\t${r.id}` };
  },
};
