/**
 * One package's three XML fragments, or why createrepo_c would leave it out: the
 * single formatting step, shared by the in-thread writer and the worker threads.
 */
import { filelistsPackage } from './filelists-xml.js';
import type { ByteString } from './header-view.js';
import { forbiddenControlChars, mdPackage } from './md-package.js';
import type { MdPackage } from './md-package.js';
import { otherPackage } from './other-xml.js';
import { primaryPackage } from './primary-xml.js';
import type { RepoPackage } from './repo-package.js';

export type Formatted =
  | { primary: ByteString; filelists: ByteString; other: ByteString; skipped?: undefined }
  | { skipped: string };

/**
 * Fragments kept as bytes (latin1, as a cache holds them): written as they are, never
 * turned into strings and back, which was a sixth of a cached generation's main thread.
 */
export type FormattedBytes =
  | { primary: Uint8Array; filelists: Uint8Array; other: Uint8Array; skipped?: undefined }
  | { skipped: string };

export function formatPackage(pkg: RepoPackage, changelogLimit: number | undefined): Formatted {
  let md: MdPackage;
  try {
    md = mdPackage(pkg, { changelogLimit });
  } catch (err) {
    return { skipped: `unreadable header: ${(err as Error).message}` };
  }
  const bad = forbiddenControlChars(md);
  if (bad) return { skipped: `forbidden control character in ${bad} (ASCII < 32 other than TAB, LF, CR), as createrepo_c refuses` };
  return { primary: primaryPackage(md), filelists: filelistsPackage(md), other: otherPackage(md) };
}
