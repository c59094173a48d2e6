/**
 * The time of a directory no package owns (a parent such as /opt that rpm would create at
 * install time): stored trees give it none, and a checkout or export must neither show
 * 1970 nor depend on when it runs. It is the newest time of anything below it in the same
 * layer's tree (0 only for an empty one), computed once per tree object (trees are
 * immutable), so the same layer always exports the same bytes.
 */
import type { ObjectId, TreeEntry } from '../store/index.js';
import type { GetTree } from './compose-tree.js';

export class DirTimes {
  private readonly newest = new Map<ObjectId, Promise<number>>();

  constructor(private readonly get: GetTree) {}

  /** The entry's own time, or for a directory without one, the newest time below it. */
  async of(entry: TreeEntry): Promise<number> {
    if (entry.mtime !== undefined) return entry.mtime;
    return entry.kind === 'dir' && entry.id !== undefined ? this.newestIn(entry.id) : 0;
  }

  private newestIn(tree: ObjectId): Promise<number> {
    let at = this.newest.get(tree);
    if (!at) {
      at = (async () => {
        let max = 0;
        for (const e of (await this.get(tree)).entries) max = Math.max(max, await this.of(e));
        return max;
      })();
      this.newest.set(tree, at);
    }
    return at;
  }
}
