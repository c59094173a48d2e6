/**
 * On-demand mirrors: a package known by its channel's upstream metadata (`.upstream`,
 * store/upstream.ts) but not stored yet is fetched the first time something needs its
 * bytes (a download through the server, `bazaar cat`/`show`, a layer build), and is a
 * stored build from then on.
 *
 * Each is downloaded from the upstream into the store's tmp/, checked against primary's
 * checksum and size and against the NEVRA primary gives it, then added through the
 * store's normal add into the channel (so the channel's signature rule applies), in one
 * commit per call: a file that does not verify is never stored, a kill leaves at most a
 * stale temp file (fsck counts it, gc removes it). Within a process, concurrent first
 * uses of one package share one download; a package the store already holds (added by
 * hand, or through another channel) is taken into the channel without one.
 */
import { BazaarError } from '../errors.js';
import { removeFile } from '../fs/index.js';
import { nevraKey, nevraOfKey, packageMeta, readRpmFile } from '../rpm/index.js';
import { addToChannel, channelBranch, channelUpstream, notUpstream, PACKAGES_BRANCH, TaskPool, tmpPath, upstreamRpmOf } from '../store/index.js';
import type { ObjectId, Store, UpstreamEntry, UpstreamPackages } from '../store/index.js';
import { fetchToFile, upstreamError } from './fetch-upstream.js';
import type { FetchLimits } from './fetch-upstream.js';
import { DEFAULT_LIMITS } from './upstream-metadata.js';

/** Downloads at once within one first use (a layer build may need many packages). */
const PARALLEL = 4;

export interface FirstUse {
  /** The NEVRA key and the .rpm object the channel serves for it (primary's checksum). */
  key: string;
  nevra: string;
  rpm: ObjectId;
  /** Downloaded by this call (false: stored already, or fetched by a concurrent call). */
  fetched: boolean;
}

export interface FirstUseOptions { limits?: FetchLimits }

/** Downloads in flight in this process, by store, channel and NEVRA key. */
const inFlight = new Map<string, Promise<void>>();

interface Where { list: UpstreamPackages | null; rpms: Map<string, ObjectId> }

/** The channel's upstream list and, for each of `keys` it holds, the .rpm it serves. */
async function lookUp(store: Store, channel: string, keys: readonly string[]): Promise<Where> {
  return store.read(async (view) => {
    const list = await channelUpstream(store, view, channel);
    const index = await store.index(view, channelBranch(channel));
    const rpms = new Map<string, ObjectId>();
    for (const key of keys) {
      const entry = list?.get(key);
      const found = index.get(key);
      if (!found) continue;
      const record = await store.readKind(found.value, 'build');
      const rpm = entry ? upstreamRpmOf(record, entry) : record.variants[record.variants.length - 1].rpm;
      if (rpm) rpms.set(key, rpm);
    }
    return { list, rpms };
  });
}

/** Whether the store holds `entry` already (a build of its NEVRA with an .rpm of its checksum). */
async function storedElsewhere(store: Store, entry: UpstreamEntry): Promise<boolean> {
  return store.read(async (view) => {
    const hit = (await store.index(view, PACKAGES_BRANCH)).get(entry.key);
    return hit !== undefined && upstreamRpmOf(await store.readKind(hit.value, 'build'), entry) !== null;
  });
}

/** Downloads one package into a temp file, checked: checksum, size, NEVRA. Returns the path. */
async function download(store: Store, list: UpstreamPackages, entry: UpstreamEntry, limits: FetchLimits): Promise<string> {
  const url = new URL(entry.href, list.upstream.url).href;
  const path = tmpPath(store.dir);
  const size = await fetchToFile(url, path, entry.checksum, { ...limits, maxBytes: Math.min(limits.maxBytes, entry.size ?? Infinity) });
  try {
    if (entry.size !== null && size !== entry.size) throw upstreamError(url, `is ${size} bytes, the metadata says ${entry.size}`);
    let key: string;
    try { key = nevraKey(packageMeta((await readRpmFile(path)).header, url)); } catch (err) {
      throw upstreamError(url, `is not an .rpm bazaar can read (${(err as Error).message})`, err);
    }
    if (key !== entry.key) throw upstreamError(url, `is ${nevraOfKey(key)}, but the upstream's primary.xml says ${nevraOfKey(entry.key)}`);
    return path;
  } catch (err) {
    removeFile(path);
    throw err;
  }
}

