/**
 * What the store's states reach, and what is wrong on the way: the walk behind gc, fsck
 * and repair. Roots are states of branches (commits); from each, the branch's values are
 * read as typed objects and every declared reference (kinds/) is followed. Each distinct
 * git tree and each distinct object is visited once, so the cost is the size of the
 * store, not commits × packages.
 *
 * Every object reached remembers who reached it first and as what ("file /usr/bin/bash"),
 * so a problem is reported as the package, channel, pin or path it belongs to.
 */
import { BazaarError } from '../errors.js';
import { nevraOfKey } from '../rpm/index.js';
import { repoOf } from './branch-view.js';
import type { BranchView } from './branch-view.js';
import { walkNew } from './history/branch-tree.js';
import type { WalkSeen } from './history/branch-tree.js';
import { KINDS, isJsonKind, refsOf, titleOf } from './kinds/index.js';
import type { JsonKindName, KindName, KindValues } from './kinds/index.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore } from './objects.js';
import { buildOfPath } from './ref-paths.js';

/**
 * One state of one branch. `live`: gc keeps what it reaches (a head, a state inside the
 * retention window, a leased state). `head`: a current state (or a leased one).
 * `strict`: a missing object is damage (default: `live`); missing from a state that is
 * not strict, it is what some gc pruned, and the root is noted as `incomplete`.
 * `replacedAt`: when the next commit replaced this state (seconds; none for a head).
 */
export interface Root { branch: string; commit: string; live: boolean; head?: boolean; strict?: boolean; replacedAt?: number }

export interface ObjectProblem {
  id: ObjectId;
  kind: KindName;
  /** 'missing', or what is wrong with the bytes. */
  problem: string;
  /** What the object is, e.g. "file /usr/bin/bash of package bash-5.2-alt1.x86_64". */
  what: string;
  /** The branches whose live states reach it. */
  branches: string[];
}

export interface HistoryProblem { branch: string; commit: string; problem: string }

const isStrict = (root: Root): boolean => root.strict ?? root.live;

interface Reached { kind: KindName; parent: ObjectId | null; label: string; segment: boolean; branch: string; live: boolean; title?: string }

/** Labels a branch value: the build it names, or its path. */
function valueLabel(branch: string, path: string): string {
  const b = buildOfPath(path);
  return `${branch}: ${b ? nevraOfKey(b.key) : path}`;
}

export class Reachability {
  readonly reached = new Map<ObjectId, Reached>();
  readonly objectProblems = new Map<ObjectId, ObjectProblem>();
  readonly historyProblems: HistoryProblem[] = [];
  /** Objects missing only from states outside the retention window (gc pruned them). */
  readonly pruned = new Set<ObjectId>();
  /** Kept states that are not strict and miss objects (an earlier gc pruned them). */
  readonly incomplete: Root[] = [];
  /** JSON objects read and verified during the walk (fsck need not read them again). */
  readonly verified = new Set<ObjectId>();
  /** Trees and blobs reached so far only below a package (see visit). */
  private readonly onlyUnpacked = new Set<ObjectId>();
  private readonly seen: WalkSeen = { trees: new Set(), blobs: new Set() };
  private readonly seenOld: WalkSeen = { trees: new Set(), blobs: new Set() };

  constructor(private readonly objects: ObjectStore) {}

  /** Walks every root; live ones first, so an object reached by both counts as live. */
  async walk(view: BranchView, roots: readonly Root[]): Promise<void> {
    for (const root of [...roots.filter((r) => r.live), ...roots.filter((r) => !r.live)]) await this.walkRoot(view, root);
  }

  private async walkRoot(view: BranchView, root: Root): Promise<void> {
    let tree: string;
    try {
      tree = (await repoOf(view).readCommit(root.commit)).tree;
    } catch (err) {
      this.historyProblem(root, err);
      return;
    }
    try {
      await walkNew(repoOf(view), tree, root.live ? this.seen : this.seenOld, async (path, id) => {
        if (!root.live && this.reached.has(id)) return;
        await this.visitValue(id, root, valueLabel(root.branch, path));
      });
    } catch (err) {
      this.historyProblem(root, err);
    }
  }

  private historyProblem(root: Root, err: unknown): void {
    if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
    if (!this.historyProblems.some((p) => p.branch === root.branch && p.problem === err.message)) {
      this.historyProblems.push({ branch: root.branch, commit: root.commit, problem: err.message });
    }
  }

  /** A branch value: a JSON object whose kind it declares itself. */
  private async visitValue(id: ObjectId, root: Root, label: string): Promise<void> {
    if (this.reached.has(id)) return;
    const bytes = await this.readOrReport(id, 'build', null, label, root);
    if (bytes === null) return;
    let kind: JsonKindName;
    try {
      const raw = JSON.parse(bytes.toString('utf8')) as { kind?: unknown; type?: unknown };
      const declared = raw.kind ?? raw.type;
      if (typeof declared !== 'string' || !(declared in KINDS)) throw new Error(`no kind ${String(declared)}`);
      kind = declared as JsonKindName;
    } catch {
      this.problem(id, 'blob', 'it is not a typed object a branch can hold', isStrict(root));
      return;
    }
    this.reached.get(id)!.kind = kind;
    await this.follow(id, kind, bytes, root);
  }

