/** The rpm folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { formatDependency } from './dependency.js';
export type { Dependency, DependencyFlags, DependencyKind } from './dependency.js';
export { fileCapsXattr, sameFileCaps } from './file-caps.js';
export { hardLinkSets } from './hardlink-sets.js';
export { HEADER_INTRO_SIZE, RpmHeader, headerSize } from './header.js';
export { displayNevra, formatEvr, formatEvrWithEpoch, formatNevra, formatNevraParts, formatNevraWithEpoch, formatNvra, nevraKey, nevraOfKey, parseEvr, parseNevra, splitEvr } from './nevra.js';
export type { Evr, EvrText } from './nevra.js';
export { packageMeta } from './package-meta.js';
export type { PackageFile, PackageMeta } from './package-meta.js';
export { LEAD_SIZE, readRpmFile } from './read-rpm.js';
export type { FilePath, RpmPackageFile } from './read-rpm.js';
export { isRich, parseRichDep, richAtoms, richSet } from './rich-dep.js';
export type { RichNode } from './rich-dep.js';
export { findRpmdb, readRpmdb } from './rpmdb/index.js';
export type { InstalledHeader, RpmdbLocation } from './rpmdb/index.js';
export { FileFlag, SigTag, Tag, TagType } from './tags.js';
export { transactionColor } from './transaction-color.js';
export { digestMismatch, walkPayload } from './walk-payload.js';
