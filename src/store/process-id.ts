/**
 * Who holds a lock or a reader lease: a pid plus the process's start time (field 22 of
 * /proc/<pid>/stat), so a pid reused by an unrelated process is not mistaken for the
 * holder. Where /proc is missing, the start time is 0 and only the pid is checked.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../errors.js';

export interface ProcessId { pid: number; start: number }

function startTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // the command name (field 2) is in parentheses and may hold spaces: split after it
    const fieldsAfterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fieldsAfterName[19]);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    return 0;
  }
}

let self: ProcessId | null = null;
export function selfId(): ProcessId {
  self ??= { pid: process.pid, start: startTimeOf(process.pid) ?? 0 };
  return self;
}

/** Whether the process still runs (EPERM from kill means it does, owned by someone else). */
export function processAlive(id: ProcessId): boolean {
  try {
    process.kill(id.pid, 0);
  } catch (err) {
    if (isErrno(err, 'ESRCH')) return false;
  }
  if (id.start === 0) return true;
  const start = startTimeOf(id.pid);
  return start === null ? false : start === 0 || start === id.start;
}
