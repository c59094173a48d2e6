/**
 * Channels (docs/versioning-policy.md#rule-channels): a channel is the branch
 * `channels/<name>`, with the same shape as `packages` (a build record per build path,
 * ref-paths.ts) plus one entry `.channel` naming the channel's settings object (its
 * order, fixed at creation). Every change is one commit on that branch, made in a
 * transaction, so a reader sees one state or the next, never a mix; refused changes write
 * nothing.
 *
 * A channel holds build records: which build, and through the record's variants, which
 * .rpm file it serves (the most recently added signed variant; see kinds/build.ts). A
 * channel only ever holds builds that are in the store; leaving a channel never deletes a
 * build.
 */
import { BazaarError } from '../errors.js';
import { checkChannelName, sortNewestFirst } from '../policy/index.js';
import { nevraOfKey } from '../rpm/names.js';
import type { Build, OrderOptions, VersionOrder } from '../policy/index.js';
import type { BranchView } from './branch-view.js';
import { entryAt, findBuild } from './builds.js';
import type { BuildEntry } from './builds.js';
import { stageKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import type { ObjectId } from './layout.js';
import { requireSignedBuilds } from './signed-builds.js';
import type { KnownVerdicts } from './signed-builds.js';
import { CHANNEL_PREFIX, CHANNEL_SETTINGS_PATH, PACKAGES_BRANCH, UPSTREAM_PATH, buildPath, channelBranch } from './ref-paths.js';
import type { Store } from './store.js';
import { TRASH_PREFIX } from './retention.js';
import type { Transaction } from './transaction.js';

export interface ChannelSettings {
  order: VersionOrder;
  priorityBranch?: string;
  /** Only builds whose served .rpm is signed by a trusted key may enter (signed-builds.ts). */
  requireSignature?: boolean;
}
/** A build in a channel: `value` is its build record. */
export type ChannelBuild = BuildEntry;
export interface ChannelState { name: string; commit: string; settings: ChannelSettings; builds: ChannelBuild[] }
export interface ChannelChange { commit: string; added: string[]; removed: string[]; unchanged: string[]; updated: string[] }

const pathOf = (b: { name: string; key: string }): string => buildPath(b.name, b.key);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function commitMessage(what: string, why: string | undefined, details: string[]): string {
  return [what, ...(why ? ['', why] : []), ...(details.length ? ['', ...details] : [])].join('\n');
}

function noChannel(name: string): BazaarError {
  return new BazaarError('ERR_CHANNEL', `no channel ${name}`, { data: { channel: name }, reason: 'no-channel' });
}

/** A channel's settings at a commit (default: its head); ERR_CHANNEL if it does not exist. */
export async function channelSettings(store: Store, view: BranchView, name: string, commit?: string): Promise<{ commit: string; settings: ChannelSettings }> {
  const branch = channelBranch(name);
  const at = commit ?? view.head(branch);
  if (at === null) throw noChannel(name);
  const id = await view.read(branch, CHANNEL_SETTINGS_PATH, at);
  if (id === null) throw new BazaarError('ERR_STORE_DAMAGED', `channel ${name} at ${at} has no ${CHANNEL_SETTINGS_PATH} entry`, { data: { channel: name } });
  const raw = await store.readKind(id, 'channel');
  return { commit: at, settings: { order: raw.order, ...(raw.priorityBranch ? { priorityBranch: raw.priorityBranch } : {}), ...(raw.requireSignature ? { requireSignature: true } : {}) } };
}

/** The channel's settings and builds at a commit (default: its head); ERR_CHANNEL if it does not exist. */
export async function readChannel(store: Store, view: BranchView, name: string, commit?: string): Promise<ChannelState> {
  const { commit: at, settings } = await channelSettings(store, view, name, commit);
  const index = await store.indexOf(at);
  const builds = index.builds.map((b) => ({ name: b.name, key: b.key, nevra: b.nevra, value: b.value }));
  return { name, commit: at, settings, builds };
}

/** Throws ERR_CHANNEL unless the channel exists (callers check before writing anything). */
export async function requireChannel(store: Store, view: BranchView, name: string): Promise<void> {
  await channelSettings(store, view, name);
}

/** The order options the policy's comparisons take for this channel. */
export function orderOf(settings: ChannelSettings): OrderOptions {
  return { order: settings.order, ...(settings.priorityBranch ? { priorityBranch: settings.priorityBranch } : {}) };
}

/** Every channel's name, in name order. */
export function channelNames(view: BranchView): string[] {
  return view.branches(CHANNEL_PREFIX).map((b) => b.slice(CHANNEL_PREFIX.length)).sort();
}

/** Refuses a name that differs only in case from an existing channel (they would be one on some filesystems and URLs). */
function checkNewName(view: BranchView, name: string, renaming?: string): void {
  checkChannelName(name);
  const clash = channelNames(view).find((n) => n !== name && n !== renaming && n.toLowerCase() === name.toLowerCase());
  if (clash) throw new BazaarError('ERR_CHANNEL', `channel ${name} would differ from channel ${clash} only in case; choose another name`, { data: { channel: name, clash } });
  if (view.head(channelBranch(name)) !== null) throw new BazaarError('ERR_CHANNEL', `channel ${name} already exists`, { data: { channel: name } });
}

/**
 * Creates an empty channel with its order fixed (`rpm`, the default, or `alt`), as one
 * commit. Refuses an existing name, a name differing from one only in case, or a bad name.
 *
 * @example
 * await createChannel(store, 'sisyphus', { order: 'alt' });
 */
export async function createChannel(store: Store, name: string, options: Partial<ChannelSettings> & { message?: string } = {}): Promise<{ name: string; commit: string; settings: ChannelSettings }> {
  checkChannelName(name);
  const order = options.order ?? 'rpm';
  if (order !== 'rpm' && order !== 'alt') throw new BazaarError('ERR_CHANNEL', `a channel's order is rpm or alt, not '${String(order)}'`);
  if (options.priorityBranch !== undefined && order !== 'alt') throw new BazaarError('ERR_CHANNEL', 'a priority branch only means something in an alt-order channel');
  const settings: ChannelSettings = { order, ...(options.priorityBranch ? { priorityBranch: options.priorityBranch } : {}), ...(options.requireSignature ? { requireSignature: true } : {}) };
  return store.write(async (tx) => {
    checkNewName(tx, name);
    const staged = await stageKind(tx, 'channel', settings);
    tx.stage(staged);
    const commit = await tx.update(channelBranch(name), [{ path: CHANNEL_SETTINGS_PATH, id: staged.id }],
      commitMessage(`create channel ${name} (order ${order}${settings.priorityBranch ? `, priority branch ${settings.priorityBranch}` : ''}${settings.requireSignature ? ', signatures required' : ''})`, options.message, []));
    return { name, commit, settings };
  });
}

/**
 * Turns a channel's signature requirement on or off, as one commit. Turning it on does not
 * judge the builds the channel already holds: it governs what enters from now on.
 *
 * @example
 * await setChannelSignatureRule(store, 'stable', true);
 */
export async function setChannelSignatureRule(store: Store, name: string, required: boolean, options: { message?: string } = {}): Promise<{ name: string; commit: string; settings: ChannelSettings; changed: boolean }> {
  return store.write(async (tx) => {
    const { commit: head, settings: old } = await channelSettings(store, tx, name);
    if ((old.requireSignature === true) === required) return { name, commit: head, settings: old, changed: false };
    const { requireSignature: _, ...rest } = old;
    const settings: ChannelSettings = { ...rest, ...(required ? { requireSignature: true } : {}) };
    const staged = await stageKind(tx, 'channel', settings);
    tx.stage(staged);
    const commit = await tx.update(channelBranch(name), [{ path: CHANNEL_SETTINGS_PATH, id: staged.id }],
      commitMessage(`${name}: signatures ${required ? 'required' : 'no longer required'}`, options.message, []));
    return { name, commit, settings, changed: true };
  });
}

/** A channel change worked out and checked, not yet written (planChannelAdd, then commitChannelAdd). */
export interface ChannelAddPlan { name: string; list: BuildEntry[]; gone: BuildEntry[]; unchanged: string[]; updated: string[]; total: number }

/**
 * Works out which builds would change the channel and checks that it may take them (its
 * signature rule: signed-builds.ts), writing nothing: a caller that also writes other
 * branches plans first, so a refusal leaves no trace.
 */
export async function planChannelAdd(store: Store, tx: Transaction, name: string, builds: readonly BuildEntry[], known?: KnownVerdicts, exact = false): Promise<ChannelAddPlan> {
  const { settings } = await channelSettings(store, tx, name);
  const branch = channelBranch(name);
  const fresh = new Map<string, BuildEntry>();
  const unchanged: string[] = [];
  const updated: string[] = [];
  for (const b of builds) {
    const have = await tx.read(branch, pathOf(b));
    if (have === b.value) { unchanged.push(b.nevra); continue; }
    if (have !== null) updated.push(b.nevra);
    fresh.set(pathOf(b), b);
  }
  const list = [...fresh.values()];
  const wanted = new Set(builds.map(pathOf));
  const gone = exact ? (await readChannel(store, tx, name)).builds.filter((b) => !wanted.has(pathOf(b))) : [];
  if (settings.requireSignature) await requireSignedBuilds(store.dir, tx, name, list, known);
  return { name, list, gone, unchanged, updated, total: builds.length };
}

/** Writes a planned channel change as one commit in `tx`. */
export async function commitChannelAdd(tx: Transaction, plan: ChannelAddPlan, why?: string, extras: ReadonlyArray<{ path: string; id: ObjectId | null }> = []): Promise<ChannelChange> {
  const { name, list, gone, unchanged, updated } = plan;
  const branch = channelBranch(name);
  const changes = [...gone.map((b) => ({ path: pathOf(b), id: null })), ...list.map((b) => ({ path: pathOf(b), id: b.value })), ...extras];
  const what = gone.length ? `publish ${name}: ${plural(plan.total, 'package')} (+${list.length} -${gone.length})` : `add ${plural(list.length, 'package')} to ${name}`;
  const commit = changes.length === 0 ? (tx.head(branch) as string) : await tx.update(branch, changes,
    commitMessage(what, why, [...list.map((b) => `+ ${b.nevra} ${b.value}`), ...gone.map((b) => `- ${b.nevra} ${b.value}`)]));
  return { commit, added: list.filter((b) => !updated.includes(b.nevra)).map((b) => b.nevra), removed: gone.map((b) => b.nevra), unchanged, updated };
}

/**
 * Puts stored builds into a channel as one commit in `tx`. A build the channel holds with
 * the same record is left as it is; one it holds with an older record of the same build
 * (fewer signature variants) is updated to the store's record. A channel that requires
 * signatures refuses (ERR_SIGNATURE) a build its keyring does not vouch for. With `exact`
 * (a mirror's sync), the builds the channel holds that are not among `builds` leave it in
 * the same commit: the channel becomes exactly `builds`.
 */
export async function addBuildsToChannel(store: Store, tx: Transaction, name: string, builds: readonly BuildEntry[], why?: string, options: { known?: KnownVerdicts; exact?: boolean } = {}): Promise<ChannelChange> {
  return commitChannelAdd(tx, await planChannelAdd(store, tx, name, builds, options.known, options.exact === true), why);
}

/**
 * Makes a channel exactly the stored builds named by NEVRA key, in one commit, through
 * `addBuildsToChannel` (so every rule of adding to a channel applies). A key the store
 * does not hold is refused and nothing changes.
 */
export async function publishBuildKeys(store: Store, name: string, keys: ReadonlyArray<{ name: string; key: string }>, why: string): Promise<ChannelChange> {
  return store.write(async (tx) => {
    await requireChannel(store, tx, name);
    const builds: BuildEntry[] = [];
    for (const k of keys) {
      const entry = await entryAt(tx, PACKAGES_BRANCH, k.name, k.key);
      if (!entry) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `${nevraOfKey(k.key)} is not in the store`, { data: { nevra: nevraOfKey(k.key) }, reason: 'no-package' });
      builds.push(entry);
    }
    // A channel that was an on-demand mirror's stops being one: its builds are all stored now.
    const extras = (await tx.read(channelBranch(name), UPSTREAM_PATH)) === null ? [] : [{ path: UPSTREAM_PATH, id: null }];
    return commitChannelAdd(tx, await planChannelAdd(store, tx, name, builds, undefined, true), why, extras);
  });
}

