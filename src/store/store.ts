/**
 * The store facade that the CLI, the server and build tools use: open or create a store,
 * add packages, look them up, read objects, check and collect garbage. Everything that
 * changes refs or the index runs under the store lock and brings the derived index up to
 * date first.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { checkPublishIdentity } from '../policy/versioning.js';
import { nevraKey, parseNevra } from '../rpm/nevra.js';
import type { Nevra } from '../rpm/nevra.js';
import { Catalog } from './catalog.js';
import type { CatalogPackage } from './catalog.js';
import { importTree } from './import-tree.js';
import { prepareRpm } from './ingest-rpm.js';
import type { PackageManifest, PreparedPackage } from './ingest-rpm.js';
import { STORE_LAYOUT_VERSION, indexDir, markerPath, objectsDir, tmpDir, tmpOwner } from './layout.js';
import type { ObjectId } from './layout.js';
import { processAlive, withLock } from './lock.js';
import { ObjectStore } from './objects.js';
import { PACKAGES_BRANCH, Refs } from './refs.js';
import { allRoots, markReachable } from './reachable.js';
import { retentionRoots } from './retention.js';
import type { RetentionChoice } from './retention.js';
import { addBuildsToChannel, requireChannel } from './channels.js';

/** Packages read and staged at once by `add`. */
const PREPARE_PARALLEL = 3;

/** Branch recording imported directory trees by name. */
const TREES_BRANCH = 'trees';

export interface AddResult { nevra: string; id: ObjectId; path: string; added: boolean }
export interface AddOptions {
  onProgress?: (done: number, total: number, path: string) => void;
  /** Also put every added build (new or already stored) in this channel, under the same lock. */
  channel?: string;
}
export interface FsckReport { objects: number; damaged: Array<{ id: string; problem: string }>; missing: Array<{ id: string; from: string }>; refProblems: string[]; unreferenced: number; staleTemps: number; pruned: number }
export interface GcReport { kept: number; deleted: number; freedBytes: number; tempsRemoved: number; retentionDays: number; now: string }

export class Store {
  readonly objects: ObjectStore;
  readonly refs: Refs;

  private constructor(readonly dir: string) {
    this.objects = new ObjectStore(dir);
    this.refs = new Refs(dir);
  }

  /** Creates a store in `dir` (which may exist and be empty); idempotent on an existing store. */
  static async init(dir: string): Promise<Store> {
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(markerPath(dir), `${JSON.stringify({ layout: STORE_LAYOUT_VERSION })}\n`, { flag: 'wx' });
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    await mkdir(objectsDir(dir), { recursive: true });
    await mkdir(tmpDir(dir), { recursive: true });
    const store = await Store.open(dir);
    await store.refs.init();
    return store;
  }

  /** Opens an existing store; a clear error if `dir` is not one. */
  static async open(dir: string): Promise<Store> {
    let marker: { layout?: unknown };
    try {
      marker = JSON.parse(await readFile(markerPath(dir), 'utf8'));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_STORE_NOT_FOUND', `${dir} is not a bazaar store; create one with 'bazaar init --store ${dir}'`, { data: { dir } });
      throw new BazaarError('ERR_STORE_LAYOUT', `${markerPath(dir)} is unreadable: ${(err as Error).message}`, { cause: err });
    }
    if (marker.layout !== STORE_LAYOUT_VERSION) {
      throw new BazaarError('ERR_STORE_LAYOUT', `${dir} has store layout ${String(marker.layout)}; this bazaar reads layout ${STORE_LAYOUT_VERSION}`);
    }
    return new Store(dir);
  }

  /**
   * Runs `fn` with the lock held and an up-to-date index. Everything that changes refs
   * (channels, pins, rm) goes through here, so it never races another writer or gc.
   */
  async locked<T>(fn: (catalog: Catalog) => Promise<T>): Promise<T> {
    return withLock(this.dir, async () => {
      const catalog = await Catalog.open(this.dir);
      try {
        await this.syncCatalog(catalog);
        return await fn(catalog);
      } finally {
        await catalog.close();
      }
    });
  }

