/**
 * Where an installed system keeps its rpm database. The candidates, in order: the
 * `%_dbpath` ROOT's own macro files set (when it is a plain path), then rpm's two stock
 * locations, /var/lib/rpm (rpm < 4.16, Debian, ALT, SUSE before 15.x's move) and
 * /usr/lib/sysimage/rpm (rpm ≥ 4.16's default; Fedora ≥ 36, openSUSE). Symlinks are
 * followed inside ROOT. In a directory the backend ROOT's `%_db_backend` names wins when
 * its file is there; otherwise sqlite, then ndb, then BerkeleyDB, newest first.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BazaarError, isErrno, pathError } from '../../errors.js';
import type { RpmdbFormat } from './db-file.js';
import { readDbMacros } from './rpm-macros.js';
import { resolveInRoot } from './root-path.js';

/** Each backend's file name in the dbpath directory (rpm's lib/backend/*.c). */
export const RPMDB_FILES: Record<RpmdbFormat, string> = { sqlite: 'rpmdb.sqlite', ndb: 'Packages.db', bdb: 'Packages' };
const FORMAT_ORDER: RpmdbFormat[] = ['sqlite', 'ndb', 'bdb'];
/** rpm's stock %_dbpath values, old and new. */
export const DEFAULT_DBPATHS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

const BACKEND_FORMAT: Record<string, RpmdbFormat> = { sqlite: 'sqlite', ndb: 'ndb', bdb: 'bdb', bdb_ro: 'bdb' };

export interface RpmdbLocation {
  format: RpmdbFormat;
  /** The database file on the host. */
  path: string;
  /** The dbpath as the installed system names it (e.g. /var/lib/rpm). */
  dbpath: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw pathError(err, path);
  }
}

/**
 * Finds the rpm database of the system installed under `root`; `dbpath` (as seen from
 * inside ROOT) replaces the search. A missing database is ERR_BAD_INPUT naming every
 * path tried.
 */
export async function findRpmdb(root: string, dbpath?: string): Promise<RpmdbLocation> {
  try {
    if (!(await stat(root)).isDirectory()) throw new BazaarError('ERR_BAD_INPUT', `${root}: not a directory`, { data: { root } });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_BAD_INPUT', `${root}: no such directory`, { data: { root } });
    throw pathError(err, root);
  }
  const macros = dbpath === undefined ? await readDbMacros(root) : {};
  const dbpaths = dbpath !== undefined ? [dbpath] : [...new Set([...(macros.dbpath ? [macros.dbpath] : []), ...DEFAULT_DBPATHS])];
  const preferred = macros.backend ? BACKEND_FORMAT[macros.backend] : undefined;
  const formats = preferred ? [preferred, ...FORMAT_ORDER.filter((f) => f !== preferred)] : FORMAT_ORDER;
  const tried: string[] = [];
  for (const p of dbpaths) {
    const dir = await resolveInRoot(root, p);
    for (const format of formats) {
      const shown = join(root, p, RPMDB_FILES[format]);
      tried.push(shown);
      if (dir !== null && await isFile(join(dir, RPMDB_FILES[format]))) return { format, path: join(dir, RPMDB_FILES[format]), dbpath: p };
    }
  }
  throw new BazaarError('ERR_BAD_INPUT', `${root}: no rpm database found (tried ${tried.join(', ')})`, { data: { root, tried } });
}
