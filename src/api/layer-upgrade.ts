/**
 * Shared layers upgrade alone: `bazaar layer upgrade base@1.0.0 --to base@1.1.0` moves
 * every image that follows a range admitting the new version to a new image version
 * referencing it, in one transaction. Each image is re-resolved first (its whole package
 * set, private packages included, must still hold together, and no package may appear
 * twice); the private layer is the identical object before and after. Images that would
 * break are listed by name and package and left alone, unless forced.
 */
import semver from 'semver';
import { BazaarError } from '../errors.js';
import type { ImageLayerRef, ImageObject, ObjectId, Store, Transaction } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { imageDb, imageSetProblems } from '../pkgdb/index.js';
import { carryChildren, checkFamilies, outsidePackages, rulesOf } from '../linked/index.js';
import { checkUnique, commitImage, imageBump, imageId, imageNames, layerLabel, loadImage, nextVersion } from '../image/index.js';
import type { LoadedImage } from '../image/index.js';
import { parseVersionRef, pickLayer } from '../layer/index.js';

/**
 * Moves one image to a new version of its layer `at` (or, with `insert`, puts layer `to`
 * into its stack at `at`), in `tx`; the problem instead when the moved image would not
 * hold together (a name twice, an unmet requirement or a conflict with what its link
 * gives it, a file conflict between its layers).
 */
export async function moveImageLayer(store: Store, tx: Transaction, loaded: LoadedImage, at: number, to: ImageLayerRef, options: { force?: boolean; insert?: boolean }): Promise<{ version: string; id: ObjectId } | { problem: string }> {
  const layer = await pickLayer(store, tx, to.name, to.version);
  const insert = options.insert === true;
  const trees = [...loaded.trees];
  trees.splice(at, insert ? 0 : 1, layer.layer.tree);
  const db = await imageDb(store, trees, treeReader(store));
  const label = (i: number): string => (i === at ? `layer ${to.name}@${to.version}` : layerLabel(loaded.image, insert && i > at ? i - 1 : i));
  let problem: string | null = null;
  try { checkUnique({ db, image: loaded.image }, label); } catch (err) { if (err instanceof BazaarError) problem = err.message; else throw err; }
  if (problem === null) {
    const found = imageSetProblems(db, outsidePackages(await rulesOf(store, tx, loaded), new Set(db.map((p) => p.snippet.name))));
    const accepted = new Set(loaded.image.nodeps ?? []);
    const all = [...found.dependencies.filter((d) => !accepted.has(d)), ...found.files];
    if (all.length) problem = all.join('; ');
  }
  if (problem !== null && !options.force) return { problem };
  const layers = [...loaded.image.layers];
  layers.splice(at, insert ? 0 : 1, insert ? { name: to.name, range: to.range, version: to.version, id: to.id } : { ...loaded.image.layers[at], version: to.version, id: to.id });
  const version = await nextVersion(tx, loaded.image.name, loaded.image.version, imageBump(loaded.db, db));
  const { kind: _k, v: _v, ...rest } = loaded.image;
  const what = insert ? `add layer ${to.name}@${to.version}` : `upgrade layer ${to.name} ${loaded.image.layers[at].version} -> ${to.version}`;
  const id = await commitImage(tx, { ...rest, version, layers }, `${what}${problem ? `\n\nforced despite: ${problem}` : ''}`);
  return { version, id };
}

export interface LayerUpgradeResult {
  layer: string;
  from: string;
  to: string;
  moved: Array<{ image: string; from: string; to: string; private: ObjectId }>;
  /** Images left alone: they would break (or do not follow a range admitting the new version). */
  skipped: Array<{ image: string; reason: string }>;
}

/** How many ancestors an image has (parents are moved before their children, so a child is judged against its parent as moved). */
async function depthOf(store: Store, tx: Transaction, image: ImageObject): Promise<number> {
  let depth = 0;
  for (let at = image.parent?.name; at !== undefined && depth < 64; depth++) at = (await store.readKind(await imageId(tx, at), 'image')).parent?.name;
  return depth;
}

/**
 * Moves every image on `from` (`base@1.0.0`) whose range admits `to` (`base@1.1.0`), all
 * in one transaction, parents before their children. Images that would break are listed
 * and left alone unless `force`. Linked children of moved images are carried along; the
 * upgrade is refused whole when one would be left violating its link or broken (with
 * `force`, audit reports what is left broken).
 *
 * @example
 * await upgradeLayer(store, 'base@1.0.0', 'base@1.1.0');
 */
export async function upgradeLayer(store: Store, fromRef: string, toRef: string, options: { force?: boolean; skipChildren?: boolean } = {}): Promise<LayerUpgradeResult> {
  const from = parseVersionRef(fromRef, 'layer');
  const to = parseVersionRef(toRef, 'layer');
  if (from.name !== to.name) throw new BazaarError('ERR_USAGE', `--to names layer ${to.name}, not ${from.name}`);
  return store.write(async (tx) => {
    await pickLayer(store, tx, from.name, from.version);
    const target = await pickLayer(store, tx, to.name, to.version);
    const result: LayerUpgradeResult = { layer: from.name, from: from.version, to: to.version, moved: [], skipped: [] };
    const get = treeReader(store);
    const moved: Array<{ id: ObjectId; previous: ObjectId; name: string }> = [];
    const order: Array<{ name: string; depth: number }> = [];
    for (const name of imageNames(tx)) order.push({ name, depth: await depthOf(store, tx, await store.readKind(await imageId(tx, name), 'image')) });
    for (const { name } of order.sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : 1))) {
      const loaded = await loadImage(store, await imageId(tx, name), get);
      const at = loaded.image.layers.findIndex((l) => l.name === from.name && l.version === from.version);
      if (at < 0) continue;
      const range = loaded.image.layers[at].range;
      if (!semver.satisfies(to.version, range)) { result.skipped.push({ image: name, reason: `follows ${from.name}@${range}, which does not admit ${to.version}` }); continue; }
      const r = await moveImageLayer(store, tx, loaded, at, { name: to.name, range, version: to.version, id: target.id }, { force: options.force });
      if ('problem' in r) result.skipped.push({ image: name, reason: r.problem });
      else { result.moved.push({ image: name, from: loaded.image.version, to: r.version, private: loaded.image.private }); moved.push({ id: r.id, previous: loaded.id, name }); }
    }
    // linked children follow their moved parents, in the same transaction (or nothing moves)
    for (const m of moved) await carryChildren(store, tx, await imageId(tx, m.name), { skipChildren: options.skipChildren, previous: m.previous });
    if (!options.force) await checkFamilies(store, tx, moved.map((m) => m.name), `moving to ${from.name}@${to.version}`, { skipChildren: options.skipChildren });
    return result;
  });
}
