/**
 * The solver's view of a universe: every package numbered, plus the indexes that answer
 * "who provides this dependency?" (provides by name, file paths from the metadata's file
 * lists, names for obsoletes). Built once per universe and reused by every job; the
 * answers are memoised per dependency string because a universe asks the same few
 * thousand questions again and again.
 */
import type { Dependency } from '../rpm/index.js';
import { archScorer } from './arch.js';
import { compareEvr, flagBits, rangesOverlap } from './overlap.js';
import { displayNevra, type Evr, formatEvr, formatEvrWithEpoch, formatNevraWithEpoch, isRich, parseEvr, parseRichDep, type RichNode, richSet } from '../rpm/index.js';
import type { PackageRecord, PackageSource } from './source.js';
import { answerEntry, answersReach, computePackageDeps, decodePackageDeps, encodePackageDeps, type PackageDeps } from './package-deps.js';

export interface PoolPackage {
  id: number;
  record: PackageRecord;
  name: string;
  evr: Evr;
  arch: string;
  /** 0 = not installable on this system (wrong arch, source package). */
  archScore: number;
  installed: boolean;
  /** every installable build of this name (shared with Pool.byName) */
  group: number[];
}

/**
 * A PoolPackage whose record, name and EVR are read on first use: over a universe cache
 * the pool makes only this small object per package at load (see Pool's constructor).
 * One class for both kinds of source, so the solver's reads of it stay monomorphic.
 */
class PackageEntry implements PoolPackage {
  installed = false;
  private evrMemo: Evr | null = null;
  private nameMemo: string | null = null;
  constructor(readonly id: number, private rec: PackageRecord | null, private readonly pool: Pool, readonly archScore: number, private groupMemo: number[] | null) {}
  get record(): PackageRecord { return this.rec ??= this.pool.lazyRecord(this.id); }
  get name(): string { return this.nameMemo ??= this.rec ? this.rec.name : this.pool.lazyName(this.id); }
  get arch(): string { return this.record.arch; }
  get group(): number[] { return this.groupMemo ??= this.archScore === 0 ? NO_GROUP : this.pool.lazyGroup(this.id); }
  get evr(): Evr {
    const r = this.record;
    return this.evrMemo ??= { epoch: r.epoch, version: r.version, release: r.release };
  }
}

/** The dependency lists a column numbers after provides (0). */
const DEP_LISTS = ['provides', 'requires', 'conflicts', 'obsoletes'];

/** The (empty, never written) group of packages that cannot be installed here. */
const NO_GROUP: number[] = [];

/** Dependency answers computed ahead of time for a source (universe-cache.ts writes them). */
export interface PrebuiltDeps {
  /** the system arch they were computed for */
  arch: string;
  /** per package: where its answers start in `data` */
  offsets: Int32Array;
  data: Int32Array;
}

/**
 * A universe the pool can read without a record per package (a loaded universe cache):
 * names, arches and the builds of a name come from its columns, records on first use.
 */
export interface UniverseColumns {
  readonly count: number;
  record(id: number): PackageRecord;
  /** a small integer per arch string (equal keys, equal arches) */
  archKey(id: number): number;
  archName(key: number): string;
  /** names are numbered 0 … nameCount - 1 */
  readonly nameCount: number;
  nameId(id: number): number;
  nameOf(id: number): string;
  /** the number of `name`, -1 when no package has it */
  nameIdOf(name: string): number;
  /** every package of name number k, ids ascending */
  idsOfName(k: number): Int32Array;
  /** idsOfName(k).length, without making the view */
  nameSize(k: number): number;
  /** record(id).requires.length, without decoding the list */
  requiresCount(id: number): number;
  /** dependency k of list `list` (0 provides … 3 obsoletes) of package id, without decoding the rest of the list */
  dependency(id: number, list: number, k: number): Dependency;
}

/** Builds of a name by name: a Map, or the columns' lookup. */
export interface NameLookup { get(name: string): number[] | undefined }

