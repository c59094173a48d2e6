/**
 * The image operations build tools and the CLI call: create an image from layers, install,
 * remove and upgrade packages in it, move it to another version of one of its layers,
 * show and list images. Each write is one transaction: the new image version or nothing.
 */
import { BazaarError, isDamageError } from '../errors.js';
import { buildLayerTree, parseLayerRef, parseVersionRef, pickLayer } from '../layer/index.js';
import { formatNevraWithEpoch } from '../rpm/index.js';
import { channelSource } from '../resolver/index.js';
import type { BranchView, ObjectId, Store, Transaction } from '../store/index.js';
import { channelSettings, imageBranch, stageKind } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { imageDb, imageSetProblems, installedMeta, setRefusal } from '../pkgdb/index.js';
import { carryChildren, checkFamilies, linkConstraints, outsidePackages, recordsAnywhere, rulesOf, withParentBuilds } from '../linked/index.js';
import {
  applyPlan, askedLine, checkUnique, commitImage, describeDamaged, describeImage, formatJobs, imageId, imageIdOfRef, imageNames, layerLabel, loadImage, planChange, planLines, resolveLayerRefs,
} from '../image/index.js';
import type { FamilyResult } from '../linked/index.js';
import type { ChangeResult, DamagedImage, ImageChange, ImageDescription, LoadedImage } from '../image/index.js';
import { moveImageLayer } from './layer-upgrade.js';

/**
 * Creates an image `name@version` from layers (`L@RANGE`, lowest first, each resolved to
 * the highest published version its range admits) and an empty private layer. Its
 * packages must hold together as `rpm -i` of all of them would check (requirements,
 * conflicts, file conflicts between layers), or it is refused with the reasons; `nodeps`
 * creates it anyway with them recorded (`image show` and `audit` list them), for an
 * image to look at rather than to change: the resolver refuses changes to a set that
 * does not hold.
 *
 * @example
 * await createImage(store, 'webapp@1.0.0', ['base@^1.0'], { channel: 'sample' });
 */
export async function createImage(store: Store, ref: string, layers: readonly string[], options: { channel?: string; nodeps?: boolean } = {}): Promise<ReturnType<typeof describeImage>> {
  const { name, version } = parseVersionRef(ref, 'image');
  // an image of no layer would be its private layer alone: nothing to install into or share
  if (layers.length === 0) throw new BazaarError('ERR_USAGE', `image ${name} needs at least one layer (L@RANGE, lowest first)`, { data: { image: name } });
  return store.write(async (tx) => {
    if (tx.head(imageBranch(name)) !== null) throw new BazaarError('ERR_IMAGE', `image ${name} exists`, { data: { image: name }, reason: 'image-exists' });
    if (options.channel) await channelSettings(store, tx, options.channel);
    const refs = await resolveLayerRefs(store, tx, layers);
    const staged: Parameters<Transaction['stage']> = [];
    const empty = await buildLayerTree(tx, [], { installTime: 0, staged });
    const priv = await stageKind(tx, 'layer', { name, version, tree: empty.tree, packages: [], source: 'private' });
    tx.stageAll(staged);
    tx.stage(priv);
    const settings = { name, version, layers: refs, private: priv.id, ...(options.channel ? { channel: options.channel } : {}) };
    const get = treeReader(store);
    const trees: ObjectId[] = [];
    for (const l of refs) trees.push((await pickLayer(store, tx, l.name, l.version)).layer.tree);
    trees.push(empty.tree);
    const db = await imageDb(store, trees, get);
    checkUnique({ db, image: { ...settings, kind: 'image', v: 1 } }, (i) => layerLabel({ ...settings, kind: 'image', v: 1 }, i));
    const problems = imageSetProblems(db, outsidePackages(null, new Set()));
    const refusal = setRefusal(`image ${name}@${version}`, problems, 'its layers must complete each other (a layer published with --nodeps needs one below it that provides what it lacks), or pass --nodeps to create it anyway with these recorded');
    if (refusal && (!options.nodeps || problems.files.length)) throw refusal;
    const image = { ...settings, ...(problems.dependencies.length ? { nodeps: problems.dependencies } : {}) };
    const id = await commitImage(tx, image, `create image ${name}@${version} from ${refs.map((l) => `${l.name}@${l.version}`).join(', ')}`);
    return describeImage(await loadImage(store, id, get));
  });
}

