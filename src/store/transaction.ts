/**
 * A writer's transaction: it starts from the newest state, stages objects and writes
 * commits on any number of branches, and then commits them all at once by writing the
 * next state. Until then nothing it did is visible; if it fails, its staged objects are
 * dropped and its git objects are unreferenced (harmless, and reused if written again).
 *
 * Commit order, so that a crash at any moment leaves the old state or the new one:
 *   1. the history is flushed (its files written; a database's rows in one round trip),
 *      then one syncfs: staged object bytes and every git object written are durable;
 *   2. staged objects are renamed into place (their directories fsynced);
 *   3. the next state is written (temp, fsync, link, fsync directory): the commit point;
 *   4. the git witness of the state (branch refs, then the state record; state-witness.ts),
 *      best effort: a kill here leaves it one behind, which the next write brings up;
 *   5. steps that must run after the commit and under the lock (gc's deletions), then
 *      derived data, best effort, then packing the history's loose objects once there
 *      are many (history/fs-history-backend.ts), best effort too.
 */
import { BazaarError } from '../errors.js';
import { BranchView } from './branch-view.js';
import { syncFilesystem } from '../fs/ops.js';
import { emptyTree, updateTree } from './history/branch-tree.js';
import type { BranchChange } from './history/branch-tree.js';
import type { GitRepo } from './history/git-repo.js';
import type { ObjectId } from './layout.js';
import type { ObjectStager, StageOptions } from './object-reader.js';
import type { ObjectStore, ObjectWriter, StagedObject } from './objects.js';
import type { StateBackend, StoreState } from './state-backend.js';
import { recordState } from './state-witness.js';

/** States kept besides those live readers lease (for repair and debugging). */
const STATES_KEPT = 32;

/** Another writer committed first (only possible when the lock was broken): retry. */
export class StateConflict extends Error {
  constructor() { super('another writer changed the store state meanwhile'); }
}

/**
 * A transaction stages its objects too (ObjectStager, object-reader.ts): `stageBytes`,
 * `writer` and `stageKind(tx, ...)` write objects no reader sees yet; `stage` hands them
 * to this transaction's commit, and `discard` drops the ones it will not commit.
 */
export class Transaction extends BranchView implements ObjectStager {
  private readonly staged: StagedObject[] = [];
  private readonly changed = new Set<string>();
  private readonly after: Array<(state: StoreState) => Promise<void> | void> = [];
  private readonly committed: Array<(state: StoreState) => Promise<void> | void> = [];
  private prunedBefore: number | undefined;
  /** Set at the commit point: from then on nothing staged may be discarded. */
  private committedAs: StoreState | null = null;

  constructor(objects: ObjectStore, repo: GitRepo, readonly base: StoreState,
    private readonly stateBackend: StateBackend, private readonly root: string, private readonly now: () => number,
    /** The gc fence's epoch when this writer began (state-backend.ts GcFence); undefined: no fence, or gc itself. */
    private readonly epoch?: number) {
    super(objects, repo, { ...base.heads });
    this.prunedBefore = base.prunedBefore;
  }

  stageBytes(data: Buffer, options: StageOptions = {}): Promise<StagedObject> { return this.objects.stageBytes(data, options); }
  writer(options: { expect?: ObjectId; rewrite?: boolean | ReadonlySet<ObjectId>; hashOnly?: boolean } = {}): Promise<ObjectWriter> { return this.objects.writer(options); }
  discard(staged: Iterable<StagedObject>): Promise<void> { return this.objects.discard(staged); }
  check(id: ObjectId): Promise<string | null> { return this.objects.check(id); }

  /** gc's horizon as this transaction will commit it (see StoreState.prunedBefore). */
  get horizon(): number | undefined { return this.prunedBefore; }

  /** Moves gc's horizon forward (never back). */
  setHorizon(seconds: number): void {
    if (this.prunedBefore !== undefined && seconds <= this.prunedBefore) return;
    this.prunedBefore = seconds;
    this.changed.add('');
  }

  /** Objects to make visible with this transaction. */
  stage(...objects: StagedObject[]): void { this.stageAll(objects); }

