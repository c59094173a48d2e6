/**
 * The store's own documents: `config.json`, `mirrors.json`, `tokens.json`, the trusted
 * package keys (`keys/trusted/*.asc`) and the repository signing keys (`keys/signing/*.asc`),
 * each named by its path relative to the store's directory (store-files.ts lists them).
 *
 * Where they live follows the state: a local store keeps them as files in its directory;
 * a store whose state is in PostgreSQL keeps them as rows (pg-documents.ts,
 * docs/engines.md#the-stores-documents-as-rows), so that a token, a key, a mirror or a
 * setting made on one host is the store's, seen by every host. An open attached store
 * holds them in memory (loaded when it opens, reloaded when another host changes them),
 * so that their readers stay synchronous; nothing of them is written to the directory.
 *
 * Their modules (tokens.ts, mirrors.ts, ...) take the store's directory, as they did when
 * these were only files: an attached store registers its documents under its directory
 * while it is open (`openDocuments`), and `documentsOf(root)` finds them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { createFile, fsyncPath, makeDir, removeFile, renameFile } from '../fs/ops.js';
import { markerPath, tmpPath } from './layout.js';
import { withLock } from './lock.js';

/** A document: its path relative to the store's directory, its bytes and its mode. */
export interface StoreDocument { path: string; bytes: Buffer; mode: number }

/** A change: new bytes (and mode) for a path, or `bytes: null` to remove it. Applied in order. */
export interface DocumentChange { path: string; bytes: Buffer | null; mode?: number }

/** What reads documents: the files of a local store, or an attached store's rows. */
export interface DocumentView {
  /** The bytes at `path`, null when there is none. */
  read(path: string): Buffer | null;
  /** The mode at `path` (0 when absent). */
  mode(path: string): number;
  /** The names of the documents directly in directory `dir` (relative), sorted. */
  list(dir: string): string[];
  /** How a message names the document at `path` (a file's path, or the path in the database). */
  name(path: string): string;
}

/** Where an attached store's documents are kept (pg-documents.ts). */
export interface DocumentRows {
  /** The engine's label, for messages (never a password). */
  readonly label: string;
  /** Every document. */
  all(): Promise<StoreDocument[]>;
  /** Runs `fn` on every document as it is, alone among the store's hosts, and writes the changes it returns, at once. */
  update<T>(fn: (current: StoreDocument[]) => Promise<{ changes: DocumentChange[]; result: T }>): Promise<{ result: T; after: StoreDocument[] }>;
  /** Calls `onChange` whenever another host may have changed them (and once when it starts listening); returns what stops it. */
  follow(onChange: () => void): () => void;
}

function damage(name: string, err: unknown): BazaarError {
  return new BazaarError('ERR_STORE_DAMAGED', `cannot read ${name}: ${(err as Error).message}`, { cause: err, data: { file: name } });
}

/** A local store's documents: its files. */
class FileView implements DocumentView {
  constructor(private readonly root: string) {}

  name(path: string): string { return join(this.root, path); }

  read(path: string): Buffer | null {
    try { return readFileSync(this.name(path)); } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw damage(this.name(path), err);
    }
  }

  mode(path: string): number {
    return (statSync(this.name(path), { throwIfNoEntry: false })?.mode ?? 0) & 0o777;
  }

  list(dir: string): string[] {
    try { return readdirSync(this.name(dir)).sort(); } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
      throw damage(this.name(dir), err);
    }
  }

  /** Writes the changes, each durable and renamed into place (a removal: the file unlinked). */
  apply(changes: readonly DocumentChange[]): void {
    const dirs = new Set<string>();
    for (const c of changes) {
      const abs = this.name(c.path);
      dirs.add(dirname(abs));
      if (c.bytes === null) { removeFile(abs); continue; }
      makeDir(dirname(abs));
      const tmp = tmpPath(this.root);
      try {
        createFile(tmp, c.bytes, { sync: true, mode: c.mode ?? 0o644 });
        renameFile(tmp, abs);
      } finally {
        removeFile(tmp);
      }
    }
    for (const d of dirs) fsyncPath(d);
  }
}

/** A view of documents held in memory (an attached store's rows, as last loaded or as a writer locked them). */
class RowView implements DocumentView {
  private readonly byPath: Map<string, StoreDocument>;

  constructor(docs: readonly StoreDocument[], private readonly label: string) {
    this.byPath = new Map(docs.map((d) => [d.path, d]));
  }

  name(path: string): string { return `${path} in ${this.label}`; }
  read(path: string): Buffer | null { return this.byPath.get(path)?.bytes ?? null; }
  mode(path: string): number { return this.byPath.get(path)?.mode ?? 0; }

  list(dir: string): string[] {
    const prefix = `${dir}/`;
    return [...this.byPath.keys()].filter((p) => p.startsWith(prefix) && !p.includes('/', prefix.length)).map((p) => p.slice(prefix.length)).sort();
  }

  /** Every document, for comparing one load with the next. */
  docs(): StoreDocument[] { return [...this.byPath.values()]; }
}

