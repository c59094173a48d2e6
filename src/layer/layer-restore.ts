/**
 * Publishing a layer version that is published already. A published layer never changes,
 * but its objects can be lost or damaged (a disk, a deleted pack), and fsck --repair cannot
 * re-create what came from outside the store (an imported directory) or was made when the
 * layer was published (its snippets). Offering the same content again (`layer import` of
 * the same directory, `layer create` of the same packages) restores them: the same content
 * makes the same objects, so the layer's id is the same and the published version,
 * untouched, becomes whole. Other content under a published version is refused.
 */
import { BazaarError, isDamageError } from '../errors.js';
import type { BranchView, LayerObject, ObjectId, ObjectReader, ObjectStager, StagedObject, Transaction, TreeObject } from '../store/index.js';
import { decodeKind, encodeKind, objectIdOf } from '../store/index.js';
import type { SnippetCache } from '../pkgdb/index.js';
import { checkAgainst, forcedBy, layerVersions } from './layers.js';

/** A layer's fields as its content makes them (`forced` is what its publisher asked for, not content). */
export type LayerFields = Omit<LayerObject, 'kind' | 'v' | 'forced'>;

/** A layer built from its content: its fields and the objects staged for it. */
export interface BuiltLayer { layer: LayerFields; staged: StagedObject[] }

/** Builds the layer again from the same content, writing the objects in `rewrite` even though the store has them. */
export type RebuildLayer = (rewrite?: ReadonlySet<ObjectId>) => Promise<BuiltLayer>;

export interface RestoreResult {
  /** The published layer, unchanged. */
  id: ObjectId;
  /** The objects written again (they were missing or damaged); empty when the layer was whole. */
  restored: ObjectId[];
}

/**
 * The bytes of the published layer object `id` when `layer` is its content, else null: the
 * object as published when it reads, else made again from `layer` (with the `forced`
 * record its version check gives, if any), which must hash to `id`.
 */
async function publishedBytes(objects: ObjectReader, view: BranchView, id: ObjectId, layer: LayerFields, cache?: SnippetCache): Promise<Buffer | null> {
  let published: LayerObject | null = null;
  try { published = await objects.readKind(id, 'layer'); } catch (err) { if (!isDamageError(err)) throw err; }
  const candidates: Array<Omit<LayerObject, 'kind' | 'v'>> = [];
  if (published) {
    candidates.push({ ...layer, ...(published.forced ? { forced: published.forced } : {}) });
  } else {
    candidates.push(layer);
    const others = new Map(await layerVersions(view, layer.name));
    others.delete(layer.version);
    try {
      const forced = forcedBy(await checkAgainst(objects, others, layer.name, layer.version, layer.tree, cache));
      if (forced.forced) candidates.push({ ...layer, ...forced });
    } catch (err) { if (!isDamageError(err)) throw err; /* the versions below cannot be read: the unforced candidate is all there is */ }
  }
  for (const c of candidates) {
    const bytes = encodeKind('layer', c);
    if (objectIdOf(bytes) === id) return bytes;
  }
  return null;
}

/** Whether `layer` is the content of the published version `id` (its object read, or made again). */
export async function isPublishedContent(objects: ObjectReader, view: BranchView, id: ObjectId, layer: LayerFields, cache?: SnippetCache): Promise<boolean> {
  return (await publishedBytes(objects, view, id, layer, cache)) !== null;
}

export function otherContent(layer: Pick<LayerFields, 'name' | 'version'>): BazaarError {
  return new BazaarError('ERR_LAYER', `layer ${layer.name}@${layer.version} is already published with other content, and published layers never change; publish a new version`, { data: { layer: layer.name, version: layer.version } });
}

const freshIds = (staged: readonly StagedObject[]): Set<ObjectId> => new Set(staged.filter((s) => s.slot !== null).map((s) => s.id));

