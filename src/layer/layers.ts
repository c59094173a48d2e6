/**
 * Layers (`name@semver`, immutable once published), kept in the branch `layers/<name>`:
 * one entry `versions/<version>` per published version, pointing at its layer object
 * (kinds/layer.ts). Publishing checks the version against what the content needs
 * (docs/versioning-policy.md#rule-layer-bump): the bump from the previous version must be
 * at least the one its Provides change requires, or the publish is refused, unless forced
 * (then the layer records that it was, and why).
 */
import semver from 'semver';
import { BazaarError } from '../errors.js';
import { checkLayerVersion, requiredBump } from './semver-bump.js';
import { pickLayerVersion } from './layer-ref.js';
import type { BumpReason, LayerVersionCheck } from './semver-bump.js';
import type { Dependency } from '../rpm/index.js';
import type { BranchView, LayerObject, ObjectId, ObjectReader, Transaction } from '../store/index.js';
import { LAYER_PREFIX, layerBranch, stageKind, versionPath, VERSIONS_DIR } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { LAYER_NAME } from './layer-ref.js';
import { imageDb, installedMeta } from '../pkgdb/index.js';
import type { SnippetCache } from '../pkgdb/index.js';

/** A layer or image name and an exact version: `base@1.2.0`. */
export function parseVersionRef(text: string, what: 'layer' | 'image'): { name: string; version: string } {
  const at = text.lastIndexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const version = at < 0 ? '' : text.slice(at + 1);
  if (!LAYER_NAME.test(name)) throw new BazaarError('ERR_VERSION', `'${text.slice(0, 120)}': '${name.slice(0, 100)}' is not ${what === 'image' ? 'an' : 'a'} ${what} name (a-z, 0-9, '.', '_', '-'; at most 100 characters)`, { data: { ref: text } });
  if (semver.valid(version) === null || semver.clean(version) !== version) {
    throw new BazaarError('ERR_VERSION', `'${text}': give the ${what} a semantic version, e.g. ${name}@1.0.0`, { data: { ref: text } });
  }
  return { name, version };
}

/** Every published version of a layer (unsorted) → its object id. */
export async function layerVersions(view: BranchView, name: string): Promise<Map<string, ObjectId>> {
  return (await view.list(layerBranch(name), VERSIONS_DIR)).values;
}

/** The names of every layer. */
export function layerNames(view: BranchView): string[] {
  return view.branches(LAYER_PREFIX).map((b) => b.slice(LAYER_PREFIX.length));
}

/** The version a reference picks (`base@^1.2`: the highest admitted), with its object. */
export async function pickLayer(objects: ObjectReader, view: BranchView, name: string, range: string): Promise<{ version: string; id: ObjectId; layer: LayerObject }> {
  const versions = await layerVersions(view, name);
  if (versions.size === 0) throw new BazaarError('ERR_LAYER', `no layer ${name}`, { data: { layer: name }, reason: 'no-layer' });
  const version = pickLayerVersion([...versions.keys()], range);
  if (version === null) {
    throw new BazaarError('ERR_LAYER', `no version of layer ${name} satisfies ${range} (published: ${[...versions.keys()].sort(semver.compare).join(', ')})`, { data: { layer: name, range }, reason: 'no-layer-version' });
  }
  const id = versions.get(version) as ObjectId;
  return { version, id, layer: await objects.readKind(id, 'layer') };
}

/** Everything the packages of a layer (its snippets) provide. */
export async function layerProvides(objects: ObjectReader, tree: ObjectId, cache?: SnippetCache): Promise<Dependency[]> {
  const db = await imageDb(objects, [tree], treeReader(objects), cache);
  return db.flatMap((p) => installedMeta(p).provides);
}

export interface VersionCheck extends Omit<LayerVersionCheck, 'ok'> { ok: boolean; previous: string | null; message?: string }

/**
 * What publishing `name@version` with this content needs: the previous version (the
 * highest below it), the bump required by the Provides change and the one made.
 */
