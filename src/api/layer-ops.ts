/**
 * The layer operations build tools and the CLI call: build a layer from packages (named,
 * or resolved with their dependencies from a channel), check a version before publishing
 * it, list and show layers.
 */
import semver from 'semver';
import { BazaarError, isDamageError } from '../errors.js';
import { channelSource, Pool, recordOf, renderProblem, resolve, setProblems } from '../resolver/index.js';
import type { Job, PackageRecord } from '../resolver/index.js';
import { displayNevra, formatNevraWithEpoch, formatNvra, nevraOfKey } from '../rpm/index.js';
import type { BranchView, LayerObject, LayerPackage, ObjectId, StagedObject, Store, Transaction } from '../store/index.js';
import { channelBranch, channelUpstream, decodeSnippet, findBuild, layerBranch, PACKAGES_BRANCH, SNIPPET_DIR } from '../store/index.js';
import { mergedDir, treeReader } from '../stack/index.js';
import { imageDb } from '../pkgdb/index.js';
import { notFetched, recordsOfChannel } from '../image/index.js';
import {
  buildLayerTree, checkVersion, isPublishedContent, layerNames, layerVersions, otherContent, parseVersionRef, pickLayer, publishLayer, restoreLayer,
} from '../layer/index.js';
import type { BuiltLayer, LayerBuild, RebuildLayer, VersionCheck } from '../layer/index.js';

export interface LayerContentRequest {
  /** Builds of the store: NEVRA, name with one build, build id. */
  packages?: string[];
  /** Names to install, with their dependencies, from `channel`. */
  resolve?: string[];
  channel?: string;
}

export interface LayerResult {
  name: string; version: string; id: ObjectId | null; packages: string[];
  /** The version check; null when the version was published already with this content (see `restored`). */
  check: VersionCheck | null;
  /** When the version was published already with this content: the objects of it written again (missing or damaged; none when it was whole). */
  restored?: ObjectId[];
  /** With --nodeps: the problems published despite. */
  nodeps?: string[];
}

/** The builds a request names, in `view`. */
async function requestedBuilds(store: Store, view: BranchView, req: LayerContentRequest): Promise<LayerBuild[]> {
  const named = req.packages ?? [];
  const wanted = req.resolve ?? [];
  if (named.length === 0 && wanted.length === 0) throw new BazaarError('ERR_USAGE', 'name the layer\'s content: --package NEVRA... or --resolve NAME... --channel C');
  if (named.length && wanted.length) throw new BazaarError('ERR_USAGE', 'give either --package or --resolve, not both');
  const out: LayerBuild[] = [];
  if (named.length) {
    const branch = req.channel ? channelBranch(req.channel) : PACKAGES_BRANCH;
    const unfetched: string[] = [];
    for (const ref of named) {
      let e;
      try { e = await findBuild(view, branch, ref, req.channel ? { channel: req.channel } : 'store', store.indexSource(view, branch)); } catch (err) {
        // Known by an on-demand mirror's metadata only: fetched by the caller, then built.
        const key = req.channel && err instanceof BazaarError && err.code === 'ERR_PACKAGE_NOT_FOUND' ? await upstreamKeyOf(store, view, req.channel, ref) : null;
        if (key === null) throw err;
        unfetched.push(key);
        continue;
      }
      out.push({ record: await store.build(e.value), recordId: e.value });
    }
    if (unfetched.length) throw notFetched(unfetched, req.channel);
    return out;
  }
  if (!req.channel) throw new BazaarError('ERR_USAGE', '--resolve needs --channel C: the channel to resolve from');
  const universe = await channelSource(store, view, req.channel);
  const pool = new Pool(universe);
  const res = resolve(pool, { jobs: wanted.map((name): Job => ({ kind: 'install', name })) });
  if (!res.ok) {
    const problems = res.problems.map((c) => renderProblem(pool, c));
    throw new BazaarError('ERR_NO_SOLUTION', problems[0].split('\n')[0].replace(/^problem: /, ''), { data: { problems } });
  }
  const recordOf = recordsOfChannel(store, view, req.channel);
  const unfetched: string[] = [];
  for (const id of res.install) {
    const r = pool.packages[id].record;
    const found = await recordOf(r.buildId ?? '', formatNevraWithEpoch(r));
    if (found) out.push(found); else unfetched.push(formatNevraWithEpoch(r));
  }
  if (unfetched.length) throw notFetched(unfetched, req.channel);
  return out;
}

