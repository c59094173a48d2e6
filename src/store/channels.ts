/**
 * Channels (docs/versioning-policy.md#rule-channels): a channel is the git branch
 * `channels/<name>` in the store's refs repository, with the same shape as `packages`
 * (`<name>/<nevra key> -> package manifest id`) plus one entry `.channel` naming the
 * channel's settings object (`{"type":"channel","order":"rpm"|"alt",...}`), fixed at
 * creation. Every change is one commit on that branch, made under the store lock, so a
 * reader sees one state or the next, never a mix; refused changes write nothing.
 *
 * A channel only ever holds builds that are in the store (`packages`); leaving a channel
 * never deletes a build.
 */
import { BazaarError } from '../errors.js';
import { checkChannelName } from '../policy/channel-name.js';
import { sortNewestFirst } from '../policy/versioning.js';
import type { Build, OrderOptions, VersionOrder } from '../policy/versioning.js';
import { nevraKey, parseNevra } from '../rpm/nevra.js';
import { canonicalJson } from './canonical-json.js';
import type { Catalog, CatalogPackage } from './catalog.js';
import type { ObjectId } from './layout.js';
import type { RefChange } from './refs.js';
import type { Store } from './store.js';

export const CHANNEL_PREFIX = 'channels/';
/** The tree entry holding the settings; package paths always contain a `/`, so it cannot clash. */
export const SETTINGS_PATH = '.channel';

export interface ChannelSettings { order: VersionOrder; priorityBranch?: string }
/** A build in a channel: its tree path is `<name>/<key>`. */
export interface ChannelBuild { name: string; key: string; nevra: string; id: ObjectId }
export interface ChannelState { name: string; commit: string; settings: ChannelSettings; builds: ChannelBuild[] }
export interface ChannelChange { commit: string; added: string[]; removed: string[]; unchanged: string[] }

export const channelBranch = (name: string): string => `${CHANNEL_PREFIX}${name}`;

/** `name-[E:]V-R.A` from a key, the epoch left out when 0 (as rpm prints most NEVRAs). */
export function nevraOfKey(key: string): string {
  return key.replace(/-0:([^-:]*-[^-]*)$/, '-$1');
}

function buildAt(path: string, id: ObjectId): ChannelBuild {
  const slash = path.indexOf('/');
  const key = path.slice(slash + 1);
  return { name: path.slice(0, slash), key, nevra: nevraOfKey(key), id };
}

const pathOf = (b: { name: string; key: string }): string => `${b.name}/${b.key}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function commitMessage(what: string, why: string | undefined, details: string[]): string {
  return [what, ...(why ? ['', why] : []), ...(details.length ? ['', ...details] : [])].join('\n');
}

/** The channel's settings and builds at a commit (default: its head); ERR_CHANNEL if it does not exist. */
export async function readChannel(store: Store, name: string, commit?: string): Promise<ChannelState> {
  checkChannelName(name);
  const at = commit ?? (await store.refs.head(channelBranch(name)));
  if (at === null) {
    throw new BazaarError('ERR_CHANNEL', `no channel ${name}; 'bazaar channel ls' lists them, 'bazaar channel create ${name}' makes it`, { data: { channel: name } });
  }
  const entries = await store.refs.entries(channelBranch(name), at);
  const settingsId = entries.get(SETTINGS_PATH);
  if (settingsId === undefined) throw new BazaarError('ERR_STORE_REF', `channel ${name} at ${at} has no ${SETTINGS_PATH} entry`);
  const raw = JSON.parse((await store.objects.read(settingsId)).toString('utf8')) as { type?: string } & ChannelSettings;
  const settings: ChannelSettings = { order: raw.order, ...(raw.priorityBranch ? { priorityBranch: raw.priorityBranch } : {}) };
  const builds = [...entries].filter(([p]) => p !== SETTINGS_PATH).map(([p, id]) => buildAt(p, id));
  return { name, commit: at, settings, builds };
}

/** Throws ERR_CHANNEL unless the channel exists (callers check before writing anything). */
export async function requireChannel(store: Store, name: string): Promise<void> {
  await readChannel(store, name);
}

/** The order options the policy's comparisons take for this channel. */
export function orderOf(settings: ChannelSettings): OrderOptions {
  return { order: settings.order, ...(settings.priorityBranch ? { priorityBranch: settings.priorityBranch } : {}) };
}

/**
 * Creates an empty channel with its order fixed (`rpm`, the default, or `alt`), as one
 * commit. Refuses an existing name or a bad name (ERR_CHANNEL).
 *
 * @example
 * await createChannel(store, 'sisyphus', { order: 'alt' });
 */
export async function createChannel(store: Store, name: string, options: Partial<ChannelSettings> & { message?: string } = {}): Promise<{ name: string; commit: string; settings: ChannelSettings }> {
  checkChannelName(name);
  const order = options.order ?? 'rpm';
  if (order !== 'rpm' && order !== 'alt') throw new BazaarError('ERR_CHANNEL', `a channel's order is rpm or alt, not '${String(order)}'`);
  if (options.priorityBranch !== undefined && order !== 'alt') throw new BazaarError('ERR_CHANNEL', 'a priority branch only means something in an alt-order channel');
  const settings: ChannelSettings = { order, ...(options.priorityBranch ? { priorityBranch: options.priorityBranch } : {}) };
  return store.locked(async () => {
    if ((await store.refs.head(channelBranch(name))) !== null) throw new BazaarError('ERR_CHANNEL', `channel ${name} already exists`, { data: { channel: name } });
    const id = await store.objects.put(Buffer.from(canonicalJson({ type: 'channel', ...settings })));
    const commit = await store.refs.update(channelBranch(name), [{ path: SETTINGS_PATH, id }],
      commitMessage(`create channel ${name} (order ${order}${settings.priorityBranch ? `, priority branch ${settings.priorityBranch}` : ''})`, options.message, []));
    return { name, commit, settings };
  });
}

