/**
 * The state in memory: the StateBackend contract without a disk (tests, tools). Records
 * are kept encoded, as the file backend keeps them, so a stored state is a copy that
 * nothing can change afterwards and a damaged one is refused as the file's would be.
 */
import { EMPTY_STATE, decodeState, encodeState } from './state-backend.js';
import type { StateBackend, StoreState } from './state-backend.js';

export class MemoryStateBackend implements StateBackend {
  readonly kind = 'memory';
  readonly label = 'memory';
  private readonly records = new Map<number, string>();
  private readonly asideRecords = new Map<number, string>();

  async list(): Promise<number[]> { return [...this.records.keys()].sort((a, b) => a - b); }

  async latest(): Promise<StoreState> {
    const seqs = await this.list();
    return seqs.length ? ((await this.read(seqs[seqs.length - 1])) as StoreState) : EMPTY_STATE;
  }

  async latestSeq(): Promise<number> { return (await this.latest()).seq; }

  async read(seq: number): Promise<StoreState | null> {
    const text = this.records.get(seq);
    return text === undefined ? null : decodeState(text, `memory state ${seq}`, seq);
  }

  async commit(next: StoreState): Promise<boolean> {
    if (this.records.has(next.seq)) return false;
    this.records.set(next.seq, encodeState(next));
    return true;
  }

  async prune(keepFrom: number): Promise<void> {
    const seqs = await this.list();
    for (const seq of seqs) if (seq < keepFrom && seq !== seqs[seqs.length - 1]) this.records.delete(seq);
  }

  async setAside(seq: number): Promise<string> {
    const text = this.records.get(seq);
    if (text !== undefined) this.asideRecords.set(seq, text);
    this.records.delete(seq);
    return `memory state ${seq} (set aside)`;
  }

  /** Test hook: overwrite a state's stored record (damage). */
  corrupt(seq: number, text: string): void { this.records.set(seq, text); }
}
