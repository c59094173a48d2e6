/**
 * One directory of an image's merged filesystem (its layers stacked, lowest first, as
 * overlayfs stacks them): what `ls` of that directory in a mounted image shows. An upper
 * layer's entry replaces a lower one of the same name; a whiteout deletes it; an opaque
 * directory, or anything that is not a directory, on the way down hides the lower layers
 * below it. Used for the image's package database (its snippet folder), without walking
 * anything else.
 */
import type { ObjectId, TreeEntry } from '../store/index.js';
import type { GetTree } from './compose-tree.js';

export interface MergedEntry { entry: TreeEntry; layer: number }

/** The entries of `path` (slash-separated, no leading slash) in the merge of `layers` (tree ids, lowest first). */
export async function mergedDir(layers: readonly ObjectId[], path: string, get: GetTree): Promise<Map<string, MergedEntry>> {
  const parts = path.split('/').filter(Boolean);
  let merged = new Map<string, MergedEntry>();
  for (let layer = 0; layer < layers.length; layer++) {
    // walk down this layer's tree to `path`
    let tree: ObjectId | null = layers[layer];
    let hides = false;
    for (const part of parts) {
      const e: TreeEntry | undefined = (await get(tree as ObjectId)).entries.find((x) => x.name === part);
      if (!e) { tree = null; break; }
      if (e.whiteout || e.kind !== 'dir') { hides = true; tree = null; break; }
      if (e.opaque) hides = true;
      tree = e.id ?? null;
      if (tree === null) break;
    }
    if (hides) merged = new Map();
    if (tree === null) continue;
    for (const entry of (await get(tree)).entries) {
      if (entry.whiteout) merged.delete(entry.name);
      else merged.set(entry.name, { entry, layer });
    }
  }
  return merged;
}
