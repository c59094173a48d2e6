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
import type { JsonKindName, KindName, KindRef, KindValues } from './kinds/index.js';
import type { ObjectId } from './layout.js';
import { isObjectReadProblem } from './objects.js';
import type { ObjectStore } from './objects.js';
import { buildOfPath } from './ref-paths.js';
import { IdTable, grown } from './id-table.js';

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

/** What the walk keeps of each object, as bits (see Reachability). */
const LIVE = 1;
const SEGMENT = 2;
/** Reached so far only below a package (see visit). */
const ONLY_UNPACKED = 4;
/** A JSON object read and verified during the walk (fsck need not read it again). */
const VERIFIED = 8;
/** Missing or damaged only in states outside the retention window (gc pruned it). */
const PRUNED = 16;

/** Branch values whose objects are read ahead together (see readAhead). */
const VALUE_GROUP = 64;
/** Bytes of content read ahead at most, per group of values (a part more at most). */
const AHEAD_MAX = 4 << 20;
/** Objects read together in one batch of a read-ahead level. */
const AHEAD_PART = 64;

/** The kind a parsed branch value declares itself (`kind`, or `type` of old objects); null when none is known. */
function kindOf(raw: unknown): JsonKindName | null {
  const r = (raw ?? {}) as { kind?: unknown; type?: unknown };
  const declared = r.kind ?? r.type;
  return typeof declared === 'string' && declared in KINDS ? declared as JsonKindName : null;
}

/** The kind a branch value declares itself; null when none is known or it is no JSON. */
function declaredKind(bytes: Buffer): JsonKindName | null {
  try { return kindOf(JSON.parse(bytes.toString('utf8'))); } catch { return null; }
}

/** An object's value as `kind` (null: as the kind it declares), and its references; null when it does not parse. Its JSON is parsed once. */
function parseAs(id: ObjectId, kind: JsonKindName | null, bytes: Buffer): { kind: JsonKindName; value: unknown; refs: KindRef[] } | null {
  try {
    const raw = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const k = kind ?? kindOf(raw);
    if (k === null) return null;
    const value = KINDS[k].parse(raw, id) as KindValues[JsonKindName];
    return { kind: k, value, refs: refsOf(k, value) };
  } catch {
    return null;
  }
}

/** Labels a branch value: the build it names, or its path. */
function valueLabel(branch: string, path: string): string {
  const b = buildOfPath(path);
  return `${branch}: ${b ? nevraOfKey(b.key) : path}`;
}

/**
 * Per object reached: its kind, the first object that reached it, the branch, and the
 * bits above, in typed arrays beside an IdTable: a walk costs about 55 bytes an object.
 * Labels and titles, needed only to describe a problem, are read again from the parent
 * objects when one is described; only branch values keep their label (their path).
 */
export class Reachability {
  private readonly table = new IdTable((n) => {
    this.kinds = grown(this.kinds, n);
    this.bits = grown(this.bits, n);
    this.parents = grown(this.parents, n);
    this.branchOf = grown(this.branchOf, n);
  });
  private kinds = new Uint8Array(this.table.capacity);
  private bits = new Uint8Array(this.table.capacity);
  private parents = new Int32Array(this.table.capacity);
  private branchOf = new Uint16Array(this.table.capacity);
  private readonly kindNames: KindName[] = [];
  private readonly branchNames: string[] = [];
  private readonly valueLabels = new Map<number, string>();
  private readonly objectProblems = new Map<ObjectId, Omit<ObjectProblem, 'what'>>();
  readonly historyProblems: HistoryProblem[] = [];
  /** Objects missing only from states outside the retention window (gc pruned them). */
  pruned = 0;
  /** Kept states that are not strict and miss objects (an earlier gc pruned them). */
  readonly incomplete: Root[] = [];
  /** Objects read ahead of the walk (readAhead), verified, with their value when it parsed as the kind the walk will ask for. */
  private readonly ahead = new Map<ObjectId, { bytes: Buffer; kind?: JsonKindName; value?: unknown; refs?: KindRef[] }>();
  private readonly seen: WalkSeen = { trees: new Set(), blobs: new Set() };
  private readonly seenOld: WalkSeen = { trees: new Set(), blobs: new Set() };

  /** `keepAbsentFiles`: an entry for every file a package names, stored or not (repair: the first reach leads to the .rpm). */
  constructor(private readonly objects: ObjectStore, private readonly options: { keepAbsentFiles?: boolean } = {}) {}

  /** Whether some kept state reaches the object. */
  reaches(id: ObjectId): boolean { return this.table.has(id); }