  private async syncCatalog(catalog: Catalog, force = false): Promise<void> {
    const head = await this.refs.head(PACKAGES_BRANCH);
    if (!force && (await catalog.builtFrom()) === head) return;
    const entries = head === null ? new Map() : await this.refs.entries(PACKAGES_BRANCH, head);
    const packages: CatalogPackage[] = [];
    for (const [path, id] of entries) {
      const [name, key] = path.split('/');
      packages.push({ name, key, nevra: (await this.manifest(id)).nevra, id });
    }
    await catalog.rebuild(packages, head);
  }

  /**
   * Adds .rpm files, all or nothing: every file is read and checked first; if any is bad
   * (or a NEVRA is already taken by different content) nothing changes.
   */
  async add(paths: string[], options: AddOptions = {}): Promise<AddResult[]> {
    // An unknown channel is refused before any file is read.
    if (options.channel !== undefined) await this.locked(() => requireChannel(this, options.channel as string));
    for (let attempt = 0; ; attempt++) {
      const prepared: PreparedPackage[] = [];
      try {
        prepared.push(...(await this.prepareAll(paths, options.onProgress)));
        return await this.locked(async (catalog) => {
          // Checked again under the lock: the channel may have gone meanwhile.
          if (options.channel !== undefined) await requireChannel(this, options.channel);
          const results = await this.commitPrepared(catalog, prepared);
          if (options.channel !== undefined) {
            await addBuildsToChannel(this, options.channel, results.map((r) => this.buildOf(r.nevra, r.id)), `add ${results.length} package${results.length === 1 ? '' : 's'} from files`);
          }
          return results;
        });
      } catch (err) {
        for (const p of prepared) await this.objects.discard(p.staged);
        // A concurrent gc removed an object we deduplicated against: prepare again.
        if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_NOT_FOUND' && err.data.retry && attempt < 2) continue;
        throw err;
      }
    }
  }

