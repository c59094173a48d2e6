export { readRepository } from './read-repository.js';
export { readPrimary, PrimaryScanner } from './primary-reader.js';
export type { PrimaryPackage, ReadPrimaryOptions } from './primary-reader.js';
export type { RepomdEntry } from './repomd.js';
export { parseRepomd, primaryPath } from './repomd.js';
export { createrepoOrder } from './write/createrepo-order.js';
export { formatPackage } from './write/format-package.js';
export type { Formatted, FormattedBytes } from './write/format-package.js';
export { repoPackageFromFile, writeDocuments, writeRepository, writeSegmentedDocuments } from './write/index.js';
export type { DocumentMembers, DocumentType, MemberPlace, RepomdRecord, Segment, SegmentedIndex } from './write/index.js';
export type { RepoPackage } from './write/repo-package.js';
export type { FormattedPackage } from './write/write-repository.js';
// each build's rpm-md fragments, derived data of the store (docs/rpmmd.md)
export { decodeFragments, FRAGMENTS_KIND, fragmentEntry, fragmentPacks, packageHref, parseLabel, prepareFragments, prepareRpmmdFragments, repoPackageOf } from './fragments.js';
export type { FragmentEntry, FragmentLabel, FragmentSource } from './fragments.js';
