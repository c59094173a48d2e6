/**
 * The writers' lock: one file created atomically (link(2) of a fully written temp file, so
 * nobody ever reads a half-written lock). Only writers take it, only while they change the
 * state, and readers never look at it. It makes writers wait for each other instead of
 * losing the state's compare-and-swap (state-backend.ts), which is what actually keeps two
 * writers from overwriting each other, so a lock removed by hand costs a retry, not data.
 *
 * A lock is taken over when its holder is provably gone: on this host, a pid that no longer
 * runs (or runs as another process: the start time differs). A lock whose content is not a
 * lock record (empty, garbage) is taken over once it is a few seconds old. A lock held
 * from another host is waited for, and the message names that host.
 */
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { BazaarError, isErrno } from '../errors.js';
import { createFile, linkFile, makeDir, removeFile, renameFile } from '../fs/ops.js';
import { lockPath, tmpDir, tmpPath } from './layout.js';
import { processAlive, selfId } from './process-id.js';

export interface LockOptions {
  /** How long to wait for another process's lock before giving up (ms). */
  timeoutMs?: number;
  /** Told once when the lock is busy and the caller starts waiting. */
  onWait?: (holder: string) => void;
}

/** A lock file that is not a lock record is taken over once it is this old (ms). */
const GARBAGE_GRACE_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function describeHolder(content: string): string {
  const [pid, host] = content.trim().split(' ');
  return /^\d+$/.test(pid ?? '') && host ? `pid ${pid} on ${host}` : `unreadable content "${content.trim().slice(0, 40)}"`;
}

/** Whether the lock at `path` with `content` may be taken over. */
function isStale(path: string, content: string): boolean {
  const [pidText, host, startText] = content.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || host === undefined) {
    try { return Date.now() - statSync(path).mtimeMs > GARBAGE_GRACE_MS; } catch { return true; }
  }
  if (host !== hostname()) return false;
  return !processAlive({ pid, start: Number(startText ?? 0) || 0 });
}

/** Takes over a stale lock; true if the caller should retry at once. */
function breakStale(path: string, content: string): boolean {
  if (!isStale(path, content)) return false;
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameFile(path, aside);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return true;
    throw err;
  }
  // Someone may have replaced the stale lock between our read and our rename: put it back.
  let moved = '';
  try { moved = readFileSync(aside, 'utf8'); } catch { /* gone: nothing to put back */ }
  if (moved !== content) { try { linkFile(aside, path); } catch { /* a new lock is there: it wins */ } }
  removeFile(aside);
  return true;
}

function notALockFile(path: string): BazaarError {
  return new BazaarError('ERR_STORE_LAYOUT', `${path} is not a lock file; when no bazaar command is writing to the store, remove it and run the command again`, { data: { path } });
}

/** Runs `fn` holding the store lock. */
export async function withLock<T>(root: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = lockPath(root);
  makeDir(tmpDir(root));
  const tmp = tmpPath(root);
  const me = selfId();
  createFile(tmp, `${me.pid} ${hostname()} ${me.start} ${new Date().toISOString()}\n`);
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let delay = 5;
  let told = false;
  try {
    for (; ;) {
      try {
        linkFile(tmp, path);
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      // a directory or a FIFO made by hand is no lock (and reading a FIFO would block)
      const kind = lstatSync(path, { throwIfNoEntry: false });
      if (kind && !kind.isFile()) throw notALockFile(path);
      let holder = '';
      try { holder = readFileSync(path, 'utf8'); } catch (err) { if (isErrno(err, 'ENOENT')) continue; throw err; }
      if (breakStale(path, holder)) continue;
      if (!told) { options.onWait?.(describeHolder(holder)); told = true; }
      if (Date.now() > deadline) {
        throw new BazaarError('ERR_STORE_LOCKED', `the store is being changed by another bazaar process (${describeHolder(holder)}); wait for it to finish, or remove ${path} if that process is gone`, { data: { path } });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
  } finally {
    removeFile(tmp);
  }
  try {
    return await fn();
  } finally {
    // Only our own lock is removed: if it was taken over meanwhile, it is someone else's.
    let current = '';
    try { current = readFileSync(path, 'utf8'); } catch { /* already gone */ }
    if (current.startsWith(`${me.pid} ${hostname()} `)) removeFile(path);
  }
}