/**
 * Puts stored builds into a channel as one commit. The caller holds the lock and has
 * resolved the builds against the store. Builds already there are left as they are.
 */
export async function addBuildsToChannel(store: Store, name: string, builds: CatalogPackage[], why?: string): Promise<ChannelChange> {
  const state = await readChannel(store, name);
  const have = new Set(state.builds.map(pathOf));
  const fresh = [...new Map(builds.filter((b) => !have.has(pathOf(b))).map((b) => [pathOf(b), b])).values()];
  const unchanged = builds.filter((b) => have.has(pathOf(b))).map((b) => b.nevra);
  const commit = fresh.length === 0 ? state.commit : await store.refs.update(channelBranch(name), fresh.map((b) => ({ path: pathOf(b), id: b.id })),
    commitMessage(`add ${plural(fresh.length, 'package')} to ${name}`, why, fresh.map((b) => `+ ${b.nevra} ${b.id}`)));
  return { commit, added: fresh.map((b) => b.nevra), removed: [], unchanged };
}

/**
 * Adds builds of the store (by NEVRA, or by bare name when the store has one build of
 * it) to a channel, all in one commit; nothing changes if any reference is bad.
 *
 * @example
 * await addToChannel(store, 'sample', ['openssl-1.1.1w-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64']);
 */
export async function addToChannel(store: Store, name: string, refs: string[], options: { message?: string } = {}): Promise<ChannelChange> {
  if (refs.length === 0) throw new BazaarError('ERR_USAGE', `name at least one package to add to ${name}`);
  return store.locked(async (catalog) => {
    await requireChannel(store, name);
    const builds: CatalogPackage[] = [];
    for (const ref of refs) builds.push(await store.resolveWith(catalog, ref));
    return addBuildsToChannel(store, name, builds, options.message);
  });
}

/**
 * Finds `ref` (a NEVRA, or a bare name with one build) among `builds`; `where` and `hint`
 * complete the error messages ("channel sample", "'bazaar channel ls sample' lists it").
 */
export function findBuild<T extends { name: string; key: string; nevra: string }>(builds: readonly T[], ref: string, where: string, hint: string): T {
  const parsed = parseNevra(ref);
  const key = parsed ? nevraKey(parsed) : null;
  const exact = builds.find((b) => b.key === key);
  if (exact) return exact;
  const named = builds.filter((b) => b.name === ref);
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    throw new BazaarError('ERR_PACKAGE_AMBIGUOUS', `${ref} names ${named.length} builds in ${where} (${named.map((b) => b.nevra).join(', ')}); give the full NEVRA`, { data: { ref, where } });
  }
  throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `${ref} is not in ${where}; ${hint}`, { data: { ref, where } });
}

export function findInChannel(state: ChannelState, ref: string): ChannelBuild {
  return findBuild(state.builds, ref, `channel ${state.name}`, `'bazaar channel ls ${state.name}' lists it`);
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
  return store.locked(async () => {
    const state = await readChannel(store, name);
    const gone = [...new Map(refs.map((r) => findInChannel(state, r)).map((b) => [pathOf(b), b])).values()];
    const commit = await store.refs.update(channelBranch(name), gone.map((b) => ({ path: pathOf(b), id: null })),
      commitMessage(`remove ${plural(gone.length, 'package')} from ${name}`, options.message, gone.map((b) => `- ${b.nevra} ${b.id}`)));
    return { commit, added: [], removed: gone.map((b) => b.nevra), unchanged: [] };
  });
}

