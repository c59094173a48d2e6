import { BazaarError } from '../../errors.js';
import { sortNewestFirst } from '../../policy/versioning.js';
import type { Build, OrderOptions } from '../../policy/versioning.js';
import { channelsHolding, orderOf, readChannel } from '../../store/channels.js';
import { listPins } from '../../store/pins.js';
import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const versions: Command = {
  name: 'versions',
  summary: 'every stored build of one name, newest first, with the channels that hold it',
  usage: 'bazaar versions NAME [--channel C] [--store DIR] [--json]',
  help: `Lists every build of NAME in the store (all coexist), newest first by rpm's order,
or by channel C's order (rpm or alt) with --channel. Each line: the NEVRA, its manifest id,
the channels whose current state holds that exact build, and "pinned" if a pin keeps it.

Example:
  bazaar versions openssl
  bazaar versions bash --channel sisyphus --json | jq -r '.[0].nevra'`,
  options: {
    channel: { type: 'string', describe: 'order by this channel\'s order (rpm or alt)' },
  },
  async run({ positionals, options, storeDir }) {
    if (positionals.length !== 1) throw new BazaarError('ERR_USAGE', 'name one package name: bazaar versions NAME');
    const name = positionals[0] as string;
    const store = await Store.open(storeDir);
    const order: OrderOptions = options.channel === undefined ? {} : orderOf((await readChannel(store, options.channel as string)).settings);
    const stored = (await store.list()).filter((p) => p.name === name);
    if (stored.length === 0) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no build of ${name} in the store; 'bazaar ls' lists what is there`, { data: { name } });
    const builds: Array<Build & { nevra: string; path: string }> = [];
    for (const p of stored) {
      const m = await store.manifest(p.id);
      builds.push({ name, epoch: m.epoch, version: m.version, release: m.release, arch: m.arch, id: p.id, disttag: m.disttag, buildtime: m.buildtime, nevra: p.nevra, path: `${p.name}/${p.key}` });
    }
    const holding = await channelsHolding(store);
    const pins = new Map((await listPins(store)).map((p) => [`${p.name}/${p.key}`, p]));
    const rows = sortNewestFirst(builds, order).map((b) => ({
      nevra: b.nevra, id: b.id,
      channels: (holding.get(b.path) ?? []).filter((h) => h.id === b.id).map((h) => h.channel),
      pinned: pins.has(b.path), ...(pins.has(b.path) ? { pinReason: pins.get(b.path)?.reason ?? '' } : {}),
    }));
    const text = rows.map((r) => [r.nevra, r.id, r.channels.join(',') || '-', ...(r.pinned ? ['pinned'] : [])].join('\t')).join('\n');
    return { exitCode: 0, json: rows, text };
  },
};
