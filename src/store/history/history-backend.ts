/**
 * Where the store's history lives: git objects (an oid names a type and a body) and refs
 * (`heads/<branch>`, `bazaar/state`). GitRepo (git-repo.ts) parses and caches on top of
 * it; a backend only stores, verifies what it reads back (the sha1 of type and body: doubt
 * is damage) and makes writes durable.
 *
 * Writes are synchronous so that building trees stays cheap: a write is readable at once
 * (from memory if need be) and durable after `flush()`, which a transaction calls before
 * its state commit, and `setRefs` itself calls before moving a ref, so that no ref and no
 * state ever names an object that is not stored. Implementations: files, a bare git
 * repository stock git reads (fs-history-backend.ts); PostgreSQL rows
 * (pg-history-backend.ts, docs/engines.md).
 */
import type { GitObject, GitObjectType } from './git-object.js';

export type RefValue = string | null | 'garbage';

/** A ref moved only from the value it was read at (see setRefs). */
export interface RefGuard { name: string; from: string | null; to: string }

export interface HistoryBackend {
  /** 'files', 'postgresql': recorded in the store's marker when not files. */
  readonly kind: string;
  /** Where the history lives, for messages (never a credential). */
  readonly label: string;
  /** Creates the repository (or the tables) when absent. */
  init(): Promise<void>;
  /**
   * The object, verified against its id; null when absent; ERR_STORE_DAMAGED (naming the
   * oid) when what is stored does not verify.
   */
  read(oid: string): Promise<GitObject | null>;
  /**
   * Several objects in one request, where a round trip costs (a database): those stored,
   * each verified; absent ones are left out. GitRepo.prefetch uses it before a walk reads
   * a tree's entries one by one.
   */
  readMany?(oids: readonly string[]): Promise<Map<string, GitObject>>;
  /** Stores an object (`raw` is header and body, hashing to `oid`): readable at once, durable after flush(). */
  write(oid: string, type: GitObjectType, body: Buffer, raw: Buffer): void;
  /** Makes every write so far durable (a no-op where writes are made durable by the transaction's syncfs). */
  flush(): Promise<void>;
  /**
   * Told after the transaction's sync whether it covered the whole filesystem: where it did
   * not, files written since the last call are made durable one by one. Absent where
   * flush() makes writes durable itself (a database).
   */
  settleWritten?(synced: boolean): void;
  /** What `refs/<name>` holds: a commit id, null when absent, 'garbage' when unreadable. */
  readRef(name: string): Promise<RefValue>;
  /** The refs under `refs/<dir>` by name (e.g. 'heads' gives branches), sorted by name: one query where that counts. */
  readRefs(dir: string): Promise<Map<string, RefValue>>;
  /**
   * Moves refs (null removes one); the caller has flushed the objects they name. Files
   * apply them in the order given (a kill leaves a prefix done); a database at once. With
   * a `guard`, only while ref `guard.name` holds `guard.from`, and that ref moves to
   * `guard.to` last: a compare-and-swap (atomic in a database, where hosts race), false
   * when it held something else and nothing moved.
   */
  setRefs(updates: ReadonlyArray<readonly [name: string, oid: string | null]>, guard?: RefGuard): Promise<boolean>;
  /** Packs loose objects (gc; a commit with `onlyIfMany`: only once there are many), where the backend has such a thing. */
  packLoose?(options?: { onlyIfMany?: boolean }): { packed: number; packs: number };
  /** Problems of stored packs, one line each (fsck), where the backend has packs. */
  checkPacks?(): string[];
  /** Releases connections (a program's end). */
  close?(): Promise<void>;
}
