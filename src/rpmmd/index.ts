export { readRepository } from './read-repository.js';
export { readPrimary, PrimaryScanner } from './primary-reader.js';
export { parseRepomd, primaryPath } from './repomd.js';
export { createrepoOrder } from './write/createrepo-order.js';
export { formatPackage } from './write/format-package.js';
export type { Formatted } from './write/format-package.js';
export { repoPackageFromFile, writeRepository } from './write/index.js';
export type { RepoPackage } from './write/repo-package.js';
export type { FormattedPackage } from './write/write-repository.js';
