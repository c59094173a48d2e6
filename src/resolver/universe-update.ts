/**
 * A universe cache made from a base cache file and a few changed packages, without
 * decoding the packages that did not change or computing their answers again: a channel
 * commit's universe from its parent's (catalog-source.ts), which used to decode every
 * record and answer every package's dependencies anew after a one-package add.
 *
 * What it costs should follow the change, not the channel: it runs in the command that
 * made the commit, in a process whose code has not warmed up, where every pass over
 * 20,000 packages in JavaScript costs milliseconds. So:
 *
 * - The base's strings and dependency table are kept as they are, and what the added
 *   packages need beyond them is appended; the unchanged packages' ints are copied a run
 *   at a time (a one-package add: two runs).
 * - A package's answers (its dependencies' providers, conflicts' and obsoletes' hits)
 *   can change only when a dependency of it names something a changed package provides,
 *   is named, or owns as a file (a rich dependency: any of its atoms). Those packages are
 *   looked up in the file's capability index (capability-index.ts: who asks for and who
 *   offers each capability, by name number), not found by a pass over every package's
 *   lists. They and the added ones are answered by a pool indexed for the names they ask
 *   about only (Pool.indexOnly, the full index's entries for those names, whose packages
 *   the capability index gives too); every other package's answers are copied a run at
 *   a time and their ids renumbered in place in one flat loop. An answer being copied
 *   that names a removed package is never trusted: the caller saves in full.
 * - The names section keeps every name's number (the capability index files packages
 *   under them), appends new names, and lists each name's builds again from the numbers
 *   alone. When a name lost its last build it is built anew, and the capability index's
 *   name numbers renumbered to match.
 * - The added builds' capabilities are appended to the index as extra pairs; past their
 *   share the caller saves in full, which lays them out again.
 *
 * The result answers every question as a full save of the same packages would (the
 * test compares them record by record and answer by answer). When too much changed, or
 * when the kept strings of removed packages would make up a quarter of the file, the
 * caller saves in full instead (null), which also compacts.
 */
import { nevraKey } from '../rpm/index.js';
import { capabilitiesOf, capabilityNames, extendedIndex, renumberedIndex } from './capability-index.js';
import type { Dependency } from '../rpm/index.js';
import { isRich, parseRichDep, richAtoms } from '../rpm/index.js';
import { encodePackageDeps, renumberAnswers } from './package-deps.js';
import { Pool, type PrebuiltDeps } from './provides-index.js';
import type { PackageRecord } from './source.js';
import {
  assembleUniverse, CACHE_ARCH, CachedSource, FIXED_INTS, listStart, nameHash, nameTable, stringBytes, Universe, UniverseEncoder,
  type NameColumns,
} from './universe-cache.js';

export interface UniverseChange {
  /** keys (nevraKey) of builds gone or replaced; a key the base lacks is passed over */
  removed: readonly string[];
  /** builds new to the universe */
  added: readonly PackageRecord[];
}

/** Beyond this share of the packages changed, a full save costs about the same… */
const MAX_CHANGED = 1 / 8;
/** …and beyond this share answered afresh (changed, or asking for what changed). */
const MAX_ANSWERED = 1 / 2;
/** Below this share of live strings, the full save compacts the file. */
const MIN_LIVE = 3 / 4;
/** A package with no answers stored (not installable on the cache's arch). */
const NONE = -1;

/** Orders keys as the universe does (`Array.prototype.sort` on strings). */
const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The file of the universe of `base` with `change` applied; null when a full save is the
 * better way (see above). `base` must be in key order, as every universe a channel saves
 * is. `compare` is the channel's build order, if not rpm's.
 */
