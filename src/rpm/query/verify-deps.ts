/**
 * `rpm -V`'s dependency check (lib/verify.c verifyDependencies, lib/depends.c rpmtsCheck,
 * unsatisfiedDepend, rpmdbProvides, checkInstDeps; lib/rpmal.c): the installed package
 * put in a transaction of its own and checked against the installed database:
 *
 * - its Requires must be met by itself, the database's installed files and provides, or
 *   rpmlib(); install-time-only requirements (Requires(pre) and kin) are not checked;
 * - its Conflicts and Obsoletes must match no other installed package;
 * - no other installed package may conflict with its provides or files, or obsolete it.
 *
 * Problems print as rpm prints them: `Unsatisfied dependencies for NEVRA:` then one
 * `\tX is needed by (installed) NEVRA` line per distinct problem. Not done: rpm's
 * negated rich-requirement index (`(a unless b)` against installed packages) and its
 * file fingerprints (a file dependency through a symlinked directory).
 */
import { rangesOverlap } from '../../policy/dependency-range.js';
import { isRich, parseRichDep } from '../../resolver/rich-dep.js';
import type { RichNode } from '../../resolver/rich-dep.js';
import { depSet, depText, formatDep } from './dep-set.js';
import type { DepSet } from './dep-set.js';
import { fileInfo } from './file-info.js';
import { evrString, nevraOf } from './nevra-strings.js';
import type { DbEntry, QueryDb } from './query-db.js';
import type { RpmLog } from './query-output.js';
import { isTransientReq, Sense, SENSE_MASK, T } from './tag-numbers.js';

/** rpmlib() features of rpm 4.18 as Debian builds it (`rpm --showrc`), all `= EVR`. */
const RPMLIB_PROVIDES: ReadonlyArray<readonly [string, string]> = [
  ['rpmlib(BuiltinLuaScripts)', '4.2.2-1'], ['rpmlib(CaretInVersions)', '4.15.0-1'], ['rpmlib(CompressedFileNames)', '3.0.4-1'],
  ['rpmlib(ConcurrentAccess)', '4.1-1'], ['rpmlib(DynamicBuildRequires)', '4.15.0-1'], ['rpmlib(ExplicitPackageProvide)', '4.0-1'],
  ['rpmlib(FileCaps)', '4.6.1-1'], ['rpmlib(FileDigests)', '4.6.0-1'], ['rpmlib(HeaderLoadSortsTags)', '4.0.1-1'],
  ['rpmlib(LargeFiles)', '4.12.0-1'], ['rpmlib(PartialHardlinkSets)', '4.0.4-1'], ['rpmlib(PayloadFilesHavePrefix)', '4.0-1'],
  ['rpmlib(PayloadIsBzip2)', '3.0.5-1'], ['rpmlib(PayloadIsLzma)', '4.4.2-1'], ['rpmlib(PayloadIsXz)', '5.2-1'],
  ['rpmlib(PayloadIsZstd)', '5.4.18-1'], ['rpmlib(RichDependencies)', '4.12.0-1'], ['rpmlib(ScriptletExpansion)', '4.9.0-1'],
  ['rpmlib(ScriptletInterpreterArgs)', '4.0.3-1'], ['rpmlib(TildeInVersions)', '4.10.0-1'], ['rpmlib(VersionedDependencies)', '3.0.3-1'],
];

/** One dependency being checked: rpm's rpmds positioned on an entry. */
interface Dep {
  tag: number;
  name: string;
  flags: number;
  /** null when the header has no version (or flags) array: rpm then always overlaps. */
  evr: string | null;
  hasArrays: boolean;
  /** The package the dependency belongs to (for rpm's self-conflict / self-obsolete rules). */
  owner: DbEntry;
}

function depAt(owner: DbEntry, ds: DepSet, i: number): Dep {
  return {
    tag: ds.tag, name: ds.names[i], flags: ds.flags ? ds.flags[i] : 0, evr: ds.versions ? ds.versions[i] : null,
    hasArrays: ds.versions !== null && ds.flags !== null, owner,
  };
}

/** rpm's rpmdsCompare on two positioned dependencies of the same name. */
function overlap(a: { flags: number; evr: string | null; hasArrays: boolean }, b: Dep): boolean {
  if (!a.hasArrays || !b.hasArrays) return true;
  if (!(a.flags & SENSE_MASK) || !(b.flags & SENSE_MASK)) return true;
  if (!a.evr || !b.evr) return true;
  return rangesOverlap({ sense: a.flags, evr: a.evr }, { sense: b.flags, evr: b.evr });
}

class DepChecker {
  constructor(private readonly db: QueryDb, private readonly te: DbEntry) {}

  /** rpm's "this" dependency of a package: `N = [E:]V-R`. */
  private thisDep(e: DbEntry): { flags: number; evr: string; hasArrays: boolean } {
    return { flags: Sense.EQUAL, evr: evrString(e.h), hasArrays: true };
  }

