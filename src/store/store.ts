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
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { allEntries, buildIdOfFile, entryAt, findBuild, readBuild } from './builds.js';
import type { BuildEntry, StoredBuild } from './builds.js';
import type { BranchView } from './branch-view.js';
import { addBuildsToChannel, requireChannel } from './channels.js';
import { readDamage } from './damage.js';
import { FsObjectBackend } from './fs-object-backend.js';
import { FsStateBackend } from './fs-state-backend.js';
import { GitRepo } from './history/git-repo.js';
import { prepareRpm } from './ingest-rpm.js';
import type { PreparedPackage } from './ingest-rpm.js';
import { readKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import type { PackageManifest } from './kinds/package.js';
import { STORE_LAYOUT_VERSION, cacheDir, gitDir, markerPath, objectsDir, stateDir, tmpDir } from './layout.js';
import { removeTree } from './fs-ops.js';
import { importTree } from './import-tree.js';
import { fsck } from './fsck.js';
import type { FsckReport } from './fsck.js';
import { gc } from './gc.js';
import type { GcReport } from './gc.js';
import type { RetentionChoice } from './retention.js';
import type { ObjectId } from './layout.js';
import { readLeases } from './leases.js';
import { withLock } from './lock.js';
import { migrateLayout1 } from './migrate-layout1.js';
import { ObjectStore } from './objects.js';
import type { StagedObject } from './objects.js';
import { PackageIndex } from './package-index.js';
import { CHANNEL_PREFIX, PACKAGES_BRANCH, TREES_BRANCH, buildPath } from './ref-paths.js';
import { Snapshot } from './snapshot.js';
import type { StateBackend } from './state-backend.js';
import { StateConflict, Transaction, conflictError } from './transaction.js';
import { stageKind } from './kinds/index.js';

/** Packages read and staged at once by `add`. */
const PREPARE_PARALLEL = 3;

export interface AddResult { nevra: string; id: ObjectId; path: string; added: boolean }
export interface AddOptions {
  onProgress?: (done: number, total: number, path: string) => void;
  /** Also put every added build (new or already stored) in this channel, in the same commit. */
  channel?: string;
}

export interface StoreOptions {
  /** One-line notices for the user (an index being built, a stale lock taken over). */
  onNotice?: (line: string) => void;
  /** The clock (ms); injectable for tests. */
  now?: () => number;
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

export class Store {
  readonly objects: ObjectStore;
  readonly states: StateBackend;
  readonly repo: GitRepo;
  readonly now: () => number;

  private constructor(readonly dir: string, private readonly options: StoreOptions) {
    this.objects = new ObjectStore(new FsObjectBackend(dir));
    this.states = new FsStateBackend(dir);
    this.repo = new GitRepo(gitDir(dir), dir);
    this.now = options.now ?? Date.now;
  }

  /** Creates a store in `dir` (which may exist and be empty); idempotent on an existing store. */
  static async init(dir: string, options: StoreOptions = {}): Promise<Store> {
    makeStoreDir(dir);
    try {
      writeFileSync(markerPath(dir), `${JSON.stringify({ layout: STORE_LAYOUT_VERSION })}\n`, { flag: 'wx' });
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return Store.open(dir, options);
      if (isErrno(err, 'ENOTDIR') || isErrno(err, 'EACCES') || isErrno(err, 'EROFS')) {
        throw new BazaarError('ERR_BAD_INPUT', `cannot create a store at ${dir}: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
    for (const d of [objectsDir(dir), tmpDir(dir), stateDir(dir)]) mkdirSync(d, { recursive: true });
    const store = new Store(dir, options);
    await store.repo.init();
    return store;
  }

  /** Opens an existing store (migrating a layout-1 store once); a clear error if `dir` is not one. */
  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    let marker: { layout?: unknown };
    try {
      marker = JSON.parse(readFileSync(markerPath(dir), 'utf8'));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw new BazaarError('ERR_STORE_NOT_FOUND', `${dir} is not a bazaar store; create one with 'bazaar init --store ${dir}'`, { data: { dir } });
      throw new BazaarError('ERR_STORE_LAYOUT', `${markerPath(dir)} is unreadable: ${(err as Error).message}`, { cause: err });
    }
    const store = new Store(dir, options);
    if (marker.layout === 1) {
      await withLock(dir, () => migrateLayout1(store), store.lockOptions());
      return store;
    }
    if (marker.layout !== STORE_LAYOUT_VERSION) {
      throw new BazaarError('ERR_STORE_LAYOUT', `${dir} has store layout ${String(marker.layout)}; this bazaar reads layouts 1 and ${STORE_LAYOUT_VERSION}`);
    }
    return store;
  }

  notice(line: string): void { this.options.onNotice?.(line); }

  lockOptions(): { onWait: (holder: string) => void } {
    return { onWait: (holder) => this.notice(`waiting for another writer (${holder})`) };
  }

  /** A leased snapshot of the newest state; close it when done (see snapshot.ts). */
  snapshot(): Snapshot { return Snapshot.open(this.repo, this.states, this.dir); }

  /**
   * Runs `fn` on a snapshot. Should an object it reads have been collected meanwhile (its
   * state was replaced and left the retention window before the lease was seen), it runs
   * again once on the newest state.
   */
  async read<T>(fn: (view: Snapshot) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const snap = this.snapshot();
      try {
        return await fn(snap);
      } catch (err) {
        const vanished = err instanceof BazaarError && (err.code === 'ERR_STORE_OBJECT_NOT_FOUND' || (err.code === 'ERR_STORE_DAMAGED' && err.data.problem === 'is missing'));
        if (!vanished || attempt > 0 || this.states.latest().seq === snap.state.seq) throw err;
      } finally {
        snap.close();
      }
    }
  }

  /**
   * Runs `fn` in a transaction under the writers' lock and commits it. Should another
   * writer commit meanwhile (possible only if the lock was removed by hand), `fn` runs
   * again on the new state; nothing is ever overwritten.
   */
  async write<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return withLock(this.dir, async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const tx = new Transaction(this.repo, this.states.latest(), this.objects, this.states, this.dir, this.now);
        // Readers find the package index of the new state ready (it is derived: best effort).
        tx.afterCommit(async (state) => {
          for (const branch of tx.changedBranches()) {
            if (branch === PACKAGES_BRANCH || branch.startsWith(CHANNEL_PREFIX)) {
              await PackageIndex.forCommit({ root: this.dir, repo: this.repo, objects: this.objects }, state.heads[branch] ?? null);
            }
          }
        });
        let result: T;
        try {
          result = await fn(tx);
          const state = await tx.commit();
          Transaction.pruneStates(this.states, state.seq, readLeases(this.dir).live.map((l) => l.seq));
        } catch (err) {
          await tx.abort();
          if (err instanceof StateConflict) continue;
          throw err;
        }
        return result;
      }
      throw conflictError();
    }, this.lockOptions());
  }

  /** The package index of a branch as a view sees it (packages by default). */
  index(view: BranchView, branch = PACKAGES_BRANCH): Promise<PackageIndex> { return this.indexOf(view.head(branch)); }

  /** The package index of one commit of a package-like branch (null: empty). */
  indexOf(commit: string | null): Promise<PackageIndex> {
    return PackageIndex.forCommit({ root: this.dir, repo: this.repo, objects: this.objects, onNotice: (l) => this.notice(l) }, commit);
  }

  /** A build record by its object id. */
  build(id: ObjectId): Promise<BuildRecord> { return readKind(this.objects, id, 'build'); }

  /** A package manifest by its object id. */
  manifest(id: ObjectId): Promise<PackageManifest> { return readKind(this.objects, id, 'package'); }

  /** The one build `ref` names in the store (see builds.ts for the accepted spellings). */
  async findPackage(view: BranchView, ref: string): Promise<StoredBuild> {
    const entry = await findBuild(view, this.objects, PACKAGES_BRANCH, ref, 'the store', "'bazaar ls' lists what is there");
    return readBuild(this.objects, entry);
  }

  /** Every build of the store, sorted by name then NEVRA. */
  async list(view?: BranchView): Promise<BuildEntry[]> {
    if (view) return (await this.index(view)).builds.map((b) => ({ name: b.name, key: b.key, nevra: b.nevra, value: b.value }));
    return this.read((snap) => this.list(snap));
  }

  /**
   * Adds .rpm files, all or nothing: every file is read and checked first; if any is bad
   * (or a NEVRA is already taken by another build) nothing changes. A file whose build is
   * stored already adds nothing, or a signature variant when its signatures differ; the
   * objects of that build known to be damaged are written again (a re-add heals).
   */
  async add(paths: string[], options: AddOptions = {}): Promise<AddResult[]> {
    for (const p of paths) checkRegularFile(p);
    if (options.channel !== undefined) await this.read((snap) => requireChannel(this, snap, options.channel as string));
    const rewrite = new Set(readDamage(this.dir).map((d) => d.id));
    for (let attempt = 0; ; attempt++) {
      const prepared = await this.prepareAll(paths, rewrite, options.onProgress);
      const used = new Set<StagedObject>();
      try {
        return await this.write(async (tx) => {
          used.clear();
          if (options.channel !== undefined) await requireChannel(this, tx, options.channel);
          const { results, builds } = await this.applyPrepared(tx, prepared, used, rewrite);
          if (options.channel !== undefined) {
            await addBuildsToChannel(this, tx, options.channel, builds, `add ${results.length} package${results.length === 1 ? '' : 's'} from files`);
          }
          return results;
        });
      } catch (err) {
        // A concurrent gc removed an object we deduplicated against: prepare again.
        if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_NOT_FOUND' && err.data.retry && attempt < 2) continue;
        throw err;
      } finally {
        for (const p of prepared) await this.objects.discard([p.rpmStaged, ...p.blobStaged, ...p.metaStaged].filter((s) => !used.has(s)));
      }
    }
  }

  /**
   * Reads and stages packages, PREPARE_PARALLEL at a time, results in the order given. On
   * a failure, everything staged is discarded and the failure of the first failing path
   * (in the order given, so the message does not depend on timing) is thrown.
   */
  private async prepareAll(paths: string[], rewrite: ReadonlySet<ObjectId>, onProgress?: AddOptions['onProgress']): Promise<PreparedPackage[]> {
    const out: Array<PreparedPackage | undefined> = new Array(paths.length);
    const failures: Array<{ index: number; err: unknown }> = [];
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (failures.length === 0 && next < paths.length) {
        const index = next++;
        try {
          out[index] = await prepareRpm(this.objects, paths[index], { rewrite });
          onProgress?.(++done, paths.length, paths[index]);
        } catch (err) {
          failures.push({ index, err });
        }
      }
    };
    await Promise.all(Array.from({ length: PREPARE_PARALLEL }, worker));
    if (failures.length) {
      for (const p of out) if (p) await this.objects.discard([p.rpmStaged, ...p.blobStaged, ...p.metaStaged]);
      throw failures.sort((a, b) => a.index - b.index)[0].err;
    }
    return out as PreparedPackage[];
  }

  /** Turns prepared packages into build records in `tx`; `used` collects what gets committed. */
  private async applyPrepared(tx: Transaction, prepared: PreparedPackage[], used: Set<StagedObject>, rewrite: ReadonlySet<ObjectId>): Promise<{ results: AddResult[]; builds: BuildEntry[] }> {
    const records = new Map<string, { record: BuildRecord; changed: boolean; value: ObjectId | null }>();
    const results: AddResult[] = [];
    const use = (...s: StagedObject[]): void => { for (const x of s) { used.add(x); tx.stage(x); } };
    for (const p of prepared) {
      let current = records.get(p.key);
      if (!current) {
        const entry = await entryAt(tx, PACKAGES_BRANCH, p.name, p.key);
        if (entry) current = { record: await readKind(this.objects, entry.value, 'build'), changed: false, value: entry.value };
      }
      if (current && current.record.header !== p.header) {
        throw new BazaarError('ERR_NEVRA_CONFLICT',
          `${p.nevra} is already in the store as build ${current.record.header}; refusing another build ${p.header} under the same NEVRA (bump the release); from ${p.path}`,
          { data: { nevra: p.nevra, existing: current.record.header, incoming: p.header, path: p.path } });
      }
      const variant = { rpm: p.rpm, size: p.rpmSize, signatures: p.signatures, added: Math.floor(this.now() / 1000) };
      if (!current) {
        use(p.rpmStaged, ...p.blobStaged, ...p.metaStaged);
        const m = p.meta;
        const record: Omit<BuildRecord, 'kind' | 'v'> = {
          name: p.name, nevra: p.nevra, key: p.key, epoch: m.epoch, version: m.version, release: m.release, arch: m.arch,
          disttag: m.disttag, buildtime: m.buildtime, isSource: m.isSource, header: p.header, manifest: p.manifest, variants: [variant],
        };
        records.set(p.key, { record: { ...record, kind: 'build', v: 1 }, changed: true, value: null });
        results.push({ nevra: p.nevra, id: p.header, path: p.path, added: true });
        continue;
      }
      // The same build again: heal what was missing or known damaged (staged with a slot).
      records.set(p.key, current);
      use(...p.blobStaged.filter((s) => s.slot !== null));
      if (p.manifest === current.record.manifest) {
        use(...p.metaStaged.filter((s) => s.slot !== null));
      } else if (!this.objects.has(current.record.manifest) || rewrite.has(current.record.manifest)) {
        // A manifest of an older format that is gone: the build takes this one instead.
        use(...p.metaStaged.filter((s) => s.slot !== null));
        current.record = { ...current.record, manifest: p.manifest };
        current.changed = true;
      }
      if (current.record.variants.some((v) => v.rpm === p.rpm)) {
        if (p.rpmStaged.slot !== null) use(p.rpmStaged);
        results.push({ nevra: p.nevra, id: p.header, path: p.path, added: current.changed });
        continue;
      }
      use(p.rpmStaged);
      current.record = { ...current.record, variants: [...current.record.variants, variant] };
      current.changed = true;
      records.set(p.key, current);
      results.push({ nevra: p.nevra, id: p.header, path: p.path, added: true });
    }
    // Objects we deduplicated against must still exist (a gc may have run before the lock).
    for (const s of used) {
      if (s.slot === null && !this.objects.has(s.id)) {
        throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${s.id} vanished while adding`, { data: { retry: true } });
      }
    }
    const changes: Array<{ path: string; id: ObjectId }> = [];
    const builds: BuildEntry[] = [];
    const lines: string[] = [];
    for (const { record, changed, value } of records.values()) {
      let id = value as ObjectId;
      if (changed) {
        const { kind: _kind, v: _v, ...fields } = record;
        const staged = await stageKind(this.objects, 'build', fields);
        use(staged);
        id = staged.id;
        changes.push({ path: buildPath(record.name, record.key), id });
        lines.push(`${record.nevra} ${record.header}`);
      }
      builds.push({ name: record.name, key: record.key, nevra: record.nevra, value: id });
    }
    if (changes.length) {
      await tx.update(PACKAGES_BRANCH, changes, `add ${changes.length} package${changes.length === 1 ? '' : 's'}\n\n${lines.join('\n')}`);
    }
    return { results, builds };
  }

  /**
   * Imports a directory tree (see import-tree.ts) and records its root as `trees/<name>`
   * in one commit; nothing becomes visible if any file fails.
   */
  async importTree(dir: string, name: string, onFile?: (path: string) => void): Promise<{ root: ObjectId; files: number; bytes: number }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name) || name.includes('..')) {
      throw new BazaarError('ERR_USAGE', `"${name}" is not a valid tree name (letters, digits, . _ + -)`);
    }
    const imported = await importTree(this.objects, dir, onFile);
    try {
      await this.write(async (tx) => {
        tx.stage(...imported.staged);
        await tx.update(TREES_BRANCH, [{ path: name, id: imported.root }], `import ${name} from ${dir}`);
      });
    } catch (err) {
      await this.objects.discard(imported.staged);
      throw err;
    }
    return { root: imported.root, files: imported.files, bytes: imported.bytes };
  }

  /** Deletes every derived cache (indexes, universe caches) and rebuilds the package index. */
  async reindex(): Promise<{ packages: number }> {
    removeTree(cacheDir(this.dir));
    return this.read(async (snap) => ({ packages: (await this.index(snap)).builds.length }));
  }

  /** Checks everything and reports (fsck.ts); never throws on damage. */
  fsck(options: RetentionChoice & { onProgress?: (done: number, total: number) => void } = {}): Promise<FsckReport> { return fsck(this, options); }

  /** Deletes what no kept state reaches (gc.ts). */
  gc(choice: RetentionChoice = {}): Promise<GcReport> { return gc(this, choice); }

  /** Objects and their bytes on disk (compressed). */
  async diskUsage(): Promise<{ objects: number; bytes: number }> {
    let objects = 0;
    let bytes = 0;
    for await (const e of this.objects.list()) if ('id' in e) { objects++; bytes += this.objects.diskSize(e.id); }
    return { objects, bytes };
  }

  /** The build id of an .rpm file, without adding it. */
  static buildIdOfFile(path: string): Promise<ObjectId | null> { return buildIdOfFile(path); }

  /** Every build entry of a branch (records not read). */
  static entries(view: BranchView, branch: string): Promise<BuildEntry[]> { return allEntries(view, branch); }
}

/** A path `add` may read: a regular file (FIFOs, sockets and devices are refused before opening). */
function checkRegularFile(path: string): void {
  let st;
  try { st = statSync(path); } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${path}: cannot open: ${(err as Error).message}`, { cause: err, data: { path } });
  }
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new BazaarError('ERR_BAD_INPUT', `${path}: ${what}, not an .rpm file`, { data: { path } });
  }
}