/** A source that may carry prebuilt answers and columns (a loaded universe cache does). */
export interface IndexedSource extends PackageSource { prebuiltDeps?: PrebuiltDeps; readonly columns?: UniverseColumns }

/** byName / otherArchByName over columns: a name's ids filtered by installability, made on first ask. */
class ColumnNames implements NameLookup {
  private readonly memo: Array<number[] | null | undefined>;
  constructor(private readonly cols: UniverseColumns, private readonly pool: Pool, private readonly installable: boolean) {
    this.memo = new Array<number[] | null | undefined>(cols.nameCount).fill(undefined);
  }
  get(name: string): number[] | undefined {
    const k = this.cols.nameIdOf(name);
    return k < 0 ? undefined : this.ofName(k) ?? undefined;
  }
  /** the list of name number k (null: none) */
  ofName(k: number): number[] | null {
    let out = this.memo[k];
    if (out === undefined) {
      const ids = this.cols.idsOfName(k);
      const P = this.pool.packages;
      out = null;
      for (let i = 0; i < ids.length; i++) if ((P[ids[i]].archScore > 0) === this.installable) (out ??= []).push(ids[i]);
      this.memo[k] = out;
    }
    return out;
  }
}

export interface PoolOptions {
  /** System arch (libsolv's pool arch); default x86_64. */
  arch?: string;
}

export class Pool {
  readonly packages: PoolPackage[] = [];
  /** installable builds by name, ids ascending (each list is those packages' `group`) */
  readonly byName: NameLookup;
  /** packages this system cannot install (other arch, source), by name: for explanations */
  readonly otherArchByName: NameLookup;
  private readonly columns: UniverseColumns | null = null;
  private readonly columnNames: ColumnNames | null = null;
  /**
   * per provided name, its provides as triples (package, flag bits, EVR text) in one flat
   * array: an object per provide was 120,000 objects in the Debian universe, made and
   * copied by the garbage collector while a cold load builds the index
   */
  private readonly provides = new Map<string, Array<number | string>>();
  /** provides' EVR texts, parsed on first use (whatProvides) */
  private readonly providedEvrs = new Map<string, Evr>();
  private readonly files = new Map<string, number[]>();
  private readonly memo = new Map<string, number[]>();
  private readonly sortedMemo = new Map<string, number[]>();
  readonly arch: string;
  /** Packages of the installed system (a subset of `packages`). */
  readonly installedIds: number[] = [];

  /** Orders two builds of one name (> 0: `a` is newer): the source's order, else rpm's EVR order. */
  readonly compareIds: (a: number, b: number) => number;