/**
 * As `rpm -e` does: an erase that would take installed packages along (they need what
 * goes) is refused, naming them, instead of removing them too.
 */
function refuseDependents(plan: Awaited<ReturnType<typeof planChange>>, change: ImageChange): void {
  const asked = new Set(change.erase ?? []);
  const dragged = plan.remove.filter((p) => !asked.has(p.snippet.name) && !asked.has(p.snippet.nevra));
  if (dragged.length) {
    const gone = plan.remove.filter((p) => !dragged.includes(p)).map((p) => p.snippet.name).join(', ');
    throw new BazaarError('ERR_NO_SOLUTION', dragged.map((p) => `${gone} is needed by (installed) ${p.snippet.nevra}`).join('\n\t'), { data: { needed: gone, by: dragged.map((p) => p.snippet.nevra) } });
  }
}

/**
 * Refuses erasing a name no package of the image has (rpm -e: "package X is not
 * installed"), which would otherwise be a silent no-op; a NEVRA of an installed package
 * is told its name (erasing takes names).
 */
function refuseNotInstalled(loaded: LoadedImage, erase: readonly string[]): void {
  const names = new Set(loaded.db.map((p) => p.snippet.name));
  for (const text of erase) {
    if (names.has(text)) continue;
    const spelled = loaded.db.find((p) => p.snippet.nevra === text || formatNevraWithEpoch({ ...p.snippet }) === text);
    const hint = spelled ? `; name the package to remove: ${spelled.snippet.name}` : '';
    throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `package ${text} is not installed in image ${loaded.image.name}${hint}`, { data: { image: loaded.image.name, package: text } });
  }
}

/** The channel an image change takes packages from: the one given, else the image's own. */
function channelOf(imageChannel: string | undefined, given: string | undefined, image: string): string {
  const channel = given ?? imageChannel;
  if (!channel) throw new BazaarError('ERR_USAGE', `image ${image} has no channel to install from; give --channel NAME (or create it with --channel)`, { data: { image } });
  return channel;
}

/**
 * Installs, removes or upgrades packages in an image through the resolver (image-change.ts).
 *
 * @example
 * await changeImage(store, 'webapp', { install: ['webapp'] });
 */
export async function changeImage(store: Store, name: string, change: ImageChange, options: { channel?: string; message?: string; strictErase?: boolean; skipChildren?: boolean } = {}): Promise<ChangeResult & { children: FamilyResult[] }> {
  return store.write(async (tx) => {
    const loaded = await loadImage(store, await imageId(tx, name));
    refuseNotInstalled(loaded, change.erase ?? []);
    const channel = channelOf(loaded.image.channel, options.channel, name);
    const rules = await rulesOf(store, tx, loaded);
    // partial: a child's copy of what the parent has goes without the resolver; the parent's satisfies its dependents
    const direct = rules?.policy.kind === 'partial'
      ? loaded.db.filter((p) => (change.erase ?? []).includes(p.snippet.name) && rules.member(installedMeta(p)) && rules.parent.db.some((q) => q.snippet.name === p.snippet.name))
      : [];
    const base = direct.length ? { ...loaded, db: loaded.db.filter((p) => !direct.includes(p)) } : loaded;
    const rest = direct.length ? { ...change, erase: (change.erase ?? []).filter((n) => !direct.some((p) => p.snippet.name === n)) } : change;
    const { constraints, virtual, extra } = linkConstraints(rules, base);
    const universe = withParentBuilds(await channelSource(store, tx, channel), extra);
    const plan = await planChange(base, universe, rest, recordsAnywhere(store, tx, channel), { constraints, virtual, channel });
    plan.remove.push(...direct);
    if (options.strictErase) refuseDependents(plan, change);
    if (plan.add.length === 0 && plan.remove.length === 0) {
      return { name, version: loaded.image.version, id: loaded.id, installed: [], removed: [], private: loaded.image.private, children: [] };
    }
    const headline = options.message ?? askedLine(change);
    const r = await applyPlan(store, tx, loaded, plan, `${headline}\n\n${planLines(plan, change).join('\n')}\n\n${formatJobs(change)}`);
    const children = await carryChildren(store, tx, r.id, { ...options, previous: loaded.id });
    await checkFamilies(store, tx, [name], `the change of ${name}`, options);
    return { ...r, children };
  });
}

