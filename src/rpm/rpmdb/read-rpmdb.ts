/**
 * Reads the rpm database of an installed system: every installed package's header, in
 * header-number order, as the original package header plus the installed one. See
 * docs/rpmdb.md for the formats, where each is looked for, what is verified and the limits.
 */
import { BazaarError } from '../../errors.js';
import { bdbPackages } from './bdb-packages.js';
import type { RpmdbFormat } from './db-file.js';
import type { DbRecord } from './db-record.js';
import { findRpmdb } from './find-rpmdb.js';
import type { RpmdbLocation } from './find-rpmdb.js';
import { installedHeader } from './installed-header.js';
import type { InstalledHeader } from './installed-header.js';
import { ndbPackages } from './ndb-packages.js';
import { sqlitePackages } from './sqlite-packages.js';

export interface ReadRpmdbOptions {
  /** The database directory as seen from inside ROOT (e.g. `/var/lib/rpm`); replaces the search. */
  dbpath?: string;
  /** Check each extracted header against the SHA1HEADER / SHA256HEADER stored with it (default true). */
  verify?: boolean;
  /**
   * Called with a header that is damaged (malformed, or failing its digests) instead of
   * throwing; that header is then skipped, as `rpm -qa` skips it. Damage to the database's
   * own structure always throws.
   */
  onDamaged?: (err: BazaarError) => void;
  /** Called once with the database found, before the first header. */
  onLocated?: (location: RpmdbLocation) => void;
}

const READERS: Record<RpmdbFormat, (path: string) => AsyncGenerator<DbRecord>> = {
  sqlite: sqlitePackages, bdb: bdbPackages, ndb: ndbPackages,
};

/**
 * Yields the header of every package installed under `root`.
 *
 * @example
 * for await (const pkg of readRpmdb('/mnt/fedora')) {
 *   const meta = packageMeta(new RpmHeader(pkg.header, 'header'), 'rpmdb');
 *   console.log(meta.nevra, pkg.installTime, pkg.origin);
 * }
 */
export async function* readRpmdb(root: string, options: ReadRpmdbOptions = {}): AsyncGenerator<InstalledHeader> {
  if (typeof root !== 'string' || root === '') throw new BazaarError('ERR_USAGE', 'readRpmdb: root must be a non-empty path');
  const verify = options.verify ?? true;
  const location = await findRpmdb(root, options.dbpath);
  options.onLocated?.(location);
  for await (const record of READERS[location.format](location.path)) {
    let pkg: InstalledHeader;
    try {
      pkg = installedHeader(record.blob, { path: location.path, hnum: record.hnum, offset: record.offset }, verify);
    } catch (err) {
      if (options.onDamaged && err instanceof BazaarError) { options.onDamaged(err); continue; }
      throw err;
    }
    yield pkg;
  }
}
