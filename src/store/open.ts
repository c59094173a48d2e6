/**
 * The store folder's narrow front door: what opening a store and showing a package need
 * (the CLI's `show`, and its dispatcher's openStore). index.ts re-exports the whole
 * folder, and the CLI's bundle splits by file: a command that imports index.ts loads
 * every file of the folder (repair, migration, tokens, mirrors...), 30 M instructions of a
 * cold `bazaar show`. Every name here is index.ts's too (docs/architecture.md#front-doors).
 */
export { servedVariant } from './kinds/build.js';
export type { BuildRecord, BuildVariant } from './kinds/build.js';
export type { PackageManifest } from './kinds/package.js';
export type { ObjectId } from './layout.js';
export { packageDetails } from './package-details.js';
export { Store } from './store.js';
