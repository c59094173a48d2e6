/**
 * The library API that build tools import: `import { Store } from 'bazaar'`.
 *
 * @example
 *   const store = await Store.init('./bazaar-store');
 *   const [added] = await store.add(['repos/sample/RPMS/noarch/filesystem-3.1-alt1.noarch.rpm']);
 *   const manifest = await store.manifest(added.id);
 */
export { Store } from './store/store.js';
export type { AddResult, FsckReport, GcReport } from './store/store.js';
export type { PackageManifest } from './store/ingest-rpm.js';
export type { ObjectId } from './store/layout.js';
export { isObjectId } from './store/layout.js';
export { BazaarError, isBazaarError } from './errors.js';
export { readRpmFile } from './rpm/read-rpm.js';
export { packageMeta, formatNevra } from './rpm/package-meta.js';
export type { PackageMeta, PackageFile } from './rpm/package-meta.js';
export { parseNevra, nevraKey } from './rpm/nevra.js';
export type { Dependency, DependencyFlags, DependencyKind } from './rpm/dependency.js';
export { rpmvercmp } from './policy/rpmvercmp.js';
export { compareEvr, parseEvr, formatEvr } from './policy/evr.js';
