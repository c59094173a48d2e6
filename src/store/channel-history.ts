/**
 * A channel's history, read from git: the list of channels, each commit with what it
 * changed (`channel log`), the builds added and removed between two states (`channel
 * diff`), and restoring a past state as a new commit. Reading takes a snapshot, no lock.
 */
import { BazaarError } from '../errors.js';
import { commitsNamed, readRevision } from '../policy/index.js';
import { nevraOfKey } from '../rpm/index.js';
import { repoOf } from './branch-view.js';
import type { BranchView } from './branch-view.js';
import { entryAt } from './builds.js';
import type { BuildEntry } from './builds.js';
import { channelNames, channelSettings, publishBuilds, readChannel } from './channels.js';
import type { ChannelChange, ChannelSettings } from './channels.js';
import { diffTrees } from './history/branch-tree.js';
import { PACKAGES_BRANCH, buildOfPath, channelBranch } from './ref-paths.js';
import type { Store } from './store.js';

export interface ChannelSummary { name: string; settings: ChannelSettings; builds: number; head: string; updated: string }
/** `changed`: builds the channel kept under a new record (a new signature variant, a store migration). */
export interface ChannelDiff { from: string | null; to: string; added: string[]; removed: string[]; changed: string[] }
export interface ChannelLogEntry extends ChannelDiff { time: string; message: string }

/**
 * Every channel with its order, size and last change.
 *
 * @example
 * (await store.read((s) => listChannels(store, s))).map((c) => c.name); // ['p11', 'sisyphus']
 */
export async function listChannels(store: Store, view: BranchView): Promise<ChannelSummary[]> {
  const out: ChannelSummary[] = [];
  for (const name of channelNames(view)) {
    const state = await readChannel(store, view, name);
    const last = await repoOf(view).readCommit(state.commit);
    out.push({ name, settings: state.settings, builds: state.builds.length, head: state.commit, updated: new Date(last.timestamp * 1000).toISOString() });
  }
  return out;
}

/** A channel commit's time, in seconds since the epoch (the same on every host of a store). */
export async function channelCommitTime(view: BranchView, commit: string): Promise<number> {
  return (await repoOf(view).readCommit(commit)).timestamp;
}

/** Builds added, removed and kept under a new record between two trees. */
async function compare(view: BranchView, before: string | null, after: string | null): Promise<{ added: string[]; removed: string[]; changed: string[] }> {
  const added: string[] = [];
  const removed: string[] = [];
  const byKey = new Map<string, { before: boolean; after: boolean }>();
  for (const d of await diffTrees(repoOf(view), before, after)) {
    const b = buildOfPath(d.path);
    if (!b) continue;
    const e = byKey.get(b.key) ?? { before: false, after: false };
    e.before ||= d.before !== null;
    e.after ||= d.after !== null;
    byKey.set(b.key, e);
  }
  const changed: string[] = [];
  for (const [key, e] of byKey) {
    if (e.before && e.after) changed.push(nevraOfKey(key));
    else if (e.after) added.push(nevraOfKey(key));
    else removed.push(nevraOfKey(key));
  }
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/**
 * Every commit of a channel, newest first: time, message and the builds it added and removed.
 * See docs/versioning-policy.md#rule-channels.
 *
 * @example
 * (await channelLog(store, snap, 'sample'))[0].added; // ['openssl-3.1.4-alt1.x86_64']
 */
export async function channelLog(store: Store, view: BranchView, name: string): Promise<ChannelLogEntry[]> {
  await channelSettings(store, view, name);
  const history = await view.log(channelBranch(name));
  const out: ChannelLogEntry[] = [];
  for (let i = 0; i < history.length; i++) {
    const parent = history[i + 1];
    out.push({
      from: parent?.oid ?? null, to: history[i].oid, time: new Date(history[i].timestamp * 1000).toISOString(), message: history[i].message,
      ...(await compare(view, parent?.tree ?? null, history[i].tree))
    });
  }
  return out;
}

/**
 * A commit of a channel named by a revision (`HEAD`, `HEAD~N` or a (prefix of a) commit
 * id: policy/revision.ts); the one just past the first commit is the empty state before
 * the channel existed (null).
 */
export async function resolveChannelRev(view: BranchView, name: string, rev: string): Promise<string | null> {
  const history = await view.log(channelBranch(name));
  const parsed = readRevision(rev);
  if (parsed?.kind === 'head' && parsed.back === history.length) return null;
  const found = parsed ? commitsNamed(history, parsed) : [];
  if (found.length === 1) return found[0].oid;
  throw new BazaarError('ERR_CHANNEL', `'${rev}' is not a state of channel ${name} (${history.length} commits): give HEAD, HEAD~N or a commit id`, { data: { channel: name, rev }, reason: 'bad-revision' });
}

/**
 * The builds added and removed between two states of a channel (default: the previous
 * state and the head).
 *
 * @example
 * await diffChannel(store, snap, 'sample', 'HEAD~2'); // { added: [...], removed: [...] }
 */
export async function diffChannel(store: Store, view: BranchView, name: string, from = 'HEAD~1', to = 'HEAD'): Promise<ChannelDiff> {
  await channelSettings(store, view, name);
  const a = await resolveChannelRev(view, name, from);
  const b = await resolveChannelRev(view, name, to);
  if (b === null) throw new BazaarError('ERR_CHANNEL', `'${to}' is before channel ${name} existed; diff to a state of it`);
  const ta = a === null ? null : (await repoOf(view).readCommit(a)).tree;
  const tb = (await repoOf(view).readCommit(b)).tree;
  return { from: a, to: b, ...(await compare(view, ta, tb)) };
}

/**
 * Makes a past state of a channel current again, as a new commit (history is never
 * rewritten). `rev` as for `resolveChannelRev`. A build of that state that has since left
 * the store is named in the error and nothing changes. States written by layout 1 name
 * builds by manifest; they restore to the store's build whose manifest that is.
 *
 * @example
 * await restoreChannel(store, 'sample', 'HEAD~1');
 */
export async function restoreChannel(store: Store, name: string, rev: string, options: { message?: string } = {}): Promise<ChannelChange> {
  return store.write(async (tx) => {
    await channelSettings(store, tx, name);
    const commit = await resolveChannelRev(tx, name, rev);
    if (commit === null) throw new BazaarError('ERR_CHANNEL', `'${rev}' is before channel ${name} existed`);
    const past = await readChannel(store, tx, name, commit);
    const missing: string[] = [];
    const builds: BuildEntry[] = [];
    for (const b of past.builds) {
      const now = await entryAt(tx, PACKAGES_BRANCH, b.name, b.key);
      if (now === null) { missing.push(b.nevra); continue; }
      const current = await store.readKind(now.value, 'build');
      const past = await store.readKind(b.value, 'build').catch(() => null);
      // The past record itself when it is the same build (it says which variant was served);
      // a layout-1 state names a manifest: the store's record of that manifest.
      if (past !== null && past.header === current.header) builds.push(b);
      else if (past === null && current.manifest === b.value) builds.push(now);
      else missing.push(b.nevra);
    }
    if (missing.length > 0) {
      throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `cannot restore ${name} to ${commit.slice(0, 12)}: ${missing.join(', ')} no longer in the store`, { data: { channel: name, missing } });
    }
    return publishBuilds(store, tx, name, builds, options.message ?? `restore to ${commit}`);
  });
}
