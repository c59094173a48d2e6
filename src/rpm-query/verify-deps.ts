/**
 * `rpm -V`'s dependency check (lib/verify.c verifyDependencies, lib/depends.c rpmtsCheck,
 * unsatisfiedDepend, unsatisfiedDependSet, rpmdbProvides, checkInstDeps,
 * checkInstFileDeps; lib/rpmal.c): the installed package put in a transaction of its own
 * and checked against the installed database, in rpmtsCheck's order:
 *
 * 1. its Requires, Conflicts and Obsoletes (install-time-only requirements skipped);
 * 2. for each of its provides: installed Conflicts on it, then installed rich Requires
 *    in which it stands in a negated place (`(a if PROVIDE else b)`, `(a unless PROVIDE)`):
 *    providing it can break them;
 * 3. installed Obsoletes of its name;
 * 4. for each of its files: installed Conflicts on the path, then installed rich Requires
 *    with the path negated (paths compared by fingerprint).
 *
 * Problems print as rpm prints them: `Unsatisfied dependencies for NEVRA:` then one
 * `\tX is needed by (installed) NEVRA` line per distinct problem.
 *
 * rpm's quirks kept on purpose: the atoms of a rich dependency belong to no package (rpm
 * gives them instance 0), so a rich Conflicts is never excused for matching its own
 * package, and an installed package's rich atoms are checked as rpm checks an added
 * package's. Not kept: rpm's per-check cache of database answers (it can only differ
 * where the uncached answer excuses a self-conflict, which the order of rpm's checks
 * never reaches) and dependency colours (every colour is in x86_64's rainbow).
 */
import { rangesOverlap } from '../policy/index.js';
import { isRich } from '../rpm/index.js';
import type { RichNode } from '../rpm/index.js';
import { parseRpmRich } from './rich-parse.js';
import { depSet, depText } from './dep-set.js';
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

/** The package being verified, as a member of rpm's added-package set (never a database instance). */
const ADDED = -1;

/** One dependency being checked: rpm's rpmds positioned on an entry. */
interface Dep {
  tag: number;
  name: string;
  flags: number;
  /** null when the header has no version (or flags) array: rpm then always overlaps. */
  evr: string | null;
  hasArrays: boolean;
  /** rpmdsInstance: the database instance of the header it comes from; 0 for a rich atom. */
  instance: number;
  /** One of the verified package's own dependency sets (rpmal's filter for self-conflicts). */
  own: boolean;
}

function depAt(entry: DbEntry, ds: DepSet, i: number, own: boolean): Dep {
  return {
    tag: ds.tag, name: ds.names[i], flags: ds.flags ? ds.flags[i] : 0, evr: ds.versions ? ds.versions[i] : null,
    hasArrays: ds.versions !== null && ds.flags !== null, instance: entry.instance, own,
  };
}

/** rpm's rpmdsCompare on two positioned dependencies of the same name. */
function overlap(a: { flags: number; evr: string | null; hasArrays: boolean }, b: { flags: number; evr: string | null; hasArrays: boolean }): boolean {
  if (!a.hasArrays || !b.hasArrays) return true;
  if (!(a.flags & SENSE_MASK) || !(b.flags & SENSE_MASK)) return true;
  if (!a.evr || !b.evr) return true;
  return rangesOverlap({ sense: a.flags, evr: a.evr }, { sense: b.flags, evr: b.evr });
}

/** rpm's "this" dependency of a package: `N = [E:]V-R`. */
function thisDep(e: DbEntry): { flags: number; evr: string; hasArrays: boolean } {
  return { flags: Sense.EQUAL, evr: evrString(e.h), hasArrays: true };
}

const splitPath = (path: string): [dir: string, base: string] => {
  const slash = path.lastIndexOf('/');
  return [path.slice(0, slash + 1), path.slice(slash + 1)];
};

class DepChecker {
  constructor(private readonly db: QueryDb, private readonly te: DbEntry) {}