/**
 * The objects `root` reaches that the store had before and that do not read (a missing
 * one was written by the build: it is `fresh`). A fresh one the store has too (a large
 * object is written whatever the store holds) replaces its stored copy: when that is
 * damaged it goes into `replaced`. Blobs found intact go into `intact`, so a later round
 * does not read them again; trees are read every round (a rewritten tree may reach
 * objects its damaged copy hid).
 */
async function unreadable(objects: ObjectStager, root: ObjectId, fresh: ReadonlySet<ObjectId>, intact: Set<ObjectId>, replaced: Set<ObjectId>): Promise<ObjectId[]> {
  const bad: ObjectId[] = [];
  const seen = new Set<ObjectId>();
  const walk = async (id: ObjectId): Promise<void> => {
    if (seen.has(id)) return;
    seen.add(id);
    let tree: TreeObject;
    // read, not readKind: a parsed copy cached in this process would hide a lost object
    try { tree = decodeKind(await objects.readBytes(id), id, 'tree'); } catch (err) {
      if (!isDamageError(err)) throw err;
      bad.push(id);
      return;
    }
    for (const e of tree.entries) {
      if (e.id === undefined) continue;
      if (e.kind === 'dir') { await walk(e.id); continue; }
      if (seen.has(e.id) || intact.has(e.id) || (fresh.has(e.id) && !(await objects.has(e.id)))) continue;
      seen.add(e.id);
      if ((await objects.check(e.id)) === null) intact.add(e.id); else if (fresh.has(e.id)) replaced.add(e.id); else bad.push(e.id);
    }
  };
  await walk(root);
  return bad;
}

/**
 * Restores the published layer `id` from `first`, its content built again: refused when
 * the content is another; otherwise what was missing is written by the build itself, and
 * what is damaged is found by reading every object the layer reaches and written again by
 * rebuilding with it in `rewrite`. The objects go into `tx` (a dry run discards them);
 * no branch moves. Takes over `first.staged` (discarded on failure). `snippets`: the
 * content of snippets the build staged (not readable before the commit).
 */
export async function restoreLayer(objects: ObjectReader, tx: Transaction, id: ObjectId, first: BuiltLayer, rebuild: RebuildLayer, options: { dryRun?: boolean; snippets?: SnippetCache } = {}): Promise<RestoreResult> {
  const { name, version, tree } = first.layer;
  let staged = first.staged;
  try {
    const bytes = await publishedBytes(objects, tx, id, first.layer, options.snippets);
    if (bytes === null) throw otherContent(first.layer);
    const rewrite = new Set<ObjectId>();
    const intact = new Set<ObjectId>();
    const replaced = new Set<ObjectId>();
    for (; ;) {
      const bad = await unreadable(tx, tree, freshIds(staged), intact, replaced);
      if (bad.length === 0) break;
      const kept = bad.filter((x) => rewrite.has(x));
      if (kept.length) {
        throw new BazaarError('ERR_STORE_DAMAGED', `layer ${name}@${version}: ${kept.length} of its objects are damaged and not made by its content (${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', ...' : ''}): they are its packages' own, which a repair re-creates from the packages' .rpm files`, { data: { layer: name, version, objects: kept } });
      }
      for (const x of bad) rewrite.add(x);
      await tx.discard(staged);
      staged = [];
      const again = await rebuild(rewrite);
      staged = again.staged;
      if (again.layer.tree !== tree) throw new BazaarError('ERR_BAD_INPUT', `layer ${name}@${version}: its content changed while it was read; import it again`, { data: { layer: name, version } });
    }
    const problem = await tx.check(id);
    if (problem !== null) { staged.push(await tx.stageBytes(bytes, { rewrite: problem !== 'missing' })); rewrite.add(id); }
    // a large object is written whatever the store holds (its id is known only at its end): restored only if missing or damaged
    const restored: ObjectId[] = [];
    for (const x of freshIds(staged)) if (rewrite.has(x) || replaced.has(x) || !(await objects.has(x))) restored.push(x);
    if (options.dryRun) await tx.discard(staged); else tx.stageAll(staged);
    return { id, restored };
  } catch (err) {
    await tx.discard(staged);
    throw err;
  }
}