/**
 * Publishes a channel as a whole: its content becomes exactly `refs` (builds of the store)
 * in one commit, so readers see the old set or the new one, never a mix, and a bad
 * reference leaves the old one in place. See docs/versioning-policy.md#rule-channel-atomic-publish.
 *
 * @example
 * await publishChannel(store, 'p11', (await readFile('p11.list', 'utf8')).split('\n').filter(Boolean));
 */
export async function publishChannel(store: Store, name: string, refs: string[], options: { message?: string } = {}): Promise<ChannelChange> {
  return store.locked((catalog) => publishLocked(store, catalog, name, refs, options.message));
}

async function publishLocked(store: Store, catalog: Catalog, name: string, refs: string[], why: string | undefined): Promise<ChannelChange> {
  const state = await readChannel(store, name);
  const wanted = new Map<string, CatalogPackage>();
  for (const ref of refs) { const b = await store.resolveWith(catalog, ref); wanted.set(pathOf(b), b); }
  const current = new Map(state.builds.map((b) => [pathOf(b), b]));
  const added = [...wanted.values()].filter((b) => current.get(pathOf(b))?.id !== b.id);
  const removed = [...current.values()].filter((b) => !wanted.has(pathOf(b)));
  const changes: RefChange[] = [...removed.map((b) => ({ path: pathOf(b), id: null })), ...added.map((b) => ({ path: pathOf(b), id: b.id }))];
  const commit = changes.length === 0 ? state.commit : await store.refs.update(channelBranch(name), changes,
    commitMessage(`publish ${name}: ${plural(wanted.size, 'package')} (+${added.length} -${removed.length})`, why,
      [...added.map((b) => `+ ${b.nevra} ${b.id}`), ...removed.map((b) => `- ${b.nevra} ${b.id}`)]));
  const unchanged = [...wanted.values()].filter((b) => !added.includes(b)).map((b) => b.nevra);
  return { commit, added: added.map((b) => b.nevra), removed: removed.map((b) => b.nevra), unchanged };
}

/** Every channel's name, in name order. */
export async function channelNames(store: Store): Promise<string[]> {
  return (await store.refs.branches()).filter((b) => b.startsWith(CHANNEL_PREFIX)).map((b) => b.slice(CHANNEL_PREFIX.length)).sort();
}

/**
 * A channel's builds, each as the policy sees it, newest first within a name by the
 * channel's order.
 */
export async function channelBuilds(store: Store, state: ChannelState): Promise<Array<Build & { nevra: string }>> {
  const builds: Array<Build & { nevra: string }> = [];
  for (const b of state.builds) {
    const m = await store.manifest(b.id);
    builds.push({ name: m.name, epoch: m.epoch, version: m.version, release: m.release, arch: m.arch, id: b.id, disttag: m.disttag, buildtime: m.buildtime, nevra: m.nevra });
  }
  return sortNewestFirst(builds, orderOf(state.settings));
}

/** For each package path, the channels whose head holds exactly that build. */
export async function channelsHolding(store: Store): Promise<Map<string, Array<{ channel: string; id: ObjectId }>>> {
  const out = new Map<string, Array<{ channel: string; id: ObjectId }>>();
  for (const name of await channelNames(store)) {
    for (const b of (await readChannel(store, name)).builds) {
      const list = out.get(pathOf(b)) ?? [];
      list.push({ channel: name, id: b.id });
      out.set(pathOf(b), list);
    }
  }
  return out;
}

/**
 * Makes a past state of a channel current again, as a new commit (history is never
 * rewritten). `commit` is a full commit id of the channel (resolve `HEAD~N` first with
 * `resolveChannelRev`). A build of that state that has since left the store is named in
 * the error and nothing changes.
 *
 * @example
 * await restoreChannel(store, 'sample', await resolveChannelRev(store, 'sample', 'HEAD~1'));
 */
export async function restoreChannel(store: Store, name: string, commit: string, options: { message?: string } = {}): Promise<ChannelChange> {
  const past = await readChannel(store, name, commit);
  return store.locked(async (catalog) => {
    const missing: string[] = [];
    for (const b of past.builds) if ((await catalog.byKey(b.key))?.id !== b.id) missing.push(b.nevra);
    if (missing.length > 0) {
      throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `cannot restore ${name} to ${commit.slice(0, 12)}: ${missing.join(', ')} no longer in the store`, { data: { channel: name, missing } });
    }
    return publishLocked(store, catalog, name, past.builds.map((b) => b.nevra), options.message ?? `restore to ${commit}`);
  });
}
