/**
 * Every call by which the store changes its directory goes through here: creating and
 * renaming files, linking, unlinking, fsync and syncfs. One gateway gives two things:
 *
 * - the crash tests can stop the process (SIGKILL) just before the Nth change of any
 *   command (`BAZAAR_FAULT_AT=N`), and count a command's changes
 *   (`BAZAAR_FAULT_COUNT=1` prints `fs-events: N` to stderr at exit), so kill -9 is tried
 *   at every filesystem event rather than at random moments;
 * - the durability rules live in one file: what is fsynced, and when.
 *
 * Synchronous calls on purpose where the store makes thousands of small changes: a
 * thread-pool round trip costs more than the call itself.
 */
import {
  closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync,
} from 'node:fs';
import { isErrno } from '../errors.js';

let events = 0;
const faultAt = Number(process.env.BAZAAR_FAULT_AT ?? 0);
if (process.env.BAZAAR_FAULT_COUNT) {
  process.on('exit', () => { process.stderr.write(`fs-events: ${events}\n`); });
}

/** Counts one change; with BAZAAR_FAULT_AT=N the process dies by SIGKILL before the Nth. */
export function fsEvent(): void {
  events++;
  if (faultAt > 0 && events === faultAt) process.kill(process.pid, 'SIGKILL');
}

/** The number of changes made so far by this process. */
export function fsEventCount(): number { return events; }

/** Creates `path` exclusively (EEXIST if it exists) with `data`; optionally fsyncs it. */
export function createFile(path: string, data: Uint8Array | string, options: { sync?: boolean; mode?: number } = {}): void {
  fsEvent();
  const fd = openSync(path, 'wx', options.mode ?? 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (options.sync) { fsEvent(); fsyncSync(fd); }
  } finally {
    closeSync(fd);
  }
}

export function renameFile(from: string, to: string): void { fsEvent(); renameSync(from, to); }

/** link(2): atomic create-if-absent of a fully written file (EEXIST when taken). */
export function linkFile(existing: string, path: string): void { fsEvent(); linkSync(existing, path); }

/** Removes a file; absent is fine. */
export function removeFile(path: string): void {
  fsEvent();
  try { unlinkSync(path); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
}

/** Removes a file or a directory tree; absent is fine. */
export function removeTree(path: string): void { fsEvent(); rmSync(path, { recursive: true, force: true }); }

export function makeDir(path: string): void { fsEvent(); mkdirSync(path, { recursive: true }); }

export function fsyncPath(path: string): void {
  fsEvent();
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/**
 * syncfs(2) of the filesystem holding `root`, through coreutils' `sync -f` (node has no
 * binding): one call makes every write so far durable, as ostree does per transaction
 * instead of an fsync per object. Where `sync -f` fails, `fallback` fsyncs what it must.
 * True when the whole filesystem was synced (not only what the fallback covers).
 */
export async function syncFilesystem(root: string, fallback: () => void): Promise<boolean> {
  fsEvent();
  // child_process (and the net and stream modules it loads) only when a writer commits
  const { execFile } = await import('node:child_process');
  const ok = await new Promise<boolean>((resolve) => {
    execFile('sync', ['-f', root], (err) => resolve(err === null));
  });
  if (!ok) fallback();
  return ok;
}
