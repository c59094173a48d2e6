/**
 * A store channel as a package universe: the one module of the resolver that reads the
 * store. Every binary build the channel holds becomes a PackageRecord from its manifest
 * (source packages are not installable and are left out), carrying its build id and the
 * fields the channel's order compares; the universe orders builds by the channel's own
 * order (an alt channel as ALT's rpm does, disttag and build time included), through the
 * policy's `compareBuilds`.
 *
 * The universe of each channel commit is cached (`cache/universe/<commit>/`, derived):
 * a warm start loads it instead of reading every manifest, and a new commit's universe is
 * made from its nearest cached ancestor's by reading only the builds changed since
 * (store's fromNearestCached, as the package index is). A universe made from nothing
 * reads each build's resolver row (record-entries.ts), not its record and manifest.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { compareBuilds } from '../policy/index.js';
import type { Build, OrderOptions } from '../policy/index.js';
import { nevraKey } from '../rpm/index.js';
import type { BranchView, ChannelSettings, ObjectId, Store } from '../store/index.js';
import { buildOfPath, channelBranch, channelSettings, channelUpstream, orderOf, universeCacheDir } from '../store/index.js';
import { encodeUniverse, loadUniverseCache, parseUniverse, UNIVERSE_FILE, writeUniverseFile, type CachedSource } from './universe-cache.js';
import { UniverseBuilder } from './universe-builder.js';
import { updatedUniverse } from './universe-update.js';
import { MemorySource } from './memory-source.js';
import { decodeRecordLines } from './record-lines.js';
import { keepRecordEntries, recordBatches } from './record-entries.js';
import type { PackageRecord, PackageSource } from './source.js';

/** How far back a cached ancestor is looked for before reading the whole channel. */
const ANCESTOR_SEARCH = 64;

/** What compareBuilds reads of a record, field by field: a cached record's fields are getters, which a spread drops. */
function buildOf(r: PackageRecord): Build {
  return { name: r.name, epoch: r.epoch, version: r.version, release: r.release, arch: r.arch, id: r.buildId ?? '', disttag: r.disttag ?? null, buildtime: r.buildtime ?? null };
}

function orderedBy(order: OrderOptions): (a: PackageRecord, b: PackageRecord) => number {
  return (a, b) => compareBuilds(buildOf(a), buildOf(b), order);
}

/** A store build (its build record's id) as the resolver sees it; null for a source package. */
export async function recordOf(store: Store, value: ObjectId): Promise<PackageRecord | null> {
  return (await recordsOf(store, [value]))[0];
}

async function recordsOf(store: Store, values: readonly ObjectId[], writeBack = false): Promise<Array<PackageRecord | null>> {
  const out: Array<PackageRecord | null> = [];
  for await (const batch of recordBatches(store, values, writeBack)) for (const r of batch) out.push(r);
  return out;
}

function hasCache(store: Store, commit: string): boolean {
  try { statSync(join(universeCacheDir(store.dir, commit), UNIVERSE_FILE)); return true; } catch { return false; }
}

/**
 * The universe of a channel as `view` sees it.
 *
 * @example
 * const source = await store.read((s) => channelSource(store, s, 'sisyphus'));
 */
export async function channelSource(store: Store, view: BranchView, channel: string): Promise<PackageSource> {
  const { commit, settings } = await channelSettings(store, view, channel);
  return universeAt(store, view, channel, commit, settings);
}

type BuildOrder = ((a: PackageRecord, b: PackageRecord) => number) | undefined;

/** `source` ordered by the channel's order (rpm's when `compare` is undefined). */
function ordered<T extends PackageSource>(source: T, compare: BuildOrder): T {
  return compare ? Object.assign(source, { compare }) : source;
}

/** The universe of the channel at `commit`: cached, else updated or made and saved. */
async function universeAt(store: Store, view: BranchView, channel: string, commit: string, settings: ChannelSettings): Promise<PackageSource> {
  const compare = settings.order === 'rpm' && !settings.priorityBranch ? undefined : orderedBy(orderOf(settings));
  if (hasCache(store, commit)) {
    try {
      return ordered(await loadUniverseCache(universeCacheDir(store.dir, commit)), compare);
    } catch (err) {
      if (!(err instanceof BazaarError)) throw err;
      store.notice(`the universe cache of channel ${channel} was unreadable; rebuilding it`);
    }
  }
  const upstream = await channelUpstream(store, view, channel);
  if (!upstream) {
    const updated = await fromCachedAncestor(store, view, channel, commit, compare);
    if (updated instanceof Uint8Array) return written(store, commit, updated, compare);
    if (updated) return saved(store, commit, updated, compare, channel);
  }
  if (!upstream) {
    const bytes = await streamedUniverse(store, view, channel, compare);
    if (bytes) return written(store, commit, bytes, compare);
  }
  const byKey = upstream ? await onDemandRecords(store, view, channel, upstream.upstream.records) : await indexedRecords(store, view, channel, new Map());
  return saved(store, commit, sortedRecords(byKey, channel), compare, channel);
}

/**
 * The file of the channel's universe made from every build's record, a batch at a time
 * (universe-builder.ts: no record is kept once encoded); null when a record cannot be
 * encoded, which the caller's full save reports by solving from the records instead.
 */