  /** `stage` for a list of any length (a spread of 200,000 objects overflows the call stack). */
  stageAll(objects: Iterable<StagedObject>): void { for (const o of objects) this.staged.push(o); }

  /** Whether anything would be committed. */
  get dirty(): boolean { return this.changed.size > 0 || this.staged.some((s) => s.slot !== null); }

  /** Branches this transaction moved. */
  changedBranches(): string[] { return [...this.changed].filter((b) => b !== '').sort(); }

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

  /**
   * Runs after a successful commit, still under the writers' lock, before derived data;
   * a failure is the caller's (the commit stands). For what may only happen once the new
   * state is durable: gc deletes what the old state reached only after the new one that
   * no longer reaches it (and its horizon) is the commit point.
   */
  whenCommitted(fn: (state: StoreState) => Promise<void> | void): void { this.committed.push(fn); }

  /** Commits everything (see the module comment); returns the new state (or the base if nothing changed). */
  async commit(): Promise<StoreState> {
    if (!this.dirty) {
      // history written without a change of state (a repair writing back the same trees)
      // is still written out: the history holds its objects until a flush
      await this.repo.flush();
      for (const fn of this.committed) await fn(this.base);
      return this.base;
    }
    // The history is written out first (files: loose objects or a pack; PostgreSQL: one
    // round trip), then one syncfs per transaction: the object backend's, which also covers
    // the history's files; a transaction with no new object (or a backend that cannot) syncs here.
    await this.repo.flush();
    let synced = await this.objects.commit(this.staged);
    if (!synced) synced = await syncFilesystem(this.root, () => { /* the object backend fsynced its own files; the history's, below */ });
    this.repo.settleWritten(synced);
    const next: StoreState = { seq: this.base.seq + 1, time: this.now(), heads: { ...this.heads } };
    if (this.prunedBefore !== undefined) next.prunedBefore = this.prunedBefore;
    if (!(await this.commitState(next))) throw new StateConflict();
    this.committedAs = next;
    // The git witness: a failure leaves it behind, which fsck reports and repair restores.
    try { await recordState(this.repo, next, this.base); } catch { /* the state file is the commit point */ }
    for (const fn of this.committed) await fn(next);
    for (const fn of this.after) {
      try { await fn(next); } catch { /* derived data: rebuilt on demand when missing */ }
    }
    // Still under the lock: a commit that leaves many loose git objects packs them (a
    // failure, a full disk say, leaves them loose for the next commit or gc).
    try { this.repo.packLooseIfMany(); } catch { /* loose objects are as good, only larger */ }
    return next;
  }

  /**
   * The commit point. Behind a gc fence, a gc that ran since this writer began may have
   * deleted an object it found present or wrote: they are asked for again, under the
   * fence, and a missing one makes the commit fail as a lost race (the writer starts again).
   */
  private commitState(next: StoreState): Promise<boolean> {
    const fence = this.stateBackend.fence;
    if (fence === undefined || this.epoch === undefined) return this.stateBackend.commit(next);
    return fence.commit(next, this.epoch, async () => (await this.objects.missing(this.staged.map((s) => s.id))).length === 0);
  }

  /** The state this transaction committed, or null before its commit point. */
  get committedState(): StoreState | null { return this.committedAs; }

  /** Drops what was staged (called when the transaction fails); nothing once it committed. */
  async abort(): Promise<void> { if (this.committedAs === null) await this.objects.discard(this.staged); }

  /** Old states to forget after a commit: all but the last few and those live readers lease. */
  static async pruneStates(stateBackend: StateBackend, newest: number, leased: readonly number[]): Promise<void> {
    const keepFrom = Math.min(newest - STATES_KEPT, ...leased);
    if (keepFrom > 0) await stateBackend.prune(keepFrom);
  }
}

/** Thrown by `Store.write` when the commit kept losing the race (the lock is being ignored). */
export function conflictError(): BazaarError {
  return new BazaarError('ERR_STORE_LOCKED', 'the store state kept changing under this writer (another process writes without the lock); try again');
}
