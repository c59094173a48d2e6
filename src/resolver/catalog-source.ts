/**
 * A store channel as a package universe: the one module of the resolver that reads the
 * store. Every binary build the channel holds becomes a PackageRecord from its manifest
 * (source packages are not installable and are left out), carrying its build id and the
 * fields the channel's order compares (disttag, buildtime).
 */
import { BazaarError } from '../errors.js';
import type { BranchView } from '../store/branch-view.js';
import { readChannel } from '../store/channels.js';
import type { Store } from '../store/store.js';
import type { PackageRecord, PackageSource } from './source.js';

export async function channelSource(store: Store, view: BranchView, channel: string): Promise<PackageSource> {
  const state = await readChannel(store, view, channel);
  const records: PackageRecord[] = [];
  for (const build of state.builds) {
    const b = await store.build(build.value);
    if (b.isSource) continue;
    const m = await store.manifest(b.manifest);
    records.push({
      name: m.name, epoch: m.epoch ?? 0, version: m.version, release: m.release, arch: m.arch,
      provides: m.provides, requires: m.requires, conflicts: m.conflicts, obsoletes: m.obsoletes,
      files: m.files.map((f) => f.path),
    });
  }
  if (records.length === 0) throw new BazaarError('ERR_CHANNEL', `channel ${channel} holds no installable package`);
  return { label: `channel ${channel}`, packages: () => records };
}
