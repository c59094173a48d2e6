/**
 * The store facade that the CLI, the server and build tools use. Two ways in:
 *
 * - `read(fn)` / `snapshot()`: a consistent view of every branch as of one state, taken
 *   without the lock and never waiting for a writer (snapshot.ts);
 * - `write(fn)`: a transaction under the writers' lock that commits every branch it
 *   changed at once (transaction.ts).
 *
 * Package operations (add, lookups) live here; channels, pins, images and the rest are
 * modules that take a snapshot or a transaction.
 *
 * What only writers, attached stores or file streams need (transactions and the lock,
 * the documents of an attached store, the .rpm readers, the package index, which `show`
 * does not read) is imported where it is used: a read-only command such as `show` then
 * loads the read half alone (docs/architecture.md#start-up).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { allEntries, buildIdOfFile, findBuild, readBuild } from './builds.js';
import type { BuildEntry, IndexSource, StoredBuild } from './builds.js';
import type { AddOptions, AddPath, AddResult } from './add-packages.js';
import type { FilePath } from '../rpm/index.js';
import type { BranchView } from './branch-view.js';
import { GitRepo } from './history/git-repo.js';
import { askedObjectId } from './kinds/index.js';
import type { KindValues } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import type { PackageManifest } from './kinds/package.js';
import { cacheDir } from './caches/paths.js';
import { INITIAL_LAYOUT, STORE_LAYOUT_VERSION, markerPath, objectsDir, readersDir, stateDir, tmpDir } from './layout.js';
import { noSpaceError, removeTree } from '../fs/ops.js';
import type { FsckReport } from './fsck.js';
import type { GcChoice, GcReport } from './gc.js';
import type { RetentionChoice } from './retention.js';
import type { ObjectId } from './layout.js';
import { leaseBoard } from './leases.js';
import { ObjectReading } from './object-reader.js';
import { ObjectStore } from './objects.js';
import type { PackageIndex } from './package-index.js';
import { servedVariant } from './kinds/build.js';
import { CHANNEL_PREFIX, PACKAGES_BRANCH, PINS_BRANCH, TREES_BRANCH } from './ref-paths.js';
import { Snapshot } from './snapshot.js';
import type { JobRows } from './job-rows.js';
import type { StateBackend } from './state-backend.js';
import { checkKinds, chooseBackends, recordedKinds } from './store-backends.js';
import type { ChosenBackends, StoreBackends } from './store-backends.js';
import { describeEngines, openEngines, parseEngines, recordedEngines, sameEngines } from './engine-config.js';
import type { EngineBackends, EngineSpec, RecordedEngines } from './engine-config.js';
import type { Transaction } from './transaction.js';
import type { AttachedDocuments, DocumentRows } from './store-documents.js';
import { readStoreState, stateDamageError } from './state-witness.js';
import type { StoreStateReading } from './state-witness.js';

export type { AddOptions, AddPath, AddResult } from './add-packages.js';

/** `objectBackend`, `stateBackend`, `historyBackend`: where objects, the state and the history live (files by default; store-backends.ts). */
export interface StoreOptions extends StoreBackends {
  /** One-line notices for the user (an index being built, a stale lock taken over). */
  onNotice?: (line: string) => void;
  /** The clock (ms); injectable for tests. */
  now?: () => number;
  /**
   * Init only: the engines an attached store lives on (S3 objects, PostgreSQL state and
   * history; engine-config.ts). The marker records them without secrets, so that
   * `Store.open(dir)` builds the same backends again; `close()` ends their connections.
   */
  engines?: EngineSpec;
}

