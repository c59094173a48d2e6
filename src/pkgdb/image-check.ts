/**
 * An image's package set judged as `rpm -i` of all of it would judge it: requirements,
 * conflicts and obsoletes within the set (with what its link gives it from outside), and
 * file conflicts between its layers. Creating an image, or moving it to another layer
 * version, is refused with every reason rather than leaving an image that no later
 * install could change (the resolver refuses any change to a set that does not hold).
 */
import { BazaarError } from '../errors.js';
import { setProblems } from '../resolver/index.js';
import type { PackageRecord } from '../resolver/index.js';
import { fileConflicts } from './file-conflicts.js';
import { installedRecord } from './image-db.js';
import type { InstalledPackage } from './image-db.js';

/** Every reason the set does not hold together, in rpm's words (empty: it holds). */
export function imageSetProblems(db: readonly InstalledPackage[], outside: readonly PackageRecord[]): { dependencies: string[]; files: string[] } {
  return { dependencies: setProblems(db.map(installedRecord), outside).map((p) => p.text), files: fileConflicts(db) };
}

/** The problems as one refusal: ERR_NO_SOLUTION (ERR_FILE_CONFLICT when only files clash), null when there are none. */
export function setRefusal(what: string, problems: { dependencies: string[]; files: string[] }, hint: string): BazaarError | null {
  const all = [...problems.dependencies, ...problems.files];
  if (all.length === 0) return null;
  return new BazaarError(problems.dependencies.length ? 'ERR_NO_SOLUTION' : 'ERR_FILE_CONFLICT', `${what} would not hold together (rpm -i of its packages would say: ${all.join('; ')}); ${hint}`, { data: { problems: all } });
}