  constructor(source: PackageSource, options: PoolOptions & { installed?: readonly PackageRecord[] } = {}) {
    this.arch = options.arch ?? 'x86_64';
    const order = source.compare?.bind(source);
    this.compareIds = order
      ? (a, b) => order(this.packages[a].record, this.packages[b].record)
      : (a, b) => compareEvr(this.packages[a].evr, this.packages[b].evr);
    const score = archScorer(this.arch);
    const cols = (source as IndexedSource).columns;
    /** installed packages not in the source were added: the source's prebuilt answers do not cover them */
    let installedExtra = false;
    if (cols && !options.installed?.length) {
      // over columns: one small entry per package, no record, string or Map made here
      this.columns = cols;
      this.byName = this.columnNames = new ColumnNames(cols, this, true);
      this.otherArchByName = new ColumnNames(cols, this, false);
      const scores = new Map<number, number>();
      for (let id = 0; id < cols.count; id++) {
        const key = cols.archKey(id);
        let s = scores.get(key);
        if (s === undefined) scores.set(key, (s = score(cols.archName(key))));
        this.packages.push(new PackageEntry(id, null, this, s, null));
      }
    } else {
      const byName = new Map<string, number[]>();
      const otherArchByName = new Map<string, number[]>();
      this.byName = byName;
      this.otherArchByName = otherArchByName;
      let seen: Map<string, number> | null = null;
      const add = (r: PackageRecord, installed: boolean): void => {
        if (installed) {
          // an installed package that is also in the repository is one package, installed
          if (!seen) seen = new Map(this.packages.map((p) => [formatNevraWithEpoch(p.record), p.id]));
          const known = seen.get(formatNevraWithEpoch(r));
          if (known !== undefined) { this.markInstalled(known); return; }
        }
        const id = this.packages.length;
        const archScore = installed ? Math.max(1, score(r.arch)) : score(r.arch);
        let group = archScore === 0 ? NO_GROUP : byName.get(r.name);
        const first = !group;
        // sized for the usual single build: an empty array grows to 17 slots on its first push
        if (!group) byName.set(r.name, (group = [id]));
        this.packages.push(new PackageEntry(id, r, this, archScore, group));
        if (installed) { this.markInstalled(id); seen?.set(formatNevraWithEpoch(r), id); }
        if (archScore === 0) {
          // never a candidate: keep it out of the indexes, but remember it for messages
          const other = otherArchByName.get(r.name);
          if (other) other.push(id); else otherArchByName.set(r.name, [id]);
          return;
        }
        if (!first) group.push(id);
      };
      for (const r of source.packages()) add(r, false);
      const repoCount = this.packages.length;
      for (const r of options.installed ?? []) add(r, true);
      installedExtra = this.packages.length !== repoCount;
    }
    // prebuilt answers hold only while the pool has no packages beyond the source's
    const pre = (source as IndexedSource).prebuiltDeps;
    if (pre && pre.arch === this.arch && !installedExtra && pre.offsets.length === this.packages.length) this.prebuilt = pre;
  }

  /** The record of package `id` of a columns source (PackageEntry asks on first use). */
  lazyRecord(id: number): PackageRecord {
    if (!this.columns) throw new Error(`pool package ${id} has no record`);
    return this.columns.record(id);
  }

  lazyName(id: number): string { return this.columns ? this.columns.nameOf(id) : this.packages[id].record.name; }

  lazyGroup(id: number): number[] {
    if (!this.columns || !this.columnNames) return this.byName.get(this.packages[id].name) ?? NO_GROUP;
    return this.columnNames.ofName(this.columns.nameId(id)) ?? NO_GROUP;
  }

  /**
   * Whether package `id` may have another installable build of its name, without making
   * its group when a column says it is the only build (most are: the rules' one build
   * per name then makes no array for it).
   */
  mayHaveSiblings(id: number): boolean {
    return this.columns ? this.columns.nameSize(this.columns.nameId(id)) > 1 : this.packages[id].group.length > 1;
  }

  /** How many requirements package `id` states (sortByPreference's tie-break), without decoding them when a column knows. */
  requiresCount(id: number): number { return this.columns ? this.columns.requiresCount(id) : this.packages[id].record.requires.length; }

  /** Dependency k of a package's requires, conflicts or obsoletes (an explanation's), decoding no other when a column knows. */
  dependency(id: number, list: 'requires' | 'conflicts' | 'obsoletes', k: number): Dependency {
    return this.columns ? this.columns.dependency(id, DEP_LISTS.indexOf(list), k) : this.packages[id].record[list][k];
  }

  /**
   * The packages of requirement (part 0), conflict (1) or obsoletes (2) `k` of package `id`,
   * read in place (answerEntry): a requirement's providers, best first, every package its
   * atoms name for a rich one; a conflict's; an obsoletes' matches.
   */
  answerIds(id: number, part: number, k: number): number[] {
    const at = this.answersAt(id);
    const data = this.answerData;
    let i = answerEntry(data, at, part, k);
    if (data[i] === -2) i++;
    return Array.from(data.subarray(i + 1, i + 1 + data[i]));
  }

  private prebuilt: PrebuiltDeps | null = null;

