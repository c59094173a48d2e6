/**
 * Reader leases: a reader records which state it reads in `readers/<pid>-<random>`, so gc
 * keeps everything that state reaches while the reader lives, whatever the retention
 * window. A reader never takes the lock and never waits. A lease of a dead process is
 * ignored (and removed by gc). On a store the reader may not write (a read-only mount),
 * there is no lease: nothing can collect garbage there either.
 *
 * The race with gc is closed by reading the state again after the lease is written: gc
 * runs under the lock, so while it runs no newer state can appear; if the state a reader
 * leased is still the newest, gc either saw the lease or keeps that state as current.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isErrno } from '../errors.js';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../fs/ops.js';
import { leasePath, readersDir, tmpPath } from './layout.js';
import { processAlive, selfId } from './process-id.js';
import type { ProcessId } from './process-id.js';

export interface LeaseRecord extends ProcessId { seq: number }

/** A reader's hold on a state: moved to another, or released (then gc may collect what only it reached). */
export interface ReaderLease {
  /** False when the lease cannot be written (a read-only store: nothing collects there either). */
  set(seq: number): Promise<boolean>;
  release(): void;
}

/**
 * Where readers' leases are kept: files in `readers/` (FileLeases: the readers of one
 * host), or rows beside the state (pg-leases.ts: the readers of every host, which gc on
 * any host must see). A store uses its state backend's board when it has one.
 */
export interface LeaseBoard {
  take(seq: number): Promise<ReaderLease>;
  /** The states live readers lease (with repeats). */
  live(): Promise<number[]>;
  /** Removes the leases of readers that died. */
  sweep(): Promise<void>;
}

/** The leases of one host, as files in the store's directory. */
export class FileLeases implements LeaseBoard {
  constructor(private readonly root: string) {}
  async take(seq: number): Promise<ReaderLease> {
    const lease = Lease.take(this.root, seq);
    return { set: async (s) => lease.set(s), release: () => lease.release() };
  }
  async live(): Promise<number[]> { return readLeases(this.root).live.map((l) => l.seq); }
  async sweep(): Promise<void> { for (const dead of readLeases(this.root).dead) removeFile(dead); }
}

/** The board of a store in `root` whose state is `states`: the state's own, else files. */
export function leaseBoard(root: string, states: { readonly leases?: LeaseBoard }): LeaseBoard {
  return states.leases ?? new FileLeases(root);
}

export class Lease {
  private constructor(private readonly root: string, private readonly path: string | null) {}

  /** Writes a lease for state `seq` (none when the store is not writable). */
  static take(root: string, seq: number): Lease {
    const name = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const lease = new Lease(root, leasePath(root, name));
    if (!lease.set(seq)) return new Lease(root, null);
    return lease;
  }

  /** Moves the lease to another state; false when it cannot be written. */
  set(seq: number): boolean {
    if (this.path === null) return false;
    const record: LeaseRecord = { ...selfId(), seq };
    try {
      makeDir(readersDir(this.root));
      const tmp = tmpPath(this.root);
      createFile(tmp, JSON.stringify(record));
      renameFile(tmp, this.path);
      return true;
    } catch (err) {
      if (unwritableCode(err) !== null || isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  release(): void {
    if (this.path === null) return;
    try { removeFile(this.path); } catch (err) { if (!isErrno(err, 'EACCES') && !isErrno(err, 'EROFS')) throw err; }
  }
}

/** Every lease: live ones (whose states gc keeps) and dead ones (gc removes them). */
export function readLeases(root: string): { live: LeaseRecord[]; dead: string[] } {
  const live: LeaseRecord[] = [];
  const dead: string[] = [];
  let names: string[];
  try { names = readdirSync(readersDir(root)); } catch (err) { if (isErrno(err, 'ENOENT')) return { live, dead }; throw err; }
  for (const name of names) {
    const path = leasePath(root, name);
    let rec: Partial<LeaseRecord>;
    try { rec = JSON.parse(readFileSync(path, 'utf8')); } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      dead.push(path); // unreadable: not a lease anyone can hold
      continue;
    }
    if (!Number.isInteger(rec.pid) || !Number.isInteger(rec.seq)) { dead.push(path); continue; }
    const id = { pid: rec.pid as number, start: Number(rec.start ?? 0) };
    if (processAlive(id)) live.push({ ...id, seq: rec.seq as number }); else dead.push(path);
  }
  return { live, dead };
}
