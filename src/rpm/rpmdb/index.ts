export { readRpmdb } from './read-rpmdb.js';
export type { ReadRpmdbOptions } from './read-rpmdb.js';
export { findRpmdb, DEFAULT_DBPATHS, RPMDB_FILES } from './find-rpmdb.js';
export type { RpmdbLocation } from './find-rpmdb.js';
export { installedHeader, InstallTag } from './installed-header.js';
export type { InstalledHeader, HeaderOrigin } from './installed-header.js';
export type { RpmdbFormat } from './db-file.js';
