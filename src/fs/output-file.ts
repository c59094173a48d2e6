/**
 * A file an export or a pull writes (a .tar.zst, a squashfs): made beside its final name
 * and renamed over it. A rename replaces whatever is there: right for a regular file (an
 * older export), wrong for a directory, a FIFO or device someone reads from, a socket or
 * a symlink (replaced, not followed). So its directory must exist, and the name must be
 * absent or a regular file; checked before any work. Any failure writing it is told in
 * one line naming the path (ERR_BAD_INPUT; a full disk is ERR_NO_SPACE), never as a raw errno.
 */
import { lstatSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { noSpaceError } from './fs-ops.js';

function refuse(out: string, why: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `cannot write ${out}: ${why}`, { data: { out }, cause });
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Refuses an output path that cannot be written as a file, or that is something other than a regular file. */
export function checkOutputFile(out: string): void {
  const dir = dirname(resolve(out));
  let st: Stats | undefined;
  try { st = statSync(dir, { throwIfNoEntry: false }); } catch (err) { throw outputFileError(out, err); }
  if (!st) throw refuse(out, `its directory ${dir} does not exist`);
  if (!st.isDirectory()) throw refuse(out, `${dir} is not a directory`);
  let here: Stats | undefined;
  try { here = lstatSync(out, { throwIfNoEntry: false }); } catch (err) { throw outputFileError(out, err); }
  if (here === undefined || here.isFile()) return;
  throw refuse(out, `it is ${kindOf(here)}; an output file only ever replaces a regular file: give another path`);
}

/** A failure writing the output file, in one line. */
export function outputFileError(out: string, err: unknown): unknown {
  if (err instanceof BazaarError) return err;
  if (isErrno(err, 'ENOSPC') || isErrno(err, 'EDQUOT')) return noSpaceError(err, dirname(resolve(out)));
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    const text = (err as Error).message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '');
    return refuse(out, `${text} (${code})`, err);
  }
  return err;
}
