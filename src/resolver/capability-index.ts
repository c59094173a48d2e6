/**
 * Who offers and who asks for each capability, by hash bucket: the section of a universe
 * file (universe-cache.ts) that lets an update (universe-update.ts) find the packages a
 * change concerns without a pass over every package. A package offers its name, its
 * provides and its files; it asks for its requires, conflicts and obsoletes (a rich one:
 * each atom).
 *
 * - Buckets are `nameHash(capability) & (size - 1)`; an entry is `nameId << 1 | asks`,
 *   the name's number in the names section, which an update keeps (a build's id is not:
 *   every build after an insertion moves). A lookup yields names, whose builds are then
 *   checked one by one, so a hash collision or the entry of a build since removed costs
 *   a check, never a wrong answer.
 * - A full save lays the entries out bucket by bucket (`starts`, size + 1 of them). An
 *   update appends the added builds' pairs (`bucket entry`) to `extra` instead of
 *   moving every entry, and asks for a full save (which lays them out again) once the
 *   extra pairs pass a quarter of the entries.
 * - A rich dependency that does not parse names nothing here: a package asking one is
 *   never answered (a full save fails on it, unless the package cannot be installed
 *   here, whose answers are none however it changes).
 */
import { isRich, parseRichDep, richAtoms } from '../rpm/index.js';
import type { PackageRecord } from './source.js';

export interface CapabilitySections {
  /** per bucket where its entries start (one more than the buckets) */
  starts: ArrayLike<number>;
  entries: ArrayLike<number>;
  /** pairs `bucket entry` appended by updates */
  extra: ArrayLike<number>;
}

/** The section as a loaded file holds it. */
export interface CapabilityColumns { starts: Int32Array; entries: Int32Array; extra: Int32Array }

/** Extra pairs an update may leave beyond a quarter of the entries before a full save lays them out. */
const MIN_EXTRA = 4096;

