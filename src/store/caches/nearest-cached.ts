/**
 * How a commit's derived data is made incrementally (the package index, a channel's
 * universe): from the nearest ancestor whose entry is cached (and checks), reading only
 * the paths the trees' diff names; with none within `limit` first parents, from nothing
 * (a diff against the empty tree: every path).
 */
import { diffTrees } from '../history/branch-tree.js';
import type { BranchDiffEntry } from '../history/branch-tree.js';
import type { GitRepo } from '../history/git-repo.js';

export interface FromNearestCached<T> {
  /** The ancestor whose cached entry is the starting point, or null. */
  base: { commit: string; entry: T } | null;
  /** What changed from the base's tree (or from nothing) to the commit's. */
  changes: BranchDiffEntry[];
  /** The commit's tree. */
  tree: string;
}

/**
 * `load(ancestor)` gives an ancestor's cached entry, or null when it has none or the one
 * it has does not check (then the search goes on past it). `fromNothing: false`: with no
 * cached ancestor, no diff either (`changes` empty), for a caller that starts from
 * nothing another way (a channel's universe, from the package index).
 */
export async function fromNearestCached<T>(repo: GitRepo, commit: string, limit: number, load: (ancestor: string) => T | null | Promise<T | null>, options: { fromNothing?: boolean } = {}): Promise<FromNearestCached<T>> {
  const head = await repo.readCommit(commit);
  let base: { commit: string; entry: T } | null = null;
  let at: string | undefined = head.parents[0];
  for (let i = 0; at !== undefined && i < limit; i++) {
    const entry = await load(at);
    if (entry !== null) { base = { commit: at, entry }; break; }
    at = (await repo.readCommit(at)).parents[0];
  }
  if (base === null && options.fromNothing === false) return { base, changes: [], tree: head.tree };
  const fromTree = base ? (await repo.readCommit(base.commit)).tree : null;
  return { base, changes: await diffTrees(repo, fromTree, head.tree), tree: head.tree };
}