/** Builds of the store named by `refs` (NEVRA, name with one build, build id: builds.ts). */
async function storeBuilds(store: Store, view: BranchView, refs: readonly string[]): Promise<BuildEntry[]> {
  const out: BuildEntry[] = [];
  for (const ref of refs) out.push(await findBuild(view, PACKAGES_BRANCH, ref, 'store', store.indexSource(view, PACKAGES_BRANCH)));
  return out;
}

/**
 * Adds builds of the store to a channel, all in one commit; nothing changes if any
 * reference is bad.
 *
 * @example
 * await addToChannel(store, 'sample', ['openssl-1.1.1w-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64']);
 */
export async function addToChannel(store: Store, name: string, refs: string[], options: { message?: string } = {}): Promise<ChannelChange> {
  if (refs.length === 0) throw new BazaarError('ERR_USAGE', `name at least one package to add to ${name}`);
  return store.write(async (tx) => {
    await requireChannel(store, tx, name);
    return addBuildsToChannel(store, tx, name, await storeBuilds(store, tx, refs), options.message);
  });
}

export function findInChannel(store: Store, view: BranchView, name: string, ref: string): Promise<BuildEntry> {
  return findBuild(view, channelBranch(name), ref, { channel: name }, store.indexSource(view, channelBranch(name)));
}

