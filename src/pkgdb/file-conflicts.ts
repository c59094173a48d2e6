/**
 * File conflicts between the layers of an image, as `rpm -i` of the whole package set
 * would find them (rpm's rpmfilesCompare): two packages of different layers owning one
 * path with a different type or mode, size, owner, link target or content. An overlay
 * would silently show the upper one; rpm refuses the set, and so does bazaar. Ghost
 * files never conflict, and directories merge (as layers of packages compose them,
 * compose-tree.ts). Packages of one layer were already checked when it was built.
 */
import { FileFlag } from '../rpm/index.js';
import type { PackageFile } from '../rpm/index.js';
import { kindOfMode } from '../store/index.js';
import { installedMeta } from './image-db.js';
import type { InstalledPackage } from './image-db.js';

function differ(a: PackageFile, b: PackageFile): boolean {
  const links = kindOfMode(a.mode) === 'symlink' && kindOfMode(b.mode) === 'symlink';
  if (!links && a.mode !== b.mode) return true;
  if (a.user !== b.user || a.group !== b.group) return true;
  if (links) return a.linkto !== b.linkto;
  return kindOfMode(a.mode) === 'file' && (a.size !== b.size || a.digest !== b.digest);
}

/**
 * rpm's line for each conflicting path (`file P from install of A conflicts with file
 * from package B`), first owner first; only those involving a package `involving`
 * accepts, when given (what a change adds: the rest was judged before).
 */
export function fileConflicts(db: readonly InstalledPackage[], involving: (p: InstalledPackage) => boolean = () => true): string[] {
  const first = new Map<string, { file: PackageFile; pkg: InstalledPackage }>();
  const out: string[] = [];
  for (const pkg of db) {
    for (const file of installedMeta(pkg).files) {
      if (file.flags & FileFlag.GHOST || kindOfMode(file.mode) === 'dir') continue;
      const seen = first.get(file.path);
      if (!seen) { first.set(file.path, { file, pkg }); continue; }
      if (seen.pkg.layer !== pkg.layer && (involving(pkg) || involving(seen.pkg)) && differ(seen.file, file)) {
        out.push(`file ${file.path} from install of ${pkg.snippet.nevra} conflicts with file from package ${seen.pkg.snippet.nevra}`);
      }
    }
  }
  return out;
}
