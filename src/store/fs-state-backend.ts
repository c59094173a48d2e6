/**
 * The state on the local disk: `state/<seq>`, one immutable file per commit. A writer
 * writes the next file to a temp name, fsyncs it, and link(2)s it to its final name,
 * which fails if another writer got there first (the compare-and-swap); then it fsyncs
 * the directory. The newest file is the state. Readers list the directory and read the
 * newest, never taking a lock.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { BazaarError, isErrno } from '../errors.js';
import { createFile, fsyncPath, linkFile, makeDir, removeFile, renameFile } from '../fs/ops.js';
import { stateDir, statePath, stateSeqOf, tmpDir, tmpPath } from './layout.js';
import { EMPTY_STATE, decodeState, encodeState } from './state-backend.js';
import type { StateBackend, StoreState } from './state-backend.js';

/** Far more than a file-time tick (jiffies: 1-10 ms), far less than a person notices. */
const TICK_MARGIN_MS = 100;

export class FsStateBackend implements StateBackend {
  readonly kind = 'files';
  readonly label: string;
  /** The state directory as last seen, and the newest state then (latestSeq). */
  private seen: { mtimeMs: number; ino: number; seq: number } | null = null;

  /** The state directory's path, made once: latestSeqNow runs on every request a server answers. */
  private readonly dir: string;

  constructor(readonly root: string) { this.dir = stateDir(root); this.label = this.dir; }

  async list(): Promise<number[]> { return this.listNow(); }

  private listNow(): number[] {
    let names: string[];
    try { names = readdirSync(stateDir(this.root)); } catch (err) { if (isErrno(err, 'ENOENT')) return []; throw err; }
    return names.map(stateSeqOf).filter((n): n is number => n !== null).sort((a, b) => a - b);
  }

  async latest(): Promise<StoreState> { return this.latestNow(); }

  private latestNow(): StoreState {
    for (let attempt = 0; attempt < 5; attempt++) {
      const seqs = this.listNow();
      if (seqs.length === 0) return EMPTY_STATE;
      const seq = seqs[seqs.length - 1];
      const state = this.readNow(seq);
      if (state !== null) return state;
      // pruned between the listing and the read: list again
    }
    throw new BazaarError('ERR_STORE_DAMAGED', `store state ${stateDir(this.root)} keeps vanishing while read`);
  }

  /**
   * Every commit adds a file to the state directory, so an unchanged directory (same inode
   * and mtime) means no commit since it was last read — provided that mtime is old enough
   * that a later commit cannot share its timestamp (the kernel's clock for file times
   * ticks every few ms): a recent one is read again.
   */
  async latestSeq(): Promise<number> { return this.latestSeqNow(); }

  latestSeqNow(): number {
    // no state yet (undefined): read it below
    const st = statSync(this.dir, { throwIfNoEntry: false });
    const seen = this.seen;
    if (st !== undefined && seen && st.ino === seen.ino && st.mtimeMs === seen.mtimeMs && Date.now() - st.mtimeMs > TICK_MARGIN_MS) return seen.seq;
    const seq = this.latestNow().seq;
    this.seen = st !== undefined ? { mtimeMs: st.mtimeMs, ino: st.ino, seq } : null;
    return seq;
  }

  async read(seq: number): Promise<StoreState | null> { return this.readNow(seq); }

  private readNow(seq: number): StoreState | null {
    const path = statePath(this.root, seq);
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (err) { if (isErrno(err, 'ENOENT')) return null; throw err; }
    return decodeState(text, path, seq);
  }

  async commit(next: StoreState): Promise<boolean> {
    makeDir(stateDir(this.root));
    makeDir(tmpDir(this.root));
    const tmp = tmpPath(this.root);
    createFile(tmp, encodeState(next), { sync: true });
    try {
      linkFile(tmp, statePath(this.root, next.seq));
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return false;
      throw err;
    } finally {
      removeFile(tmp);
    }
    fsyncPath(stateDir(this.root));
    return true;
  }

  async prune(keepFrom: number): Promise<void> {
    const seqs = this.listNow();
    const newest = seqs[seqs.length - 1];
    for (const seq of seqs) if (seq < keepFrom && seq !== newest) removeFile(statePath(this.root, seq));
  }

  /** Renames the file to `<seq>.damaged` (not a state file's name, so no longer listed). */
  async setAside(seq: number): Promise<string> {
    const aside = `${statePath(this.root, seq)}.damaged`;
    renameFile(statePath(this.root, seq), aside);
    return aside;
  }
}
