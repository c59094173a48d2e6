/**
 * Reading branches as of a fixed set of heads: the common part of a reader's snapshot
 * (snapshot.ts) and a writer's transaction (transaction.ts). Everything here reads
 * immutable git objects, so it needs no lock. A view reads the store's objects too
 * (object-reader.ts); the git repository stays behind it.
 */
import type { ObjectId } from './layout.js';
import { fromNearestCached } from './caches/nearest-cached.js';
import type { FromNearestCached } from './caches/nearest-cached.js';
import { allEntries, listDir, readPath } from './history/branch-tree.js';
import type { GitCommit, GitRepo } from './history/git-repo.js';
import { ObjectReading } from './object-reader.js';
import type { ObjectStore } from './objects.js';

let repoOfView: (view: BranchView) => GitRepo;

export class BranchView extends ObjectReading {
  constructor(objects: ObjectStore, protected readonly repo: GitRepo, protected readonly heads: Record<string, string>) {
    super(objects);
  }

  static { repoOfView = (view) => view.repo; }

  /** The commit a branch points at, or null when the branch does not exist. */
  head(branch: string): string | null { return this.heads[branch] ?? null; }

  /** Every branch (optionally only those under `prefix`, e.g. `channels/`), sorted. */
  branches(prefix = ''): string[] { return Object.keys(this.heads).filter((b) => b.startsWith(prefix)).sort(); }

  /** Every head: branch → commit. */
  allHeads(): Record<string, string> { return { ...this.heads }; }

  async tree(branch: string, commit?: string): Promise<string | null> {
    const at = commit ?? this.head(branch);
    return at === null ? null : (await this.repo.readCommit(at)).tree;
  }

  /** The value at `path` of a branch (at its head, or at `commit`). */
  async read(branch: string, path: string, commit?: string): Promise<ObjectId | null> {
    return readPath(this.repo, await this.tree(branch, commit), path);
  }

  /** Values and subdirectories directly under `dir` of a branch. */
  async list(branch: string, dir: string, commit?: string): Promise<{ values: Map<string, ObjectId>; dirs: string[] }> {
    return listDir(this.repo, await this.tree(branch, commit), dir);
  }

  /** Every `path -> id` of a branch. */
  async entries(branch: string, commit?: string): Promise<Map<string, ObjectId>> {
    return allEntries(this.repo, await this.tree(branch, commit));
  }

  /**
   * The change walk of derived data kept by commit (caches/nearest-cached.ts): `commit`'s
   * nearest first-parent ancestor (at most `limit` back) whose entry `load` gives, and
   * what changed from its tree to `commit`'s.
   */
  fromNearestCached<T>(commit: string, limit: number, load: (ancestor: string) => T | null | Promise<T | null>, options: { fromNothing?: boolean } = {}): Promise<FromNearestCached<T>> {
    return fromNearestCached(this.repo, commit, limit, load, options);
  }

  /** A branch's commits, newest first (empty when it does not exist). */
  async log(branch: string, limit?: number): Promise<GitCommit[]> {
    const at = this.head(branch);
    return at === null ? [] : this.repo.log(at, limit);
  }
}

/** The git repository behind a view: for the store's own modules (not exported from index.ts). */
export function repoOf(view: BranchView): GitRepo { return repoOfView(view); }