/** The hash of a capability, the same at save and at lookup (FNV-1a over UTF-16 code units). */
export function capabilityHash(cap: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < cap.length; i++) h = Math.imul(h ^ cap.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Calls `visit` with each capability `r` offers (asks false) and each it asks for (true). */
export function capabilitiesOf(r: PackageRecord, visit: (cap: string, asks: boolean) => void): void {
  visit(r.name, false);
  for (const d of r.provides) visit(d.name, false);
  for (const f of r.files) visit(f, false);
  for (const list of [r.requires, r.conflicts, r.obsoletes]) {
    for (const d of list) {
      if (!isRich(d.name)) { visit(d.name, true); continue; }
      let atoms: string[];
      try { atoms = richAtoms(parseRichDep(d.name)).map((a) => a.name); } catch { atoms = []; }
      for (const a of atoms) visit(a, true);
    }
  }
}

/** The packages as a full save has encoded them (universe-cache.ts): the index is built from these numbers, not from records. */
export interface EncodedPackages {
  /** per package its start in `ints`, where it is `name … nProv nReq nCon nObs nFiles` (FIXED_INTS ints) then its lists */
  starts: ArrayLike<number>; ints: ArrayLike<number>;
  /** dependency triples `name flags evr` and the strings they and `ints` number */
  depTable: ArrayLike<number>; strs: readonly string[];
}

/** ints per package ahead of its lists (universe-cache.ts FIXED_INTS, not imported: that module imports this one) */
const FIXED = 14;

/**
 * The section of a full save: `nameIds[i]` is the name number of package i. Entries are
 * gathered per string number (a rich dependency's atoms, which may be no string of the
 * file, per atom), and each distinct capability is hashed once.
 */
export function buildCapabilityIndex(p: EncodedPackages, nameIds: ArrayLike<number>): CapabilitySections {
  const { starts, ints, depTable, strs } = p;
  const nStrs = strs.length;
  // capability numbers: strings, then rich atoms; the last entry filed under each (builds of a name are neighbours)
  const atoms = new Map<string, number>();
  const capNames: string[] = [];
  const last: number[] = new Array<number>(nStrs).fill(-1);
  const caps: number[] = [];
  const entries: number[] = [];
  const file = (cap: number, e: number): void => { if (last[cap] !== e) { last[cap] = e; caps.push(cap); entries.push(e); } };
  const fileAtom = (atom: string, e: number): void => {
    let cap = atoms.get(atom);
    if (cap === undefined) { cap = nStrs + capNames.length; atoms.set(atom, cap); capNames.push(atom); last.push(-1); }
    file(cap, e);
  };
  for (let id = 0; id < starts.length; id++) {
    const at = starts[id];
    const k = nameIds[id] << 1;
    file(ints[at], k);
    let i = at + FIXED;
    for (const end = i + ints[at + 9]; i < end; i++) file(depTable[3 * ints[i]], k);
    for (const end = i + ints[at + 10] + ints[at + 11] + ints[at + 12]; i < end; i++) {
      const name = depTable[3 * ints[i]];
      if (!isRich(strs[name])) { file(name, k | 1); continue; }
      let names: string[];
      try { names = richAtoms(parseRichDep(strs[name])).map((a) => a.name); } catch { names = []; }
      for (const a of names) fileAtom(a, k | 1);
    }
    for (const end = i + ints[at + 13]; i < end; i++) file(ints[i], k);
  }
  let distinct = capNames.length;
  for (let s = 0; s < nStrs; s++) if (last[s] !== -1) distinct++;
  let size = 8;
  while (size < distinct * 2) size *= 2;
  const bucketOf = new Int32Array(last.length).fill(-1);
  const counts = new Int32Array(size + 1);
  for (const cap of caps) {
    if (bucketOf[cap] < 0) bucketOf[cap] = capabilityHash(cap < nStrs ? strs[cap] : capNames[cap - nStrs]) & (size - 1);
    counts[bucketOf[cap] + 1]++;
  }
  for (let b = 0; b < size; b++) counts[b + 1] += counts[b];
  const out = new Int32Array(entries.length);
  const next = counts.slice(0, size);
  for (let j = 0; j < caps.length; j++) out[next[bucketOf[caps[j]]]++] = entries[j];
  return { starts: counts, entries: out, extra: new Int32Array(0) };
}

/**
 * The section with the added builds' capabilities appended (`nameIds[i]` the name number
 * of `added[i]`); null when the extra pairs would pass their share (a full save then).
 */
export function extendedIndex(caps: CapabilityColumns, added: readonly PackageRecord[], nameIds: readonly number[]): CapabilityColumns | null {
  const mask = caps.starts.length - 2;
  const pairs: number[] = [];
  added.forEach((r, i) => {
    const seen = new Set<string>();
    capabilitiesOf(r, (cap, asks) => {
      const e = (nameIds[i] << 1) | (asks ? 1 : 0);
      if (seen.has(`${e} ${cap}`)) return;
      seen.add(`${e} ${cap}`);
      pairs.push(capabilityHash(cap) & mask, e);
    });
  });
  if ((caps.extra.length + pairs.length) / 2 > Math.max(MIN_EXTRA, caps.entries.length / 4)) return null;
  const extra = new Int32Array(caps.extra.length + pairs.length);
  extra.set(caps.extra);
  extra.set(pairs, caps.extra.length);
  return { starts: caps.starts, entries: caps.entries, extra };
}

/**
 * The section with every name number renumbered by `map` (old number -> new, -1 for a
 * name gone): when an update builds the names section anew. A pass over the entries,
 * which only a name's last build removed costs.
 */
export function renumberedIndex(caps: CapabilityColumns, map: Int32Array): CapabilityColumns {
  const renumber = (e: number): number => (e < 0 || map[e >> 1] < 0 ? -1 : (map[e >> 1] << 1) | (e & 1));
  const entries = caps.entries.map(renumber);
  const extra = caps.extra.slice();
  for (let i = 1; i < extra.length; i += 2) extra[i] = renumber(extra[i]);
  return { starts: caps.starts, entries, extra };
}

/** Name numbers with an entry for one of `caps` that offers (asks false) or asks for (true) it; a superset: check each build. */
export function capabilityNames(caps: CapabilityColumns, names: ReadonlySet<string>, asks: boolean): Set<number> {
  const mask = caps.starts.length - 2;
  const want = asks ? 1 : 0;
  const buckets = new Set<number>();
  for (const cap of names) buckets.add(capabilityHash(cap) & mask);
  const out = new Set<number>();
  const take = (e: number): void => { if (e >= 0 && (e & 1) === want) out.add(e >> 1); };
  for (const b of buckets) for (let i = caps.starts[b], end = caps.starts[b + 1]; i < end; i++) take(caps.entries[i]);
  for (let i = 0; i < caps.extra.length; i += 2) if (buckets.has(caps.extra[i])) take(caps.extra[i + 1]);
  return out;
}
