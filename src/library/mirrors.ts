/**
 * Mirrors of rpm-md repositories for build tools (docs/mirrors.md): a mirror is an
 * upstream URL and a channel of this store that each sync makes equal to the upstream's
 * package set.
 *
 * @example
 *   await createChannel(store, { channel: 'f40' });
 *   await addMirror(store, { name: 'fedora', url: 'http://mirror.example/f40/', channel: 'f40' });
 *   const r = await syncMirror(store, { name: 'fedora' });  // r.downloaded, r.added, r.removed
 */
import { BazaarError } from '../errors.js';
import { fetchOnFirstUse as fetchOp, syncMirror as syncOp } from '../mirror/index.js';
import type { FirstUse, MirrorLimits, SyncResult } from '../mirror/index.js';
import { nevraKey, parseNevra } from '../rpm/index.js';
import { prepareRpmmdFragments } from '../rpmmd/index.js';
import { MIRROR_POLICIES, channelBranch, channelNames, channelSettings, channelUpstream, checkPackageRef, defineMirror, readMirrors, undefineMirror } from '../store/index.js';
import type { MirrorPolicy, MirrorRecord, ObjectId } from '../store/index.js';
import type { Store } from '../store/index.js';
import { checkChoice, checkOptions } from './check-options.js';
import { checkStore } from './store-arg.js';

/** A definition as shown: the key as a flag (the armored text is long). */
export type MirrorInfo = Omit<MirrorRecord, 'key'> & { key: boolean };
const shown = ({ key, ...m }: MirrorRecord): MirrorInfo => ({ ...m, key: key !== undefined });

/** Defines a mirror of the rpm-md repository at `url` into the existing channel `channel`. */
export async function addMirror(store: Store, options: { name: string; url: string; channel: string; policy?: string; key?: string }): Promise<MirrorInfo> {
  const s = checkStore('addMirror', store);
  const o = checkOptions<typeof options>('addMirror', options, { name: 'string', url: 'string', channel: 'string', policy: 'string?', key: 'string?' });
  checkChoice('addMirror', 'policy', o.policy, MIRROR_POLICIES);
  if (o.key !== undefined && !o.key.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
    throw new BazaarError('ERR_BAD_INPUT', 'a mirror\'s key is an armored OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)', { data: { mirror: o.name } });
  }
  await s.read((view) => channelSettings(s, view, o.channel));
  return shown(await defineMirror(s.dir, { name: o.name, url: o.url, channel: o.channel, policy: (o.policy ?? 'immediate') as MirrorPolicy, ...(o.key ? { key: o.key } : {}) }));
}

/** Every mirror definition with its last complete sync. */
export async function listMirrors(store: Store): Promise<MirrorInfo[]> {
  const s = checkStore('listMirrors', store);
  return readMirrors(s.dir).map(shown);
}

/** Removes a mirror's definition; its channel and builds stay. */
export async function removeMirror(store: Store, options: { name: string }): Promise<MirrorInfo> {
  const s = checkStore('removeMirror', store);
  const o = checkOptions<typeof options>('removeMirror', options, { name: 'string' });
  return shown(await undefineMirror(s.dir, o.name));
}

/** Syncs a mirror: downloads what the store lacks and publishes the channel as the upstream's set. */
export async function syncMirror(store: Store, options: { name: string; onProgress?: (done: number, total: number, nevra: string) => void; parallel?: number; limits?: Partial<MirrorLimits> }): Promise<SyncResult> {
  const s = checkStore('syncMirror', store);
  const o = checkOptions<typeof options>('syncMirror', options, { name: 'string', onProgress: 'function?', parallel: 'number?', limits: 'object?' });
  const result = await syncOp(s, o.name, { ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.parallel ? { parallel: o.parallel } : {}), ...(o.limits ? { limits: o.limits } : {}) });
  // the new builds' rpm-md fragments, as an add's: the channel's first generation then only concatenates
  await prepareRpmmdFragments(s, result.added.map((nevra) => ({ nevra })));
  return result;
}

/**
 * The packages `packages` (NEVRAs, or names with one build) of channel `channel` with
 * their .rpm stored: for an on-demand mirror's channel, those known by its metadata only
 * are fetched now, checked and added (docs/mirrors.md#on-demand).
 */
