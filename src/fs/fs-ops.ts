/**
 * Every call by which the store changes its directory goes through here: creating and
 * renaming files, linking, unlinking, fsync and syncfs. One gateway gives two things:
 *
 * - the crash tests can stop the process (SIGKILL) just before the Nth change of any
 *   command (`BAZAAR_FAULT_AT=N`), and count a command's changes
 *   (`BAZAAR_FAULT_COUNT=1` prints `fs-events: N` to stderr at exit), so kill -9 is tried
 *   at every filesystem event rather than at random moments;
 * - a full disk is told in one line: ENOSPC and EDQUOT from any change here become
 *   `ERR_NO_SPACE` (CLI exit 1, HTTP 503), and `BAZAAR_FAULT_ENOSPC_AT=N` makes the Nth
 *   change and every later one that needs space fail so, as a disk that fills up would;
 * - the durability rules live in one file: what is fsynced, and when.
 *
 * Synchronous calls on purpose where the store makes thousands of small changes: a
 * thread-pool round trip costs more than the call itself.
 */
import {
  closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { BazaarError, isBazaarError, isErrno } from '../errors.js';

let events = 0;
const faultAt = Number(process.env.BAZAAR_FAULT_AT ?? 0);
let noSpaceAt = Number(process.env.BAZAAR_FAULT_ENOSPC_AT ?? 0);
if (process.env.BAZAAR_FAULT_COUNT) {
  process.on('exit', () => { process.stderr.write(`fs-events: ${events}\n`); });
}

/**
 * Counts one change; with BAZAAR_FAULT_AT=N the process dies by SIGKILL before the Nth.
 * `needsSpace`: the change creates or grows a file or directory (removals, renames and
 * fsyncs do not), so BAZAAR_FAULT_ENOSPC_AT fails it from the Nth change on.
 */
export function fsEvent(needsSpace = true): void {
  events++;
  if (faultAt > 0 && events === faultAt) process.kill(process.pid, 'SIGKILL');
  if (needsSpace && noSpaceAt > 0 && events >= noSpaceAt) {
    throw Object.assign(new Error('ENOSPC: no space left on device (BAZAAR_FAULT_ENOSPC_AT)'), { code: 'ENOSPC' });
  }
}

/** The number of changes made so far by this process. */
export function fsEventCount(): number { return events; }

/** BAZAAR_FAULT_ENOSPC_AT for in-process tests: the nth change from now on fails so (0: none does). */
export function failWritesFrom(n: number): void { noSpaceAt = n > 0 ? events + n : 0; }

/** A full disk or quota, met writing into `dir`, as ERR_NO_SPACE; any other error as it is. */
export function noSpaceError(err: unknown, dir: string): unknown {
  if (!isErrno(err, 'ENOSPC') && !isErrno(err, 'EDQUOT')) return err;
  const why = isErrno(err, 'EDQUOT') ? 'the disk quota is used up' : 'no space is left on the device';
  return new BazaarError('ERR_NO_SPACE', `cannot write to ${dir}: ${why}; free some space and run the command again`, { cause: err, data: { dir } });
}

/** Runs `fn`, which writes `path`, reporting a full disk as ERR_NO_SPACE (see noSpaceError). */
function writing<T>(path: string, fn: () => T): T {
  try { return fn(); } catch (err) { throw noSpaceError(err, dirname(path)); }
}

const UNWRITABLE = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'];

/**
 * The reason the store could not be written, when the disk refused (read-only, not ours,
 * full), or null for any other failure. Derived data (indexes, caches, leases) is best
 * effort: on such a store it stays in memory and the command goes on.
 */
export function unwritableCode(err: unknown): string | null {
  const errno = isBazaarError(err, 'ERR_NO_SPACE') ? err.cause : err;
  return UNWRITABLE.find((c) => isErrno(errno, c)) ?? null;
}

/** Creates `path` exclusively (EEXIST if it exists) with `data`; optionally fsyncs it. A failed write leaves no file. */
export function createFile(path: string, data: Uint8Array | string, options: { sync?: boolean; mode?: number } = {}): void {
  const fd = writing(path, () => { fsEvent(); return openSync(path, 'wx', options.mode ?? 0o644); });
  writing(path, () => {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      if (options.sync) { fsEvent(false); fsyncSync(fd); }
    } catch (err) {
      closeSync(fd);
      try { unlinkSync(path); } catch { /* gone already */ }
      throw err;
    }
    closeSync(fd);
  });
}

export function renameFile(from: string, to: string): void { fsEvent(false); writing(to, () => renameSync(from, to)); }

/** link(2): atomic create-if-absent of a fully written file (EEXIST when taken). */
export function linkFile(existing: string, path: string): void { fsEvent(false); writing(path, () => linkSync(existing, path)); }

/** Removes a file; absent is fine. */
export function removeFile(path: string): void {
  fsEvent(false);
  try { unlinkSync(path); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
}

/** Removes a file or a directory tree; absent is fine. */
export function removeTree(path: string): void { fsEvent(false); rmSync(path, { recursive: true, force: true }); }

export function makeDir(path: string): void { writing(path, () => { fsEvent(); mkdirSync(path, { recursive: true }); }); }

export function fsyncPath(path: string): void {
  fsEvent(false);
  writing(path, () => {
    const fd = openSync(path, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  });
  fsyncLog?.push(path);
}

let fsyncLog: string[] | null = null;

/** For in-process tests of what is made durable: the paths fsyncPath syncs from now on are pushed to the array returned. */
export function logFsyncs(): string[] { return (fsyncLog = []); }

/**
 * syncfs(2) of the filesystem holding `root`, through coreutils' `sync -f` (node has no
 * binding): one call makes every write so far durable, as ostree does per transaction
 * instead of an fsync per object. Where `sync -f` fails, `fallback` fsyncs what it must.
 * True when the whole filesystem was synced (not only what the fallback covers).
 */
export async function syncFilesystem(root: string, fallback: () => void): Promise<boolean> {
  fsEvent(false);
  // child_process (and the net and stream modules it loads) only when a writer commits
  const { execFile } = await import('node:child_process');
  const ok = await new Promise<boolean>((resolve) => {
    execFile('sync', ['-f', root], (err) => resolve(err === null));
  });
  if (!ok) writing(`${root}/.`, fallback);
  return ok;
}