  /** Whether the walk read and verified the object, or found it missing or damaged. */
  settled(id: ObjectId): boolean {
    const i = this.table.indexOf(id);
    return (i >= 0 && (this.bits[i] & VERIFIED) !== 0) || this.objectProblems.has(id);
  }

  /** Whether a live state reaches the object. */
  isLive(id: ObjectId): boolean { const i = this.table.indexOf(id); return i >= 0 && (this.bits[i] & LIVE) !== 0; }

  /** The nearest object of `kind` on the chain that first reached `id` (itself included), or null. */
  ancestorOfKind(id: ObjectId, kind: KindName): ObjectId | null {
    let i = this.table.indexOf(id);
    for (let n = 0; i >= 0 && n < 256; n++, i = this.parents[i]) if (this.kindNames[this.kinds[i]] === kind) return this.table.idAt(i);
    return null;
  }

  private code<T extends string>(names: T[], name: T): number {
    let c = names.indexOf(name);
    if (c < 0) { c = names.length; names.push(name); }
    return c;
  }

  /** Records the first reach of `id`. */
  /** `parent`: the index of the object that reached it (-1: a branch value). */
  private mark(id: ObjectId, kind: KindName, parent: number, segment: boolean, root: Root): number {
    const i = this.table.add(id);
    this.kinds[i] = this.code(this.kindNames, kind);
    this.parents[i] = parent;
    this.branchOf[i] = this.code(this.branchNames, root.branch);
    this.bits[i] = (root.live ? LIVE : 0) | (segment ? SEGMENT : 0);
    return i;
  }

  /** Walks every root; live ones first, so an object reached by both counts as live. */
  async walk(view: BranchView, roots: readonly Root[]): Promise<void> {
    // at most what is stored and what is missing: sized once, not doubled as it fills
    const stored = this.options.keepAbsentFiles === true ? null : this.objects.countAsListed();
    if (stored !== null) this.table.reserve(stored + 1024);
    for (const root of [...roots.filter((r) => r.live), ...roots.filter((r) => !r.live)]) await this.walkRoot(view, root);
    // not needed after the walk
    for (const s of [this.seen, this.seenOld]) { s.trees.clear(); s.blobs.clear(); }
  }

  private async walkRoot(view: BranchView, root: Root): Promise<void> {
    let tree: string;
    try {
      tree = (await repoOf(view).readCommit(root.commit)).tree;
    } catch (err) {
      this.historyProblem(root, err);
      return;
    }
    // values are visited VALUE_GROUP at a time, after their objects were read ahead together
    let values: Array<{ path: string; id: ObjectId }> = [];
    const visitGroup = async (): Promise<void> => {
      const group = values;
      values = [];
      await this.readAhead(group.map((v) => v.id));
      try {
        for (const v of group) {
          if (!root.live && this.table.has(v.id)) continue;
          await this.visitValue(v.id, root, valueLabel(root.branch, v.path));
        }
      } finally {
        this.ahead.clear();
      }
    };
    try {
      await walkNew(repoOf(view), tree, root.live ? this.seen : this.seenOld, async (path, id) => {
        values.push({ path, id });
        if (values.length >= VALUE_GROUP) await visitGroup();
      });
      await visitGroup();
    } catch (err) {
      this.historyProblem(root, err);
      await visitGroup(); // those the history gave before its damage, as they were visited before it was met
    }
  }

