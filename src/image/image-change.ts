/**
 * Installing, removing and upgrading packages in an image: the resolver works over the
 * image's whole package set (every layer's snippets) against the image's channel, and the
 * result goes into the image's private layer, never into a shared one. A package of a
 * shared layer that the image removes or replaces is hidden by whiteouts in the private
 * layer (its snippet and the files no remaining package owns), so the shared layer itself
 * stays untouched. Every change publishes a new image version (one commit).
 */
import { BazaarError } from '../errors.js';
import { MemorySource, Pool, renderProblem, resolve } from '../resolver/index.js';
import type { ConstraintGenerator, Job, PackageRecord, PackageSource } from '../resolver/index.js';
import { displayNevra, FileFlag, formatEvrWithEpoch, formatNevraWithEpoch, nevraOfKey, parseNevra } from '../rpm/index.js';
import type { BranchView, BuildRecord, ImageObject, ObjectId, StagedObject, Store, Transaction } from '../store/index.js';
import { channelBranch, kindOfMode, SNIPPET_DIR, snippetName, stageKind } from '../store/index.js';
import { fileConflicts, imageDb, installedMeta, installedRecord } from '../pkgdb/index.js';
import { treeReader } from '../stack/index.js';
import type { InstalledPackage } from '../pkgdb/index.js';
import { MULTIVERSION, checkUnique, commitImage, imageBump, layerLabel, nextVersion } from './images.js';
import type { LoadedImage } from './images.js';
import { buildLayerTree } from '../layer/index.js';
import type { LayerBuild } from '../layer/index.js';

export interface ImageChange {
  install?: string[];
  erase?: string[];
  /** Names to move to their newest build, or 'all'. */
  upgrade?: string[] | 'all';
}

export interface ChangeResult {
  name: string;
  version: string;
  id: ObjectId;
  installed: string[];
  removed: string[];
  /** The private layer's id: the same object when nothing private changed. */
  private: ObjectId;
}

/**
 * The jobs of a change as a commit trailer (`Jobs: install webapp; erase foo`), so that
 * cherry-pick can run the same request against another image.
 */
export function formatJobs(change: ImageChange): string {
  const parts = [
    ...(change.install ?? []).map((n) => `install ${n}`), ...(change.erase ?? []).map((n) => `erase ${n}`),
    ...(change.upgrade === 'all' ? ['upgrade-all'] : (change.upgrade ?? []).map((n) => `upgrade ${n}`)),
  ];
  return `Jobs: ${parts.join('; ')}`;
}

/** The change a commit message's `Jobs:` trailer records, or null. */
export function parseJobs(message: string): ImageChange | null {
  const line = message.split('\n').find((l) => l.startsWith('Jobs: '));
  if (!line) return null;
  const change: ImageChange = { install: [], erase: [], upgrade: [] };
  for (const part of line.slice(6).split('; ').filter(Boolean)) {
    const [verb, name] = part.split(' ');
    if (verb === 'install' && name) change.install?.push(name);
    else if (verb === 'erase' && name) change.erase?.push(name);
    else if (verb === 'upgrade' && name) (change.upgrade as string[]).push(name);
    else if (verb === 'upgrade-all') change.upgrade = 'all';
    else return null;
  }
  return change;
}

/**
 * What the resolver decided, mapped back to store builds and installed packages.
 * `replaced`: the snippet blobs of removed packages that an added package replaces (a
 * newer build of the name, or one obsoleting it), as opposed to removed outright.
 */
export interface ChangePlan { add: LayerBuild[]; remove: InstalledPackage[]; replaced?: Set<ObjectId> }

/**
 * A plan as the lines of its commit message, each build once: what comes (`+`) and what
 * goes (`-`), what `change` asked for first, then what the resolver pulled in or took
 * along, marked so. Without `change` (a child carried along, an unlink) nothing was asked.
 */
