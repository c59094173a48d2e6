/** Mirrors of rpm-md repositories: the sync (docs/mirrors.md). The one folder that reads from other servers over HTTP. */
export { DEFAULT_LIMITS } from './upstream-metadata.js';
export type { MirrorLimits } from './upstream-metadata.js';
export type { FetchLimits } from './fetch-upstream.js';
export { syncMirror } from './sync-mirror.js';
export type { SyncOptions, SyncResult } from './sync-mirror.js';
export { fetchOnFirstUse } from './fetch-on-first-use.js';
export type { FirstUse, FirstUseOptions } from './fetch-on-first-use.js';
