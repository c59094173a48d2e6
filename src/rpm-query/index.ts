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
export { depSet } from './dep-set.js';
export { fileInfo, fileState } from './file-info.js';
export type { FileInfo } from './file-info.js';
export { ImageTree } from './image-tree.js';
export { evrString, nevraOf } from './nevra-strings.js';
export { installOrder, installedPackages, rootDb, snippetPackage } from './snippet-db.js';
export { FileState, Sense, T } from './tag-numbers.js';
