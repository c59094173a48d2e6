/** bazaar's rpm query engine: rpm -q / -V answered from installed package headers. */
export { runRpmQuery, RPM_VERSION } from './run-rpm-query.js';
export type { DbSource, QueryOutput, RunRpmQueryOptions } from './run-rpm-query.js';
export { memoryDb } from './installed-db.js';
export type { InstalledDb, InstalledPackage } from './installed-db.js';
export { parseQueryFormat, FormatError } from './format-parser.js';
export type { FormatToken } from './format-parser.js';
export { renderQueryFormat } from './format-render.js';
export { installedHeader, PackageHeader } from './package-header.js';
export { RootFs } from './root-fs.js';
export type { FileStat, InstallTree } from './install-tree.js';