  /**
   * Reads the objects of `ids` and what they reach, level by level, many at a time
   * (ObjectStore.readManyVerified: one pack open and one native decode for many), into
   * `ahead`, up to AHEAD_MAX bytes. Only a cache for the walk, which takes each entry
   * once and reads what it lacks (or what failed here: its error is the one reported)
   * as before, so that what it checks and in what order is unchanged. Each entry was
   * hashed against its id just now.
   */
  private async readAhead(ids: readonly ObjectId[]): Promise<void> {
    let level: Array<{ id: ObjectId; kind: JsonKindName | null }> = ids.filter((id) => !this.table.has(id)).map((id) => ({ id, kind: null }));
    let bytes = 0;
    while (level.length > 0 && bytes < AHEAD_MAX) {
      const next: Array<{ id: ObjectId; kind: JsonKindName }> = [];
      const queued = new Set<ObjectId>();
      // a level is read a part at a time, up to AHEAD_MAX: 800 trees of 500 files below
      // one imported tree were read whole, ~100 MB of parsed values held at once
      for (let from = 0; from < level.length && bytes < AHEAD_MAX; from += AHEAD_PART) {
        const part = level.slice(from, from + AHEAD_PART);
        const contents = await this.objects.readManyVerified(part.map((x) => x.id));
        for (let k = 0; k < part.length; k++) {
          const content = contents[k];
          if (content === null) continue;
          const parsed = parseAs(part[k].id, part[k].kind, content);
          this.ahead.set(part[k].id, { bytes: content, ...parsed });
          bytes += content.length;
          if (parsed === null) continue;
          for (const ref of parsed.refs) {
            if (!isJsonKind(ref.kind) || this.table.has(ref.id) || this.ahead.has(ref.id) || queued.has(ref.id)) continue;
            queued.add(ref.id);
            next.push({ id: ref.id, kind: ref.kind });
          }
        }
      }
      level = next;
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
    if (this.table.has(id)) return;
    const bytes = await this.readOrReport(id, 'build', -1, root);
    this.valueLabels.set(this.table.indexOf(id), label);
    if (bytes === null) return;
    // read ahead and parsed already: its kind is known without parsing the JSON again
    const got = this.ahead.get(id);
    const kind = (got?.bytes === bytes ? got.kind : undefined) ?? declaredKind(bytes);
    if (kind === null) {
      this.problem(id, 'blob', 'it is not a typed object a branch can hold', isStrict(root));
      return;
    }
    this.kinds[this.table.indexOf(id)] = this.code(this.kindNames, kind);
    await this.follow(id, kind, bytes, root);
  }

  /**
   * `unpacked`: reached only through a package, whose file contents may still be in its
   * .rpm: an absent blob there is no damage. Reached again through a layer, the same
   * tree or blob must be whole, so it is checked again.
   */
  private async visit(id: ObjectId, kind: KindName, parent: number, segment: boolean, root: Root, unpacked: boolean): Promise<void> {
    const at = this.table.indexOf(id);
    if (at >= 0) {
      if (unpacked || (this.bits[at] & ONLY_UNPACKED) === 0) return;
      this.bits[at] &= ~ONLY_UNPACKED;
      if (!isJsonKind(kind)) { if (!(await this.objects.has(id))) this.missing(id, kind, root); return; }
      const again = await this.readOrReport(id, kind, parent, root, segment);
      if (again !== null) await this.follow(id, kind, again, root, false);
      return;
    }
    if (!isJsonKind(kind)) {
      const i = this.mark(id, kind, parent, segment, root);
      if (unpacked) this.bits[i] |= ONLY_UNPACKED;
      else if (!(await this.objects.has(id))) this.missing(id, kind, root);
      return;
    }
    const bytes = await this.readOrReport(id, kind, parent, root, segment, unpacked);
    if (bytes !== null) await this.follow(id, kind, bytes, root, unpacked);
  }

  private async readOrReport(id: ObjectId, kind: KindName, parent: number, root: Root, segment = false, unpacked = false): Promise<Buffer | null> {
    const i = this.mark(id, kind, parent, segment, root);
    if (unpacked) this.bits[i] |= ONLY_UNPACKED;
    try {
      const bytes = this.ahead.get(id)?.bytes ?? await this.objects.readBytes(id);
      this.bits[i] |= VERIFIED;
      return bytes;
    } catch (err) {
      if (!isObjectReadProblem(err)) throw err;
      if (err.code === 'ERR_STORE_OBJECT_NOT_FOUND') this.missing(id, kind, root);
      else this.problem(id, kind, err.message.replace(`object ${id} is damaged: `, ''), isStrict(root));
      return null;
    }
  }

  private async follow<K extends JsonKindName>(id: ObjectId, kind: K, bytes: Buffer, root: Root, unpacked = false): Promise<void> {
    let value: KindValues[K];
    const got = this.ahead.get(id);
    const ahead = got?.bytes === bytes && got.kind === kind ? got : undefined;
    this.ahead.delete(id); // taken once: a second visit (reached again outside a package) reads again
    try {
      value = (ahead ? ahead.value : KINDS[kind].parse(JSON.parse(bytes.toString('utf8')), id)) as KindValues[K];
    } catch (err) {
      if (!(err instanceof BazaarError)) throw err;
      this.problem(id, kind, err.message.replace(`object ${id} is `, ''), isStrict(root));
      return;
    }
    const self = this.table.indexOf(id); // each reference's parent: looked up once, not per reference
    const refs = ahead?.refs ?? refsOf(kind, value);
    const absent = this.absentFiles(refs, unpacked);
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      if (absent?.[k] !== true) await this.visit(ref.id, ref.kind, self, ref.segment === true, root, unpacked || ref.unpacked === true);
    }
  }