/**
 * Takes builds out of a channel, in one commit. The builds stay in the store (and in the
 * channel's history, which gc keeps for the retention window).
 *
 * @example
 * await removeFromChannel(store, 'sample', ['openssl-1.1.1w-alt1.x86_64']);
 */
export async function removeFromChannel(store: Store, name: string, refs: string[], options: { message?: string } = {}): Promise<ChannelChange> {
  if (refs.length === 0) throw new BazaarError('ERR_USAGE', `name at least one package to remove from ${name}`);
  return store.write(async (tx) => {
    await requireChannel(store, tx, name);
    const gone = new Map<string, BuildEntry>();
    for (const r of refs) { const b = await findInChannel(store, tx, name, r); gone.set(pathOf(b), b); }
    const list = [...gone.values()];
    const commit = await tx.update(channelBranch(name), list.map((b) => ({ path: pathOf(b), id: null })),
      commitMessage(`remove ${plural(list.length, 'package')} from ${name}`, options.message, list.map((b) => `- ${b.nevra} ${b.value}`)));
    return { commit, added: [], removed: list.map((b) => b.nevra), unchanged: [], updated: [] };
  });
}

/**
 * Publishes a channel as a whole: its content becomes exactly `builds` in one commit of
 * `tx`, so readers see the old set or the new one, never a mix.
 */
