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
import { renderProblem } from '../resolver/explain.js';
import { MemorySource } from '../resolver/memory-source.js';
import { Pool } from '../resolver/provides-index.js';
import { resolve } from '../resolver/solve.js';
import type { ImageLayerRef } from '../store/kinds/image.js';
import type { ObjectId } from '../store/layout.js';
import type { Store } from '../store/store.js';
import type { Transaction } from '../store/transaction.js';
import { treeReader } from './compose-tree.js';
import { imageDb, installedRecord } from './image-db.js';
import type { InstalledPackage } from './image-db.js';
import { MULTIVERSION, checkUnique, commitImage, imageBump, imageId, imageNames, layerLabel, loadImage, nextVersion } from './images.js';
import type { LoadedImage } from './images.js';
import { parseVersionRef, pickLayer } from './layers.js';

/** Whether a package set holds together on its own (every requirement met, no conflict); the problem when not. */
export function consistencyProblem(db: readonly InstalledPackage[]): string | null {
  const pool = new Pool(new MemorySource([], 'image'), { installed: db.map(installedRecord) });
  const multiversion = [...new Set(db.map((p) => p.snippet.name).filter((n) => MULTIVERSION.test(n)))];
  const res = resolve(pool, { jobs: [], multiversion });
  return res.ok ? null : renderProblem(pool, res.causes).split('\n').slice(0, 3).join('; ');
}

/** Moves one image to a new version of its layer `at`, in `tx`; the problem instead when it would break. */
export async function moveImageLayer(store: Store, tx: Transaction, loaded: LoadedImage, at: number, to: ImageLayerRef, options: { force?: boolean }): Promise<{ version: string; id: ObjectId } | { problem: string }> {
  const layer = await pickLayer(store.objects, tx, to.name, to.version);
  const trees = [...loaded.trees];
  trees[at] = layer.layer.tree;
  const db = await imageDb(store.objects, trees, treeReader(store.objects));
  const label = (i: number): string => (i === at ? `layer ${to.name}@${to.version}` : layerLabel(loaded.image, i));
  let problem: string | null = null;
  try { checkUnique({ db, image: loaded.image }, label); } catch (err) { if (err instanceof BazaarError) problem = err.message; else throw err; }
  problem ??= consistencyProblem(db);
  if (problem !== null && !options.force) return { problem };
  const layers = loaded.image.layers.map((l, i) => (i === at ? { ...l, version: to.version, id: to.id } : l));
  const version = await nextVersion(tx, loaded.image.name, loaded.image.version, imageBump(loaded.db, db));
  const { kind: _k, v: _v, ...rest } = loaded.image;
  const id = await commitImage(store.objects, tx, { ...rest, version, layers },
    `upgrade layer ${to.name} ${loaded.image.layers[at].version} -> ${to.version}${problem ? `\n\nforced despite: ${problem}` : ''}`);
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

/**
 * Moves every image on `from` (`base@1.0.0`) whose range admits `to` (`base@1.1.0`), all
 * in one transaction. Images that would break are listed and left alone unless `force`.
 *
 * @example
 * await upgradeLayer(store, 'base@1.0.0', 'base@1.1.0');
 */
export async function upgradeLayer(store: Store, fromRef: string, toRef: string, options: { force?: boolean; skipChildren?: boolean } = {}): Promise<LayerUpgradeResult> {
  const from = parseVersionRef(fromRef, 'layer');
  const to = parseVersionRef(toRef, 'layer');
  if (from.name !== to.name) throw new BazaarError('ERR_USAGE', `--to names layer ${to.name}, not ${from.name}`);
  return store.write(async (tx) => {
    await pickLayer(store.objects, tx, from.name, from.version);
    const target = await pickLayer(store.objects, tx, to.name, to.version);
    const result: LayerUpgradeResult = { layer: from.name, from: from.version, to: to.version, moved: [], skipped: [] };
    const get = treeReader(store.objects);
    const movedIds: ObjectId[] = [];
    for (const name of imageNames(tx)) {
      const loaded = await loadImage(store.objects, await imageId(tx, name), get);
      const at = loaded.image.layers.findIndex((l) => l.name === from.name && l.version === from.version);
      if (at < 0) continue;
      const range = loaded.image.layers[at].range;
      if (!semver.satisfies(to.version, range)) { result.skipped.push({ image: name, reason: `follows ${from.name}@${range}, which does not admit ${to.version}` }); continue; }
      const r = await moveImageLayer(store, tx, loaded, at, { name: to.name, range, version: to.version, id: target.id }, { force: options.force });
      if ('problem' in r) result.skipped.push({ image: name, reason: r.problem });
      else { result.moved.push({ image: name, from: loaded.image.version, to: r.version, private: loaded.image.private }); movedIds.push(r.id); }
    }
    // linked children follow their moved parents, in the same transaction (or nothing moves)
    const { carryChildren } = await import('./links.js');
    for (const id of movedIds) await carryChildren(store, tx, id, { skipChildren: options.skipChildren });
    return result;
  });
}
