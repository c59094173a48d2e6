/**
 * Output files (an exported or pulled `.tar.zst`, a squashfs) are written beside their
 * final name and renamed over it. A rename replaces whatever is there: right for a
 * regular file (an older export), wrong for a FIFO or device someone reads from, a socket,
 * a symlink (replaced, not followed) or a directory. Those are refused before any work.
 */
import { lstatSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { BazaarError } from '../errors.js';

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Refuses (ERR_USAGE) an output path that exists and is not a regular file; absent is fine. */
export function checkOutputFile(path: string): void {
  let st: Stats | undefined;
  try { st = lstatSync(path, { throwIfNoEntry: false }); } catch { return; /* unreachable parents: the write itself reports them */ }
  if (st === undefined || st.isFile()) return;
  throw new BazaarError('ERR_USAGE', `${path} is ${kindOf(st)}; an output file only ever replaces a regular file: give another path`, { data: { path } });
}
