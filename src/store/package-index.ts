/**
 * The package index: for one commit of a package-like branch, every build with its
 * NEVRA, record, build id and provided capabilities, for listing, lookups by build id and
 * lookups by provide. Derived data, immutable once written: it is keyed by the commit it
 * describes (`cache/index/<commit>.v1`), so any process may build it without a lock and
 * rename it into place, readers of older commits keep their own, and a crash or a deleted
 * cache costs a rebuild, never a wrong answer (the file carries a checksum).
 *
 * Building is incremental: from the nearest ancestor commit that has an index, only the
 * builds the trees' diff names are read (caches/nearest-cached.ts). A store's first index is built from scratch.
 * A write leaves its commit's file as a delta on that ancestor's (`derive`); a reader that
 * builds one writes it whole (package-index-file.ts has both forms).
 */
import { BazaarError } from '../errors.js';
import { nevraOfKey } from '../rpm/names.js';
import { fromNearestCached } from './caches/nearest-cached.js';
import { readValue } from './history/branch-tree.js';
import type { BranchDiffEntry } from './history/branch-tree.js';
import type { GitRepo } from './history/git-repo.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore } from './objects.js';
import { deltaFits, indexFileHead, readIndexFile, sortBuilds, writeIndexDelta, writeIndexFile } from './package-index-file.js';
import type { IndexedBuild } from './package-index-file.js';
import { buildOfPath } from './ref-paths.js';

export type { IndexedBuild } from './package-index-file.js';
export { readIndexFile } from './package-index-file.js';

/** How far back an ancestor's index is looked for before building from scratch. */
const ANCESTOR_SEARCH = 256;

export interface IndexContext {
  root: string;
  repo: GitRepo;
  objects: ObjectStore;
  /** Told when an index is built or rebuilt (one line). */
  onNotice?: (line: string) => void;
  /** Fail when the index cannot be saved (reindex), rather than keep it in memory only. */
  mustSave?: boolean;
}

/** Builds under each of their keys, in index order (built on first use: most commands ask one kind of lookup). */
function groupBuilds(builds: readonly IndexedBuild[], keysOf: (b: IndexedBuild) => Iterable<string>): Map<string, IndexedBuild[]> {
  const out = new Map<string, IndexedBuild[]>();
  for (const b of builds) {
    for (const k of keysOf(b)) {
      const list = out.get(k);
      if (list) list.push(b); else out.set(k, [b]);
    }
  }
  return out;
}

export class PackageIndex {
  private readonly byKey = new Map<string, IndexedBuild>();
  private byNameMap: Map<string, IndexedBuild[]> | null = null;
  private byHeaderMap: Map<string, IndexedBuild[]> | null = null;
  private providesMap: Map<string, IndexedBuild[]> | null = null;

  /**
   * `extras`: the branch's other values (a channel's settings), so the index holds the
   * whole branch: fsck --repair can rebuild a damaged tree of this commit from it.
   */
  private constructor(readonly commit: string | null, readonly builds: IndexedBuild[], readonly extras: Array<[string, ObjectId]> = []) {
    for (const b of builds) this.byKey.set(b.key, b);
  }

  static empty(): PackageIndex { return new PackageIndex(null, []); }

  get(key: string): IndexedBuild | undefined { return this.byKey.get(key); }

  /** Every build of one name. */
  named(name: string): IndexedBuild[] {
    this.byNameMap ??= groupBuilds(this.builds, (b) => [b.name]);
    return this.byNameMap.get(name) ?? [];
  }

  /** Builds whose build id is `id`. */
  byHeader(id: string): IndexedBuild[] {
    this.byHeaderMap ??= groupBuilds(this.builds, (b) => [b.header]);
    return this.byHeaderMap.get(id) ?? [];
  }

  /** Builds that provide a capability (by name, any version). */
  whatProvides(capability: string): IndexedBuild[] {
    this.providesMap ??= groupBuilds(this.builds, (b) => new Set(b.provides));
    return this.providesMap.get(capability) ?? [];
  }

