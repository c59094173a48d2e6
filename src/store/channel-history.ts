/**
 * A channel's history, read from git: the list of channels, each commit with what it
 * changed (`channel log`), and the builds added and removed between two states
 * (`channel diff`). Read-only, so no lock: refs move by atomic renames.
 */
import { BazaarError } from '../errors.js';
import { SETTINGS_PATH, channelBranch, channelNames, nevraOfKey, readChannel } from './channels.js';
import type { ChannelSettings } from './channels.js';
import type { ObjectId } from './layout.js';
import type { Store } from './store.js';

export interface ChannelSummary { name: string; settings: ChannelSettings; builds: number; head: string; updated: string }
export interface ChannelDiff { from: string | null; to: string; added: string[]; removed: string[] }
export interface ChannelLogEntry extends ChannelDiff { time: string; message: string }

/**
 * Every channel with its order, size and last change.
 *
 * @example
 * (await listChannels(store)).map((c) => c.name); // ['p11', 'sisyphus']
 */
export async function listChannels(store: Store): Promise<ChannelSummary[]> {
  const out: ChannelSummary[] = [];
  for (const name of await channelNames(store)) {
    const state = await readChannel(store, name);
    const [last] = await store.refs.log(channelBranch(name));
    out.push({ name, settings: state.settings, builds: state.builds.length, head: state.commit, updated: new Date((last?.timestamp ?? 0) * 1000).toISOString() });
  }
  return out;
}

/** Builds added and removed between two entry maps (same path with another id counts as both). */
function compare(before: Map<string, ObjectId>, after: Map<string, ObjectId>): { added: string[]; removed: string[] } {
  const label = (path: string): string => nevraOfKey(path.slice(path.indexOf('/') + 1));
  const added = [...after].filter(([p, id]) => p !== SETTINGS_PATH && before.get(p) !== id).map(([p]) => label(p));
  const removed = [...before].filter(([p, id]) => p !== SETTINGS_PATH && after.get(p) !== id).map(([p]) => label(p));
  return { added: added.sort(), removed: removed.sort() };
}

/**
 * Every commit of a channel, newest first: time, message and the builds it added and removed.
 * See docs/versioning-policy.md#rule-channels.
 *
 * @example
 * (await channelLog(store, 'sample'))[0].added; // ['openssl-3.1.4-alt1.x86_64']
 */
export async function channelLog(store: Store, name: string): Promise<ChannelLogEntry[]> {
  await readChannel(store, name);
  const branch = channelBranch(name);
  const history = await store.refs.log(branch);
  const out: ChannelLogEntry[] = [];
  let after = history.length ? await store.refs.entries(branch, history[0].oid) : new Map<string, ObjectId>();
  for (let i = 0; i < history.length; i++) {
    const parent = history[i + 1];
    const before = parent ? await store.refs.entries(branch, parent.oid) : new Map<string, ObjectId>();
    out.push({ from: parent?.oid ?? null, to: history[i].oid, time: new Date(history[i].timestamp * 1000).toISOString(), message: history[i].message, ...compare(before, after) });
    after = before;
  }
  return out;
}

/**
 * A commit of a channel named by `HEAD`, `HEAD~N` or a (prefix of a) commit id; `HEAD~N`
 * past the first commit is the empty state before the channel existed (null).
 */
export async function resolveChannelRev(store: Store, name: string, rev: string): Promise<string | null> {
  const history = await store.refs.log(channelBranch(name));
  const back = /^HEAD(?:~(\d+))?$/.exec(rev);
  if (back) {
    const n = Number(back[1] ?? 0);
    if (n === history.length) return null;
    if (n < history.length) return history[n].oid;
  } else if (/^[0-9a-f]{4,40}$/.test(rev)) {
    const found = history.filter((c) => c.oid.startsWith(rev));
    if (found.length === 1) return found[0].oid;
  }
  throw new BazaarError('ERR_CHANNEL', `'${rev}' is not a state of channel ${name} (${history.length} commits): give HEAD, HEAD~N or a commit id from 'bazaar channel log ${name}'`, { data: { channel: name, rev } });
}

/**
 * The builds added and removed between two states of a channel (default: the previous
 * state and the head).
 *
 * @example
 * await diffChannel(store, 'sample', 'HEAD~2'); // { added: [...], removed: [...] }
 */
export async function diffChannel(store: Store, name: string, from = 'HEAD~1', to = 'HEAD'): Promise<ChannelDiff> {
  await readChannel(store, name);
  const branch = channelBranch(name);
  const a = await resolveChannelRev(store, name, from);
  const b = await resolveChannelRev(store, name, to);
  if (b === null) throw new BazaarError('ERR_CHANNEL', `'${to}' is before channel ${name} existed; diff to a state of it`);
  const before = a === null ? new Map<string, ObjectId>() : await store.refs.entries(branch, a);
  return { from: a, to: b, ...compare(before, await store.refs.entries(branch, b)) };
}