export function updatedUniverse(base: CachedSource, change: UniverseChange,
  compare?: (a: PackageRecord, b: PackageRecord) => number): Uint8Array | null {
  const order = newOrder(base, change);
  const pre = base.prebuiltDeps;
  if (!order || !pre) return null;
  const { from, added, addedIds, removedIds } = order;
  const u = base.u;
  const enc = new UniverseEncoder(u.stringCount, u.depCount);
  const addedInts = added.map((r) => { const xs: number[] = []; enc.record(r, xs); return xs; });
  const { starts, ints } = packageInts(base, from, addedInts);
  const arch = base.answersArch >= 0 ? base.answersArch : enc.s(CACHE_ARCH);
  const strings = stringBytes(enc.strs, u.text.length);
  const nStrings = u.stringCount + enc.strs.length;
  const strStarts = new Int32Array(nStrings + 1);
  strStarts.set(u.strStarts.subarray(0, u.stringCount));
  strStarts.set(strings.starts, u.stringCount);
  strStarts[nStrings] = u.text.length + strings.text.length;
  const depTable = new Int32Array(u.depTable.length + enc.depTable.length);
  depTable.set(u.depTable);
  depTable.set(enc.depTable, u.depTable.length);
  const text = Buffer.concat([u.text, strings.text]);
  const ascii = u.ascii && strings.ascii;
  const { names, renumbered } = updatedNames(base, from, added, (id) => ints[starts[id]]);
  const caps = extendedIndex(renumbered ? renumberedIndex(base.caps, renumbered) : base.caps, added, addedIds.map((id) => names.nameIds[id]));
  if (!caps) return null;
  const sections = { text, strStarts, nHot: base.nHot, ascii, depTable, starts, ints, arch, names, caps };
  // only a removal leaves strings no package uses
  if (removedIds.length && liveShare(sections, nStrings) < MIN_LIVE) return null;

  // the universe without answers, to answer the changed and affected packages from
  const bare = new CachedSource(base.label, new Universe(strStarts, depTable, ints, text, ascii), starts, base.nHot, -1, names, caps);
  const touched = new Set<string>();
  for (const old of removedIds) touch(base.record(old), touched);
  for (const r of added) touch(r, touched);
  const answered = [...dependents(bare, from, touched), ...addedIds].sort((a, b) => a - b);
  if (answered.length > base.count * MAX_ANSWERED) return null;
  const affected = new Uint8Array(from.length);
  for (const id of answered) affected[id] = 1;

  const pool = new Pool(compare ? Object.assign(bare, { compare }) : bare, { arch: CACHE_ARCH });
  const asked = new Set<string>();
  for (const id of answered) if (pool.packages[id].archScore !== 0) askedBy(pool.packages[id].record, asked);
  pool.indexOnly(asked, owners(bare, asked));
  const fresh = new Map<number, number[]>();
  for (const id of answered) {
    const xs: number[] = [];
    if (pool.packages[id].archScore === 0) xs.push(NONE); else encodePackageDeps(pool.deps(id), xs);
    fresh.set(id, xs);
  }
  const answers = keptAnswers(base, pre, from, affected, fresh);
  return answers && assembleUniverse({ ...sections, ...answers });
}

/**
 * pkgInts in the new order: each run of base packages whose ints lie back to back is
 * copied in one piece (a one-package change copies two runs), the added ones appended.
 */
function packageInts(base: CachedSource, from: Int32Array, addedInts: readonly number[][]): { starts: Int32Array; ints: Int32Array } {
  const n = from.length;
  const x = base.u.ints;
  const was = base.starts;
  const starts = new Int32Array(n);
  let total = 0;
  for (let id = 0; id < n; id++) {
    starts[id] = total;
    const f = from[id];
    if (f < 0) { total += addedInts[~f].length; continue; }
    const at = was[f];
    total += FIXED_INTS + x[at + 9] + x[at + 10] + x[at + 11] + x[at + 12] + x[at + 13];
  }
  const ints = new Int32Array(total);
  for (let id = 0; id < n;) {
    const f = from[id];
    if (f < 0) { ints.set(addedInts[~f], starts[id]); id++; continue; }
    let end = id + 1;
    while (end < n && from[end] === from[end - 1] + 1 && was[from[end]] - was[from[end - 1]] === starts[end] - starts[end - 1]) end++;
    ints.set(x.subarray(was[f], was[f] + (end < n ? starts[end] : total) - starts[id]), starts[id]);
    id = end;
  }
  return { starts, ints };
}

