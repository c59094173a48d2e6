/**
 * A package's hard-link sets, marked in the tree a layer takes from it. Package trees
 * (ingest-rpm.ts) stay as they were always stored, without `linkTo`, so their ids and
 * their manifests' ids do not change; the manifest keeps the header's FILEINODES and
 * FILEDEVICES, which say the sets (rpm/hardlink-sets.ts). A layer built from packages
 * marks each set the way an imported layer marks its hardlinks (TreeEntry.linkTo: every
 * member names the set's first path in tree order), so the checkout and every export link
 * the names as `rpm -i` does. Only the directories on the way to a member are rewritten.
 */
import { hardLinkSets } from '../rpm/index.js';
import type { ManifestFile, ObjectId, TreeEntry } from '../store/index.js';
import type { GetTree, PutTree } from '../stack/index.js';
import { compareTreePaths, joinTreePath } from '../store/index.js';

/** `tree` (a package's files) with its hard-link sets marked; the same id when it has none. */
export async function withHardLinks(tree: ObjectId, files: readonly ManifestFile[], get: GetTree, put: PutTree): Promise<ObjectId> {
  const leaderOf = new Map<string, string>();
  for (const set of hardLinkSets(files)) {
    const paths = set.map((i) => files[i].path.replace(/^\/+/, '')).sort(compareTreePaths);
    for (const p of paths) leaderOf.set(p, paths[0]);
  }
  if (leaderOf.size === 0) return tree;
  const onTheWay = new Set<string>();
  for (const p of leaderOf.keys()) {
    for (let slash = p.indexOf('/'); slash > 0; slash = p.indexOf('/', slash + 1)) onTheWay.add(p.slice(0, slash));
  }
  const mark = async (id: ObjectId, prefix: string): Promise<ObjectId> => {
    const t = await get(id);
    let changed = false;
    const entries: TreeEntry[] = [];
    for (const e of t.entries) {
      const path = joinTreePath(prefix, e.name);
      const leader = e.kind === 'file' ? leaderOf.get(path) : undefined;
      const sub = e.kind === 'dir' && e.id !== undefined && onTheWay.has(path) ? await mark(e.id, path) : e.id;
      if (leader === undefined && sub === e.id) { entries.push(e); continue; }
      changed = true;
      entries.push({ ...e, ...(sub !== undefined ? { id: sub } : {}), ...(leader !== undefined ? { linkTo: leader } : {}) });
    }
    return changed ? put({ ...t, entries }) : id;
  };
  return mark(tree, '');
}