export async function fetchOnFirstUse(store: Store, options: { channel: string; packages: string[] }): Promise<FirstUse[]> {
  const s = checkStore('fetchOnFirstUse', store);
  const o = checkOptions<typeof options>('fetchOnFirstUse', options, { channel: 'string', packages: 'strings' });
  const keys = await s.read(async (view) => {
    const list = await channelUpstream(s, view, o.channel);
    const index = await s.index(view, channelBranch(o.channel));
    return o.packages.map((ref) => keyOf(checkPackageRef(ref), list?.entries ?? [], index.builds, o.channel));
  });
  return fetchOp(s, o.channel, keys);
}

/**
 * The on-demand channel whose upstream lists the package with .rpm object `rpm`, or the
 * NEVRA `ref`, when the store does not hold it; null when none does. `bazaar cat` and
 * `show` fetch through it what they were asked for.
 */
export async function fetchKnownPackage(store: Store, options: { rpm?: string; ref?: string }): Promise<FirstUse | null> {
  const s = checkStore('fetchKnownPackage', store);
  const o = checkOptions<typeof options>('fetchKnownPackage', options, { rpm: 'string?', ref: 'string?' });
  const hit = await s.read(async (view) => {
    for (const channel of channelNames(view)) {
      const list = await channelUpstream(s, view, channel);
      if (!list) continue;
      if (o.rpm !== undefined) {
        const entry = list.withRpm(o.rpm as ObjectId);
        if (entry) return { channel, key: entry.key };
      } else if (o.ref !== undefined && list.entries.some((e) => matchesRef(e, o.ref as string))) {
        // One package, or the refusal a reference naming several gets.
        return { channel, key: keyOf(o.ref, list.entries, [], channel) };
      }
    }
    return null;
  });
  return hit ? (await fetchOp(s, hit.channel, [hit.key]))[0] : null;
}

/** Whether package `p` (a NEVRA key and name) is what `ref` names: its name, or its NEVRA (an epoch left out matches any). */
function matchesRef(p: { name: string; key: string }, ref: string): boolean {
  if (p.name === ref) return true;
  const n = parseNevra(ref);
  if (!n || n.name !== p.name) return false;
  const k = parseNevra(p.key);
  return k !== null && nevraKey({ ...n, epoch: n.epoch ?? k.epoch }) === p.key;
}

/** The one NEVRA key `ref` names among a channel's stored and upstream packages. */
function keyOf(ref: string, upstream: ReadonlyArray<{ name: string; key: string }>, stored: ReadonlyArray<{ name: string; key: string }>, channel: string): string {
  const keys = new Set([...upstream, ...stored].filter((p) => matchesRef(p, ref)).map((p) => p.key));
  if (keys.size === 1) return [...keys][0];
  if (keys.size === 0) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no package ${ref} in channel ${channel}`, { data: { ref, channel, scope: 'channel' }, reason: 'no-package' });
  throw new BazaarError('ERR_PACKAGE_AMBIGUOUS', `${ref} names ${keys.size} packages in channel ${channel}; give the full NEVRA`, { data: { ref, channel, candidates: [...keys] } });
}

/**
 * Runs `op` (a layer build, an image change); when it picked packages an on-demand
 * mirror's metadata knows but the store lacks (ERR_PACKAGE_NOT_FOUND, reason
 * `not-fetched`), fetches them (fetchOnFirstUse, outside `op`'s transaction) and runs it
 * again: the second run finds them stored. A fetch that fails is its one-line error.
 */
export async function withFirstUse<T>(store: Store, op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try { return await op(); } catch (err) {
      if (!(err instanceof BazaarError) || err.reason !== 'not-fetched' || !Array.isArray(err.data.keys) || attempt >= 3) throw err;
      const keys = err.data.keys as string[];
      const channel = typeof err.data.channel === 'string' ? err.data.channel : await onDemandChannelOf(store, keys[0]);
      if (channel === null) throw err;
      await fetchOp(store, channel, keys);
    }
  }
}

/** The on-demand channel whose upstream lists NEVRA key `key`, or null. */
async function onDemandChannelOf(store: Store, key: string): Promise<string | null> {
  return store.read(async (view) => {
    for (const channel of channelNames(view)) if ((await channelUpstream(store, view, channel))?.get(key)) return channel;
    return null;
  });
}