export async function publishBuilds(store: Store, tx: Transaction, name: string, builds: readonly BuildEntry[], why: string | undefined, known?: KnownVerdicts): Promise<ChannelChange> {
  const state = await readChannel(store, tx, name);
  const wanted = new Map(builds.map((b) => [pathOf(b), b]));
  const current = new Map(state.builds.map((b) => [pathOf(b), b]));
  const added = [...wanted.values()].filter((b) => current.get(pathOf(b))?.value !== b.value);
  const removed = [...current.values()].filter((b) => !wanted.has(pathOf(b)));
  if (state.settings.requireSignature) await requireSignedBuilds(store.dir, tx, name, added, known);
  const changes = [...removed.map((b) => ({ path: pathOf(b), id: null })), ...added.map((b) => ({ path: pathOf(b), id: b.value }))];
  const commit = changes.length === 0 ? state.commit : await tx.update(channelBranch(name), changes,
    commitMessage(`publish ${name}: ${plural(wanted.size, 'package')} (+${added.length} -${removed.length})`, why,
      [...added.map((b) => `+ ${b.nevra} ${b.value}`), ...removed.map((b) => `- ${b.nevra} ${b.value}`)]));
  const unchanged = [...wanted.values()].filter((b) => !added.includes(b)).map((b) => b.nevra);
  return { commit, added: added.map((b) => b.nevra), removed: removed.map((b) => b.nevra), unchanged, updated: [] };
}