  /** Which of `refs` are files met only below packages that the store does not hold: no entry for them (docs/store.md, Memory). Null: none, or unknown. */
  private absentFiles(refs: readonly KindRef[], unpacked: boolean): boolean[] | null {
    if (this.options.keepAbsentFiles === true) return null;
    let asked: number[] | null = null;
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      if (!isJsonKind(ref.kind) && (unpacked || ref.unpacked === true) && !this.table.has(ref.id)) (asked ??= []).push(k);
    }
    if (asked === null) return null;
    const stored = this.objects.storedAsListed(asked.map((k) => refs[k].id));
    if (stored === null) return null;
    const absent = new Array<boolean>(refs.length).fill(false);
    for (let j = 0; j < asked.length; j++) absent[asked[j]] = !stored[j];
    return absent;
  }

  private missing(id: ObjectId, kind: KindName, root: Root): void {
    if (isStrict(root)) { this.problem(id, kind, 'missing', true); return; }
    this.prune(id);
    if (root.live && !this.incomplete.includes(root)) this.incomplete.push(root);
  }

  private prune(id: ObjectId): void {
    const i = this.table.indexOf(id);
    if (i >= 0 && (this.bits[i] & PRUNED) === 0) { this.bits[i] |= PRUNED; this.pruned++; }
  }

  private problem(id: ObjectId, kind: KindName, problem: string, live: boolean): void {
    if (!live) { this.prune(id); return; }
    const i = this.table.indexOf(id);
    this.objectProblems.set(id, { id, kind, problem, branches: i >= 0 ? [this.branchNames[this.branchOf[i]]] : [] });
  }

  /** Records damage found later (fsck's scan of every object) against what reaches it. */
  reportDamage(id: ObjectId, problem: string): void {
    const i = this.table.indexOf(id);
    this.objectProblems.set(id, { id, kind: i >= 0 ? this.kindNames[this.kinds[i]] : 'blob', problem, branches: i >= 0 ? [this.branchNames[this.branchOf[i]]] : [] });
  }

  /** How the parent of object `i` names it (its label, and whether that is a path segment), and its title. */
  private async labelOf(i: number): Promise<string | null> {
    const p = this.parents[i];
    if (p < 0) return this.valueLabels.get(i) ?? null;
    const value = await this.valueAt(p);
    const id = this.table.idAt(i);
    return value === null ? null : refsOf(value.kind, value.value).find((r) => r.id === id)?.label ?? null;
  }

  /** The parsed value of JSON object `i`, read again (it was verified by the walk); null if unreadable. */
  private async valueAt(i: number): Promise<{ kind: JsonKindName; value: KindValues[JsonKindName] } | null> {
    const kind = this.kindNames[this.kinds[i]];
    if (!isJsonKind(kind)) return null;
    try {
      return { kind, value: KINDS[kind].parse(JSON.parse((await this.objects.readBytes(this.table.idAt(i))).toString('utf8')), this.table.idAt(i)) as KindValues[JsonKindName] };
    } catch {
      return null;
    }
  }

  private async titleAt(i: number): Promise<string | undefined> {
    const v = await this.valueAt(i);
    return v === null ? undefined : titleOf(v.kind, v.value);
  }

  /**
   * What an object is, from the chain of objects that reached it: path segments joined
   * into a path, then the nearest titled object ("package ..."), and the branch.
   */
  async describe(id: ObjectId): Promise<string> {
    const self = this.table.indexOf(id);
    if (self < 0) return 'an object no state reaches';
    const kind = this.kindNames[this.kinds[self]];
    const branch = this.branchNames[this.branchOf[self]];
    const segments: string[] = [];
    let label: string | null = null;
    for (let i = self, n = 0; i >= 0 && n < 256; i = this.parents[i], n++) {
      if (i !== self) {
        const title = await this.titleAt(i);
        if (title) return `${this.noun(kind, label, segments)} of ${title} (in ${branch})`;
      }
      const l = await this.labelOf(i);
      if (l !== null) { if (this.bits[i] & SEGMENT) segments.unshift(l); else label ??= l; }
    }
    const title = await this.titleAt(self);
    if (title) return `${title} (in ${branch})`;
    return this.noun(kind, label, segments);
  }

  private noun(kind: KindName, label: string | null, segments: string[]): string {
    if (segments.length === 0) return label ?? `a ${kind}`;
    const path = `/${segments.join('/')}`;
    const what = kind === 'tree' ? 'directory' : 'file';
    return label === null || label === 'files' ? `${what} ${path}` : `${label} ${path}`;
  }

  /** The roots' live problems, sorted, for reports. */
  async problems(): Promise<ObjectProblem[]> {
    const out: ObjectProblem[] = [];
    for (const p of this.objectProblems.values()) out.push({ ...p, what: await this.describe(p.id) });
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
