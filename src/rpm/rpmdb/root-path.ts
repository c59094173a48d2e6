/**
 * Resolves a path inside an installed tree as that system would see it: symlinks are
 * followed, but an absolute target starts again at ROOT and `..` never climbs above it,
 * so `/var/lib/rpm -> /usr/lib/sysimage/rpm` (or a hostile `-> /etc`) stays in ROOT.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';

/** Linux's MAXSYMLINKS: more links than this in one lookup is a loop (ELOOP). */
export const SYMLINK_HOPS_MAX = 40;

/**
 * The host path of `path` (absolute, as seen from inside `root`), or null when some
 * component does not exist, is not a directory where one is needed, or the lookup
 * meets more than SYMLINK_HOPS_MAX links.
 */
export async function resolveInRoot(root: string, path: string): Promise<string | null> {
  const done: string[] = [];
  const todo = path.split('/').filter((c) => c !== '' && c !== '.').reverse();
  let hops = 0;
  while (todo.length > 0) {
    const part = todo.pop()!;
    if (part === '..') { done.pop(); continue; }
    const here = join(root, ...done, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(here)).isSymbolicLink();
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'ENAMETOOLONG')) return null;
      throw err;
    }
    if (!isLink) { done.push(part); continue; }
    if (++hops > SYMLINK_HOPS_MAX) return null;
    const target = await readlink(here);
    if (target.startsWith('/')) done.length = 0;
    todo.push(...target.split('/').filter((c) => c !== '' && c !== '.').reverse());
  }
  return join(root, ...done);
}
