/** The resolver's public surface (re-exports only). See docs/resolver.md. */
export type { PackageRecord, PackageSource } from './source.js';
export { MemorySource, pkg, parseDependency, recordNevra } from './memory-source.js';
export { Pool, type PoolPackage, type PoolOptions } from './provides-index.js';
export type { Job } from './job.js';
export { formatJob } from './job.js';
export type { Cause, CauseKind } from './cause.js';
export type { ConstraintGenerator, ConstraintClause } from './constraint.js';
export { exactBuild, equalSet } from './constraint.js';
export { resolve, type ResolveRequest, type Resolution } from './solve.js';
export { setProblems, type SetProblem } from './consistency.js';
export { explainCause, explainProblem, renderProblem } from './explain.js';
export { installOrder } from './order.js';
export { parseInstalled, readInstalled } from './installed.js';
export { saveUniverseCache, loadUniverseCache } from './universe-cache.js';
export { channelSource, prepareChannelUniverse, recordOf } from './catalog-source.js';
export { decodeRecordLines, encodeRecordLines } from './record-lines.js';
