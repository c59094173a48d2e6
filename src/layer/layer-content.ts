/**
 * What goes into a layer built from packages: each package's files (its manifest's tree,
 * its hard-link sets marked: package-hardlinks.ts),
 * one snippet per package in var/lib/bazaar/db/, and, in an image's private layer,
 * whiteouts for what the image removed from the layers below. Everything is staged; the
 * caller commits it with the layer, or discards it.
 */
import { formatNvra } from '../rpm/index.js';
import {
  canonicalJson, encodeSnippet, insertPath, objectIdOf, servedVariant, signatureHeaderOf, SNIPPET_DIR, snippetName, unpackStoredRpm, writeTrees,
} from '../store/index.js';
import type { BuildRecord, LayerPackage, ObjectId, ObjectStager, PackageManifest, PathNode, StagedObject, TreeObject } from '../store/index.js';
import { composeTrees, treeReader } from '../stack/index.js';
import type { TreePart } from '../stack/index.js';
import { withHardLinks } from './package-hardlinks.js';

/** A build to put in a layer: its record, and its snippet blob when it already has one (kept as it was). */
export interface LayerBuild { record: BuildRecord; recordId: ObjectId; snippet?: ObjectId }

export interface LayerContent { tree: ObjectId; packages: LayerPackage[]; snippets: Map<string, ObjectId> }

/** A whiteout entry, as overlayfs writes one: a character device 0/0. */
const WHITEOUT: PathNode['entry'] = { kind: 'char', mode: 0o020000, user: '0', group: '0', rdev: 0, whiteout: true };

/**
 * Stages tree objects and reads trees back, the ones staged here included (they are not
 * in the store until the transaction commits).
 */
export function treeStager(objects: ObjectStager, staged: StagedObject[], rewrite?: ReadonlySet<ObjectId>): { put: (tree: TreeObject) => Promise<ObjectId>; get: (id: ObjectId) => Promise<TreeObject> } {
  const mine = new Map<ObjectId, TreeObject>();
  const read = treeReader(objects);
  return {
    async put(tree) {
      const bytes = Buffer.from(canonicalJson(tree));
      const id = objectIdOf(bytes);
      const again = rewrite?.has(id) === true;
      if (!mine.has(id) && (again || !(await objects.has(id)))) staged.push(await objects.stageBytes(bytes, { rewrite: again }));
      mine.set(id, tree);
      return id;
    },
    get: (id) => { const t = mine.get(id); return t ? Promise.resolve(t) : read(id); },
  };
}

/** Whether any of `ids` is not in the store (stops at the first). */
async function someMissing(objects: ObjectStager, ids: readonly ObjectId[]): Promise<boolean> {
  for (const id of ids) if (!(await objects.has(id))) return true;
  return false;
}

/**
 * Builds a layer's tree from builds (their files and snippets) plus `whiteouts` (paths,
 * no leading slash, deleted from the layers below). Objects in `rewrite` are staged even
 * though the store has them (damaged copies this content replaces); `restoring`: a
 * published layer built again, whose stored trees may reach lost objects staged here.
 */
export async function buildLayerTree(objects: ObjectStager, builds: readonly LayerBuild[], options: { whiteouts?: readonly string[]; installTime: number; staged: StagedObject[]; rewrite?: ReadonlySet<ObjectId>; restoring?: boolean }): Promise<LayerContent> {
  const { put, get } = treeStager(objects, options.staged, options.rewrite);
  const parts: TreePart[] = [];
  const snippets = new Map<string, ObjectId>();
  const snippetRoot = new Map<string, PathNode>();
  const packages: LayerPackage[] = [];
  const unpacked = new Set<ObjectId>();
  for (const b of builds) {
    const r = b.record;
    const manifest = await objects.readBytes(r.manifest).then((x) => JSON.parse(x.toString('utf8')) as Pick<PackageManifest, 'tree' | 'files'>);
    // A package added without unpacking keeps its files in its .rpm until a layer needs them: now.
    if (await someMissing(objects, manifest.files.map((f) => f.id).filter((id): id is ObjectId => id !== undefined && !unpacked.has(id)))) {
      for (const s of await unpackStoredRpm(objects, servedVariant(r).rpm)) {
        if (unpacked.has(s.id)) { await objects.discard([s]); continue; }
        unpacked.add(s.id);
        options.staged.push(s);
      }
    }
    parts.push({ id: await withHardLinks(manifest.tree, manifest.files, get, put), label: `package ${r.nevra}` });
    const file = snippetName(r);
    let blob = b.snippet;
    let size: number;
    if (blob !== undefined) size = (await objects.readBytes(blob)).length;
    else {
      const header = await objects.readBytes(r.header);
      const signature = await signatureHeaderOf(objects, servedVariant(r).rpm);
      const bytes = encodeSnippet({
        name: r.name, epoch: r.epoch ?? 0, version: r.version, release: r.release, arch: r.arch, nevra: formatNvra(r),
        build: r.header, installtime: options.installTime, header: header.toString('base64'), signature: signature.toString('base64'),
      });
      const s = await objects.stageBytes(bytes, { rewrite: options.rewrite?.has(objectIdOf(bytes)) === true });
      if (s.slot !== null) options.staged.push(s);
      blob = s.id;
      size = bytes.length;
    }
    snippets.set(file, blob);
    insertPath(snippetRoot, `${SNIPPET_DIR}/${file}`, { kind: 'file', mode: 0o100644, user: 'root', group: 'root', size, id: blob });
    packages.push({ nevra: formatNvra(r), build: r.header, record: b.recordId });
  }
  if (snippetRoot.size) parts.push({ id: await writeTrees(snippetRoot, put), label: 'the package database' });
  if (options.whiteouts?.length) {
    const root = new Map<string, PathNode>();
    for (const p of options.whiteouts) insertPath(root, p, { ...WHITEOUT });
    parts.push({ id: await writeTrees(root, put), label: 'the removals' });
  }
  const tree = parts.length ? await composeTrees(parts, get, put) : await put({ kind: 'tree', v: 1, entries: [] });
  packages.sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0));
  // the unpacked files are kept as they are: the drop does not descend into stored trees
  await dropUnreached(objects, tree, get, options.staged, unpacked, options.restoring === true);
  return { tree, packages, snippets };
}

/**
 * Discards what was staged but is not part of the final tree (the separate trees of the
 * parts before they were composed), so a layer commits no object that nothing refers to.
 * A tree the store has is not walked (what it reaches is there), unless `throughStored`:
 * a restore, where it may reach a lost object staged again here.
 */
async function dropUnreached(objects: ObjectStager, root: ObjectId, get: (id: ObjectId) => Promise<TreeObject>, staged: StagedObject[], keep: ReadonlySet<ObjectId>, throughStored: boolean): Promise<void> {
  const stagedIds = new Set(staged.map((s) => s.id));
  const reached = new Set<ObjectId>();
  const walk = async (id: ObjectId): Promise<void> => {
    if (reached.has(id)) return;
    reached.add(id);
    for (const e of (await get(id)).entries) {
      if (e.id === undefined) continue;
      if (e.kind === 'dir' && throughStored) { await walk(e.id); continue; }
      if (!stagedIds.has(e.id)) continue; // objects already in the store are not ours to drop
      if (e.kind === 'dir') await walk(e.id); else reached.add(e.id);
    }
  };
  await walk(root);
  const unreached = staged.filter((s) => !reached.has(s.id) && !keep.has(s.id));
  if (unreached.length === 0) return;
  await objects.discard(unreached);
  const kept = staged.filter((s) => reached.has(s.id) || keep.has(s.id));
  staged.splice(0, staged.length, ...kept);
}