/**
 * Publishes a channel as a whole: its content becomes exactly `refs` (builds of the store)
 * in one commit, and a bad reference leaves the old set in place.
 * See docs/versioning-policy.md#rule-channel-atomic-publish.
 *
 * @example
 * await publishChannel(store, 'p11', (await readFile('p11.list', 'utf8')).split('\n').filter(Boolean));
 */
export async function publishChannel(store: Store, name: string, refs: string[], options: { message?: string } = {}): Promise<ChannelChange> {
  return store.write(async (tx) => {
    await requireChannel(store, tx, name);
    return publishBuilds(store, tx, name, await storeBuilds(store, tx, refs), options.message);
  });
}

/**
 * A channel's builds, each as the policy sees it, newest first within a name by the
 * channel's order.
 */
export async function channelBuilds(store: Store, state: ChannelState): Promise<Array<Build & { nevra: string; record: BuildRecord }>> {
  const builds: Array<Build & { nevra: string; record: BuildRecord }> = [];
  for (const b of state.builds) {
    const r = await store.readKind(b.value, 'build');
    builds.push({ name: r.name, epoch: r.epoch, version: r.version, release: r.release, arch: r.arch, id: r.header, disttag: r.disttag, buildtime: r.buildtime, nevra: r.nevra, record: r });
  }
  return sortNewestFirst(builds, orderOf(state.settings));
}

/** For each build key, the channels whose current state holds that build (and with which record). */
export async function channelsHolding(store: Store, view: BranchView): Promise<Map<string, Array<{ channel: string; value: ObjectId }>>> {
  const out = new Map<string, Array<{ channel: string; value: ObjectId }>>();
  for (const name of channelNames(view)) {
    for (const b of (await readChannel(store, view, name)).builds) {
      const list = out.get(b.key) ?? [];
      list.push({ channel: name, value: b.value });
      out.set(b.key, list);
    }
  }
  return out;
}

/**
 * Deletes a channel: its branch leaves the state and waits under `trash/` (with a commit
 * saying when) until the retention window has passed; until then gc keeps what it
 * reached, and `bazaar channel log` of the trash branch still shows it.
 *
 * @example
 * await deleteChannel(store, 'scratch');
 */
export async function deleteChannel(store: Store, name: string, options: { message?: string } = {}): Promise<{ name: string; commit: string; trash: string }> {
  return store.write(async (tx) => {
    await channelSettings(store, tx, name);
    const branch = channelBranch(name);
    const commit = tx.commitTree(branch, (await tx.tree(branch)) as string, commitMessage(`delete channel ${name}`, options.message, []));
    const trash = `${TRASH_PREFIX}${Math.floor(store.now() / 1000)}/${branch}`;
    tx.setHead(trash, commit);
    tx.setHead(branch, null);
    return { name, commit, trash };
  });
}

/**
 * Renames a channel, keeping its history: the new branch continues the old one with a
 * commit saying so.
 *
 * @example
 * await renameChannel(store, 'p11-beta', 'p11');
 */
export async function renameChannel(store: Store, from: string, to: string): Promise<{ name: string; commit: string }> {
  return store.write(async (tx) => {
    await requireChannel(store, tx, from);
    checkNewName(tx, to, from);
    const head = tx.head(channelBranch(from)) as string;
    tx.setHead(channelBranch(to), head);
    tx.setHead(channelBranch(from), null);
    const commit = tx.commitTree(channelBranch(to), (await tx.tree(channelBranch(to))) as string, `rename channel ${from} to ${to}`);
    return { name: to, commit };
  });
}
