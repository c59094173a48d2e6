import { BazaarError } from '../../errors.js';
import { sortNewestFirst } from '../../policy/versioning.js';
import type { Build, OrderOptions } from '../../policy/versioning.js';
import { entriesNamed } from '../../store/builds.js';
import { channelSettings, channelsHolding, orderOf } from '../../store/channels.js';
import { listPins } from '../../store/pins.js';
import { PACKAGES_BRANCH } from '../../store/ref-paths.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const versions: Command = {
  name: 'versions',
  usage: 'bazaar versions NAME [--channel C] [--store DIR] [--json]',
  help: `Lists every build of NAME in the store (all coexist), newest first by rpm's order,
or by channel C's order (rpm or alt) with --channel. Each line: the NEVRA, its build id,
the channels whose current state holds that build, and "pinned" if a pin keeps it.

Example:
  bazaar versions openssl
  bazaar versions bash --channel sisyphus --json | jq -r '.[0].nevra'`,
  options: {
    channel: { type: 'string', describe: 'order by this channel\'s order (rpm or alt)' },
  },
  async run({ positionals, options, openStore }) {
    expectArgs(positionals, 1, 1, 'bazaar versions NAME');
    const name = positionals[0] as string;
    const store = await openStore();
    return store.read(async (snap) => {
      const order: OrderOptions = options.channel === undefined ? {} : orderOf((await channelSettings(store, snap, options.channel as string)).settings);
      const stored = await entriesNamed(snap, PACKAGES_BRANCH, name);
      if (stored.length === 0) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no build of ${name} in the store; 'bazaar ls' lists what is there`, { data: { name } });
      const builds: Array<Build & { nevra: string; key: string }> = [];
      for (const p of stored) {
        const r = await store.build(p.value);
        builds.push({ name, epoch: r.epoch, version: r.version, release: r.release, arch: r.arch, id: r.header, disttag: r.disttag, buildtime: r.buildtime, nevra: r.nevra, key: p.key });
      }
      const holding = await channelsHolding(store, snap);
      const pins = new Map((await listPins(store, snap)).map((p) => [p.key, p]));
      const rows = sortNewestFirst(builds, order).map((b) => ({
        nevra: b.nevra, id: b.id,
        channels: (holding.get(b.key) ?? []).map((h) => h.channel),
        pinned: pins.has(b.key), ...(pins.has(b.key) ? { pinReason: pins.get(b.key)?.reason ?? '' } : {}),
      }));
      const text = rows.map((r) => [r.nevra, r.id, r.channels.join(',') || '-', ...(r.pinned ? ['pinned'] : [])].join('\t')).join('\n');
      return { exitCode: 0, json: rows, text };
    });
  },
};
