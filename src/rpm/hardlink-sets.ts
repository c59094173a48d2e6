/**
 * rpm's hard-link sets: the regular files of one package that share an inode, which the
 * header says by equal FILEINODES and FILEDEVICES (rpmfiFindFN's "same inode" test). rpm
 * -i makes each set one inode, and the payload carries its bytes once. Ghosts are not
 * installed, so they belong to no set.
 */
import type { PackageFile } from './package-meta.js';
import { FileFlag } from './tags.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** The sets of two or more files, as indexes into `files` in header order. */
export function hardLinkSets(files: readonly Pick<PackageFile, 'mode' | 'flags' | 'inode' | 'device'>[]): number[][] {
  const sets = new Map<string, number[]>();
  files.forEach((f, i) => {
    if ((f.mode & S_IFMT) !== S_IFREG || (f.flags & FileFlag.GHOST) || typeof f.inode !== 'number' || typeof f.device !== 'number') return;
    const key = `${f.device}:${f.inode}`;
    const set = sets.get(key);
    if (set) set.push(i); else sets.set(key, [i]);
  });
  return [...sets.values()].filter((s) => s.length > 1);
}
