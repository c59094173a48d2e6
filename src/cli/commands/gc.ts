import { BazaarError } from '../../errors.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const gc: Command = {
  name: 'gc',
  usage: 'bazaar gc [--retention-days N] [--store DIR] [--json]',
  help: `Keeps every object reachable from the current state of every branch (packages,
channels, pins, images, layers), from every older state replaced less than the
retention window ago (retention.days in <store>/config.json, default 180), and from the
states live readers are reading; deletes the rest, plus temp files left by processes
that are gone, checkout-cache entries no checkout links to any more (untouched for
an hour; docs/checkout.md#the-checkout-cache) and the derived caches nothing kept needs,
the rpm-md of deleted and renamed channels included (docs/store.md#derived-data).
History itself is never rewritten. When a kept state cannot be read in full, gc deletes
nothing and says which repair comes first.
See docs/versioning-policy.md#rule-retention.

Example:
  bazaar gc --json | jq .freedBytes`,
  options: { 'retention-days': { type: 'string', describe: 'override the retention window (0: keep current states only)' } },
  async run({ positionals, options, openStore }) {
    expectArgs(positionals, 0, 0, 'bazaar gc [--retention-days N]');
    const days = options['retention-days'] as string | undefined;
    if (days !== undefined && !/^\d+$/.test(days)) throw new BazaarError('ERR_USAGE', `--retention-days takes a whole number of days, not '${days}'`);
    const store = await openStore();
    const r = await store.gc(days === undefined ? {} : { retentionDays: Number(days) });
    const { checkoutCache } = r;
    const lines = [
      `kept ${r.kept} objects, deleted ${r.deleted} (${r.freedBytes} bytes), removed ${r.tempsRemoved} stale temp files`,
      ...(checkoutCache.removed + checkoutCache.trees ? [`checkout cache: removed ${checkoutCache.removed} unlinked files and ${checkoutCache.trees} trees (${checkoutCache.bytes} bytes)`] : []),
      ...(r.history.packed ? [`history: packed ${r.history.packed} loose git objects into ${r.history.packs} pack${r.history.packs === 1 ? '' : 's'}`] : []),
      ...r.expired.map((b) => `expired ${b} (deleted more than the retention window ago)`),
      ...r.damage.map((d) => `damage (nothing it hides; 'bazaar fsck --repair'): ${d}`),
      ...r.stray.map((s) => `left alone: ${s} (not written by bazaar)`),
    ];
    return { exitCode: 0, json: r, text: lines.join('\n') };
  },
};