/**
 * Downloads and adds the packages of `entries` (none stored), PARALLEL at a time, in one
 * add into the channel. The first failure stops the rest and nothing is added: one line,
 * naming the URL.
 */
async function fetchAndAdd(store: Store, channel: string, list: UpstreamPackages, entries: readonly UpstreamEntry[], limits: FetchLimits): Promise<void> {
  const paths: string[] = [];
  const pool = new TaskPool(PARALLEL);
  try {
    for (const entry of entries) await pool.add(async () => { paths.push(await download(store, list, entry, limits)); });
    await pool.drain();
  } catch (err) {
    await pool.settle();
    for (const p of paths) removeFile(p);
    throw err;
  }
  try {
    const results = await store.add(paths, { channel, keepGoing: true });
    const refused = results.find((r) => r.refused);
    if (refused) {
      const entry = entries[paths.indexOf(refused.path)];
      throw upstreamError(new URL(entry.href, list.upstream.url).href, `cannot be added: ${refused.refused?.message ?? 'refused'}`);
    }
  } finally {
    for (const p of paths) removeFile(p);
  }
}

/**
 * Puts `entries` into the channel: those the store holds already (added by hand, through
 * another channel) without a download, the rest fetched and added; `downloaded` collects
 * the keys fetched.
 */
async function obtain(store: Store, channel: string, list: UpstreamPackages, entries: readonly UpstreamEntry[], limits: FetchLimits, downloaded: Set<string>): Promise<void> {
  const stored: UpstreamEntry[] = [];
  const toFetch: UpstreamEntry[] = [];
  for (const e of entries) (await storedElsewhere(store, e) ? stored : toFetch).push(e);
  if (stored.length) await addToChannel(store, channel, stored.map((e) => e.key), { message: 'on-demand: stored already' });
  if (toFetch.length) {
    await fetchAndAdd(store, channel, list, toFetch, limits);
    for (const e of toFetch) downloaded.add(e.key);
  }
}

/**
 * Makes sure channel `channel` holds the packages of `keys` (NEVRA keys, epoch written),
 * fetching those its upstream lists and the store lacks; returns the .rpm of each.
 * ERR_PACKAGE_NOT_FOUND for a key neither the channel nor its upstream knows,
 * ERR_UPSTREAM (one line naming the URL) when a fetch fails or does not verify,
 * ERR_SIGNATURE when the channel requires signatures the package lacks.
 */
export async function fetchOnFirstUse(store: Store, channel: string, keys: readonly string[], options: FirstUseOptions = {}): Promise<FirstUse[]> {
  channelBranch(channel);
  const limits = options.limits ?? DEFAULT_LIMITS.rpm;
  const wanted = [...new Set(keys)];
  const first = await lookUp(store, channel, wanted);
  const missing = wanted.filter((k) => !first.rpms.has(k));
  const downloaded = new Set<string>();
  if (missing.length) {
    const list = first.list;
    const entries = missing.map((k) => { const e = list?.get(k); if (!e || !list) throw notUpstream(channel, k); return e; });
    // Claimed before any await, so that a concurrent first use finds the claim and waits.
    const waits: Promise<void>[] = [];
    const mine: UpstreamEntry[] = [];
    for (const e of entries) {
      const flight = inFlight.get(`${store.dir}\0${channel}\0${e.key}`);
      if (flight) waits.push(flight); else mine.push(e);
    }
    if (mine.length) {
      const ids = mine.map((e) => `${store.dir}\0${channel}\0${e.key}`);
      const shared: Promise<void> = obtain(store, channel, list as UpstreamPackages, mine, limits, downloaded)
        .finally(() => { for (const id of ids) if (inFlight.get(id) === shared) inFlight.delete(id); });
      shared.catch(() => {});
      for (const id of ids) inFlight.set(id, shared);
      waits.push(shared);
    }
    await Promise.all(waits);
  }
  const after = missing.length ? await lookUp(store, channel, wanted) : first;
  return wanted.map((key) => {
    const rpm = after.rpms.get(key);
    // A concurrent first use that failed, or a channel changed meanwhile: say so, never guess.
    if (!rpm) throw new BazaarError('ERR_UPSTREAM', `${nevraOfKey(key)} of channel ${channel} could not be fetched; try again`, { data: { channel, nevra: nevraOfKey(key) } });
    return { key, nevra: nevraOfKey(key), rpm, fetched: downloaded.has(key) };
  });
}