/** Creates `dir` and its missing parents one by one (node's recursive mkdir loops on /proc). */
function makeStoreDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) throw new BazaarError('ERR_BAD_INPUT', `cannot create a store at ${dir}: ${p} is not a directory`, { data: { dir } });
      break;
    } catch (err) {
      if (err instanceof BazaarError) throw err;
      if (!isErrno(err, 'ENOENT')) throw new BazaarError('ERR_BAD_INPUT', `cannot create a store at ${dir}: ${(err as Error).message}`, { cause: err });
      missing.unshift(p);
      if (dirname(p) === p) break;
    }
  }
  for (const p of missing) {
    try { mkdirSync(p); } catch (err) {
      if (isErrno(err, 'EEXIST')) continue;
      throw new BazaarError('ERR_BAD_INPUT', `cannot create a store at ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** An empty path is a mistake (an unset variable), never the current directory. */
function refuseEmptyPath(dir: string): void {
  if (dir === '') throw new BazaarError('ERR_USAGE', 'the store directory is an empty string; name a directory');
}

/** Refuses a directory holding anything but `lost+found` (a store is created only in an empty one). */
function refuseForeignContent(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n !== 'lost+found');
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `cannot create a store at ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (names.length === 0) return;
  throw new BazaarError('ERR_BAD_INPUT', `${dir} is not empty and is not a bazaar store (it holds ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}); create the store in an empty or new directory`, { data: { dir } });
}

/**
 * The scratch directories beside the store's content (temp files, leases, derived caches)
 * must be directories when present (or symlinks to one): a file where tmp/ belongs would
 * otherwise fail deep inside every command. Cheap (three stat calls), so every open checks.
 */
function checkScratchDirs(dir: string): void {
  for (const path of [tmpDir(dir), readersDir(dir), cacheDir(dir)]) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) {
      throw new BazaarError('ERR_STORE_LAYOUT', `${path} is not a directory; bazaar keeps only scratch files there (nothing the store needs): move it away and run the command again`, { data: { path } });
    }
    // deleted with the caches (an attached store's directory may lose them at any time):
    // made again; a store on a read-only file system is read without it
    if (!st && path === tmpDir(dir)) {
      try { mkdirSync(path); } catch { /* read-only: writers say so when they write */ }
    }
  }
}

interface Marker { layout?: unknown; objects?: unknown; states?: unknown; history?: unknown; engines?: unknown }

/** The store's marker, or a clear error when `dir` is not a store. */
function readMarker(dir: string): Marker {
  try {
    return JSON.parse(readFileSync(markerPath(dir), 'utf8'));
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw new BazaarError('ERR_STORE_NOT_FOUND', `${dir} is not a bazaar store`, { data: { dir }, reason: 'no-store' });
    throw new BazaarError('ERR_STORE_LAYOUT', `${markerPath(dir)} is unreadable: ${(err as Error).message}`, { cause: err });
  }
}

/** What the store's own modules reach behind its door (`internals`; not exported from index.ts). */
export interface StoreInternals {
  objects: ObjectStore;
  states: StateBackend;
  repo: GitRepo;
  /** The newest state as both witnesses tell it (state-witness.ts). */
  readState(): Promise<StoreStateReading>;
  lockOptions(): { onWait: (holder: string) => void };
}

let internalsOfStore: (store: Store) => StoreInternals;

/**
 * A store: its public members are all the rest of bazaar and build tools get of it
 * (docs/store.md#the-store-api): `dir`, `now`, `notice`; views (`snapshot`, `read`,
 * `latestSeq`) and writes (`write`); its objects as an ObjectReader (`has`, `stream`,
 * `readBytes`, `readKind`, `storedSize`, `storedStream`); packages (`add`, `build`,
 * `manifest`, `findPackage`, `list`, `index`, `indexOf`, `indexSource`, `streamObject`,
 * `entries`, `buildIdOfFile`); `importTree`, `reindex`, `fsck`, `gc`, `diskUsage`. Its
 * objects, state and history are private: new objects are staged by a Transaction.
 */
export class Store extends ObjectReading {
  private readonly states: StateBackend;
  private readonly repo: GitRepo;
  readonly now: () => number;