/**
 * The answers section in the new order: `fresh` answers where given (by new id), else
 * the base package's, copied a run of packages at a time and their ids renumbered in
 * place. Null when a copied answer names a removed package or the base's answers are
 * not laid out one package after another: the caller saves in full.
 */
function keptAnswers(base: CachedSource, pre: PrebuiltDeps, from: Int32Array, affected: Uint8Array,
  fresh: ReadonlyMap<number, number[]>): { offsets: Int32Array; data: Int32Array } | null {
  const n = from.length;
  const map = new Int32Array(base.count).fill(-1);
  for (let id = 0; id < n; id++) { const f = from[id]; if (f >= 0) map[f] = id; }
  const was = pre.offsets;
  const nBase = base.count;
  const endOf = (f: number): number => (f + 1 < nBase ? was[f + 1] : pre.data.length);
  const offsets = new Int32Array(n + 1);
  // runs of kept packages keep their answers' lengths: their offsets move by one amount
  for (let id = 0; id < n; id++) {
    const f = from[id];
    if (affected[id] === 1) { offsets[id + 1] = offsets[id] + (fresh.get(id) as number[]).length; continue; }
    if (f < 0) return null;
    const shift = offsets[id] - was[f];
    let end = id + 1;
    while (end < n && affected[end] === 0 && from[end] === from[end - 1] + 1) { offsets[end] = was[from[end]] + shift; end++; }
    offsets[end] = endOf(from[end - 1]) + shift;
    id = end - 1;
  }
  for (let id = 0; id < n; id++) if (!(offsets[id + 1] > offsets[id])) return null; // not laid out one after another
  const data = new Int32Array(offsets[n]);
  for (let id = 0; id < n;) {
    if (affected[id]) { data.set(fresh.get(id) as number[], offsets[id]); id++; continue; }
    const f = from[id];
    let end = id + 1;
    while (end < n && !affected[end] && from[end] === from[end - 1] + 1) end++;
    data.set(pre.data.subarray(was[f], endOf(from[end - 1])), offsets[id]);
    if (!renumberAnswers(data, offsets, id, end, map)) return null;
    id = end;
  }
  return { offsets: offsets.subarray(0, n), data };
}

/**
 * The new universe's order: per new id, the base id it was (>= 0) or ~i for added[i];
 * and the new ids of the added builds and the base ids of the removed ones.
 */
function newOrder(base: CachedSource, change: UniverseChange): { from: Int32Array; added: PackageRecord[]; addedIds: number[]; removedIds: number[] } | null {
  // a base without answers for this arch (or over another one) is rebuilt in full
  if (!base.prebuiltDeps || base.prebuiltDeps.arch !== CACHE_ARCH) return null;
  const keyOf = (id: number): string => nevraKey(base.record(id));
  const lowerBound = (key: string): number => {
    let lo = 0; let hi = base.count;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (keyOf(mid) < key) lo = mid + 1; else hi = mid; }
    return lo;
  };
  const gone = new Set<number>();
  for (const key of change.removed) { const at = lowerBound(key); if (at < base.count && keyOf(at) === key) gone.add(at); }
  const added = change.added.map((r) => ({ r, key: nevraKey(r) })).sort((a, b) => byKey(a.key, b.key));
  if (gone.size + added.length > base.count * MAX_CHANGED) return null;
  const isGone = new Uint8Array(base.count);
  for (const id of gone) isGone[id] = 1;
  const from = new Int32Array(base.count - gone.size + added.length);
  const addedIds: number[] = [];
  let next = 0;
  let o = 0;
  for (let i = 0; i <= added.length; i++) {
    let at = base.count;
    if (i < added.length) {
      if (i > 0 && added[i].key === added[i - 1].key) return null; // one key twice: not a channel's change
      at = lowerBound(added[i].key);
      if (at < base.count && keyOf(at) === added[i].key && !isGone[at]) return null; // a key the base keeps
    }
    for (; next < at; next++) if (isGone[next] === 0) from[o++] = next;
    if (i < added.length) { addedIds.push(o); from[o++] = ~i; }
  }
  return { from, added: added.map((a) => a.r), addedIds, removedIds: [...gone] };
}

