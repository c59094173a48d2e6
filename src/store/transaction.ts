/**
 * A writer's transaction: it starts from the newest state, stages objects and writes
 * commits on any number of branches, and then commits them all at once by writing the
 * next state. Until then nothing it did is visible; if it fails, its staged objects are
 * dropped and its git objects are unreferenced (harmless, and reused if written again).
 *
 * Commit order, so that a crash at any moment leaves the old state or the new one:
 *   1. one syncfs: staged object bytes and every git object written are durable;
 *   2. staged objects are renamed into place (their directories fsynced);
 *   3. the next state is written (temp, fsync, link, fsync directory): the commit point;
 *   4. afterwards, best effort: git refs mirror the state for git tools; old states go.
 */
import { BazaarError } from '../errors.js';
import { BranchView } from './branch-view.js';
import { syncFilesystem } from './fs-ops.js';
import { emptyTree, updateTree } from './history/branch-tree.js';
import type { BranchChange } from './history/branch-tree.js';
import type { GitRepo } from './history/git-repo.js';
import type { ObjectStore, StagedObject } from './objects.js';
import type { StateBackend, StoreState } from './state-backend.js';

/** States kept besides those live readers lease (for repair and debugging). */
const STATES_KEPT = 32;

/** Another writer committed first (only possible when the lock was broken): retry. */
export class StateConflict extends Error {
  constructor() { super('another writer changed the store state meanwhile'); }
}

export class Transaction extends BranchView {
  private readonly staged: StagedObject[] = [];
  private readonly changed = new Set<string>();
  private readonly after: Array<(state: StoreState) => Promise<void> | void> = [];

  constructor(repo: GitRepo, readonly base: StoreState, private readonly objects: ObjectStore,
    private readonly stateBackend: StateBackend, private readonly root: string, private readonly now: () => number) {
    super(repo, { ...base.heads });
  }

  /** Objects to make visible with this transaction. */
  stage(...objects: StagedObject[]): void { this.staged.push(...objects); }

  /** Whether anything would be committed. */
  get dirty(): boolean { return this.changed.size > 0 || this.staged.some((s) => s.slot !== null); }

  /** Branches this transaction moved. */
  changedBranches(): string[] { return [...this.changed].sort(); }

  /**
   * Applies `changes` to a branch as one commit (the branch is created if new); returns
   * the new head, or the old one when nothing changed.
   */
  async update(branch: string, changes: readonly BranchChange[], message: string): Promise<string> {
    const parent = this.head(branch);
    const oldTree = parent === null ? null : (await this.repo.readCommit(parent)).tree;
    const tree = (await updateTree(this.repo, oldTree, changes)) ?? emptyTree(this.repo);
    if (parent !== null && tree === oldTree) return parent;
    return this.commitTree(branch, tree, message);
  }

  /** Commits `tree` as the branch's next state (used to restore a past tree). */
  commitTree(branch: string, tree: string, message: string): string {
    const parent = this.head(branch);
    const commit = this.repo.writeCommit({ tree, parents: parent ? [parent] : [], message, timestamp: Math.floor(this.now() / 1000) });
    this.setHead(branch, commit);
    return commit;
  }

  /** Points a branch at a commit, or removes it (null). */
  setHead(branch: string, commit: string | null): void {
    if (commit === null) delete this.heads[branch]; else this.heads[branch] = commit;
    this.changed.add(branch);
  }

  /** Runs after a successful commit (derived data such as indexes); failures are ignored. */
  afterCommit(fn: (state: StoreState) => Promise<void> | void): void { this.after.push(fn); }

  /** Commits everything (see the module comment); returns the new state (or the base if nothing changed). */
  async commit(): Promise<StoreState> {
    if (!this.dirty) return this.base;
    // One syncfs per transaction: the object backend's, which also covers the history
    // written before it; a transaction with no new object (or a backend that cannot) syncs here.
    if (!(await this.objects.commit(this.staged))) await syncFilesystem(this.root, () => { /* the object backend fsynced its own files */ });
    const next: StoreState = { seq: this.base.seq + 1, time: this.now(), heads: { ...this.heads } };
    if (!(await this.stateBackend.commit(next))) throw new StateConflict();
    // The git refs mirror the state for git tools: the changed branches, and any a crash
    // after an earlier commit left behind.
    for (const branch of new Set([...this.changed, ...Object.keys(next.heads)])) {
      const want = next.heads[branch] ?? null;
      if (!this.changed.has(branch) && this.repo.readRef(`heads/${branch}`) === want) continue;
      try { this.repo.setRef(`heads/${branch}`, want); } catch { /* a mirror only: the state is the truth */ }
    }
    for (const fn of this.after) {
      try { await fn(next); } catch { /* derived data: rebuilt on demand when missing */ }
    }
    return next;
  }

  /** Drops what was staged (called when the transaction fails). */
  async abort(): Promise<void> { await this.objects.discard(this.staged); }

  /** Old states to forget after a commit: all but the last few and those live readers lease. */
  static pruneStates(stateBackend: StateBackend, newest: number, leased: readonly number[]): void {
    const keepFrom = Math.min(newest - STATES_KEPT, ...leased);
    if (keepFrom > 0) stateBackend.prune(keepFrom);
  }
}

/** Thrown by `Store.write` when the commit kept losing the race (the lock is being ignored). */
export function conflictError(): BazaarError {
  return new BazaarError('ERR_STORE_LOCKED', 'the store state kept changing under this writer (another process writes without the lock); try again');
}