  /**
   * `unpacked`: reached only through a package, whose file contents may still be in its
   * .rpm: an absent blob there is no damage. Reached again through a layer, the same
   * tree or blob must be whole, so it is checked again.
   */
  private async visit(id: ObjectId, kind: KindName, parent: ObjectId, label: string, segment: boolean, root: Root, unpacked: boolean): Promise<void> {
    if (this.reached.has(id)) {
      if (unpacked || !this.onlyUnpacked.delete(id)) return;
      if (!isJsonKind(kind)) { if (!(await this.objects.has(id))) this.missing(id, kind, root); return; }
      const again = await this.readOrReport(id, kind, parent, label, root, segment);
      if (again !== null) await this.follow(id, kind, again, root, false);
      return;
    }
    if (unpacked) this.onlyUnpacked.add(id);
    if (!isJsonKind(kind)) {
      this.reached.set(id, { kind, parent, label, segment, branch: root.branch, live: root.live });
      if (!unpacked && !(await this.objects.has(id))) this.missing(id, kind, root);
      return;
    }
    const bytes = await this.readOrReport(id, kind, parent, label, root, segment);
    if (bytes !== null) await this.follow(id, kind, bytes, root, unpacked);
  }

  private async readOrReport(id: ObjectId, kind: KindName, parent: ObjectId | null, label: string, root: Root, segment = false): Promise<Buffer | null> {
    this.reached.set(id, { kind, parent, label, segment, branch: root.branch, live: root.live });
    try {
      const bytes = await this.objects.readBytes(id);
      this.verified.add(id);
      return bytes;
    } catch (err) {
      if (!(err instanceof BazaarError)) throw err;
      if (err.code === 'ERR_STORE_OBJECT_NOT_FOUND') this.missing(id, kind, root);
      else this.problem(id, kind, err.message.replace(`object ${id} is damaged: `, ''), isStrict(root));
      return null;
    }
  }

  private async follow<K extends JsonKindName>(id: ObjectId, kind: K, bytes: Buffer, root: Root, unpacked = false): Promise<void> {
    let value: KindValues[K];
    try {
      value = KINDS[kind].parse(JSON.parse(bytes.toString('utf8')), id) as KindValues[K];
    } catch (err) {
      if (!(err instanceof BazaarError)) throw err;
      this.problem(id, kind, err.message.replace(`object ${id} is `, ''), isStrict(root));
      return;
    }
    const title = titleOf(kind, value);
    if (title) this.reached.get(id)!.title = title;
    for (const ref of refsOf(kind, value)) await this.visit(ref.id, ref.kind, id, ref.label, ref.segment === true, root, unpacked || ref.unpacked === true);
  }

  private missing(id: ObjectId, kind: KindName, root: Root): void {
    if (isStrict(root)) { this.problem(id, kind, 'missing', true); return; }
    this.pruned.add(id);
    if (root.live && !this.incomplete.includes(root)) this.incomplete.push(root);
  }

  private problem(id: ObjectId, kind: KindName, problem: string, live: boolean): void {
    if (!live) { this.pruned.add(id); return; }
    const r = this.reached.get(id);
    this.objectProblems.set(id, { id, kind, problem, what: this.describe(id), branches: r ? [r.branch] : [] });
  }

  /** Records damage found later (fsck's scan of every object) against what reaches it. */
  reportDamage(id: ObjectId, problem: string): void {
    const r = this.reached.get(id);
    this.objectProblems.set(id, { id, kind: r?.kind ?? 'blob', problem, what: r ? this.describe(id) : 'an object no state reaches', branches: r ? [r.branch] : [] });
  }

  /** Whether a live state reaches the object. */
  isLive(id: ObjectId): boolean { return this.reached.get(id)?.live === true; }

  /**
   * What an object is, from the chain of objects that reached it: path segments joined
   * into a path, then the nearest titled object ("package ..."), and the branch.
   */
  describe(id: ObjectId): string {
    const self = this.reached.get(id);
    if (!self) return 'an object no state reaches';
    const segments: string[] = [];
    let label: string | null = null;
    let at: ObjectId = id;
    let r: Reached | undefined = self;
    while (r) {
      if (r.title && at !== id) return `${this.noun(self.kind, label, segments)} of ${r.title} (in ${self.branch})`;
      if (r.segment) segments.unshift(r.label);
      else label ??= r.label;
      if (r.parent === null) break;
      at = r.parent;
      r = this.reached.get(at);
    }
    if (self.title) return `${self.title} (in ${self.branch})`;
    return this.noun(self.kind, label, segments);
  }

  private noun(kind: KindName, label: string | null, segments: string[]): string {
    if (segments.length === 0) return label ?? `a ${kind}`;
    const path = `/${segments.join('/')}`;
    const what = kind === 'tree' ? 'directory' : 'file';
    return label === null || label === 'files' ? `${what} ${path}` : `${label} ${path}`;
  }

  /** The roots' live problems, sorted, for reports. */
  problems(): ObjectProblem[] {
    return [...this.objectProblems.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