  private constructor(readonly dir: string, private readonly options: StoreOptions, backends: ChosenBackends, private readonly owned?: EngineBackends) {
    super(new ObjectStore(backends.objects));
    this.states = backends.states;
    this.repo = new GitRepo(backends.history);
    this.now = options.now ?? Date.now;
  }

  static {
    internalsOfStore = (s) => ({
      objects: s.objects, states: s.states, repo: s.repo, readState: () => s.readState(), lockOptions: () => s.lockOptions(),
    });
  }

  /**
   * Creates a store in `dir` (which may exist and be empty, or hold only `lost+found`, as a
   * fresh file system does); idempotent on an existing store. Any other directory is refused:
   * a store's gc and repair would treat its files as their own.
   */
  static async init(dir: string, options: StoreOptions = {}): Promise<Store> {
    refuseEmptyPath(dir);
    if (options.engines) return Store.attach(dir, options.engines, options);
    makeStoreDir(dir);
    if (!existsSync(markerPath(dir))) refuseForeignContent(dir);
    return Store.create(dir, options, chooseBackends(dir, options));
  }

  /**
   * Init on engines: the bucket and the schema are made when absent (and reached before
   * anything is written to `dir`, so that a wrong URL or an engine down leaves nothing);
   * on a new empty directory over engines that hold a store already, it attaches to it.
   */
  private static async attach(dir: string, spec: EngineSpec, options: StoreOptions): Promise<Store> {
    const parsed = parseEngines(spec);
    const rest = { ...options, engines: undefined };
    if (existsSync(markerPath(dir))) {
      const marker = readMarker(dir);
      const recorded = recordedEngines(dir, marker.engines);
      if (!recorded || !sameEngines(recorded, parsed.recorded)) {
        throw new BazaarError('ERR_USAGE', `${dir} is already a store ${recorded ? `attached to ${describeEngines(recorded)}` : 'on this machine\'s disk'}; a store's engines are not changed by init: attach on a new directory`, { data: { dir } });
      }
      return Store.open(dir, rest, await openEngines(recorded, parsed.connectUrl));
    }
    const engines = await openEngines(parsed.recorded, parsed.connectUrl);
    try {
      await engines.objectBackend.ensureBucket();
      await engines.stateBackend.latestSeq();
      makeStoreDir(dir);
      if (!existsSync(markerPath(dir))) refuseForeignContent(dir);
      if (parsed.hadPassword) options.onNotice?.('the password in the PostgreSQL URL is used by this command only and is not recorded: later commands take it from PGPASSWORD or ~/.pgpass');
      return await Store.create(dir, rest, chooseBackends(dir, engines), parsed.recorded, engines);
    } catch (err) {
      await engines.close();
      throw err;
    }
  }

  /** Writes the marker (`engines`: what an attached store records) and the store's first files; opens it when there already. */
  private static async create(dir: string, options: StoreOptions, backends: ChosenBackends, engines?: RecordedEngines, owned?: EngineBackends): Promise<Store> {
    try {
      writeFileSync(markerPath(dir), `${JSON.stringify({ layout: INITIAL_LAYOUT, ...recordedKinds(backends), ...(engines ? { engines } : {}) })}\n`, { flag: 'wx' });
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return Store.open(dir, options, owned);
      if (isErrno(err, 'ENOTDIR') || isErrno(err, 'EACCES') || isErrno(err, 'EROFS')) {
        throw new BazaarError('ERR_BAD_INPUT', `cannot create a store at ${dir}: ${(err as Error).message}`, { cause: err });
      }
      throw noSpaceError(err, dir);
    }
    const store = new Store(dir, options, backends, owned);
    try {
      const dirs = [...(backends.objects.kind !== 'files' ? [] : [objectsDir(dir)]), tmpDir(dir), ...(backends.states.kind !== 'files' ? [] : [stateDir(dir)])];
      for (const d of dirs) mkdirSync(d, { recursive: true });
      await store.repo.init();
    } catch (err) {
      throw noSpaceError(err, dir);
    }
    await store.openDocuments();
    return store;
  }