/** The NEVRA key of the one package of the channel's upstream that `ref` names (its key, NEVRA or name), or null. */
async function upstreamKeyOf(store: Store, view: BranchView, channel: string, ref: string): Promise<string | null> {
  const hits = ((await channelUpstream(store, view, channel))?.entries ?? []).filter((e) => e.key === ref || nevraOfKey(e.key) === ref || e.name === ref);
  return hits.length === 1 ? hits[0].key : null;
}

/**
 * What `rpm -i` of a layer's packages, alone, would refuse: unmet requirements, conflicts,
 * obsoletes (file conflicts are refused when the tree is built, compose-tree.ts).
 */
async function layerProblems(store: Store, builds: readonly LayerBuild[]): Promise<string[]> {
  const records: PackageRecord[] = [];
  for (const b of builds) {
    const r = await recordOf(store, b.recordId);
    if (r) records.push(r);
  }
  return setProblems(records).map((p) => p.text);
}

/**
 * Builds a layer from packages and publishes it as `name@version` (or, with `dryRun`,
 * only says what publishing would need: `bazaar layer check-version`). The packages must
 * hold together as `rpm -i` of them would check it, or the layer is refused with the
 * reasons; `nodeps` publishes it anyway and records them in the layer (a layer meant to
 * sit on another that provides what it needs), where `layer show` and `audit` show them.
 * A version published already is restored when these are its packages (layer-restore.ts), else refused.
 *
 * @example
 * await createLayer(store, 'base@1.0.0', { resolve: ['bash', 'coreutils'], channel: 'sample' });
 */
export async function createLayer(store: Store, ref: string, req: LayerContentRequest, options: { force?: boolean; dryRun?: boolean; nodeps?: boolean } = {}): Promise<LayerResult> {
  const { name, version } = parseVersionRef(ref, 'layer');
  return store.write(async (tx: Transaction) => {
    const builds = await requestedBuilds(store, tx, req);
    const published = (await layerVersions(tx, name)).get(version);
    const problems = await layerProblems(store, builds);
    // a published version is rebuilt as it was (with the problems it was published despite)
    if (problems.length && !options.nodeps && published === undefined) {
      throw new BazaarError('ERR_NO_SOLUTION', `layer ${name}@${version} would not hold together (rpm -i of its packages would say: ${problems.join('; ')}); add what they need, or pass --nodeps to publish it anyway with these recorded`, { data: { layer: name, version, problems } });
    }
    const nodeps = problems.length ? { nodeps: problems } : {};
    const builder = (installTime: number) => async (rewrite?: ReadonlySet<ObjectId>): Promise<BuiltLayer> => {
      const staged: StagedObject[] = [];
      try {
        const content = await buildLayerTree(tx, builds, { installTime, staged, restoring: published !== undefined, ...(rewrite ? { rewrite } : {}) });
        return { layer: { name, version, tree: content.tree, packages: content.packages, source: 'packages', ...nodeps }, staged };
      } catch (err) {
        await tx.discard(staged);
        throw err;
      }
    };
    // what the layer holds, as bazaar spells a build (the layer object keeps rpm's N-V-R.A)
    const packages = builds.map((b) => displayNevra(b.record)).sort();
    if (published !== undefined) {
      const { built, rebuild } = await rebuildPublished(store, tx, published, name, version, builds, builder);
      const r = await restoreLayer(store, tx, published, built, rebuild, { dryRun: options.dryRun === true });
      return { name, version, id: r.id, packages, check: null, restored: r.restored, ...nodeps };
    }
    const built = await builder(Math.floor(store.now() / 1000))();
    try {
      if (options.dryRun) {
        const check = await checkVersion(store, tx, name, version, built.layer.tree);
        await tx.discard(built.staged);
        return { name, version, id: null, packages, check, ...nodeps };
      }
      tx.stageAll(built.staged);
      const { id, check } = await publishLayer(store, tx, built.layer, options);
      return { name, version, id, packages, check, ...nodeps };
    } catch (err) {
      await tx.discard(built.staged);
      throw err;
    }
  });
}