/**
 * The names section from the base's: every kept name keeps its number and new names
 * are appended (into a copy of the hash table while it stays half empty), then each
 * name's builds are listed again, in id order, from the numbers alone. Only when a name
 * lost its last build is the section built anew (the full save's way), since a number
 * must not be left without builds.
 */
function updatedNames(base: CachedSource, from: Int32Array, added: readonly PackageRecord[],
  nameStr: (id: number) => number): { names: NameColumns; renumbered: Int32Array | null } {
  const old = base.names;
  const nOld = old.strIdx.length;
  const fresh = new Map<string, number>();
  const freshStr: number[] = [];
  const nameIds = new Int32Array(from.length);
  for (let id = 0; id < from.length; id++) {
    const f = from[id];
    if (f >= 0) { nameIds[id] = old.nameIds[f]; continue; }
    const name = added[~f].name;
    let k = base.nameIdOf(name);
    if (k < 0) k = fresh.get(name) ?? -1;
    if (k < 0) { k = nOld + freshStr.length; fresh.set(name, k); freshStr.push(nameStr(id)); }
    nameIds[id] = k;
  }
  const nNames = nOld + freshStr.length;
  const strIdx = new Int32Array(nNames);
  strIdx.set(old.strIdx);
  strIdx.set(freshStr, nOld);
  const memberStarts = new Int32Array(nNames + 1);
  for (let id = 0; id < nameIds.length; id++) memberStarts[nameIds[id] + 1]++;
  for (let k = 0; k < nNames; k++) {
    if (memberStarts[k + 1] === 0) return namedAnew(base, from, added, nameStr);
    memberStarts[k + 1] += memberStarts[k];
  }
  const members = new Int32Array(from.length);
  const next = memberStarts.slice(0, nNames);
  for (let id = 0; id < from.length; id++) members[next[nameIds[id]]++] = id;
  let hash: Int32Array;
  if (nNames * 2 <= old.hash.length) {
    hash = old.hash.slice();
    for (const [name, k] of fresh) insertName(hash, name, k);
  } else {
    let size = old.hash.length;
    while (size < nNames * 2) size *= 2;
    hash = new Int32Array(size);
    for (let k = 0; k < nOld; k++) insertName(hash, base.u.str(old.strIdx[k]), k);
    for (const [name, k] of fresh) insertName(hash, name, k);
  }
  return { names: { strIdx, hash, memberStarts, members, nameIds }, renumbered: null };
}

/** The names section built as a full save does, and each base name's new number (-1: gone). */
function namedAnew(base: CachedSource, from: Int32Array, added: readonly PackageRecord[],
  nameStr: (id: number) => number): { names: NameColumns; renumbered: Int32Array } {
  const names = typed(nameTable(Array.from(from, (f) => (f >= 0 ? base.nameOf(f) : added[~f].name)), nameStr));
  const renumbered = new Int32Array(base.nameCount).fill(-1);
  for (let id = 0; id < from.length; id++) if (from[id] >= 0) renumbered[base.names.nameIds[from[id]]] = names.nameIds[id];
  return { names, renumbered };
}

