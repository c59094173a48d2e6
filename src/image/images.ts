/**
 * Images (Virtual Appliances), kept in the branch `images/<name>`: `current` points at the
 * image as it stands, `versions/<version>` at every version ever published (kinds/image.ts).
 * An image is its layers, lowest first, each following a semver range, then its private
 * layer, where everything installed in this image goes. Every change is one commit that
 * publishes a new image version; the version moves by what the change does to the
 * image's Provides (docs/versioning-policy.md#rule-layer-bump).
 */
import semver from 'semver';
import { displayNevra } from '../rpm/index.js';
import { BazaarError, isDamageError } from '../errors.js';
import { parseLayerRef, pickLayer, requiredBump } from '../layer/index.js';
import type { Bump } from '../layer/index.js';
import type { Dependency } from '../rpm/index.js';
import type { BranchView, ImageLayerRef, ImageObject, LayerObject, ObjectId, ObjectReader, Transaction } from '../store/index.js';
import { IMAGE_CURRENT, IMAGE_PREFIX, imageBranch, stageKind, versionPath, VERSIONS_DIR } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import type { GetTree } from '../stack/index.js';
import { imageDb, installedMeta } from '../pkgdb/index.js';
import type { InstalledPackage, SnippetCache } from '../pkgdb/index.js';

export interface LoadedImage {
  image: ImageObject;
  id: ObjectId;
  layers: LayerObject[];
  privateLayer: LayerObject;
  /** Layer trees, lowest first, the private layer last. */
  trees: ObjectId[];
  db: InstalledPackage[];
}

/** Names that may be installed in several versions at once (kernels), as rpm's installonly. */
export const MULTIVERSION = /^kernel($|-)/;

export function imageNames(view: BranchView): string[] {
  return view.branches(IMAGE_PREFIX).map((b) => b.slice(IMAGE_PREFIX.length)).sort();
}

/** The image object `name` points at (its current version, or `version`). */
export async function imageId(view: BranchView, name: string, version?: string): Promise<ObjectId> {
  const branch = imageBranch(name);
  if (view.head(branch) === null) throw new BazaarError('ERR_IMAGE', `no image ${name}`, { data: { image: name }, reason: 'no-image' });
  const id = await view.read(branch, version === undefined ? IMAGE_CURRENT : versionPath(version));
  if (id === null) {
    const known = [...(await view.list(branch, VERSIONS_DIR)).values.keys()].sort(semver.compare);
    throw new BazaarError('ERR_IMAGE', `image ${name} has no version ${version}; it has ${known.join(', ')}`, { data: { image: name, version } });
  }
  return id;
}

/** The image object `NAME[@VERSION]` names (no version: the current one). */
export async function imageIdOfRef(view: BranchView, ref: string): Promise<{ name: string; id: ObjectId }> {
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  return { name, id: await imageId(view, name, at < 0 ? undefined : ref.slice(at + 1)) };
}

/** An image with its layers, without the package database: what a checkout or an export reads (no package). */
export async function loadImageLayers(objects: ObjectReader, id: ObjectId): Promise<Omit<LoadedImage, 'db'>> {
  const image = await objects.readKind(id, 'image');
  const layers: LayerObject[] = [];
  for (const l of image.layers) layers.push(await objects.readKind(l.id, 'layer'));
  const privateLayer = await objects.readKind(image.private, 'layer');
  return { image, id, layers, privateLayer, trees: [...layers.map((l) => l.tree), privateLayer.tree] };
}

/** An image with its layers and package database. */
export async function loadImage(objects: ObjectReader, id: ObjectId, get: GetTree = treeReader(objects), cache?: SnippetCache): Promise<LoadedImage> {
  const loaded = await loadImageLayers(objects, id);
  return { ...loaded, db: await imageDb(objects, loaded.trees, get, cache) };
}

/** Refuses a package set holding one name twice (but kernels), naming both layers. */
export function checkUnique(loaded: Pick<LoadedImage, 'db' | 'image'>, layerName: (i: number) => string): void {
  const seen = new Map<string, InstalledPackage>();
  for (const p of loaded.db) {
    if (MULTIVERSION.test(p.snippet.name)) continue;
    const other = seen.get(p.snippet.name);
    if (other) {
      throw new BazaarError('ERR_IMAGE', `${p.snippet.name} would be installed twice in image ${loaded.image.name}: ${other.snippet.nevra} (${layerName(other.layer)}) and ${p.snippet.nevra} (${layerName(p.layer)})`, { data: { image: loaded.image.name, name: p.snippet.name } });
    }
    seen.set(p.snippet.name, p);
  }
}

