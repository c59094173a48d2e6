/** The state in memory: the StateBackend contract without a disk (tests, tools). */
import { EMPTY_STATE } from './state-backend.js';
import type { StateBackend, StoreState } from './state-backend.js';

export class MemoryStateBackend implements StateBackend {
  readonly label = 'memory';
  private readonly states = new Map<number, StoreState>();

  list(): number[] { return [...this.states.keys()].sort((a, b) => a - b); }

  latest(): StoreState {
    const seqs = this.list();
    return seqs.length ? (this.states.get(seqs[seqs.length - 1]) as StoreState) : EMPTY_STATE;
  }

  latestSeq(): number { return this.latest().seq; }

  read(seq: number): StoreState | null { return this.states.get(seq) ?? null; }

  async commit(next: StoreState): Promise<boolean> {
    if (this.states.has(next.seq)) return false;
    this.states.set(next.seq, { seq: next.seq, time: next.time, heads: { ...next.heads } });
    return true;
  }

  prune(keepFrom: number): void {
    const seqs = this.list();
    for (const seq of seqs) if (seq < keepFrom && seq !== seqs[seqs.length - 1]) this.states.delete(seq);
  }
}
