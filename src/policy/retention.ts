/**
 * Which states of a branch's history gc must keep. A state (commit) was live from its own
 * time until the next commit replaced it, so it is kept while it was live inside the
 * retention window: the head always, an older commit while the commit that replaced it is
 * younger than the window. Keying on the replacement time (not the commit's own time) is
 * what makes "a build that left the channel N days ago" the unit of retention.
 * See docs/versioning-policy.md#rule-retention.
 */
import { BazaarError } from '../errors.js';

/** The default window: any channel state of the last half-year can be restored. */
export const DEFAULT_RETENTION_DAYS = 180;

export interface HistoryState {
  oid: string;
  /** Commit time, seconds since the epoch. */
  timestamp: number;
}

export interface RetentionOptions {
  retentionDays: number;
  /** The current time in milliseconds (injectable so tests and what-if runs need no clock tricks). */
  now: number;
  /**
   * An earlier gc's horizon (seconds): states replaced before it were collected then, so
   * a wider window now cannot bring them back and must not count them as kept.
   */
  prunedBefore?: number;
}

/** The replacement time (seconds) below which states are not kept. */
export function retentionCutoff(options: RetentionOptions): number {
  return Math.max(options.now / 1000 - checkRetentionDays(options.retentionDays) * 86_400, options.prunedBefore ?? -Infinity);
}

/**
 * Refuses a window that is not a whole number of days >= 0 (ERR_BAD_INPUT).
 *
 * @example
 * checkRetentionDays(30); // 30
 */
export function checkRetentionDays(days: unknown): number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0) {
    throw new BazaarError('ERR_BAD_INPUT', `a retention window is a whole number of days >= 0, not ${JSON.stringify(days)}`, { data: { days } });
  }
  return days;
}

/**
 * The commits of one branch gc keeps, given its history newest first (first-parent log):
 * the head, and every older commit replaced less than `retentionDays` ago. A window of 0
 * keeps the head only.
 *
 * @example
 * retainedStates([{ oid: 'c2', timestamp: t2 }, { oid: 'c1', timestamp: t1 }], { retentionDays: 30, now: Date.now() });
 * // ['c2', 'c1'] while t2 is less than 30 days ago, then ['c2']
 */
export function retainedStates(history: readonly HistoryState[], options: RetentionOptions): string[] {
  const cutoff = retentionCutoff(options);
  const kept: string[] = [];
  history.forEach((state, i) => {
    const replacedAt = i === 0 ? Infinity : (history[i - 1] as HistoryState).timestamp;
    if (replacedAt > cutoff) kept.push(state.oid);
  });
  return kept;
}
