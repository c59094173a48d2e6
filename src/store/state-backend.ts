/**
 * The store's state: the head commit of every branch, as one record with a sequence
 * number. It is the only thing a writer's commit changes in place, so a transaction that
 * moves several branches (an add into a channel, an image family's update) becomes
 * visible all at once, and a reader that reads one state sees every branch as of one
 * moment. Behind a small interface so that a SQL database can hold it later; the local
 * filesystem (fs-state-backend.ts) is the embedded default.
 *
 * `commit` is a compare-and-swap on the sequence number: state N+1 can be written once,
 * by one writer. The store lock makes losing that race rare; the CAS makes it harmless.
 */
import { createHash } from 'node:crypto';
import { BazaarError } from '../errors.js';
import type { JobRows } from './job-rows.js';
import type { LeaseBoard } from './leases.js';

export interface StoreState {
  seq: number;
  /** When it was committed (ms since the epoch). */
  time: number;
  /** Branch name → commit id (40 hex). A branch that does not exist has no entry. */
  heads: Record<string, string>;
  /**
   * gc's horizon (seconds since the epoch): history replaced before it was collected on
   * purpose, so what it reached may be gone without being damage. Absent until the
   * first gc that records it (see retention.ts).
   */
  prunedBefore?: number;
}

export interface StateBackend {
  /**
   * What keeps the state: 'files' (fs-state-backend.ts, the default), 'memory', ...; a
   * store's marker records it (store-backends.ts).
   */
  readonly kind: string;
  /** A label for messages: the directory, database or 'memory'. */
  readonly label: string;
  /** The newest state; the empty state (seq 0) when none was ever written. */
  latest(): Promise<StoreState>;
  /**
   * The newest state's number (`latest().seq`), as cheaply as the backend can tell it: a
   * server asks on every request (fs-state-backend.ts answers from the state directory's
   * inode and mtime while they are unchanged).
   */
  latestSeq(): Promise<number>;
  /**
   * The newest state's number when the backend can tell it without waiting (the file
   * backend: a stat of the state directory; a database: the last change it notified),
   * else null, and the caller asks `latestSeq`. For a server's path that answers from
   * memory without a promise.
   */
  latestSeqNow?(): number | null;
  /** A given state, or null when it is gone (pruned) or never was. */
  read(seq: number): Promise<StoreState | null>;
  /** Writes `next` (whose seq is the latest's + 1); false when another writer took that seq. */
  commit(next: StoreState): Promise<boolean>;
  /** Sequence numbers of the states kept, ascending. */
  list(): Promise<number[]>;
  /** Forgets states older than `keepFrom` (never the latest). */
  prune(keepFrom: number): Promise<void>;
  /**
   * Moves the record of state `seq`, found damaged, out of the way (`read` and `list` no
   * longer see it; it is kept for a person to look at); returns where it went.
   */
  setAside(seq: number): Promise<string>;
  /**
   * The fence between gc's deletions and writers' commits on other hosts (docs/engines.md,
   * "gc across hosts"); absent where one host's lock already orders them (files, memory).
   */
  readonly fence?: GcFence;
  /** Readers' leases where every host sees them (absent: files in the store's directory, leases.ts). */
  readonly leases?: LeaseBoard;
  /** Jobs every host sees (absent: a server keeps its jobs in its own memory; job-rows.ts). */
  readonly jobs?: JobRows;
}

/**
 * gc on one host decides from a state what no state reaches and deletes it; a writer on
 * another host may meanwhile have found one of those objects present (and skipped writing
 * it), or written one gc listed, and be about to commit a state naming it. The fence
 * orders the two: gc holds it alone from before it reads the state until its deletions
 * end, and moves the epoch; a writer holds it shared for its commit, and when the epoch
 * moved since it began (a gc ran meanwhile) it checks its objects are all still there
 * before committing, under the fence, else it starts again.
 */
export interface GcFence {
  /** A writer begins: waits while a gc holds the fence; the epoch to hand to `commit`. */
  begin(): Promise<number>;
  /**
   * Commits `next` as StateBackend.commit does, under the fence held shared; when a gc
   * ran since `epoch`, only if `stillThere()` (asked under the fence) says every object the
   * writer staged is present. False: another writer took the seq, or objects are gone.
   */
  commit(next: StoreState, epoch: number, stillThere: () => Promise<boolean>): Promise<boolean>;
  /** gc: runs `fn` holding the fence alone, the epoch moved first. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export const EMPTY_STATE: StoreState = Object.freeze({ seq: 0, time: 0, heads: Object.freeze({}) as Record<string, string> });

function checksum(state: StoreState): string {
  const heads = Object.keys(state.heads).sort().map((k) => `${k}\u0000${state.heads[k]}`).join('\n');
  const horizon = state.prunedBefore === undefined ? '' : `\npruned ${state.prunedBefore}`;
  return createHash('sha256').update(`${state.seq}\n${state.time}\n${heads}${horizon}`).digest('hex');
}

/** The bytes of a state record: JSON with a checksum, so a damaged record is never believed. */
export function encodeState(state: StoreState): string {
  const heads: Record<string, string> = {};
  for (const k of Object.keys(state.heads).sort()) heads[k] = state.heads[k];
  const horizon = state.prunedBefore === undefined ? {} : { prunedBefore: state.prunedBefore };
  return `${JSON.stringify({ seq: state.seq, time: state.time, heads, ...horizon, sum: checksum(state) })}\n`;
}

/** Parses a state record; ERR_STORE_DAMAGED naming `where` when it is not a valid one. */
export function decodeState(text: string, where: string, expectSeq?: number): StoreState {
  const bad = (why: string): BazaarError => new BazaarError('ERR_STORE_DAMAGED', `store state ${where} is damaged: ${why}`, { data: { state: where } });
  let raw: { seq?: unknown; time?: unknown; heads?: unknown; prunedBefore?: unknown; sum?: unknown };
  try { raw = JSON.parse(text); } catch { throw bad('it is not JSON'); }
  if (raw === null || typeof raw !== 'object') throw bad('it is not a state record');
  if (!Number.isSafeInteger(raw.seq) || !Number.isFinite(raw.time) || raw.heads === null || typeof raw.heads !== 'object') throw bad('fields are missing');
  for (const [k, v] of Object.entries(raw.heads as Record<string, unknown>)) {
    if (typeof v !== 'string' || !/^[0-9a-f]{40}$/.test(v) || k === '') throw bad(`head of ${k} is not a commit id`);
  }
  if (raw.prunedBefore !== undefined && !Number.isSafeInteger(raw.prunedBefore)) throw bad('its gc horizon is not a time');
  const state: StoreState = { seq: raw.seq as number, time: raw.time as number, heads: raw.heads as Record<string, string> };
  if (raw.prunedBefore !== undefined) state.prunedBefore = raw.prunedBefore as number;
  if (raw.sum !== checksum(state)) throw bad('its checksum does not match (a changed byte)');
  if (expectSeq !== undefined && state.seq !== expectSeq) throw bad(`it says seq ${state.seq}`);
  return state;
}
