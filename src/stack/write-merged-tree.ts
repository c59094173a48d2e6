/**
 * The merged filesystem of a layer stack as one plain store tree, for callers that need a
 * single id (diffs between image versions, a flattened layer). Whiteouts and opaque
 * markers are applied, so the result is an ordinary tree: checking it out gives what
 * checking out the stack gives. Hardlink groups are renamed to their first member that
 * survived the merge (a group of one may remain; it means nothing).
 *
 * Memory: the entries of one directory per depth level, as in merged-tree.ts.
 */
import type { ObjectId, ObjectStager, StagedObject, TreeEntry } from '../store/index.js';
import { stageJson, TaskPool } from '../store/index.js';
import { mergedTree } from './merged-tree.js';

const PARALLEL = 8;

export interface MergedTreeObjects {
  root: ObjectId;
  /** Tree objects written (blobs are shared with the layers); commit or discard them. */
  staged: StagedObject[];
}

/**
 * Stages the merged tree of `layerRoots` (lowest first) in a transaction and returns its
 * root id. Nothing is visible until the transaction commits `staged`, with a ref or, for a
 * throwaway view, alone (gc then collects it).
 *
 * @example
 *   await store.write(async (tx) => { const merged = await writeMergedTree(tx, [base, app]); tx.stageAll(merged.staged); });
 */
export async function writeMergedTree(objects: ObjectStager, layerRoots: readonly ObjectId[]): Promise<MergedTreeObjects> {
  const staged: StagedObject[] = [];
  const pool = new TaskPool(PARALLEL);
  /** Open directories, root first: the entries gathered so far and the entry that will hold the id. */
  const open: Array<{ entries: TreeEntry[]; dir: TreeEntry | null }> = [{ entries: [], dir: null }];
  const firstOfGroup = new Map<string, string>();

  const close = async (): Promise<ObjectId> => {
    const frame = open.pop()!;
    const id = await stageJson(objects, pool, staged, { kind: 'tree', v: 1, entries: frame.entries });
    if (frame.dir) frame.dir.id = id;
    return id;
  };

  try {
    for await (const m of mergedTree(objects, layerRoots)) {
      while (open.length > m.depth + 1) await close();
      const entry: TreeEntry = { ...m.entry };
      if (entry.linkTo !== undefined) {
        const key = `${m.layer}\0${entry.linkTo}`;
        const first = firstOfGroup.get(key);
        if (first === undefined) firstOfGroup.set(key, m.path);
        entry.linkTo = first ?? m.path;
      }
      open[open.length - 1].entries.push(entry);
      if (entry.kind === 'dir') {
        delete entry.id;
        open.push({ entries: [], dir: entry });
      }
    }
    while (open.length > 1) await close();
    const root = await close();
    await pool.drain();
    return { root, staged };
  } catch (err) {
    await pool.settle();
    await objects.discard(staged);
    throw err;
  }
}