  /** rpmalAllSatisfiesDepend: does the package being verified, as an added package, satisfy `dep`? */
  private addedSatisfies(dep: Dep): boolean {
    // rpm excuses only the package's own Conflicts/Obsoletes sets, never a rich atom of them.
    if (dep.own && (dep.tag === T.CONFLICTNAME || dep.tag === T.OBSOLETENAME)) return false;
    const h = this.te.h;
    if (dep.tag !== T.OBSOLETENAME && dep.name.startsWith('/')) {
      const [dir, base] = splitPath(dep.name);
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
        if (provides.names[i] === h.string(T.NAME) && overlap(thisDep(this.te), dep)) return true;
      } else if (overlap(depAt(this.te, provides, i, true), dep)) return true;
    }
    return false;
  }

  /** rpmdbProvides: the installed packages (instances) satisfying `dep`; `all` false stops at the first. */
  private dbProviders(dep: Dep, all: boolean): number[] {
    const out: number[] = [];
    const selfExcused = (instance: number): boolean => dep.instance !== 0 && instance === dep.instance;
    if (dep.tag !== T.OBSOLETENAME && dep.name.startsWith('/')) {
      for (const hit of this.db.findFile(dep.name, true)) {
        if (dep.tag === T.CONFLICTNAME && selfExcused(hit.entry.instance)) continue;
        out.push(hit.entry.instance);
        if (!all) return out;
      }
    }
    if (dep.tag === T.OBSOLETENAME) {
      for (const hit of this.db.lookup(T.NAME, dep.name)) {
        if (selfExcused(hit.entry.instance) || !overlap(thisDep(hit.entry), dep)) continue;
        out.push(hit.entry.instance);
        if (!all) return out;
      }
      return out;
    }
    for (const hit of this.db.lookup(T.PROVIDENAME, dep.name)) {
      if (dep.tag === T.CONFLICTNAME && selfExcused(hit.entry.instance)) continue;
      const ds = depSet(hit.entry.h, T.PROVIDENAME);
      const provide = ds ? depAt(hit.entry, ds, hit.index, false) : { flags: 0, evr: null, hasArrays: false };
      if (!overlap(provide, dep)) continue;
      out.push(hit.entry.instance);
      if (!all) return out;
    }
    return out;
  }

  /** rpm's unsatisfiedDepend: true when `dep` is not satisfied. */
  unsatisfied(dep: Dep): boolean {
    if (dep.flags & Sense.RPMLIB) {
      const ok = RPMLIB_PROVIDES.some(([n, evr]) => n === dep.name && overlap({ flags: Sense.EQUAL, evr, hasArrays: true }, dep));
      return ok ? false : !(dep.flags & Sense.MISSINGOK);
    }
    // rpm skips install-time requirements of installed packages; a rich atom counts as being added.
    if (dep.instance !== 0 && isTransientReq(dep.flags)) return false;
    if (isRich(dep.name)) {
      let tree: RichNode;
      try {
        tree = parseRpmRich(dep.name);
      } catch {
        // A parse error counts as unsatisfied for requires, satisfied for conflicts; an installed package's reverses that.
        const unsatisfied = dep.tag !== T.CONFLICTNAME;
        return dep.instance !== 0 ? !unsatisfied : unsatisfied;
      }
      return !this.richHolds(tree, dep);
    }
    if (!(dep.flags & Sense.PRETRANS) && this.addedSatisfies(dep)) return false;
    if (this.dbProviders(dep, false).length) return false;
    return !(dep.flags & Sense.MISSINGOK);
  }

  /** An atom of a rich dependency as rpmdsParseRichDep makes it: instance 0, the parent's non-sense flags. */
  private atom(node: Extract<RichNode, { op: 'atom' }>, parent: Dep): Dep {
    const d = node.dep;
    const sense = (d.flags.includes('<') ? Sense.LESS : 0) | (d.flags.includes('>') ? Sense.GREATER : 0) | (d.flags.includes('=') ? Sense.EQUAL : 0);
    let flags = sense | (parent.flags & ~(SENSE_MASK | Sense.MISSINGOK));
    if (parent.tag === T.REQUIRENAME && d.name.length > 7 && d.name.startsWith('rpmlib(')) flags |= Sense.RPMLIB;
    return { tag: parent.tag, name: d.name, flags, evr: d.evr || null, hasArrays: true, instance: 0, own: false };
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

  /**
   * rpm's unsatisfiedDependSet: the packages providing a with/without/or expression,
   * database instances and ADDED (the verified package as added, a member of its own).
   * Other operators are unsupported in set mode: rpm answers the empty set.
   */
  private richSet(n: RichNode, parent: Dep): Set<number> {
    if (n.op === 'atom') {
      const dep = this.atom(n, parent);
      if (dep.flags & Sense.RPMLIB) return new Set();
      const out = new Set(this.dbProviders(dep, true));
      if (!(dep.flags & Sense.PRETRANS) && this.addedSatisfies(dep)) out.add(ADDED);
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

const VERBS: Record<number, string> = { [T.REQUIRENAME]: 'is needed by', [T.CONFLICTNAME]: 'conflicts with', [T.OBSOLETENAME]: 'is obsoleted by' };

/**
 * Checks one installed package's dependencies and prints rpm's problem lines. Returns the
 * number of distinct problems (rpm's return value, which becomes the exit code).
 */
export function verifyDependencies(db: QueryDb, te: DbEntry, log: RpmLog): number {
  const check = new DepChecker(db, te);
  const problems: string[] = [];
  const problem = (ds: DepSet, i: number, owner: DbEntry): void => {
    const text = `${depText(ds, i)} ${VERBS[ds.tag]} ${owner.instance ? '(installed) ' : ''}${nevraOf(owner.h)}`;
    if (!problems.includes(text)) problems.push(text);
  };
  /**
   * rpm's checkInstDeps: the installed `tag` dependencies indexed under `key` (an atom
   * name, `!`-prefixed for negated rich atoms), each compared with `against` when given
   * and not rich; a Requires is a problem when unsatisfied, the others when satisfied.
   */
  const checkInstalled = (tag: number, key: string, against: Dep | null): void => {
    for (const hit of db.lookup(tag, key)) {
      if (tag !== T.REQUIRENAME && hit.entry.instance === te.instance) continue;
      const ds = depSet(hit.entry.h, tag);
      if (!ds) continue;
      const dep = depAt(hit.entry, ds, hit.index, false);
      if (against && !isRich(dep.name) && !overlap(dep, against)) continue;
      if (check.unsatisfied(dep) === (tag === T.REQUIRENAME)) problem(ds, hit.index, hit.entry);
    }
  };

  for (const tag of [T.REQUIRENAME, T.CONFLICTNAME, T.OBSOLETENAME]) {
    const ds = depSet(te.h, tag);
    ds?.names.forEach((_, i) => {
      if (check.unsatisfied(depAt(te, ds, i, true)) === (tag === T.REQUIRENAME)) problem(ds, i, te);
    });
  }
  if (!te.h.isSource()) {
    const provides = depSet(te.h, T.PROVIDENAME);
    provides?.names.forEach((name, i) => {
      const provide = depAt(te, provides, i, true);
      checkInstalled(T.CONFLICTNAME, name, provide);
      checkInstalled(T.REQUIRENAME, `!${name}`, provide);
    });
    const name = te.h.string(T.NAME);
    if (name !== undefined) checkInstalled(T.OBSOLETENAME, name, { tag: T.NAME, name, ...thisDep(te), instance: te.instance, own: true });
    fileChecks(db, te, checkInstalled);
  }
  if (problems.length) {
    log.notice(`Unsatisfied dependencies for ${nevraOf(te.h)}:\n`);
    for (const p of problems) log.notice(`\t${p}\n`);
  }
  return problems.length;
}

/**
 * rpm's checkInstFileDeps over every file of the verified package: the installed
 * Conflicts naming a path (plain or as a rich atom), then the installed rich Requires
 * naming it negated, where the path is the file's (directories by fingerprint).
 */
function fileChecks(db: QueryDb, te: DbEntry, checkInstalled: (tag: number, key: string, against: null) => void): void {
  const byBase = (keys: Iterable<string>, negated: boolean): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const key of keys) {
      if (key.startsWith('!') !== negated) continue;
      const path = negated ? key.slice(1) : key;
      if (!path.startsWith('/')) continue;
      const [dir, base] = splitPath(path);
      const dirs = out.get(base);
      if (!dirs) out.set(base, [dir]); else if (!dirs.includes(dir)) dirs.push(dir);
    }
    return out;
  };
  const conflicts = byBase(db.keys(T.CONFLICTNAME), false);
  const requiresNot = byBase(db.keys(T.REQUIRENAME), true);
  if (conflicts.size === 0 && requiresNot.size === 0) return;
  for (const path of fileInfo(te.h, 'query')?.paths ?? []) {
    const [dir, base] = splitPath(path);
    for (const [hash, tag, prefix] of [[conflicts, T.CONFLICTNAME, ''], [requiresNot, T.REQUIRENAME, '!']] as const) {
      for (const other of hash.get(base) ?? []) {
        if (other !== dir && !db.fingerprints?.sameDir(dir, other)) continue;
        checkInstalled(tag, `${prefix}${other}${base}`, null);
      }
    }
  }
}
