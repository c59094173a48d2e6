/**
 * Revision syntax: how a state in a channel's or an image's history is named, read in one
 * place for both (store/channel-history.ts, api/image-history.ts).
 *
 *   HEAD       the current state
 *   HEAD~N     N states back (decimal; HEAD~0 is HEAD)
 *   3f2a9c1    a commit id, or a prefix of one: 4 to 40 lower-case hex digits, as git takes them
 *
 * An image's version (`1.0.2`) is looked up before a revision, and cherry-pick's
 * `IMAGE:REV` names the image before one; what follows is read here.
 */
import { BazaarError } from '../errors.js';

export type Revision = { kind: 'head'; back: number } | { kind: 'commit'; prefix: string };

const HEAD = /^HEAD(?:~(\d+))?$/;
const COMMIT = /^[0-9a-f]{4,40}$/;

/**
 * Reads a revision, or null when the text is none: `HEAD~` without a count, a negative or
 * fractional one, trailing text, a commit prefix too short, too long or not lower-case
 * hex, or a count past any history (beyond 2^53). For callers that try another reading
 * first or word their own refusal (an image's version, a channel's state).
 *
 * @example
 * readRevision('HEAD~2');  // { kind: 'head', back: 2 }
 * readRevision('3f2a9c1'); // { kind: 'commit', prefix: '3f2a9c1' }
 * readRevision('HEAD~-1'); // null
 */
export function readRevision(text: string): Revision | null {
  const head = HEAD.exec(text);
  if (head) {
    const back = Number(head[1] ?? 0);
    return Number.isSafeInteger(back) ? { kind: 'head', back } : null;
  }
  return COMMIT.test(text) ? { kind: 'commit', prefix: text } : null;
}

/**
 * readRevision, or ERR_VERSION (`data.rev`) saying what a revision is.
 *
 * @example
 * parseRevision('HEAD~1x'); // throws ERR_VERSION: 'HEAD~1x' is not a revision: give HEAD, ...
 */
export function parseRevision(text: string): Revision {
  const revision = readRevision(text);
  if (revision) return revision;
  const why = HEAD.test(text) ? 'it goes back further than any history' : 'give HEAD, HEAD~N (N states back) or a commit id (4 to 40 hex digits)';
  throw new BazaarError('ERR_VERSION', `'${text}' is not a revision: ${why}`, { data: { rev: text } });
}

/**
 * The commits of `history` (newest first, as a branch's log) that a revision names:
 * `HEAD~N` the one N back (none past the first commit), a prefix every commit it starts.
 *
 * @example
 * commitsNamed(log, parseRevision('HEAD~1')); // [log[1]]
 */
export function commitsNamed<C extends { oid: string }>(history: readonly C[], rev: Revision): C[] {
  if (rev.kind === 'head') return rev.back < history.length ? [history[rev.back]] : [];
  return history.filter((c) => c.oid.startsWith(rev.prefix));
}
