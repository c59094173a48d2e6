/** The versioning policy (docs/versioning-policy.md): pure functions, no I/O. */
export { rpmvercmp, altRpmvercmp } from './rpmvercmp.js';
export { compareEvr, labelCompare, compareEvrText, compareEvrRanges, evrTextProblem } from './evr.js';
export {
  rangesOverlap, dependencyOverlaps, providesSatisfies, flagsToSense, SENSE_LESS, SENSE_GREATER, SENSE_EQUAL,
} from './dependency-range.js';
export type { SenseRange } from './dependency-range.js';
export { compareAltBuilds, compareDisttags, disttagBranch } from './alt-compare.js';
export type { AltBuild, AltCompareOptions } from './alt-compare.js';
export { compareBuilds, newestBuild, checkPublishIdentity, checkUpgrade, obsoletesBuild, sortNewestFirst } from './versioning.js';
export type { Build, VersionOrder, OrderOptions } from './versioning.js';
export { checkRetentionDays, DEFAULT_RETENTION_DAYS, retainedStates, retentionCutoff } from './retention.js';
export type { HistoryState, RetentionOptions } from './retention.js';
export { checkChannelName } from './channel-name.js';
export { commitsNamed, parseRevision, readRevision } from './revision.js';
export type { Revision } from './revision.js';
export { globMatch, isGlob } from './glob.js';
