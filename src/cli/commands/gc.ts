import { BazaarError } from '../../errors.js';
import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const gc: Command = {
  name: 'gc',
  summary: 'delete objects that nothing keeps (see the retention rules)',
  usage: 'bazaar gc [--retention-days N] [--store DIR] [--json]',
  help: `Keeps every object reachable from the current state of every branch (the store's
packages, every channel, the pins) and from every older state replaced less than the
retention window ago (retention.days in <store>/config.json, default 180); deletes the
rest, plus temp files left by processes that are gone. History itself is never
rewritten. It holds the store lock, so it never deletes what a concurrent 'bazaar add'
is committing. See docs/versioning-policy.md#rule-retention.

Example:
  bazaar gc --json | jq .freedBytes`,
  options: { 'retention-days': { type: 'string', describe: 'override the retention window (0: keep current states only)' } },
  async run({ options, storeDir }) {
    const store = await Store.open(storeDir);
    const days = options['retention-days'] as string | undefined;
    if (days !== undefined && !/^\d+$/.test(days)) throw new BazaarError('ERR_USAGE', `--retention-days takes a whole number of days, not '${days}'`);
    const r = await store.gc(days === undefined ? {} : { retentionDays: Number(days) });
    return { exitCode: 0, json: r, text: `kept ${r.kept} objects, deleted ${r.deleted} (${r.freedBytes} bytes), removed ${r.tempsRemoved} stale temp files` };
  },
};