async function streamedUniverse(store: Store, view: BranchView, channel: string, compare: BuildOrder): Promise<Uint8Array | null> {
  // key order, as sortedRecords gives it
  const builds = [...(await store.index(view, channelBranch(channel))).builds].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const builder = new UniverseBuilder();
  for await (const batch of recordBatches(store, builds.map((b) => b.value), true)) {
    try { for (const r of batch) if (r) builder.add(r); } catch (err) {
      if (!(err instanceof BazaarError)) throw err;
      return null;
    }
  }
  if (builder.count === 0) throw new BazaarError('ERR_CHANNEL', `channel ${channel} holds no installable package`);
  try { return builder.finish(`channel ${channel}`, compare); } catch (err) {
    if (!(err instanceof BazaarError)) throw err;
    return null;
  }
}

/** The records in key order, the order every saved universe has (universe-update.ts relies on it). */
function sortedRecords(byKey: Map<string, PackageRecord>, channel: string): PackageRecord[] {
  const records = [...byKey.keys()].sort().map((k) => byKey.get(k) as PackageRecord);
  if (records.length === 0) throw new BazaarError('ERR_CHANNEL', `channel ${channel} holds no installable package`);
  return records;
}

/**
 * Saves the universe of `records` and returns it as a warm start loads it: the answers the
 * file holds were computed for it, and the job's pool reads them instead of indexing every
 * package and answering again (cold and warm then solve from the same data). The records
 * themselves when the file cannot be made (a string it cannot hold).
 */
async function saved(store: Store, commit: string, records: PackageRecord[], compare: BuildOrder, channel: string): Promise<PackageSource> {
  const source = ordered(new MemorySource(records, `channel ${channel}`), compare);
  let bytes: Uint8Array;
  try { bytes = encodeUniverse(source); } catch { return source; }
  return written(store, commit, bytes, compare);
}

/** A universe file's bytes written as the commit's cache (best effort: derived) and loaded from memory. */
async function written(store: Store, commit: string, bytes: Uint8Array, compare: BuildOrder): Promise<CachedSource> {
  const dir = universeCacheDir(store.dir, commit);
  try { await writeUniverseFile(dir, bytes); } catch { /* derived: a read-only store makes it each time */ }
  return ordered(parseUniverse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), dir, dir, true), compare);
}

/**
 * Makes the universe cache of the channel's head, from its parent's when that is cached
 * (an update: universe-update.ts), so that the commit's first resolve loads it. What the
 * CLI's stores run after each channel commit (Store.onChannelCommit). A channel with no
 * installable package has no universe to make.
 *
 * @example
 * store.onChannelCommit((channel) => prepareChannelUniverse(store, channel));
 */
export async function prepareChannelUniverse(store: Store, channel: string): Promise<void> {
  try {
    await store.read(async (view) => {
      const { commit, settings } = await channelSettings(store, view, channel);
      if (!hasCache(store, commit)) await universeAt(store, view, channel, commit, settings);
    });
  } catch (err) {
    if (!(err instanceof BazaarError && err.code === 'ERR_CHANNEL')) throw err;
  }
}

/**
 * The universe from the nearest cached ancestor's, reading only the builds changed since:
 * the bytes of the ancestor's file updated (universe-update.ts), or, when that is not the
 * better way, the records to save in full; null with no cached ancestor near.
 */
async function fromCachedAncestor(store: Store, view: BranchView, channel: string, commit: string, compare: BuildOrder): Promise<Uint8Array | PackageRecord[] | null> {
  const { base, changes } = await view.fromNearestCached(commit, ANCESTOR_SEARCH, async (at) => {
    if (!hasCache(store, at)) return null;
    try { return await loadUniverseCache(universeCacheDir(store.dir, at)); } catch { return null; /* rebuilt below */ }
  }, { fromNothing: false });
  if (base === null) return null;
  const removed: string[] = [];
  const added: Array<{ key: string; value: ObjectId }> = [];
  for (const change of changes) {
    const where = buildOfPath(change.path);
    if (!where) continue;
    removed.push(where.key);
    if (change.after !== null) added.push({ key: where.key, value: change.after });
  }
  const records = await recordsOf(store, added.map((a) => a.value));
  keepRecordEntries(store, added.map((a) => a.value), records);
  const addedRecords = records.filter((r): r is PackageRecord => r !== null);
  let bytes: Uint8Array | null = null;
  try { bytes = updatedUniverse(base.entry, { removed, added: addedRecords }, compare); } catch (err) {
    if (!(err instanceof BazaarError)) throw err; // a string the file cannot hold: the full save says so
  }
  if (bytes) return bytes;
  const byKey = new Map(base.entry.packages().map((r) => [nevraKey(r), r]));
  for (const key of removed) byKey.delete(key);
  added.forEach((a, i) => { const rec = records[i]; if (rec) byKey.set(a.key, rec); });
  return sortedRecords(byKey, channel);
}

/** `into` with every build of the channel's package index as its stored record says (a source package taken out). */
async function indexedRecords(store: Store, view: BranchView, channel: string, into: Map<string, PackageRecord>): Promise<Map<string, PackageRecord>> {
  const builds = (await store.index(view, channelBranch(channel))).builds;
  const stored = await recordsOf(store, builds.map((b) => b.value), true);
  builds.forEach((b, i) => { const rec = stored[i]; if (rec) into.set(b.key, rec); else into.delete(b.key); });
  return into;
}

/**
 * An on-demand mirror's channel: every upstream package as its primary.xml describes it
 * (no build id: not stored yet), each one the channel holds as its stored build says.
 * A package picked without a build id is fetched before it is used (docs/mirrors.md).
 */
async function onDemandRecords(store: Store, view: BranchView, channel: string, records: ObjectId): Promise<Map<string, PackageRecord>> {
  return indexedRecords(store, view, channel, new Map(decodeRecordLines(await store.readBytes(records), records).map((r) => [nevraKey(r), r])));
}
