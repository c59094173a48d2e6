/**
 * One store snapshot shared by the requests that arrive while the store's state is the
 * same. `store.read` opens a snapshot per call — a reader lease written and removed, the
 * state listed twice — which is most of the cost of a small request; a server answering
 * thousands of requests a second between two commits can share one. Each request still
 * checks the newest state (a directory listing and one small file), so it sees every
 * commit made before it arrived; a snapshot is closed (its lease dropped) once the state
 * has moved on and its last request has finished.
 */
import { BazaarError } from '../errors.js';
import type { Snapshot, Store } from '../store/index.js';

/** What routes read through: `store.read`'s contract. */
export interface Reads { read<T>(fn: (view: Snapshot) => Promise<T>): Promise<T> }

interface Shared { snap: Snapshot; users: number; stale: boolean }

export class SnapshotPool {
  private current: Shared | null = null;

  constructor(private readonly store: Store) {}

  /** The newest state's number, as cheaply as the store can tell it (Store.latestSeq). */
  private latestSeq(): Promise<number> { return this.store.latestSeq(); }

  /** A snapshot being opened: requests that arrive meanwhile wait for the same one. */
  private opening: Promise<Shared> | null = null;

  private async acquire(): Promise<Shared> {
    const seq = await this.latestSeq();
    const cur = this.current;
    if (cur && cur.snap.state.seq >= seq) { cur.users++; return cur; }
    this.opening ??= this.store.snapshot().then((snap) => {
      const old = this.current;
      if (old) { old.stale = true; if (old.users === 0) old.snap.close(); }
      const next: Shared = { snap, users: 0, stale: false };
      this.current = next;
      return next;
    }).finally(() => { this.opening = null; });
    const s = await this.opening;
    s.users++;
    return s;
  }

  private release(s: Shared): void {
    s.users--;
    if (s.stale && s.users === 0) s.snap.close();
  }

  /** Runs `fn` on the shared snapshot of the newest state; once again on a fresh one should an object it reads have been collected meanwhile (as store.read does). */
  async read<T>(fn: (view: Snapshot) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.acquire();
      try {
        return await fn(s.snap);
      } catch (err) {
        const vanished = err instanceof BazaarError && (err.code === 'ERR_STORE_OBJECT_NOT_FOUND' || (err.code === 'ERR_STORE_DAMAGED' && err.data.problem === 'is missing'));
        if (!vanished || attempt > 0 || (await this.latestSeq()) === s.snap.state.seq) throw err;
      } finally {
        this.release(s);
      }
    }
  }

  /** Drops the lease of the snapshot kept (the server is stopping). */
  close(): void {
    if (this.current && this.current.users === 0) this.current.snap.close();
    this.current = null;
  }
}