export function planLines(plan: ChangePlan, change?: ImageChange): string[] {
  const upgradeAll = change?.upgrade === 'all';
  const askedIn = new Set([...(change?.install ?? []), ...(Array.isArray(change?.upgrade) ? change.upgrade : [])]);
  const askedOut = new Set(change?.erase ?? []);
  const adds = plan.add.map((b) => ({ asked: change !== undefined && (upgradeAll || askedIn.has(b.record.name) || askedIn.has(b.record.nevra)), line: `+ ${displayNevra(b.record)}` }));
  const removes = plan.remove.map((p) => ({ asked: askedOut.has(p.snippet.name) || askedOut.has(p.snippet.nevra), line: `- ${displayNevra(p.snippet)}` }));
  const mark = (x: { asked: boolean; line: string }, why: string): string => (x.asked || change === undefined ? x.line : `${x.line} (${why})`);
  return [...new Set([
    ...adds.filter((x) => x.asked).map((x) => x.line), ...removes.filter((x) => x.asked).map((x) => x.line),
    ...adds.filter((x) => !x.asked).map((x) => mark(x, 'pulled in')), ...removes.filter((x) => !x.asked).map((x) => mark(x, 'taken along')),
  ])];
}

/** The first line of a change's commit: what was asked (`install lighttpd; remove core-os`). */
export function askedLine(change: ImageChange): string {
  return [
    ...(change.install?.length ? [`install ${change.install.join(', ')}`] : []),
    ...(change.erase?.length ? [`remove ${change.erase.join(', ')}`] : []),
    ...(change.upgrade === 'all' ? ['upgrade all'] : change.upgrade?.length ? [`upgrade ${change.upgrade.join(', ')}`] : []),
  ].join('; ');
}

/** Where a build of the universe lives in the store: its build record, by build id. */
export type RecordOf = (buildId: string, key: string) => Promise<{ record: BuildRecord; recordId: ObjectId } | null>;

export interface PlanOptions {
  /** Linked-image policies and parent dependencies (link-policy.ts). */
  constraints?: ConstraintGenerator[];
  /**
   * Packages the image has without holding them: the parent's under a partial policy,
   * and the provider of bazaar(parent). They satisfy dependencies and are never added
   * to or removed from the image.
   */
  virtual?: PackageRecord[];
  /** Installed packages may be replaced or removed when a policy requires it (sync, link). */
  allowUninstall?: boolean;
  /** The channel the universe is of (named when a package picked is not fetched yet). */
  channel?: string;
}

/** `universe` without the given builds (the same order of builds, when it has one). */
function withoutBuilds(universe: PackageSource, builds: ReadonlySet<string>): PackageSource {
  if (builds.size === 0 || !universe.packages().some((r) => r.buildId !== undefined && builds.has(r.buildId))) return universe;
  const kept = new MemorySource(universe.packages().filter((r) => r.buildId === undefined || !builds.has(r.buildId)), universe.label);
  return universe.compare ? Object.assign(kept, { compare: universe.compare.bind(universe) }) : kept;
}

/** What the image has without holding it stays: nothing here may remove, replace or obsolete the parent's packages. */
function keepVirtual(virtual: ReadonlySet<PackageRecord>, image: string): ConstraintGenerator {
  return {
    name: 'parent packages',
    generate(pool) {
      return pool.packages.filter((p) => p.installed && virtual.has(p.record)).map((p) => ({
        anyOf: [{ pkg: p.id, installed: true }],
        cause: { kind: 'policy' as const, policy: 'parent', message: `${pool.nevra(p.id)} is the parent's, seen by ${image} without being installed in it: nothing here may remove, replace or obsolete it`, pkgs: [p.id] },
      }));
    },
  };
}

/** Finds a universe build's record through a channel's index (the record the channel serves). */
export function recordsOfChannel(store: Store, view: BranchView, channel: string): RecordOf {
  let index: Awaited<ReturnType<Store['index']>> | null = null;
  return async (buildId, key) => {
    index ??= await store.index(view, channelBranch(channel));
    const hit = index.get(key);
    if (!hit || hit.header !== buildId) return null;
    return { record: await store.build(hit.value), recordId: hit.value };
  };
}

/**
 * Runs the resolver over an image's package set. `constraints` are the linked-image
 * policies (their causes explain a refusal). ERR_NO_SOLUTION with the resolver's chain.
 */
