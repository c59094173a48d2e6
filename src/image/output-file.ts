/**
 * A file an export writes (a .tar.zst, a squashfs): made beside its final name and renamed
 * over it, so its directory must exist and the name must not be a directory. Checked
 * before any work, and any failure writing it is told in one line naming the path
 * (ERR_BAD_INPUT; a full disk is ERR_NO_SPACE), never as a raw errno.
 */
import { lstatSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { noSpaceError } from '../store/fs-ops.js';

function refuse(out: string, why: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `cannot write ${out}: ${why}`, { data: { out }, cause });
}

/** Refuses an output path that cannot be written as a file (before the export starts). */
export function checkOutputFile(out: string): void {
  const dir = dirname(resolve(out));
  let st;
  try { st = statSync(dir, { throwIfNoEntry: false }); } catch (err) { throw outputFileError(out, err); }
  if (!st) throw refuse(out, `its directory ${dir} does not exist`);
  if (!st.isDirectory()) throw refuse(out, `${dir} is not a directory`);
  if (lstatSync(out, { throwIfNoEntry: false })?.isDirectory()) throw refuse(out, 'it is a directory (give a file name)');
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