/** How long before its publishing commit a layer's packages may have been "installed" (its content built). */
const BUILD_SECONDS = 120;

/**
 * The times a published package layer's snippets may record as their install time: the
 * one an intact snippet of it holds, else every second from its publishing commit back
 * BUILD_SECONDS (its content was built just before).
 */
async function installTimes(store: Store, view: BranchView, layer: LayerObject | null, name: string, version: string): Promise<number[]> {
  if (layer) {
    try {
      for (const { entry } of (await mergedDir([layer.tree], SNIPPET_DIR, treeReader(store))).values()) {
        if (entry.kind !== 'file' || !entry.id) continue;
        try { return [decodeSnippet(await store.readBytes(entry.id), entry.name).installtime]; } catch (err) { if (!isDamageError(err)) throw err; }
      }
    } catch (err) { if (!isDamageError(err)) throw err; }
  }
  const commit = (await view.log(layerBranch(name))).find((c) => c.message.startsWith(`publish layer ${name}@${version} `));
  return commit ? Array.from({ length: BUILD_SECONDS + 1 }, (_, i) => commit.timestamp - i) : [];
}

/**
 * The published package layer `id` built again from `builds`. Its snippets record when it
 * was built, so only a build at that time is the same content (installTimes). Refused as
 * other content when its packages are others, or no such time makes it again.
 */
async function rebuildPublished(store: Store, view: Transaction, id: ObjectId, name: string, version: string, builds: readonly LayerBuild[], builder: (installTime: number) => RebuildLayer): Promise<{ built: BuiltLayer; rebuild: RebuildLayer }> {
  let layer: LayerObject | null = null;
  try { layer = await store.readKind(id, 'layer'); } catch (err) { if (!isDamageError(err)) throw err; }
  const key = (p: LayerPackage): string => `${p.nevra} ${p.build} ${p.record ?? ''}`;
  const wanted = builds.map((b) => key({ nevra: formatNvra(b.record), build: b.record.header, record: b.recordId })).sort();
  if (layer && layer.packages.map(key).sort().join('\n') !== wanted.join('\n')) throw otherContent({ name, version });
  for (const time of await installTimes(store, view, layer, name, version)) {
    const rebuild = builder(time);
    const built = await rebuild();
    let same = false;
    try { same = await isPublishedContent(store, view, id, built.layer); } finally { if (!same) await view.discard(built.staged); }
    if (same) return { built, rebuild };
  }
  throw new BazaarError('ERR_LAYER', `layer ${name}@${version} is already published, and these packages do not make it again (${layer ? 'when they were installed is lost with its objects' : 'its layer object is lost: they may be others, or when they were installed is lost too'}); publish a new version`, { data: { layer: name, version } });
}

/** Every layer with its published versions (highest first). */
export async function listLayers(view: BranchView): Promise<Array<{ name: string; versions: string[] }>> {
  const out = [];
  for (const name of layerNames(view).sort()) out.push({ name, versions: [...(await layerVersions(view, name)).keys()].sort(semver.rcompare) });
  return out;
}

/** A layer as `layer show --json` prints it (`name@range`: the version it picks). */
export async function showLayer(store: Store, view: BranchView, ref: string): Promise<{
  name: string; version: string; id: ObjectId; source: string; tree: ObjectId; packages: string[]; forced: unknown; nodeps: string[] | null; parent: null; policy: null;
}> {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const picked = await pickLayer(store, view, name, at < 0 ? '*' : ref.slice(at + 1));
  const db = await imageDb(store, [picked.layer.tree], treeReader(store));
  return {
    name, version: picked.version, id: picked.id, source: picked.layer.source, tree: picked.layer.tree,
    packages: db.map((p) => displayNevra(p.snippet)).sort(),
    forced: picked.layer.forced ?? null, nodeps: picked.layer.nodeps ?? null, parent: null, policy: null,
  };
}