export async function checkVersion(objects: ObjectReader, view: BranchView, name: string, version: string, tree: ObjectId, cache?: SnippetCache): Promise<VersionCheck> {
  const versions = await layerVersions(view, name);
  if (versions.has(version)) throw new BazaarError('ERR_LAYER', `layer ${name}@${version} is already published, and published layers never change; publish a new version`, { data: { layer: name, version } });
  return checkAgainst(objects, versions, name, version, tree, cache);
}

/** The version check against the published `versions` (which do not hold `version`). */
export async function checkAgainst(objects: ObjectReader, versions: ReadonlyMap<string, ObjectId>, name: string, version: string, tree: ObjectId, cache?: SnippetCache): Promise<VersionCheck> {
  const lower = [...versions.keys()].filter((v) => semver.lt(v, version)).sort(semver.rcompare);
  const higher = [...versions.keys()].filter((v) => semver.gt(v, version));
  const next = await layerProvides(objects, tree, cache);
  if (lower.length === 0) {
    const { reasons } = requiredBump({ previous: [], next });
    if (higher.length) return { ok: false, previous: null, required: 'major', actual: null, reasons, message: `${version} is older than every published version of ${name} (${higher.sort(semver.compare).join(', ')})` };
    return { ok: true, previous: null, required: 'patch', actual: null, reasons: [] };
  }
  const previous = lower[0];
  const prevLayer = await objects.readKind(versions.get(previous) as ObjectId, 'layer');
  const previousProvides = await layerProvides(objects, prevLayer.tree);
  try {
    const r = checkLayerVersion({ name, previous, next: version, previousProvides, nextProvides: next });
    return { ...r, previous };
  } catch (err) {
    if (!(err instanceof BazaarError) || err.code !== 'ERR_POLICY_VIOLATION') throw err;
    const d = err.data as { required: VersionCheck['required']; actual: VersionCheck['actual']; reasons: BumpReason[] };
    return { ok: false, previous, required: d.required, actual: d.actual, reasons: d.reasons, message: err.message };
  }
}

/** What a layer object records of a version published below the bump it needed (nothing when it was not). */
export function forcedBy(check: VersionCheck): Pick<LayerObject, 'forced'> {
  return check.ok ? {} : { forced: { required: check.required, reasons: check.reasons.map((r) => `${r.kind} ${r.name}`) } };
}

/**
 * Publishes a layer version in `tx`. An understated version is refused
 * (ERR_POLICY_VIOLATION with the reasons) unless `force`, which records it in the layer.
 */
export async function publishLayer(objects: ObjectReader, tx: Transaction, layer: Omit<LayerObject, 'kind' | 'v' | 'forced'>, options: { force?: boolean; snippets?: SnippetCache } = {}): Promise<{ id: ObjectId; check: VersionCheck }> {
  const check = await checkVersion(objects, tx, layer.name, layer.version, layer.tree, options.snippets);
  if (!check.ok && !options.force) {
    throw new BazaarError('ERR_POLICY_VIOLATION', `${check.message}; publish with --force to record it anyway`, { data: { layer: layer.name, version: layer.version, required: check.required, reasons: check.reasons } });
  }
  const staged = await stageKind(tx, 'layer', { ...layer, ...forcedBy(check) });
  tx.stage(staged);
  const summary = `${layer.packages.length} package${layer.packages.length === 1 ? '' : 's'}`;
  await tx.update(layerBranch(layer.name), [{ path: versionPath(layer.version), id: staged.id }],
    `publish layer ${layer.name}@${layer.version} (${layer.source}, ${summary})${check.ok ? '' : `\n\nforced: a ${check.required} bump was required`}${layer.nodeps ? `\n\npublished with --nodeps despite:\n${layer.nodeps.join('\n')}` : ''}\n\n${layer.packages.map((p) => `+ ${p.nevra}`).join('\n')}`);
  return { id: staged.id, check };
}