  private indexed = false;
  /** Names the index holds when it was built for a few names only (indexOnly); null when it holds all. */
  private covered: ReadonlySet<string> | null = null;

  /**
   * Builds the provides and file indexes. Done on first need rather than in the
   * constructor: a pool over a universe cache with prebuilt answers rarely needs them,
   * which keeps a warm start short. Callers timing a cold load call it explicitly.
   */
  ensureIndexes(): void {
    if (this.indexed && !this.covered) return;
    if (this.covered) this.dropIndexes();
    this.indexed = true;
    for (const p of this.packages) if (p.archScore !== 0) this.indexPackage(p, null);
  }

  /**
   * Indexes only the capabilities and paths in `names`, over `candidates` (ids ascending:
   * every installable package that provides, owns or is named one of them, which the
   * caller found without decoding the others). The entries and their order are those of
   * the full index, so answers about these names are the same; asking about any other
   * name is an internal error, never an empty answer. A universe update uses it to
   * compute a few packages' answers without decoding every record (universe-update.ts).
   */
  indexOnly(names: ReadonlySet<string>, candidates: Iterable<number>): void {
    this.dropIndexes();
    this.indexed = true;
    this.covered = names;
    for (const id of candidates) { const p = this.packages[id]; if (p.archScore !== 0) this.indexPackage(p, names); }
  }

  private dropIndexes(): void {
    this.provides.clear(); this.providedEvrs.clear(); this.files.clear(); this.memo.clear(); this.sortedMemo.clear();
    this.covered = null;
  }

  /** Adds a package's provides (its own name = EVR included) and files, those in `only` when given. */
  private indexPackage(p: PoolPackage, only: ReadonlySet<string> | null): void {
    const r = p.record;
    const id = p.id;
    let self = false;
    const selfEvr = formatEvrWithEpoch(r);
    for (const d of r.provides) {
      if (!only || only.has(d.name)) this.addProvide(d.name, id, flagBits(d.flags), d.evr);
      if (d.name === r.name && d.flags === '=' && (d.evr === selfEvr || (r.epoch === 0 && d.evr === formatEvr({ epoch: null, version: r.version, release: r.release })))) self = true;
    }
    // rpm and libsolv always treat a package as providing its own name = EVR
    if (!self && (!only || only.has(r.name))) this.addProvide(r.name, id, 8, selfEvr);
    for (const f of r.files) {
      if (only && !only.has(f)) continue;
      const list = this.files.get(f);
      if (list) list.push(id); else this.files.set(f, [id]);
    }
  }

  private markInstalled(id: number): void {
    const p = this.packages[id];
    if (!p.installed) { p.installed = true; this.installedIds.push(id); }
  }

  private addProvide(name: string, pkg: number, bits: number, evrText: string): void {
    const list = this.provides.get(name);
    // a new list holds its one entry exactly: `[]` grows to 17 slots on its first push, and
    // most of a universe's 100,000 provided names have one provider (15 MB of slack in the
    // Debian universe, copied by the garbage collector as the index is built)
    if (list) list.push(pkg, bits, evrText); else this.provides.set(name, [pkg, bits, evrText]);
  }

  /** Packages (ids) whose provides or file lists satisfy a plain (not rich) dependency. */
  whatProvides(dep: Dependency): number[] {
    const key = `${dep.name}\u0000${dep.flags}\u0000${dep.evr}`;
    let out = this.memo.get(key);
    if (out) return out;
    if (!this.covered) this.ensureIndexes();
    else if (!this.covered.has(dep.name)) throw new Error(`internal: the pool indexed a few names only, and not ${dep.name}`);
    out = [];
    const bits = flagBits(dep.flags);
    const want = bits === 0 ? null : parseEvr(dep.evr);
    const provides = this.provides.get(dep.name) ?? [];
    for (let i = 0; i < provides.length; i += 3) {
      const pkg = provides[i] as number;
      const pBits = provides[i + 1] as number;
      let evr: Evr | null = null;
      if (pBits !== 0) {
        const text = provides[i + 2] as string;
        evr = this.providedEvrs.get(text) ?? null;
        if (!evr) this.providedEvrs.set(text, (evr = parseEvr(text)));
      }
      if (rangesOverlap(pBits, evr, bits, want) && !out.includes(pkg)) out.push(pkg);
    }
    if (dep.name.charCodeAt(0) === 0x2f) {
      for (const id of this.files.get(dep.name) ?? []) if (!out.includes(id)) out.push(id);
    }
    this.memo.set(key, out);
    return out;
  }

