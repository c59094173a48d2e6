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
import { syncMirror as syncOp } from '../mirror/index.js';
import type { MirrorLimits, SyncResult } from '../mirror/index.js';
import { MIRROR_POLICIES, channelSettings, defineMirror, readMirrors, undefineMirror } from '../store/index.js';
import type { MirrorPolicy, MirrorRecord } from '../store/index.js';
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
  if (o.policy === 'on-demand') throw new BazaarError('ERR_BAD_INPUT', 'the on-demand policy is not available yet; use immediate (every .rpm fetched at sync)', { data: { mirror: o.name } });
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
  return syncOp(s, o.name, { ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.parallel ? { parallel: o.parallel } : {}), ...(o.limits ? { limits: o.limits } : {}) });
}