  /** The index of `commit` (null: an empty branch), read from the cache or built. */
  static async forCommit(ctx: IndexContext, commit: string | null, held?: (commit: string) => PackageIndex | undefined): Promise<PackageIndex> {
    if (commit === null) return PackageIndex.empty();
    // a chain of deltas stops at an index the caller holds (a server after an upload)
    const cached = readIndexFile(ctx.root, commit, held && ((c) => held(c)?.builds));
    if (cached === 'damaged') ctx.onNotice?.(`the package index of ${commit.slice(0, 12)} was damaged; rebuilding it`);
    else if (cached) return new PackageIndex(commit, cached.builds, cached.extras);
    const { base, changes, tree: toTree } = await fromNearestCached(ctx.repo, commit, ANCESTOR_SEARCH, (at) => {
      const b = readIndexFile(ctx.root, at);
      return b && b !== 'damaged' ? b.builds : null;
    });
    if (!base) ctx.onNotice?.(`building the package index of ${commit.slice(0, 12)} (first use; later ones are incremental)`);
    const builds = new Map<string, IndexedBuild & { incomplete?: true }>((base?.entry ?? []).map((b) => [b.key, b]));
    for (const change of await changedEntries(ctx, changes)) {
      if ('removed' in change) builds.delete(change.removed); else builds.set(change.set.key, change.set);
    }
    const list = sortBuilds([...builds.values()]);
    const extras = await extrasOf(ctx.repo, toTree);
    if (!list.some((b) => 'incomplete' in b)) writeIndexFile(ctx.root, commit, list, extras, ctx.mustSave === true);
    return new PackageIndex(commit, list.map(({ name, key, nevra, value, header, provides }) => ({ name, key, nevra, value, header, provides })), extras);
  }

  /**
   * Makes sure `commit` has an index file, as cheaply as it can, without loading any:
   * a delta on the nearest ancestor's file (package-index-file.ts) holding only what the
   * trees' diff names, or, when there is none or the chain is long, a full one. After a
   * write, so that readers find it ready.
   */
  static async derive(ctx: IndexContext, commit: string | null): Promise<void> {
    if (commit === null || indexFileHead(ctx.root, commit) !== null) return;
    const { base, changes, tree } = await fromNearestCached(ctx.repo, commit, ANCESTOR_SEARCH, (at) => indexFileHead(ctx.root, at));
    if (base === null || !deltaFits(base.entry, changes.length)) { await PackageIndex.forCommit(ctx, commit); return; }
    const entries = await changedEntries(ctx, changes);
    if (entries.some((c) => 'set' in c && 'incomplete' in c.set)) return; // damage: readers build it, and say so, once repaired
    writeIndexDelta(ctx.root, commit, base.commit, base.entry, entries, await extrasOf(ctx.repo, tree));
  }
}

/** An index change whose build may be `incomplete` (damage). */
type EntryChange = { removed: string } | { set: IndexedBuild & { incomplete?: true } };

/** The index changes a trees' diff names: each build path added or changed read as an entry, each removed one by key. */
async function changedEntries(ctx: IndexContext, changes: readonly BranchDiffEntry[]): Promise<EntryChange[]> {
  const out: EntryChange[] = [];
  for (const change of changes) {
    const where = buildOfPath(change.path);
    if (!where) continue;
    out.push(change.after === null ? { removed: where.key } : { set: await indexEntry(ctx.objects, where.name, where.key, change.after) });
  }
  return out;
}

/** A branch tree's other values (a channel's settings), sorted by path. */
async function extrasOf(repo: GitRepo, tree: string): Promise<Array<[string, ObjectId]>> {
  const extras: Array<[string, ObjectId]> = [];
  for (const e of await repo.readTree(tree)) {
    if (e.mode !== '40000') extras.push([e.name, await readValue(repo, e.oid)]);
  }
  return extras.sort();
}

/**
 * One build's index entry. A record or manifest that cannot be read (damage: fsck names
 * it) leaves the entry without provides and marks it `incomplete`, so listing still works
 * and the index is not cached until the damage is repaired.
 */
async function indexEntry(objects: ObjectStore, name: string, key: string, value: ObjectId): Promise<IndexedBuild & { incomplete?: true }> {
  let record;
  try {
    record = await objects.readKind(value, 'build');
  } catch (err) {
    // A layout-1 entry of old history points at a manifest, not a record.
    const m = await objects.readKind(value, 'package').catch(() => null);
    if (m) return { name, key, nevra: m.nevra, value, header: '', provides: m.provides.map((d) => d.name) };
    if (!(err instanceof BazaarError)) throw err;
    // Another kind (a pin record) is a complete entry; an unreadable object is not.
    const otherKind = typeof err.data.declared === 'string';
    return { name, key, nevra: nevraOfKey(key), value, header: '', provides: [], ...(otherKind ? {} : { incomplete: true as const }) };
  }
  try {
    const provides = (await objects.readKind(record.manifest, 'package')).provides.map((d) => d.name);
    return { name, key, nevra: record.nevra, value, header: record.header, provides };
  } catch (err) {
    if (!(err instanceof BazaarError)) throw err;
    return { name, key, nevra: record.nevra, value, header: record.header, provides: [], incomplete: true };
  }
}