  /** Providers of any dependency, rich ones as the set of members a `with`/atom names. */
  providersOf(dep: Dependency): number[] {
    if (!isRich(dep.name)) return this.whatProvides(dep);
    return richSet(parseRichDep(dep.name), (d) => this.whatProvides(d));
  }

  /** Rich tree of a dependency (null for a plain one). */
  rich(dep: Dependency): RichNode | null { return isRich(dep.name) ? parseRichDep(dep.name) : null; }

  /**
   * Providers of a plain dependency in preference order (see policy.ts): the package
   * named like the capability first, then best arch, fewest requirements, name; newest
   * EVR first within one name.
   */
  preferredProviders(dep: Dependency): number[] {
    const key = `${dep.name}\u0000${dep.flags}\u0000${dep.evr}`;
    let out = this.sortedMemo.get(key);
    if (!out) {
      out = sortByPreference(this, this.whatProvides(dep), dep.name);
      this.sortedMemo.set(key, out);
    }
    return out;
  }

  /** A package as bazaar prints it to people (displayNevra: the epoch when not 0). */
  nevra(id: number): string { return displayNevra(this.packages[id].record); }

  /** A package's key (`name-epoch:version-release.arch`, the epoch always): the machine-readable outputs' spelling. */
  key(id: number): string { return formatNevraWithEpoch(this.packages[id].record); }

  private obsoletersMemo: Map<string, number[]> | null = null;

  /** Obsoleted name → installable packages whose Obsoletes name it. */
  obsoleters(): Map<string, number[]> {
    if (!this.obsoletersMemo) {
      const out = new Map<string, number[]>();
      for (const p of this.packages) {
        if (p.archScore === 0) continue;
        for (const d of p.record.obsoletes) {
          const list = out.get(d.name);
          if (list) list.push(p.id); else out.set(d.name, [p.id]);
        }
      }
      this.obsoletersMemo = out;
    }
    return this.obsoletersMemo;
  }

  /** filled to the pool's size up front: a sparse array would fall into V8's slow dictionary mode */
  private depsCache: Array<PackageDeps | null> = [];

  /**
   * The package's dependency answers as objects (explanations, set checks). The solver
   * reads the same answers in place instead (answersAt), making no object per package.
   */
  deps(id: number): PackageDeps {
    if (this.depsCache.length !== this.packages.length) this.depsCache = new Array<PackageDeps | null>(this.packages.length).fill(null);
    let d = this.depsCache[id];
    if (!d) {
      const at = this.answersAt(id);
      d = this.depsCache[id] ?? decodePackageDeps(this.answerData, at, this, id)!;
      this.depsCache[id] = d;
    }
    return d;
  }

  /**
   * Every answer the pool holds, encoded as encodePackageDeps writes them: the universe
   * cache's own int32 column when it has them, else the answers computed so far. Read
   * it after answersAt or reachAt, which may replace it (it grows).
   */
  answerData: Int32Array = new Int32Array(0);
  /** per package, where its answers start in answerData; -1 (or a `-1` there): not held yet */
  private answerStart: Int32Array | null = null;
  /** answerStart is the cache's own column, shared with other pools: copied before a write */
  private answerStartShared = false;
  private answerEnd = 0;
  /** per package, where its reach list starts in answerData; 0: not found yet */
  private reachStart = new Int32Array(0);