export async function planChange(loaded: LoadedImage, universe: PackageSource, change: ImageChange, recordOf: RecordOf, options: PlanOptions = {}): Promise<ChangePlan> {
  const byKey = new Map(loaded.db.map((p) => [formatNevraWithEpoch({ ...p.snippet }), p]));
  // a name asked for by install is wanted in the image itself, not just through the parent
  const asked = new Set((change.install ?? []).map((text) => installJob(text).name));
  const virtual = new Set((options.virtual ?? []).filter((r) => !asked.has(r.name)));
  // a virtual package is the parent's build, seen from here: the universe's copy of that
  // build (the channel's, or the parent's added by withParentBuilds) would stand in for
  // it in the pool with its own requirements, so it is left out of this plan's universe
  const virtualBuilds = new Set([...virtual].map((r) => r.buildId).filter((b): b is string => b !== undefined));
  const pool = new Pool(withoutBuilds(universe, virtualBuilds), { installed: [...loaded.db.map(installedRecord), ...virtual] });
  const constraints = [...(options.constraints ?? []), keepVirtual(virtual, loaded.image.name)];
  const jobs: Job[] = [
    ...(change.install ?? []).map(installJob),
    ...(change.erase ?? []).map((name): Job => ({ kind: 'erase', name })),
    ...(change.upgrade === 'all' ? [{ kind: 'upgradeAll' } as Job] : (change.upgrade ?? []).map((name): Job => ({ kind: 'upgrade', name }))),
  ];
  const multiversion = [...new Set(loaded.db.map((p) => p.snippet.name).filter((n) => MULTIVERSION.test(n)))];
  const res = resolve(pool, { jobs, constraints, multiversion, allowUninstall: options.allowUninstall ?? false });
  if (!res.ok) {
    // a name nothing in the channel is called or provides is not found (404), not a conflict (409)
    const unknown = [...new Set(res.problems.flat().flatMap((c) => (c.kind === 'noCandidates' && c.job.kind === 'install' && !c.job.flags && c.otherArches.length === 0 ? [c.job.name] : [])))];
    if (unknown.length) {
      throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `image ${loaded.image.name}: no package named or providing ${unknown.join(', ')} in its channel`, { data: { image: loaded.image.name, packages: unknown }, reason: 'no-provider' });
    }
    const problems = res.problems.map((c) => renderProblem(pool, c));
    throw new BazaarError('ERR_NO_SOLUTION', `image ${loaded.image.name}: ${problems[0].split('\n')[0].replace(/^problem: /, '')}`, { data: { image: loaded.image.name, problems } });
  }
  const isVirtual = (id: number): boolean => virtual.has(pool.packages[id].record);
  const add: LayerBuild[] = [];
  const unfetched: string[] = [];
  for (const id of res.install) {
    if (isVirtual(id)) continue;
    const r = pool.packages[id].record;
    const found = await recordOf(r.buildId ?? '', formatNevraWithEpoch(r));
    if (found) add.push(found); else unfetched.push(formatNevraWithEpoch(r));
  }
  if (unfetched.length) throw notFetched(unfetched, options.channel);
  const remove: InstalledPackage[] = [];
  const replaced = new Set<ObjectId>();
  const comes = res.install.filter((id) => !isVirtual(id));
  for (const id of res.erase) {
    if (isVirtual(id)) {
      throw new BazaarError('ERR_POLICY_VIOLATION', `image ${loaded.image.name}: ${pool.nevra(id)} comes from the parent image (a partial policy) and cannot be removed here`, { data: { image: loaded.image.name } });
    }
    const p = byKey.get(formatNevraWithEpoch(pool.packages[id].record));
    if (!p) continue;
    remove.push(p);
    if (comes.some((q) => pool.packages[q].name === p.snippet.name || pool.deps(q).obs.some((o) => o.matches.includes(id)))) replaced.add(p.blob);
  }
  return { add, remove, replaced };
}

/**
 * An install request: a name (the best build), or a whole NEVRA (that build: the name at
 * exactly that epoch, version and release).
 */
export function installJob(text: string): Extract<Job, { kind: 'install' }> {
  const n = parseNevra(text);
  if (!n) return { kind: 'install', name: text };
  return { kind: 'install', name: n.name, flags: '=', evr: formatEvrWithEpoch(n) };
}

/** Paths (no leading slash) of a package's non-directory files. */
function filesOf(p: InstalledPackage): string[] {
  return installedMeta(p).files.filter((f) => !(f.flags & FileFlag.GHOST) && kindOfMode(f.mode) !== 'dir' && f.path !== '/').map((f) => f.path.slice(1));
}

/**
 * Applies a plan: the image's next private layer (its packages, minus what goes, plus what
 * comes; whiteouts for what goes from the layers below) and the next image version.
 */
