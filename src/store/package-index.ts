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
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { nevraOfKey } from '../rpm/names.js';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../fs/ops.js';
import { fromNearestCached } from './caches/nearest-cached.js';
import { packageIndexPath } from './caches/paths.js';
import { readValue } from './history/branch-tree.js';
import type { GitRepo } from './history/git-repo.js';
import { tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore } from './objects.js';
import { buildOfPath } from './ref-paths.js';

export interface IndexedBuild {
  name: string;
  key: string;
  nevra: string;
  /** The branch's value: the build record. */
  value: ObjectId;
  /** The build id (header digest); '' for a layout-1 entry in old history. */
  header: string;
  provides: string[];
}

/** How far back an ancestor's index is looked for before building from scratch. */
const ANCESTOR_SEARCH = 256;
const MAGIC = 'bazaar-package-index 1';

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
  static async forCommit(ctx: IndexContext, commit: string | null): Promise<PackageIndex> {
    if (commit === null) return PackageIndex.empty();
    const cached = readIndexFile(ctx.root, commit);
    if (cached === 'damaged') ctx.onNotice?.(`the package index of ${commit.slice(0, 12)} was damaged; rebuilding it`);
    else if (cached) return new PackageIndex(commit, cached.builds, cached.extras);
    const { base, changes, tree: toTree } = await fromNearestCached(ctx.repo, commit, ANCESTOR_SEARCH, (at) => {
      const b = readIndexFile(ctx.root, at);
      return b && b !== 'damaged' ? b.builds : null;
    });
    if (!base) ctx.onNotice?.(`building the package index of ${commit.slice(0, 12)} (first use; later ones are incremental)`);
    const builds = new Map<string, IndexedBuild & { incomplete?: true }>((base?.entry ?? []).map((b) => [b.key, b]));
    const extras = new Map<string, ObjectId>();
    for (const change of changes) {
      const where = buildOfPath(change.path);
      if (!where) continue;
      if (change.after === null) { builds.delete(where.key); continue; }
      builds.set(where.key, await indexEntry(ctx.objects, where.name, where.key, change.after));
    }
    for (const e of await ctx.repo.readTree(toTree)) {
      if (e.mode !== '40000') extras.set(e.name, await readValue(ctx.repo, e.oid));
    }
    const list = [...builds.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const extraList = [...extras].sort();
    if (!list.some((b) => 'incomplete' in b)) writeIndexFile(ctx.root, commit, list, extraList, ctx.mustSave === true);
    return new PackageIndex(commit, list.map(({ name, key, nevra, value, header, provides }) => ({ name, key, nevra, value, header, provides })), extraList);
  }
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

function checksum(body: string): string { return createHash('sha256').update(body).digest('hex'); }

/** The entries of a cached index; null when there is none, 'damaged' when it does not check. */
export function readIndexFile(root: string, commit: string): { builds: IndexedBuild[]; extras: Array<[string, ObjectId]> } | null | 'damaged' {
  let text: string;
  try { text = readFileSync(packageIndexPath(root, commit), 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    return 'damaged';
  }
  const sumAt = text.lastIndexOf('\n#sum ');
  if (!text.startsWith(`${MAGIC} ${commit}\n`) || sumAt < 0 || text.slice(sumAt + 6).trim() !== checksum(text.slice(0, sumAt + 1))) return 'damaged';
  const builds: IndexedBuild[] = [];
  const extras: Array<[string, ObjectId]> = [];
  try {
    for (const line of text.slice(text.indexOf('\n') + 1, sumAt + 1).split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as unknown[];
      if (row.length === 2) { extras.push(row as [string, ObjectId]); continue; }
      const [name, key, nevra, value, header, provides] = row as [string, string, string, ObjectId, string, string[]];
      builds.push({ name, key, nevra, value, header, provides });
    }
  } catch {
    return 'damaged';
  }
  return { builds, extras };
}

function writeIndexFile(root: string, commit: string, builds: IndexedBuild[], extras: Array<[string, ObjectId]>, mustSave: boolean): void {
  const rows = [...builds.map((b) => JSON.stringify([b.name, b.key, b.nevra, b.value, b.header, b.provides])), ...extras.map((e) => JSON.stringify(e))];
  const body = `${MAGIC} ${commit}\n${rows.map((r) => `${r}\n`).join('')}`;
  const path = packageIndexPath(root, commit);
  try {
    makeDir(dirname(path));
    const tmp = tmpPath(root);
    createFile(tmp, `${body}#sum ${checksum(body)}\n`);
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
  } catch (err) {
    // A reader on a read-only or full store keeps its index in memory only.
    if (mustSave || unwritableCode(err) === null) throw err;
  }
}