/** An open attached store's documents: the rows, held in memory, reloaded when another host changes them. */
export class AttachedDocuments {
  private view: RowView;
  /** Bumped whenever what is held changes: a server's cheap test for "re-read them". */
  private generation = 0;
  private unfollow: (() => void) | null = null;
  /** One reload at a time; another asked meanwhile runs after it (it may see a newer change). */
  private reloading: Promise<void> | null = null;
  private again = false;

  private constructor(private readonly rows: DocumentRows, docs: StoreDocument[]) {
    this.view = new RowView(docs, rows.label);
  }

  static async load(rows: DocumentRows): Promise<AttachedDocuments> {
    return new AttachedDocuments(rows, await rows.all());
  }

  current(): DocumentView { return this.view; }

  stamp(): string { this.follow(); return `rows:${this.generation}`; }

  private hold(docs: StoreDocument[]): void {
    const same = (a: StoreDocument[], b: StoreDocument[]): boolean => a.length === b.length
      && a.every((d) => { const o = b.find((x) => x.path === d.path); return o !== undefined && o.mode === d.mode && o.bytes.equals(d.bytes); });
    if (same(docs, this.view.docs())) return;
    this.view = new RowView(docs, this.rows.label);
    this.generation++;
  }

  /** Starts following other hosts' changes (once): a server, which lives long, does. */
  follow(): void {
    if (this.unfollow || this.closed) return;
    this.unfollow = this.rows.follow(() => { void this.reload(); });
  }

  private closed = false;
  /** Stops following (the store is closed). */
  close(): void {
    this.closed = true;
    this.unfollow?.();
    this.unfollow = null;
  }

  /** Loads the rows again (after a notification); a failure keeps what is held (the listener reconnects and reloads). */
  private reload(): Promise<void> {
    if (this.reloading) { this.again = true; return this.reloading; }
    this.reloading = (async () => {
      do {
        this.again = false;
        try { this.hold(await this.rows.all()); } catch { /* kept: the next notification or reconnection reloads */ }
      } while (this.again);
    })().finally(() => { this.reloading = null; });
    return this.reloading;
  }

  async update<T>(fn: (view: DocumentView) => Promise<{ changes: DocumentChange[]; result: T }>): Promise<T> {
    const { result, after } = await this.rows.update((current) => fn(new RowView(current, this.rows.label)));
    this.hold(after);
    return result;
  }
}

/** The attached stores open in this process, by directory (several opens of one directory share the newest). */
const open = new Map<string, AttachedDocuments[]>();
/** Directories known to keep their documents in files (the marker read once: a store's kind never changes). */
const local = new Set<string>();

/** Registers an open attached store's documents under its directory; the function returned unregisters them. */
export function openDocuments(root: string, docs: AttachedDocuments): () => void {
  const key = resolve(root);
  open.set(key, [...(open.get(key) ?? []), docs]);
  return () => {
    docs.close();
    const left = (open.get(key) ?? []).filter((d) => d !== docs);
    if (left.length) open.set(key, left); else open.delete(key);
  };
}

function attachedAt(root: string): AttachedDocuments | null {
  const key = resolve(root);
  const docs = open.get(key);
  if (docs) return docs[docs.length - 1];
  if (!local.has(key)) {
    let marker: { states?: unknown } = {};
    try { marker = JSON.parse(readFileSync(markerPath(root), 'utf8')); } catch { /* not a store (yet): files */ }
    if (marker.states === 'postgresql') {
      throw new BazaarError('ERR_USAGE', `${root} keeps its tokens, keys, mirrors and settings in PostgreSQL: open the store (Store.open) before reading or changing them`, { data: { dir: root } });
    }
    local.add(key);
  }
  return null;
}

/** The documents of the store in `root` as they are now. */
export function documentsOf(root: string): DocumentView {
  return attachedAt(root)?.current() ?? new FileView(root);
}

/** Changes when the documents may have: a file's or directory's stat for a local store, the rows' generation for an attached one. */
export function documentStamp(root: string, path: string): string {
  const attached = attachedAt(root);
  if (attached) return attached.stamp();
  const st = statSync(join(root, path), { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : 'none';
}

/**
 * Runs `fn` on the documents alone (a local store: under the store's lock; an attached
 * one: under PostgreSQL's lock on the documents, across hosts) and writes the changes it
 * returns: files renamed into place, or rows in one transaction.
 */
export async function updateDocuments<T>(root: string, fn: (view: DocumentView) => Promise<{ changes: DocumentChange[]; result: T }>, options: { lockHeld?: boolean } = {}): Promise<T> {
  const attached = attachedAt(root);
  if (attached) return attached.update(fn);
  const run = async (): Promise<T> => {
    const files = new FileView(root);
    const { changes, result } = await fn(files);
    files.apply(changes);
    return result;
  };
  // `lockHeld`: the caller holds the store's lock already (migrate, writing a new store)
  return options.lockHeld ? run() : withLock(root, run);
}

/** The files in `root` as documents, whatever the store keeps (an attached store adopts a directory's files of old once). */
export function fileDocuments(root: string): DocumentView { return new FileView(root); }
