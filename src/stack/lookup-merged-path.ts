/**
 * One path of a layer stack's merged filesystem, found without walking the rest: each
 * component is looked up with the merge rules of merged-tree.ts (whiteouts, opaque
 * directories, a non-directory ending the merge). Symlinks are not followed.
 */
import type { ObjectId, ObjectReader, TreeEntry } from '../store/index.js';
import { mergingDirs } from './merged-tree.js';
import type { Source } from './merged-tree.js';

/**
 * The entry the merged view shows at `path` (`a/b`, root-relative), or null when there is
 * none. For an implicit directory, that of the first non-implicit one merging with it.
 */
export async function lookupMergedPath(objects: ObjectReader, layerRoots: readonly ObjectId[], path: string): Promise<TreeEntry | null> {
  let dirs: Source[] = layerRoots.map((id, layer) => ({ layer, entry: { name: '', kind: 'dir', mode: 0o040755, user: '0', group: '0', id } as TreeEntry })).reverse();
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const stack: Source[] = [];
    for (const d of dirs) {
      if (!d.entry.id) continue;
      const found = (await objects.readKind(d.entry.id, 'tree')).entries.find((e) => e.name === parts[i]);
      if (found) stack.push({ layer: d.layer, entry: found });
    }
    if (stack.length === 0 || stack[0].entry.whiteout) return null;
    if (i === parts.length - 1) {
      const top = stack[0].entry;
      return top.kind === 'dir' && top.implicit ? mergingDirs(stack).find((d) => !d.entry.implicit)?.entry ?? top : top;
    }
    if (stack[0].entry.kind !== 'dir') return null;
    dirs = mergingDirs(stack);
  }
  return null;
}
