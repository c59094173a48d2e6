/**
 * A reader's snapshot: the store as of one state, for as long as the reader needs it.
 * Opening one never takes the lock and never waits for a writer; a lease (leases.ts)
 * keeps gc from deleting what it reaches. A reader started after a writer commits sees
 * the commit; one started before keeps its state until it refreshes.
 */
import { BranchView } from './branch-view.js';
import type { GitRepo } from './history/git-repo.js';
import type { LeaseBoard, ReaderLease } from './leases.js';
import type { ObjectStore } from './objects.js';
import type { StateBackend, StoreState } from './state-backend.js';
import { readStoreState } from './state-witness.js';
import type { StoreStateReading } from './state-witness.js';

export class Snapshot extends BranchView {
  private constructor(objects: ObjectStore, repo: GitRepo, readonly state: StoreState, private readonly lease: ReaderLease | null) {
    super(objects, repo, state.heads);
  }

  /**
   * Opens a snapshot of the newest state (of either witness: state-witness.ts; damage is
   * told to `onDamage`, and the reader goes on with the witness that is ahead). With
   * `leases`, a lease is written there first and the state checked again (see leases.ts);
   * without, the caller needs no gc protection (a writer under the lock, or a read-only store).
   */
  static async open(objects: ObjectStore, repo: GitRepo, states: StateBackend, leases: LeaseBoard | null, onDamage?: (reading: StoreStateReading) => void): Promise<Snapshot> {
    let reading = await readStoreState(states, repo, { quick: true });
    if (reading.damage.length) onDamage?.(reading);
    let state = reading.state;
    if (leases === null) return new Snapshot(objects, repo, state, null);
    const lease = await leases.take(state.seq);
    for (let attempt = 0; attempt < 10; attempt++) {
      reading = await readStoreState(states, repo, { quick: true });
      if (reading.state.seq === state.seq) return new Snapshot(objects, repo, state, lease);
      state = reading.state;
      await lease.set(state.seq);
    }
    return new Snapshot(objects, repo, state, lease);
  }

  /** Lets gc collect what only this snapshot reached. The snapshot must not be used after. */
  close(): void { this.lease?.release(); }
}