/** The name of layer `i` of an image, for messages. */
export function layerLabel(image: ImageObject, i: number): string {
  return i < image.layers.length ? `layer ${image.layers[i].name}@${image.layers[i].version}` : `the private layer of ${image.name}`;
}

/** Everything an image's packages provide. */
export function imageProvides(db: readonly InstalledPackage[]): Dependency[] {
  return db.flatMap((p) => installedMeta(p).provides);
}

/** The next version after `current` for a change of this size, skipping versions already published. */
export async function nextVersion(view: BranchView, name: string, current: string, bump: Bump): Promise<string> {
  const taken = new Set((await view.list(imageBranch(name), VERSIONS_DIR)).values.keys());
  let v = semver.inc(current, bump) as string;
  while (taken.has(v)) v = semver.inc(v, 'patch') as string;
  return v;
}

/** The bump a change of an image's package set requires. */
export function imageBump(before: readonly InstalledPackage[], after: readonly InstalledPackage[]): Bump {
  return requiredBump({ previous: imageProvides(before), next: imageProvides(after) }).bump;
}

/** Publishes `image` (a new version) as the image's current state, in one commit. */
export async function commitImage(tx: Transaction, image: Omit<ImageObject, 'kind' | 'v'>, message: string): Promise<ObjectId> {
  const staged = await stageKind(tx, 'image', image);
  tx.stage(staged);
  await tx.update(imageBranch(image.name), [{ path: IMAGE_CURRENT, id: staged.id }, { path: versionPath(image.version), id: staged.id }], `${message}\n\nimage ${image.name}@${image.version}`);
  return staged.id;
}

/** Resolves `L@RANGE` references to the layer versions they pick. */
export async function resolveLayerRefs(objects: ObjectReader, view: BranchView, refs: readonly string[]): Promise<ImageLayerRef[]> {
  const out: ImageLayerRef[] = [];
  for (const ref of refs) {
    const { name, range } = parseLayerRef(ref);
    const picked = await pickLayer(objects, view, name, range);
    out.push({ name, range, version: picked.version, id: picked.id });
  }
  return out;
}

export interface ImageDescription {
  name: string; version: string; id: ObjectId; layers: Array<{ name: string; version: string; id: ObjectId; range?: string; private?: true }>;
  packages: string[]; parent: string | null; policy: string | null; channel: string | null; nodeps: string[] | null;
}

/** What `image show --json` prints: the contract other tools read. */
export function describeImage(loaded: LoadedImage): ImageDescription {
  const i = loaded.image;
  return {
    name: i.name, version: i.version, id: loaded.id,
    layers: [...i.layers.map((l) => ({ name: l.name, version: l.version, id: l.id, range: l.range })), { name: i.name, version: loaded.privateLayer.version, id: i.private, private: true as const }],
    packages: loaded.db.map((p) => displayNevra(p.snippet)).sort(),
    parent: i.parent?.name ?? null, policy: i.parent?.policy ?? null, channel: i.channel ?? null, nodeps: i.nodeps ?? null,
  };
}

/**
 * An image that cannot be read whole, as a listing shows it: what of it still reads (its
 * id, version, layers and link from the image object, when that is intact) and `damaged`,
 * why not; no packages (its package database is what could not be read).
 */
export interface DamagedImage extends Omit<ImageDescription, 'version' | 'id'> { version: string | null; id: ObjectId | null; damaged: string }

export async function describeDamaged(objects: ObjectReader, view: BranchView, name: string, why: BazaarError): Promise<DamagedImage> {
  let id: ObjectId | null = null;
  let image: ImageObject | null = null;
  try {
    id = await imageId(view, name);
    image = await objects.readKind(id, 'image');
  } catch (err) {
    if (!isDamageError(err)) throw err;
  }
  return {
    name, version: image?.version ?? null, id,
    layers: (image?.layers ?? []).map((l) => ({ name: l.name, version: l.version, id: l.id, range: l.range })),
    packages: [], parent: image?.parent?.name ?? null, policy: image?.parent?.policy ?? null, channel: image?.channel ?? null, nodeps: image?.nodeps ?? null,
    damaged: why.message.split('\n')[0],
  };
}