function insertName(hash: Int32Array, name: string, k: number): void {
  const mask = hash.length - 1;
  let slot = nameHash(name) & mask;
  while (hash[slot] !== 0) slot = (slot + 1) & mask;
  hash[slot] = k + 1;
}

function typed(x: ReturnType<typeof nameTable>): NameColumns {
  return { strIdx: Int32Array.from(x.strIdx), hash: Int32Array.from(x.hash), memberStarts: Int32Array.from(x.memberStarts), members: Int32Array.from(x.members), nameIds: Int32Array.from(x.nameIds) };
}

/** The share of strings some package, dependency or name still uses (the rest: removed packages'). */
function liveShare(x: { depTable: Int32Array; starts: Int32Array; ints: Int32Array; arch: number }, nStrings: number): number {
  const live = new Uint8Array(nStrings);
  const deps = new Uint8Array(x.depTable.length / 3);
  const { ints } = x;
  for (let id = 0; id < x.starts.length; id++) {
    const at = x.starts[id];
    live[ints[at]] = 1; live[ints[at + 2]] = 1; live[ints[at + 3]] = 1; live[ints[at + 4]] = 1;
    live[ints[at + 6]] = 1; live[ints[at + 7]] = 1; live[ints[at + 8]] = 1;
    const loc = ints[at + 5];
    live[loc < 0 ? ~loc : loc] = 1;
    const files = listStart(ints, at, 4);
    for (let i = listStart(ints, at, 0); i < files; i++) deps[ints[i]] = 1;
    for (let i = files, end = listStart(ints, at, 5); i < end; i++) live[ints[i]] = 1;
  }
  for (let k = 0; k < deps.length; k++) if (deps[k]) { live[x.depTable[3 * k]] = 1; live[x.depTable[3 * k + 2]] = 1; }
  live[x.arch] = 1;
  let count = 0;
  for (const b of live) count += b;
  return count / nStrings;
}

/** What a package offers others' dependencies: its name, its provides, its files. */
function touch(r: PackageRecord, into: Set<string>): void {
  into.add(r.name);
  for (const d of r.provides) into.add(d.name);
  for (const f of r.files) into.add(f);
}

/** The capabilities a package's answers look up: requires and conflicts (a rich one: its atoms). */
export function askedBy(r: PackageRecord, into: Set<string>): void {
  const add = (d: Dependency): void => {
    if (isRich(d.name)) for (const a of richAtoms(parseRichDep(d.name))) into.add(a.name);
    else into.add(d.name);
  };
  r.requires.forEach(add);
  r.conflicts.forEach(add);
}

/** Builds, ascending, of the names `caps` files under one of `names` (asks: as asking for it, else as offering it) for which `test` holds. */
function buildsOf(src: CachedSource, names: ReadonlySet<string>, asks: boolean, test: (id: number) => boolean): number[] {
  const out: number[] = [];
  for (const k of capabilityNames(src.caps, names, asks)) {
    if (k >= src.nameCount) continue; // not a name of this universe: never indexed so
    for (const id of src.idsOfName(k)) if (test(id)) out.push(id);
  }
  return out.sort((a, b) => a - b);
}

/** Kept packages (new ids, ascending) whose requires, conflicts or obsoletes name one of `names` (a rich one: any atom). */
function dependents(src: CachedSource, from: Int32Array, names: ReadonlySet<string>): number[] {
  return buildsOf(src, names, true, (id) => {
    if (from[id] < 0) return false;
    let hit = false;
    capabilitiesOf(src.record(id), (cap, asks) => { if (asks && names.has(cap)) hit = true; });
    return hit;
  });
}

/** Ids, ascending, of the packages that provide, own as a file or are named one of `names`. */
function owners(src: CachedSource, names: ReadonlySet<string>): number[] {
  return buildsOf(src, names, false, (id) => {
    let hit = false;
    capabilitiesOf(src.record(id), (cap, asks) => { if (!asks && names.has(cap)) hit = true; });
    return hit;
  });
}
