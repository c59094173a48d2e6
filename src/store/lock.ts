/**
 * The store's writer lock: one file created atomically (link(2) of a fully written temp
 * file, so nobody ever reads a half-written lock). It is held only while refs and the
 * index change, which is short; object writes need no lock. A lock whose process is gone
 * (kill -9) is taken over.
 */
import { hostname } from 'node:os';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { BazaarError, isErrno } from '../errors.js';
import { lockPath, tmpPath } from './layout.js';

export interface LockOptions {
  /** How long to wait for another process's lock before giving up (ms). */
  timeoutMs?: number;
}

/** Whether process `pid` still runs (EPERM means it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes over a lock whose owner is dead; returns true if the caller should retry at once. */
async function breakStale(path: string, content: string): Promise<boolean> {
  const [pidText, host] = content.split(' ');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || processAlive(pid)) return false;
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return true;
    throw err;
  }
  // Someone may have replaced the stale lock between our read and our rename: put it back.
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== content) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
  return true;
}

/** Runs `fn` holding the store lock. */
export async function withLock<T>(root: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = lockPath(root);
  const tmp = tmpPath(root);
  const content = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  await writeFile(tmp, content, { flag: 'wx' });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let delay = 5;
  try {
    for (;;) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      const holder = await readFile(path, 'utf8').catch(() => '');
      if (holder && (await breakStale(path, holder))) continue;
      if (Date.now() > deadline) {
        throw new BazaarError('ERR_STORE_LOCKED', `the store is locked by another bazaar process (${holder.trim() || 'unknown'}); wait for it to finish, or remove ${path} if that process is gone`, { data: { path } });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