  /** rpmalAllSatisfiesDepend: does the package being verified satisfy `dep` itself? */
  private addedSatisfies(dep: Dep): boolean {
    const self = dep.owner === this.te && (dep.tag === T.CONFLICTNAME || dep.tag === T.OBSOLETENAME);
    if (self) return false;
    const h = this.te.h;
    if (dep.tag !== T.OBSOLETENAME && dep.name.startsWith('/')) {
      const slash = dep.name.lastIndexOf('/');
      const dir = dep.name.slice(0, slash + 1);
      const base = dep.name.slice(slash + 1);
      const dirs = h.strings(T.DIRNAMES);
      const dindex = h.numbers(T.DIRINDEXES);
      const found = h.strings(T.BASENAMES).some((b, i) => b === base && dirs[dindex[i]] !== undefined
        && (dirs[dindex[i]] === dir || this.db.fingerprints?.sameDir(dirs[dindex[i]], dir)));
      if (found) return true;
    }
    const provides = depSet(h, T.PROVIDENAME);
    if (!provides) return false;
    for (let i = 0; i < provides.names.length; i++) {
      if (provides.names[i] !== dep.name) continue;
      if (dep.tag === T.OBSOLETENAME) {
        if (provides.names[i] === h.string(T.NAME) && overlap(this.thisDep(this.te), dep)) return true;
      } else if (overlap(depAt(this.te, provides, i), dep)) return true;
    }
    return false;
  }

  /** rpmdbProvides: does some installed package satisfy `dep`? */
  private dbProvides(dep: Dep): boolean {
    const selfExcluded = dep.tag === T.CONFLICTNAME || dep.tag === T.OBSOLETENAME;
    if (dep.tag !== T.OBSOLETENAME && dep.name.startsWith('/')) {
      for (const hit of this.db.findFile(dep.name, true)) {
        if (dep.tag === T.CONFLICTNAME && hit.entry.instance === dep.owner.instance) continue;
        return true;
      }
    }
    if (dep.tag === T.OBSOLETENAME) {
      return this.db.lookup(T.NAME, dep.name).some((hit) => hit.entry.instance !== dep.owner.instance && overlap(this.thisDep(hit.entry), dep));
    }
    for (const hit of this.db.lookup(T.PROVIDENAME, dep.name)) {
      if (selfExcluded && hit.entry.instance === dep.owner.instance) continue;
      const ds = depSet(hit.entry.h, T.PROVIDENAME);
      const provide = ds ? depAt(hit.entry, ds, hit.index) : { flags: 0, evr: null, hasArrays: false };
      if (overlap(provide, dep)) return true;
    }
    return false;
  }

  /** rpm's unsatisfiedDepend for a dependency of an installed package. */
  unsatisfied(dep: Dep): boolean {
    if (dep.flags & Sense.RPMLIB) {
      const ok = RPMLIB_PROVIDES.some(([n, evr]) => n === dep.name && overlap({ flags: Sense.EQUAL, evr, hasArrays: true }, dep));
      return ok ? false : !(dep.flags & Sense.MISSINGOK);
    }
    if (isTransientReq(dep.flags)) return false;
    if (isRich(dep.name)) {
      let tree: RichNode;
      try {
        tree = parseRichDep(dep.name);
      } catch {
        // A parse error counts as unsatisfied for requires, satisfied for conflicts; an installed package's reverses that.
        return dep.tag === T.CONFLICTNAME;
      }
      return !this.richHolds(tree, dep);
    }
    if (!(dep.flags & Sense.PRETRANS) && this.addedSatisfies(dep)) return false;
    if (this.dbProvides(dep)) return false;
    return !(dep.flags & Sense.MISSINGOK);
  }

  private atom(node: Extract<RichNode, { op: 'atom' }>, parent: Dep): Dep {
    const d = node.dep;
    const sense = (d.flags.includes('<') ? Sense.LESS : 0) | (d.flags.includes('>') ? Sense.GREATER : 0) | (d.flags.includes('=') ? Sense.EQUAL : 0);
    return { tag: parent.tag, name: d.name, flags: sense | (parent.flags & ~(SENSE_MASK | Sense.MISSINGOK)), evr: d.evr, hasArrays: true, owner: parent.owner };
  }

  private richHolds(n: RichNode, parent: Dep): boolean {
    switch (n.op) {
      case 'atom': return !this.unsatisfied(this.atom(n, parent));
      case 'and': return this.richHolds(n.left, parent) && this.richHolds(n.right, parent);
      case 'or': return this.richHolds(n.left, parent) || this.richHolds(n.right, parent);
      case 'if':
        if (this.richHolds(n.cond, parent)) return this.richHolds(n.then, parent);
        return n.otherwise ? this.richHolds(n.otherwise, parent) : true;
      case 'unless':
        if (!this.richHolds(n.cond, parent)) return this.richHolds(n.then, parent);
        return n.otherwise ? this.richHolds(n.otherwise, parent) : false;
      case 'with': case 'without': return this.richSet(n, parent).size > 0;
    }
  }