  /**
   * Opens an existing store (migrating a layout-1 store once); a clear error if `dir` is not
   * one. An attached store's backends are made from what its marker records unless a
   * program passes its own (`owned`: made by init, closed by this store's close()).
   */
  static async open(dir: string, options: StoreOptions = {}, owned?: EngineBackends): Promise<Store> {
    refuseEmptyPath(dir);
    const marker = readMarker(dir);
    checkScratchDirs(dir);
    const recorded = recordedEngines(dir, marker.engines);
    const given = options.objectBackend ?? options.stateBackend ?? options.historyBackend;
    if (!Number.isInteger(marker.layout) || (marker.layout as number) < 1 || (marker.layout as number) > STORE_LAYOUT_VERSION) {
      throw new BazaarError('ERR_STORE_LAYOUT', `${dir} has store layout ${String(marker.layout)}; this bazaar reads layouts 1 to ${STORE_LAYOUT_VERSION}`);
    }
    if (!owned && recorded && !given) owned = await openEngines(recorded);
    try {
      const backends = chooseBackends(dir, { ...options, ...owned });
      checkKinds(dir, marker, backends);
      const store = new Store(dir, options, backends, owned);
      if (marker.layout === 1) {
        const [{ migrateLayout1 }, { withLock }] = await Promise.all([import('./migrate-layout1.js'), import('./lock.js')]);
        await withLock(dir, () => migrateLayout1(store), store.lockOptions());
      }
      await store.openDocuments();
      return store;
    } catch (err) {
      await owned?.close();
      throw err;
    }
  }

  /**
   * Ends the connections of the backends this store made from its recorded engines (an
   * attached store's PostgreSQL pools and listener, its S3 client), so that a program ends
   * promptly; nothing for a local store. Backends a program passed are its own to close.
   */
  async close(): Promise<void> {
    this.closeDocuments?.();
    this.closeDocuments = null;
    await this.owned?.close();
  }

  private documents: AttachedDocuments | null = null;
  private closeDocuments: (() => void) | null = null;

  /**
   * A store whose state is in PostgreSQL keeps its tokens, keys, mirrors and settings there
   * too (store-documents.ts): loaded now, registered under its directory while it is open.
   */
  private async openDocuments(): Promise<void> {
    const rows = (this.states as { readonly documents?: DocumentRows }).documents;
    if (!rows) return;
    const [{ AttachedDocuments, openDocuments }, { adoptDirectoryFiles }] = await Promise.all([import('./store-documents.js'), import('./store-files.js')]);
    this.documents = await AttachedDocuments.load(rows);
    this.closeDocuments = openDocuments(this.dir, this.documents);
    const adopted = await adoptDirectoryFiles(this.dir);
    if (adopted) this.notice(`${adopted} of ${this.dir}'s files (tokens, keys, mirrors, settings) were copied into ${rows.label}, where the store keeps them from now on`);
  }

  notice(line: string): void { this.options.onNotice?.(line); }

  private lockOptions(): { onWait: (holder: string) => void } {
    return { onWait: (holder) => this.notice(`waiting for another writer (${holder})`) };
  }

  /** A leased snapshot of the newest state; close it when done (see snapshot.ts). */
  snapshot(): Promise<Snapshot> { return Snapshot.open(this.objects, this.repo, this.states, leaseBoard(this.dir, this.states), (r) => this.stateNotice(r)); }

  /**
   * The newest state's number, cheaply (the state backend's latestSeq): enough to tell
   * whether a snapshot is still the newest without opening another.
   */
  latestSeq(): Promise<number> { return this.states.latestSeq(); }

  /** The newest state's number when the state backend can tell it without waiting, else null (ask latestSeq). */
  latestSeqNow(): number | null {
    // a process that follows the newest state (a server) follows other hosts' tokens and keys too
    this.documents?.follow();
    return this.states.latestSeqNow?.() ?? null;
  }