export async function applyPlan(store: Store, tx: Transaction, loaded: LoadedImage, plan: ChangePlan, message: string, patch: Partial<Pick<ImageObject, 'parent'>> & { unlink?: boolean } = {}): Promise<ChangeResult> {
  const privateIndex = loaded.trees.length - 1;
  const gone = new Set(plan.remove.map((p) => p.blob));
  const keep = loaded.db.filter((p) => !gone.has(p.blob));
  const privateKept: LayerBuild[] = [];
  for (const p of keep.filter((x) => x.layer === privateIndex)) {
    const entry = loaded.privateLayer.packages.find((x) => x.build === p.snippet.build);
    if (!entry?.record) throw new BazaarError('ERR_STORE_DAMAGED', `the private layer of ${loaded.image.name} lists no build record for ${p.snippet.nevra}`);
    privateKept.push({ record: await store.build(entry.record), recordId: entry.record, snippet: p.blob });
  }
  // what the image keeps or gains owns its paths: no whiteout may hide them
  const owned = new Set<string>();
  for (const p of keep) for (const f of filesOf(p)) owned.add(f);
  for (const b of plan.add) {
    const m = await store.manifest(b.record.manifest);
    for (const f of m.files) owned.add(f.path.slice(1));
    owned.add(`${SNIPPET_DIR}/${snippetName(b.record)}`);
  }
  const whiteouts = new Set(loaded.privateLayer.whiteouts ?? []);
  for (const p of plan.remove.filter((x) => x.layer !== privateIndex)) {
    whiteouts.add(`${SNIPPET_DIR}/${p.file}`);
    for (const f of filesOf(p)) whiteouts.add(f);
  }
  for (const w of [...whiteouts]) if (owned.has(w)) whiteouts.delete(w);
  const staged: StagedObject[] = [];
  const builds = [...privateKept, ...plan.add];
  const content = await buildLayerTree(tx, builds, { whiteouts: [...whiteouts].sort(), installTime: Math.floor(store.now() / 1000), staged });
  tx.stageAll(staged);
  const installed = plan.add.map((b) => displayNevra(b.record));
  const removed = plan.remove.map((p) => displayNevra(p.snippet));
  // the new image's database, for its version bump and the uniqueness check
  const trees = [...loaded.trees.slice(0, -1), content.tree];
  const next = { ...loaded, trees, db: await imageDb(store, trees, treeReader(store)) };
  checkUnique(next, (i) => layerLabel(loaded.image, i));
  // the resolver knows dependencies, not files: what comes may not clash with a lower layer's files
  const coming = new Set(plan.add.map((b) => b.record.header));
  const clashes = fileConflicts(next.db, (p) => coming.has(p.snippet.build));
  if (clashes.length) throw new BazaarError('ERR_FILE_CONFLICT', `image ${loaded.image.name}: ${clashes.join('; ')}`, { data: { image: loaded.image.name, conflicts: clashes } });
  const version = await nextVersion(tx, loaded.image.name, loaded.image.version, imageBump(loaded.db, next.db));
  const privateLayer = await stageKind(tx, 'layer', {
    name: loaded.image.name, version, tree: content.tree, packages: content.packages, source: 'private', ...(whiteouts.size ? { whiteouts: [...whiteouts].sort() } : {}),
  });
  const privateId = content.tree === loaded.privateLayer.tree ? loaded.image.private : privateLayer.id;
  if (privateId === privateLayer.id) tx.stage(privateLayer); else await tx.discard([privateLayer]);
  const { kind: _k, v: _v, parent: oldParent, ...rest } = loaded.image;
  const parent = patch.unlink ? undefined : patch.parent ?? oldParent;
  const id = await commitImage(tx, { ...rest, version, private: privateId, ...(parent ? { parent } : {}) }, message);
  return { name: loaded.image.name, version, id, installed, removed, private: privateId };
}

/**
 * The packages a plan picked that are known by an on-demand mirror's metadata only
 * (`keys`: NEVRA keys): the library fetches them (docs/mirrors.md#on-demand) and plans
 * again; anything else reports it as it stands.
 */
export function notFetched(keys: readonly string[], channel: string | undefined): BazaarError {
  const shown = keys.slice(0, 5).map(nevraOfKey).join(', ') + (keys.length > 5 ? ` and ${keys.length - 5} more` : '');
  return new BazaarError('ERR_PACKAGE_NOT_FOUND', `${shown} ${keys.length === 1 ? 'is' : 'are'} known by ${channel ? `channel ${channel}'s` : 'the channel\'s'} upstream metadata but not fetched yet`,
    { data: { keys: [...keys], ...(channel ? { channel } : {}) }, reason: 'not-fetched' });
}