  /** rpm's unsatisfiedDependSet: the packages (by instance) providing a with/without/or expression. */
  private richSet(n: RichNode, parent: Dep): Set<number> {
    if (n.op === 'atom') {
      const dep = this.atom(n, parent);
      const out = new Set<number>();
      if (dep.flags & Sense.RPMLIB) return out;
      if (dep.name.startsWith('/')) for (const hit of this.db.findFile(dep.name, true)) out.add(hit.entry.instance);
      for (const hit of this.db.lookup(T.PROVIDENAME, dep.name)) {
        const ds = depSet(hit.entry.h, T.PROVIDENAME);
        if (ds && overlap(depAt(hit.entry, ds, hit.index), dep)) out.add(hit.entry.instance);
      }
      if (!(dep.flags & Sense.PRETRANS) && this.addedSatisfies(dep)) out.add(this.te.instance);
      return out;
    }
    if (n.op === 'with' || n.op === 'without' || n.op === 'or') {
      const a = this.richSet(n.left, parent);
      if (n.op !== 'or' && a.size === 0) return a;
      const b = this.richSet(n.right, parent);
      if (n.op === 'with') return new Set([...a].filter((x) => b.has(x)));
      if (n.op === 'without') return new Set([...a].filter((x) => !b.has(x)));
      return new Set([...a, ...b]);
    }
    return new Set();
  }
}

/**
 * Checks one installed package's dependencies and prints rpm's problem lines. Returns the
 * number of distinct problems (rpm's return value, which becomes the exit code).
 */
export function verifyDependencies(db: QueryDb, te: DbEntry, log: RpmLog): number {
  const check = new DepChecker(db, te);
  const problems: string[] = [];
  const add = (text: string): void => { if (!problems.includes(text)) problems.push(text); };
  const nevra = nevraOf(te.h);
  const installed = (e: DbEntry): string => (e.instance ? '(installed) ' : '');
  const own: Array<[number, boolean, string]> = [[T.REQUIRENAME, true, 'is needed by'], [T.CONFLICTNAME, false, 'conflicts with'], [T.OBSOLETENAME, false, 'is obsoleted by']];
  for (const [tag, problemWhenUnsatisfied, verb] of own) {
    const ds = depSet(te.h, tag);
    if (!ds) continue;
    ds.names.forEach((_, i) => {
      if (check.unsatisfied(depAt(te, ds, i)) === problemWhenUnsatisfied) add(`${depText(ds, i)} ${verb} ${installed(te)}${nevra}`);
    });
  }
  if (!te.h.isSource()) {
    const provides = depSet(te.h, T.PROVIDENAME);
    provides?.names.forEach((name, i) => {
      const provide = depAt(te, provides, i);
      for (const hit of db.lookup(T.CONFLICTNAME, name)) {
        if (hit.entry.instance === te.instance) continue;
        const ds = depSet(hit.entry.h, T.CONFLICTNAME);
        if (!ds) continue;
        const conflict = depAt(hit.entry, ds, hit.index);
        const match = isRich(conflict.name) || overlap(conflict, provide);
        if (match && !check.unsatisfied(conflict)) add(`${depText(ds, hit.index)} conflicts with ${installed(hit.entry)}${nevraOf(hit.entry.h)}`);
      }
    });
    const name = te.h.string(T.NAME);
    if (name !== undefined) {
      const self: Dep = { tag: T.NAME, name, flags: Sense.EQUAL, evr: evrString(te.h), hasArrays: true, owner: te };
      for (const hit of db.lookup(T.OBSOLETENAME, name)) {
        if (hit.entry.instance === te.instance) continue;
        const ds = depSet(hit.entry.h, T.OBSOLETENAME);
        if (!ds) continue;
        const obsolete = depAt(hit.entry, ds, hit.index);
        if (overlap(obsolete, self) && !check.unsatisfied(obsolete)) add(`${depText(ds, hit.index)} is obsoleted by ${installed(hit.entry)}${nevraOf(hit.entry.h)}`);
      }
    }
    fileConflicts(db, te, check, add, installed);
  }
  if (problems.length) {
    log.notice(`Unsatisfied dependencies for ${nevra}:\n`);
    for (const p of problems) log.notice(`\t${p}\n`);
  }
  return problems.length;
}

/** Installed packages' conflicts on file paths the verified package owns. */
function fileConflicts(db: QueryDb, te: DbEntry, check: DepChecker, add: (t: string) => void, installed: (e: DbEntry) => string): void {
  const byPath = new Map<string, Array<[DbEntry, DepSet, number]>>();
  for (const e of db.entries) {
    if (e.instance === te.instance) continue;
    const ds = depSet(e.h, T.CONFLICTNAME);
    ds?.names.forEach((n, i) => {
      if (!n.startsWith('/')) return;
      const list = byPath.get(n);
      if (list) list.push([e, ds, i]); else byPath.set(n, [[e, ds, i]]);
    });
  }
  if (byPath.size === 0) return;
  const fi = fileInfo(te.h, 'query');
  for (const path of fi?.paths ?? []) {
    for (const [e, ds, i] of byPath.get(path) ?? []) {
      if (!check.unsatisfied(depAt(e, ds, i))) add(`${formatDep(ds.names[i], ds.flags ? ds.flags[i] : 0, ds.versions ? ds.versions[i] : null)} conflicts with ${installed(e)}${nevraOf(e.h)}`);
    }
  }
}