  /** Jobs every host of the store sees (an attached store's rows, pg-jobs.ts); null for a local store. */
  jobRows(): JobRows | null { return this.states.jobs ?? null; }

  /** The newest state as both witnesses tell it (state-witness.ts). */
  private readState(): Promise<StoreStateReading> { return readStoreState(this.states, this.repo); }

  private toldDamage = false;
  /** Tells the user once per process that reads go on from the witness that is ahead. */
  private stateNotice(reading: StoreStateReading): void {
    if (this.toldDamage) return;
    this.toldDamage = true;
    const d = reading.damage[0];
    this.notice(`the store's state is damaged (${d.what} ${d.problem}); reading state ${reading.state.seq}${reading.source === 'git' ? ' from its git record' : ''}; fsck --repair restores it`);
  }

  /**
   * Runs `fn` on a snapshot. Should an object it reads have been collected meanwhile (its
   * state was replaced and left the retention window before the lease was seen), it runs
   * again once on the newest state.
   */
  async read<T>(fn: (view: Snapshot) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const snap = await this.snapshot();
      try {
        return await fn(snap);
      } catch (err) {
        const vanished = err instanceof BazaarError && (err.code === 'ERR_STORE_OBJECT_NOT_FOUND' || (err.code === 'ERR_STORE_DAMAGED' && err.data.problem === 'is missing'));
        if (!vanished || attempt > 0 || (await this.readState()).state.seq === snap.state.seq) throw err;
      } finally {
        snap.close();
      }
    }
  }

  /**
   * Runs `fn` in a transaction under the writers' lock and commits it. Should another
   * writer commit meanwhile (possible only if the lock was removed by hand), `fn` runs
   * again on the new state; nothing is ever overwritten. While the state's two witnesses
   * disagree (state-witness.ts) it refuses: a write would build on a state that may have
   * lost commits, and a deleting one would delete what they reached. Only repair passes
   * `damagedState: 'repairing'`.
   */
  async write<T>(fn: (tx: Transaction) => Promise<T>, options: { damagedState?: 'refuse' | 'repairing'; collecting?: boolean } = {}): Promise<T> {
    // Across hosts (a state with a gc fence): gc holds the fence alone for the whole
    // transaction and its deletions; a writer begins under it (state-backend.ts GcFence).
    const fence = this.states.fence;
    const [{ StateConflict, Transaction, conflictError }, { withLock }] = await Promise.all([import('./transaction.js'), import('./lock.js')]);
    const attempts = async (): Promise<T> => {
      // Hosts sharing the state race for each seq (their locks are their own): more tries, spread out.
      const tries = fence === undefined ? 3 : 30;
      for (let attempt = 0; attempt < tries; attempt++) {
        if (attempt > 0 && fence !== undefined) await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
        const epoch = fence === undefined || options.collecting === true ? undefined : await fence.begin();
        const reading = await this.readState();
        if (reading.damage.length && options.damagedState !== 'repairing') throw stateDamageError(reading);
        const tx = new Transaction(this.objects, this.repo, reading.state, this.states, this.dir, this.now, epoch);
        // Readers find the package index of the new state ready (it is derived: best effort).
        tx.afterCommit(async (state) => {
          for (const branch of tx.changedBranches()) {
            if (branch.startsWith(CHANNEL_PREFIX) && state.heads[branch]) moved.add(branch.slice(CHANNEL_PREFIX.length));
            if (branch === PACKAGES_BRANCH || branch === PINS_BRANCH || branch === TREES_BRANCH || branch.startsWith(CHANNEL_PREFIX)) {
              await (await import('./package-index.js')).PackageIndex.derive({ root: this.dir, repo: this.repo, objects: this.objects }, state.heads[branch] ?? null);
            }
          }
        });
        let result: T;
        try {
          result = await fn(tx);
          const state = await tx.commit();
          await Transaction.pruneStates(this.states, state.seq, await leaseBoard(this.dir, this.states).live());
        } catch (err) {
          await tx.abort();
          if (err instanceof StateConflict) continue;
          throw err;
        }
        return result;
      }
      throw conflictError();
    };
    const moved = new Set<string>();
    const result = await withLock(this.dir, () => (fence !== undefined && options.collecting === true ? fence.exclusive(attempts) : attempts()), this.lockOptions());
    // derived data of the channels the commit moved, once the lock is free (see onChannelCommit)
    for (const channel of moved) {
      for (const d of this.channelDerivers) if (!d.background) await this.derive(d.fn, channel);
      if (this.queued.has(channel) || !this.channelDerivers.some((d) => d.background)) continue;
      // one turn per channel runs every background deriver (keyed by channel alone, a second deriver would be skipped)
      this.queued.add(channel);
      this.deriving = this.deriving.then(async () => {
        this.queued.delete(channel);
        for (const d of this.channelDerivers) if (d.background) await this.derive(d.fn, channel);
      });
    }
    return result;
  }

  private readonly channelDerivers: Array<{ fn: (channel: string) => Promise<void>; background: boolean }> = [];
  /** Background derivations, one after another; channels waiting for one (a later commit needs no second). */
  private deriving: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();

  private derive(fn: (channel: string) => Promise<void>, channel: string): Promise<void> {
    return fn(channel).catch((err: unknown) => this.notice(`channel ${channel}: derived data not prepared (${err instanceof Error ? err.message : String(err)}); the first reader makes it`));
  }

  /**
   * Makes derived data of a channel after every write that moves it, once the writers'
   * lock is released: the CLI and the server register the channel's universe
   * (src/resolver), so that a commit's resolve finds it made from its parent's. Best
   * effort: a failure is a notice, and the first reader makes what is missing.
   * `background` (a server): the write returns first, and derivations run one at a time
   * after it; a channel that moves again before its turn is derived once, at its head
   * then (`derived()` waits for them all).
   */
  onChannelCommit(fn: (channel: string) => Promise<void>, options: { background?: boolean } = {}): void {
    this.channelDerivers.push({ fn, background: options.background === true });
  }

  /** Resolves when the background derivations queued so far are done (onChannelCommit). */
  async derived(): Promise<void> {
    for (let seen: Promise<void> | null = null; seen !== this.deriving;) { seen = this.deriving; await seen; }
  }

  /** The package index of a branch as a view sees it (packages by default). */
  index(view: BranchView, branch = PACKAGES_BRANCH): Promise<PackageIndex> { return this.indexOf(view.head(branch)); }

  /** Indexes in memory, by commit: a long-lived reader looks up by map access. */
  private readonly indexes = new Map<string, PackageIndex>();

  /** The package index of one commit of a package-like branch (null: empty). */
  async indexOf(commit: string | null): Promise<PackageIndex> {
    const hit = commit === null ? undefined : this.indexes.get(commit);
    if (hit) return hit;
    // imported here: a lookup by name reads the branch's tree, and `show` loads no index code
    const { PackageIndex } = await import('./package-index.js');
    if (commit === null) return PackageIndex.empty();
    const index = await PackageIndex.forCommit({ root: this.dir, repo: this.repo, objects: this.objects, onNotice: (l) => this.notice(l) }, commit, (c) => this.indexes.get(c));
    if (this.indexes.size >= 16) this.indexes.delete(this.indexes.keys().next().value as string);
    this.indexes.set(commit, index);
    return index;
  }

  /** The index lookups of a branch may use: the one in memory if any, else loaded on demand (by build id). */
  indexSource(view: BranchView, branch: string): IndexSource {
    const commit = view.head(branch);
    // an empty branch has no index in memory: its lookups read its (absent) tree, or load() the empty index
    return { loaded: () => (commit === null ? null : this.indexes.get(commit) ?? null), load: () => this.indexOf(commit) };
  }

  /**
   * A build record: by the build id that `add` and `ls` give (its header digest) or by
   * the record's own object id. ERR_USAGE when `id` is not an id, ERR_WRONG_KIND when it
   * names another kind of object, ERR_PACKAGE_NOT_FOUND when no build has that header.
   */
  async build(id: ObjectId): Promise<BuildRecord> {
    // A record id (what indexes, images and channels hold) is read straight; only an id
    // no stored record has is looked up as a header digest (a lease and the index).
    askedObjectId(id);
    const stored = await this.storedKind(id, 'build');
    if (stored) return stored;
    return (await this.recordOfBuildId(id)) ?? this.objects.readAskedKind(id, 'build');
  }

  /**
   * A package manifest (header metadata, dependencies, files with their object ids): by
   * build id (what `add` returns), by build record id, or by the manifest's own id.
   *
   * @example
   * const [added] = await store.add(['webapp-2.4.1-alt1.noarch.rpm']);
   * const manifest = await store.manifest(added.id);
   */
  async manifest(id: ObjectId): Promise<PackageManifest> {
    askedObjectId(id);
    const stored = (await this.storedKind(id, 'package')) ?? (await this.storedKind(id, 'build')) ?? (await this.recordOfBuildId(id));
    if (stored === null) return this.objects.readAskedKind(id, 'package');
    return 'manifest' in stored ? this.objects.readKind(stored.manifest, 'package') : stored;
  }

  /** The object `id` as a `kind`; null when the store has no such object or it is of another kind. */
  private async storedKind<K extends 'build' | 'package'>(id: ObjectId, kind: K): Promise<KindValues[K] | null> {
    // read, not asked for first (`has` would look for it once more): absent is its error
    try {
      return await this.objects.readAskedKind(id, kind);
    } catch (err) {
      if (err instanceof BazaarError && (err.code === 'ERR_WRONG_KIND' || err.code === 'ERR_STORE_OBJECT_NOT_FOUND')) return null;
      throw err;
    }
  }

  /**
   * Streams any object a view can name, verified as it is read: a stored one, or a file
   * of a package that still stays in its .rpm (read from the .rpm, checked against its
   * id). ERR_STORE_OBJECT_NOT_FOUND when neither holds it.
   */
  async *streamObject(view: BranchView, id: ObjectId): AsyncGenerator<Buffer> {
    askedObjectId(id);
    if (await this.objects.has(id)) { yield* this.objects.stream(id); return; }
    const index = await this.index(view);
    const [{ buildKeyHoldingFile }, { streamFileOfRpm }] = await Promise.all([import('./file-locator.js'), import('./rpm-blob.js')]);
    const key = await buildKeyHoldingFile(this.dir, this.objects, index, id);
    const build = key === null ? undefined : index.get(key);
    if (!build) throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${id} is not in the store`, { data: { id } });
    const record = await this.objects.readKind(build.value, 'build');
    const file = (await this.objects.readKind(record.manifest, 'package')).files.find((f) => f.id === id);
    yield* streamFileOfRpm(this.objects, servedVariant(record).rpm, id, file?.size ?? 0);
  }

  /** The record of the build whose header digest is `id` (null: no build has it; checks the id's form). */
  private async recordOfBuildId(id: unknown): Promise<BuildRecord | null> {
    askedObjectId(id);
    const matches = await this.read(async (snap) => (await this.index(snap)).byHeader(id as string));
    return matches.length ? this.objects.readKind(matches[0].value, 'build') : null;
  }

  /** The one build `ref` names in the store (see builds.ts for the accepted spellings). */
  async findPackage(view: BranchView, ref: string): Promise<StoredBuild> {
    const entry = await findBuild(view, PACKAGES_BRANCH, ref, 'store', this.indexSource(view, PACKAGES_BRANCH));
    return readBuild(this.objects, entry);
  }

  /** Every build of the store, sorted by name then NEVRA. */
  async list(view?: BranchView): Promise<BuildEntry[]> {
    if (view) return (await this.index(view)).builds.map((b) => ({ name: b.name, key: b.key, nevra: b.nevra, value: b.value }));
    return this.read((snap) => this.list(snap));
  }

  /**
   * Adds .rpm files, all or nothing (add-packages.ts): every file is read and checked
   * first; if any is bad (or a NEVRA is already taken by another build) nothing changes.
   *
   * @example
   * const [added] = await store.add(['repos/sample/RPMS/noarch/webapp-2.4.1-alt1.noarch.rpm']);
   */
  async add(paths: AddPath[], options: AddOptions = {}): Promise<AddResult[]> {
    return (await import('./add-packages.js')).addPackages(this, paths, options);
  }

  /**
   * Imports a directory tree (see import-tree.ts) and records its root as `trees/<name>`
   * in one commit; nothing becomes visible if any file fails.
   */
  async importTree(dir: string, name: string, onFile?: (path: string) => void): Promise<{ root: ObjectId; files: number; bytes: number }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name) || name.includes('..')) {
      throw new BazaarError('ERR_USAGE', `"${name}" is not a valid tree name (letters, digits, . _ + -)`);
    }
    const imported = await (await import('./import-tree.js')).importTree(this.objects, dir, onFile);
    try {
      await this.write(async (tx) => {
        tx.stageAll(imported.staged);
        await tx.update(TREES_BRANCH, [{ path: name, id: imported.root }], `import ${name} from ${dir}`);
      });
    } catch (err) {
      await this.objects.discard(imported.staged);
      throw err;
    }
    return { root: imported.root, files: imported.files, bytes: imported.bytes };
  }

  /**
   * Deletes every derived cache (indexes, universe caches) and rebuilds the package indexes
   * of the current state; fails (ERR_NO_SPACE on a full disk) when they cannot be saved,
   * the store's content untouched either way.
   */
  async reindex(): Promise<{ packages: number; channels: number }> {
    removeTree(cacheDir(this.dir));
    const { PackageIndex } = await import('./package-index.js');
    return this.read(async (snap) => {
      const ctx = { root: this.dir, repo: this.repo, objects: this.objects, onNotice: (l: string) => this.notice(l), mustSave: true };
      const channels = snap.branches(CHANNEL_PREFIX);
      for (const c of channels) await PackageIndex.forCommit(ctx, snap.head(c));
      return { packages: (await PackageIndex.forCommit(ctx, snap.head(PACKAGES_BRANCH))).builds.length, channels: channels.length };
    });
  }

  /** Checks everything and reports (fsck.ts); never throws on damage. */
  async fsck(options: RetentionChoice & { onProgress?: (done: number, total: number) => void } = {}): Promise<FsckReport> {
    return (await import('./fsck.js')).fsck(this, options);
  }

  /** Deletes what no kept state reaches (gc.ts). */
  async gc(choice: GcChoice = {}): Promise<GcReport> { return (await import('./gc.js')).gc(this, choice); }

  /** Objects and their bytes on disk (compressed). */
  async diskUsage(): Promise<{ objects: number; bytes: number }> {
    let objects = 0;
    let bytes = 0;
    for await (const e of this.objects.list()) if ('id' in e) { objects++; bytes += (await this.objects.storedSize(e.id)) ?? 0; }
    return { objects, bytes };
  }

  /** The build id of an .rpm file, without adding it; null when no file is there. */
  static buildIdOfFile(path: FilePath): Promise<ObjectId | null> { return buildIdOfFile(path); }

  /** Every build entry of a branch (records not read). */
  static entries(view: BranchView, branch: string): Promise<BuildEntry[]> { return allEntries(view, branch); }
}

/** The objects, state and history behind a store: for the store's own modules (and tests of them). */
export function internals(store: Store): StoreInternals { return internalsOfStore(store); }