  /**
   * Where package `id`'s answers start in answerData (encodePackageDeps's form), computed
   * on first use. rules.ts reads them there: decoding them into objects was the largest
   * allocation of a fresh process's first jobs (docs/resolver.md).
   */
  answersAt(id: number): number {
    let starts = this.answerStart;
    if (!starts) {
      const pre = this.prebuilt;
      if (pre) {
        this.answerData = pre.data;
        this.answerEnd = pre.data.length;
        starts = pre.offsets;
        this.answerStartShared = true;
      } else {
        starts = new Int32Array(this.packages.length).fill(-1);
      }
      this.answerStart = starts;
    }
    const at = starts[id];
    return at >= 0 && this.answerData[at] !== -1 ? at : this.computeAnswers(id);
  }

  /** Where package `id`'s reach list (its length, then the ids) starts in answerData. */
  reachAt(id: number): number {
    if (this.reachStart.length !== this.packages.length) this.reachStart = new Int32Array(this.packages.length);
    let at = this.reachStart[id];
    if (at === 0) {
      const answers = this.answersAt(id); // first: it may replace answerData
      this.reachStart[id] = at = answersReach(this.answerData, answers);
    }
    return at;
  }

  /** Computes package `id`'s answers (none stored for it) and appends them to answerData. */
  private computeAnswers(id: number): number {
    if (this.depsCache.length !== this.packages.length) this.depsCache = new Array<PackageDeps | null>(this.packages.length).fill(null);
    const d = computePackageDeps(this, id);
    this.depsCache[id] = d;
    const xs: number[] = [];
    encodePackageDeps(d, xs);
    const at = this.answerEnd;
    if (at + xs.length > this.answerData.length) {
      // the cache's column is never written: the first computed answers go to a copy
      const data = new Int32Array(Math.max(at + xs.length, 2 * this.answerData.length, 1024));
      data.set(this.answerData.subarray(0, at));
      this.answerData = data;
    }
    this.answerData.set(xs, at);
    this.answerEnd = at + xs.length;
    if (this.answerStartShared) { this.answerStart = Int32Array.from(this.answerStart!); this.answerStartShared = false; }
    this.answerStart![id] = at;
    return at;
  }

  /**
   * Scratch map package id → solver variable for one job at a time: a stamp per job
   * makes clearing free (rules.ts), and room for the job's packages in variable order.
   * Not reentrant: one resolve per pool at a time.
   */
  readonly scratch = { stamp: 0, stamps: new Uint32Array(0), vars: new Int32Array(0), pkgOf: new Int32Array(0) };

  beginJob(): void {
    const sc = this.scratch;
    if (sc.stamps.length !== this.packages.length) {
      sc.stamps = new Uint32Array(this.packages.length);
      sc.vars = new Int32Array(this.packages.length);
      sc.pkgOf = new Int32Array(this.packages.length);
      sc.stamp = 0;
    }
    sc.stamp++;
  }
}

/** Sorts candidate ids: grouped by name (group order by its best member), newest first inside. */
export function sortByPreference(pool: Pool, ids: readonly number[], capability?: string): number[] {
  if (ids.length < 2) return ids.slice(); // most names have one build: no Map, sort or callback for them
  const P = pool.packages;
  const within = (a: number, b: number): number => P[a].archScore - P[b].archScore || pool.compareIds(b, a) || a - b;
  const groups = new Map<string, number[]>();
  for (const id of ids) {
    const n = P[id].name;
    const g = groups.get(n);
    if (g) g.push(id); else groups.set(n, [id]);
  }
  const lists = [...groups.values()].map((g) => g.sort(within));
  lists.sort((ga, gb) => {
    const a = P[ga[0]];
    const b = P[gb[0]];
    const ma = a.name === capability ? 0 : 1;
    const mb = b.name === capability ? 0 : 1;
    return ma - mb || a.archScore - b.archScore || pool.requiresCount(ga[0]) - pool.requiresCount(gb[0]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  return lists.flat();
}