  /**
   * Reads and stages packages, PREPARE_PARALLEL at a time (one package's payload
   * decompresses while another's files are written), results in the order given. On a
   * failure, everything staged is discarded and the failure of the first failing path
   * (in the order given, so the message does not depend on timing) is thrown.
   */
  private async prepareAll(paths: string[], onProgress?: AddOptions['onProgress']): Promise<PreparedPackage[]> {
    const out: Array<PreparedPackage | undefined> = new Array(paths.length);
    const failures: Array<{ index: number; err: unknown }> = [];
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (failures.length === 0 && next < paths.length) {
        const index = next++;
        try {
          out[index] = await prepareRpm(this.objects, paths[index]);
          onProgress?.(++done, paths.length, paths[index]);
        } catch (err) {
          failures.push({ index, err });
        }
      }
    };
    await Promise.all(Array.from({ length: PREPARE_PARALLEL }, worker));
    if (failures.length) {
      for (const p of out) if (p) await this.objects.discard(p.staged);
      throw failures.sort((a, b) => a.index - b.index)[0].err;
    }
    return out as PreparedPackage[];
  }

  private async commitPrepared(catalog: Catalog, prepared: PreparedPackage[]): Promise<AddResult[]> {
    const results: AddResult[] = [];
    const fresh = new Map<string, PreparedPackage>();
    for (const p of prepared) {
      const existing = (await catalog.byKey(p.key))?.id ?? fresh.get(p.key)?.id ?? null;
      if (existing !== null) {
        // The policy decides identity (rule-identity); the store only adds which file it was.
        const parsed = this.parsedNevra(p.nevra, p.id);
        try {
          checkPublishIdentity({ incoming: { ...parsed, id: p.id }, existing: [{ ...parsed, id: existing }] });
        } catch (err) {
          if (err instanceof BazaarError) throw new BazaarError(err.code, `${err.message}; from ${p.path}`, { data: { ...err.data, path: p.path } });
          throw err;
        }
      }
      results.push({ nevra: p.nevra, id: p.id, path: p.path, added: existing === null });
      if (existing === null) fresh.set(p.key, p);
    }
    for (const p of fresh.values()) {
      for (const s of p.staged) {
        if (s.tmp === null && !(await this.objects.has(s.id))) {
          throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${s.id} vanished while adding`, { data: { retry: true } });
        }
      }
    }
    for (const p of prepared) if (fresh.get(p.key) !== p) await this.objects.discard(p.staged);
    if (fresh.size === 0) return results;
    for (const p of fresh.values()) await this.objects.commit(p.staged);
    const added = [...fresh.values()];
    const commit = await this.refs.update(PACKAGES_BRANCH, added.map((p) => ({ path: `${p.name}/${p.key}`, id: p.id })),
      `add ${added.length} package${added.length === 1 ? '' : 's'}\n\n${added.map((p) => `${p.nevra} ${p.id}`).join('\n')}`);
    await catalog.add(added.map((p) => ({ name: p.name, key: p.key, nevra: p.nevra, id: p.id })), commit);
    return results;
  }

  /** The name and key (NEVRA with the epoch written) of a stored build. */
  buildOf(nevra: string, id: ObjectId): CatalogPackage {
    const parsed = this.parsedNevra(nevra, id);
    return { name: parsed.name, key: nevraKey(parsed), nevra, id };
  }

  private parsedNevra(nevra: string, id: ObjectId): Nevra {
    const parsed = parseNevra(nevra);
    if (!parsed) throw new BazaarError('ERR_STORE_REF', `${nevra} (${id}) is not a NEVRA`);
    return parsed;
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
      await this.locked(async () => {
        await this.objects.commit(imported.staged);
        await this.refs.update(TREES_BRANCH, [{ path: name, id: imported.root }], `import ${name} from ${dir}`);
      });
    } catch (err) {
      await this.objects.discard(imported.staged);
      throw err;
    }
    return { root: imported.root, files: imported.files, bytes: imported.bytes };
  }

  /** Every package, sorted by name then NEVRA. */
  async list(): Promise<CatalogPackage[]> {
    return this.locked((catalog) => catalog.all());
  }

  /**
   * Finds one package by `name-[epoch:]version-release.arch` (epoch 0 may be written or
   * left out) or, when only one build has that name, by its bare name.
   */
  async resolvePackage(ref: string): Promise<{ nevra: string; id: ObjectId }> {
    return this.locked(async (catalog) => {
      const { nevra, id } = await this.resolveWith(catalog, ref);
      return { nevra, id };
    });
  }

  /** `resolvePackage` for callers that already hold the lock. */
  async resolveWith(catalog: Catalog, ref: string): Promise<CatalogPackage> {
    const parsed = parseNevra(ref);
    if (parsed) {
      const found = await catalog.byKey(nevraKey(parsed));
      if (found) return { name: parsed.name, key: nevraKey(parsed), ...found };
      if (parsed.epoch === null) {
        // As `rpm -q name-version-release.arch` does: no epoch written matches any epoch,
        // when exactly one build fits.
        const tail = `:${parsed.version}-${parsed.release}.${parsed.arch}`;
        const fits = (await catalog.byName(parsed.name)).filter((b) => /^\d+$/.test(b.key.slice(parsed.name.length + 1, b.key.length - tail.length)) && b.key.endsWith(tail));
        if (fits.length === 1) return fits[0];
      }
    }
    const builds = await catalog.byName(ref);
    if (builds.length === 1) return builds[0];
    if (builds.length > 1) {
      throw new BazaarError('ERR_PACKAGE_AMBIGUOUS', `${ref} names ${builds.length} builds (${builds.map((b) => b.nevra).join(', ')}); give the full NEVRA`, { data: { ref, candidates: builds.map((b) => b.nevra) } });
    }
    throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no package ${ref} in the store; 'bazaar ls' lists what is there`, { data: { ref } });
  }

  async manifest(id: ObjectId): Promise<PackageManifest> {
    const value = JSON.parse((await this.objects.read(id)).toString('utf8')) as PackageManifest;
    if (value.type !== 'package') throw new BazaarError('ERR_BAD_INPUT', `${id} is a ${String(value.type)}, not a package manifest`);
    return value;
  }

  /** Verifies every object and every reference; the index is rebuilt if it lags the refs. */
  async fsck(onProgress?: (done: number, total: number) => void): Promise<FsckReport> {
    return this.locked(async () => {
      const report: FsckReport = { objects: 0, damaged: [], missing: [], refProblems: await this.refs.check(), unreferenced: 0, staleTemps: 0, pruned: 0 };
      const all: ObjectId[] = [];
      for await (const id of this.objects.list()) all.push(id);
      const damaged = new Set<string>();
      for (const id of all) {
        const problem = await this.objects.check(id);
        if (problem) { report.damaged.push({ id, problem }); damaged.add(id); }
        report.objects++;
        onProgress?.(report.objects, all.length);
      }
      // Missing from a head is damage; missing from older history is what gc pruned.
      const reachable = await markReachable(this, await allRoots(this), (id, from) => { if (!damaged.has(id)) report.missing.push({ id, from }); },
        { unreadable: damaged, onPruned: () => { report.pruned++; } });
      report.unreferenced = all.filter((id) => !reachable.has(id)).length;
      report.staleTemps = (await this.staleTemps()).length;
      return report;
    });
  }

  private async staleTemps(): Promise<string[]> {
    let names: string[];
    try { names = await readdir(tmpDir(this.dir)); } catch (err) { if (isErrno(err, 'ENOENT')) return []; throw err; }
    return names.filter((n) => { const pid = tmpOwner(n); return pid !== null && !processAlive(pid); }).map((n) => join(tmpDir(this.dir), n));
  }

  /**
   * Deletes every object that no branch head and no state inside the retention window
   * reaches (docs/versioning-policy.md#rule-retention), and temp files of dead processes.
   */
  async gc(choice: RetentionChoice = {}): Promise<GcReport> {
    return this.locked(async () => {
      const { roots, retentionDays, now } = await retentionRoots(this, choice);
      const reachable = await markReachable(this, roots, (id, from) => {
        throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${id} (referenced from ${from}) is missing; run 'bazaar fsck' before gc`);
      }, { onPruned: () => {} });
      const report: GcReport = { kept: 0, deleted: 0, freedBytes: 0, tempsRemoved: 0, retentionDays, now: new Date(now).toISOString() };
      for await (const id of this.objects.list()) {
        if (reachable.has(id)) { report.kept++; continue; }
        report.freedBytes += await this.objects.diskSize(id);
        await this.objects.delete(id);
        report.deleted++;
      }
      for (const t of await this.staleTemps()) { await rm(t, { force: true }); report.tempsRemoved++; }
      return report;
    });
  }

  /** Rebuilds the index from the refs, from scratch. */
  async reindex(): Promise<{ packages: number }> {
    return withLock(this.dir, async () => {
      await rm(indexDir(this.dir), { recursive: true, force: true });
      const catalog = await Catalog.open(this.dir);
      try {
        await this.syncCatalog(catalog, true);
        return { packages: (await catalog.all()).length };
      } finally {
        await catalog.close();
      }
    });
  }

  /** Total bytes of all object files on disk. */
  async diskUsage(): Promise<{ objects: number; bytes: number }> {
    let objects = 0;
    let bytes = 0;
    for await (const id of this.objects.list()) { objects++; bytes += await this.objects.diskSize(id); }
    return { objects, bytes };
  }
}
