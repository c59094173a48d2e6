/** The pkgdb folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { fileConflicts } from './file-conflicts.js';
export { imageSetProblems, setRefusal } from './image-check.js';
export { imageDb, installedMeta, installedRecord } from './image-db.js';
export type { InstalledPackage, SnippetCache } from './image-db.js';