/**
 * Moves an image to another version of one of its layers (`L@RANGE`: the highest version
 * the range admits), re-resolving its package set. Its private layer is the same object.
 *
 * @example
 * await upgradeImageLayer(store, 'webapp', 'base@^1.1');
 */
export async function upgradeImageLayer(store: Store, name: string, layerRef: string): Promise<{ name: string; version: string; id: ObjectId; layer: string; from: string; to: string }> {
  const { name: layerName, range } = parseLayerRef(layerRef);
  return store.write(async (tx) => {
    const loaded = await loadImage(store, await imageId(tx, name));
    const at = loaded.image.layers.findIndex((l) => l.name === layerName);
    if (at < 0) throw new BazaarError('ERR_IMAGE', `image ${name} has no layer ${layerName} (it has ${loaded.image.layers.map((l) => l.name).join(', ') || 'none'})`, { data: { image: name, layer: layerName } });
    const picked = await pickLayer(store, tx, layerName, range);
    const from = loaded.image.layers[at].version;
    const r = await moveImageLayer(store, tx, loaded, at, { name: layerName, range, version: picked.version, id: picked.id }, {});
    if ('problem' in r) throw new BazaarError('ERR_NO_SOLUTION', `image ${name} cannot move to ${layerName}@${picked.version}: ${r.problem}`, { data: { image: name } });
    await carryChildren(store, tx, r.id, { previous: loaded.id });
    await checkFamilies(store, tx, [name], `moving ${name} to ${layerName}@${picked.version}`);
    return { name, version: r.version, id: r.id, layer: layerName, from, to: picked.version };
  });
}

/**
 * Puts layer `layerRef` (`L@RANGE`) on top of image `name`'s shared layers (under its
 * private layer), as a new image version: how a VA's first overlay upload gets its
 * `<image>-rw` layer. Refused when the image already follows that layer or would not
 * hold together.
 */
export async function addImageLayer(store: Store, name: string, layerRef: string): Promise<{ name: string; version: string; id: ObjectId; layer: string; to: string }> {
  const { name: layerName, range } = parseLayerRef(layerRef);
  return store.write(async (tx) => {
    const loaded = await loadImage(store, await imageId(tx, name));
    if (loaded.image.layers.some((l) => l.name === layerName)) throw new BazaarError('ERR_IMAGE', `image ${name} already has layer ${layerName}: move it with bazaar image upgrade-layer ${name} ${layerName}@VERSION`, { data: { image: name, layer: layerName } });
    const picked = await pickLayer(store, tx, layerName, range);
    const r = await moveImageLayer(store, tx, loaded, loaded.image.layers.length, { name: layerName, range, version: picked.version, id: picked.id }, { insert: true });
    if ('problem' in r) throw new BazaarError('ERR_NO_SOLUTION', `image ${name} cannot take layer ${layerName}@${picked.version}: ${r.problem}`, { data: { image: name } });
    await carryChildren(store, tx, r.id, { previous: loaded.id });
    await checkFamilies(store, tx, [name], `adding ${layerName}@${picked.version} to ${name}`);
    return { name, version: r.version, id: r.id, layer: layerName, to: picked.version };
  });
}

/** An image as `image show --json` prints it (`name` or `name@version`). */
export async function showImage(store: Store, view: BranchView, ref: string): Promise<ReturnType<typeof describeImage>> {
  return describeImage(await loadImage(store, (await imageIdOfRef(view, ref)).id));
}

/**
 * Every image with its version and layers. One that cannot be read (a missing or damaged
 * object) is listed as damaged (`damaged`: why) rather than failing the whole listing.
 */
export async function listImages(store: Store, view: BranchView): Promise<Array<ImageDescription | DamagedImage>> {
  const get = treeReader(store);
  const out: Array<ImageDescription | DamagedImage> = [];
  for (const name of imageNames(view)) {
    try {
      out.push(describeImage(await loadImage(store, await imageId(view, name), get)));
    } catch (err) {
      if (!isDamageError(err)) throw err;
      out.push(await describeDamaged(store, view, name, err));
    }
  }
  return out;
}
