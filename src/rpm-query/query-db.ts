/**
 * The installed packages loaded once per run, with the lookups rpm's database indexes
 * answer (lib/rpmdb.c tag2index): by name, by each dependency name, by file basename,
 * group, transaction id and header digests. Index hits are (package, entry index) pairs
 * sorted as rpm sorts its index sets (header instance, then entry), and are not
 * deduplicated: a package that requires `/bin/sh` twice is listed twice, as rpm lists it.
 */
import { isRich } from '../rpm/index.js';
import type { RichNode } from '../rpm/index.js';
import { parseRpmRich } from './rich-parse.js';
import type { Fingerprints } from './fingerprint.js';
import type { InstalledDb } from './installed-db.js';
import { installedHeader } from './package-header.js';
import type { HeaderContext, PackageHeader } from './package-header.js';
import { fromBytes } from './tag-data.js';
import { isInstalledState, isTransientReq, T } from './tag-numbers.js';

export interface DbEntry { h: PackageHeader; instance: number }
export interface IndexHit { entry: DbEntry; index: number }

/** Dependency name tags whose rich (boolean) entries rpm also indexes by their atoms. */
const RICH_INDEXED = new Set<number>([T.REQUIRENAME, T.CONFLICTNAME, T.SUGGESTNAME, T.SUPPLEMENTNAME, T.RECOMMENDNAME, T.ENHANCENAME]);

/**
 * rpm's updateRichDep: the atom names of a rich dependency, `!`-prefixed where they sit
 * in a negated position (an if/unless condition), sorted and deduplicated, rpmlib()
 * atoms left out.
 */
export function richIndexKeys(text: string): string[] {
  let tree: RichNode;
  try { tree = parseRpmRich(text); } catch { return []; /* rpm indexes nothing of an unparsable expression */ }
  const keys: string[] = [];
  const walk = (n: RichNode, neg: boolean): void => {
    switch (n.op) {
      case 'atom':
        if (n.dep.name && !(n.dep.name.length > 7 && n.dep.name.startsWith('rpmlib('))) keys.push(`${neg ? '!' : ' '}${n.dep.name}`);
        break;
      case 'if': case 'unless':
        walk(n.then, neg);
        walk(n.cond, !neg);
        if (n.otherwise) { walk(n.cond, neg); walk(n.otherwise, neg); }
        break;
      default:
        walk(n.left, neg);
        walk(n.right, neg);
    }
  };
  walk(tree, false);
  keys.sort();
  return keys.filter((k, i) => i === 0 || keys[i - 1] !== k).map((k) => (k[0] === ' ' ? k.slice(1) : k));
}

export class QueryDb {
  private readonly indexes = new Map<number, Map<string, IndexHit[]>>();
  private basenames: Map<string, IndexHit[]> | null = null;
  /** How file paths compare (rpm's fingerprints); plain string equality until set. */
  fingerprints: Fingerprints | null = null;

  private constructor(readonly entries: DbEntry[], readonly root: string) {}

  /** Loads every package of `db` (rpm's database order is header instance order). */
  static async load(db: InstalledDb, context: HeaderContext): Promise<QueryDb> {
    const entries: DbEntry[] = [];
    let position = 0;
    for await (const pkg of db.packages()) {
      position++;
      const instance = pkg.instance ?? position;
      entries.push({ h: installedHeader(pkg, instance, context), instance });
    }
    entries.sort((a, b) => a.instance - b.instance);
    return new QueryDb(entries, db.root);
  }

  private static add(map: Map<string, IndexHit[]>, key: string, hit: IndexHit): void {
    const list = map.get(key);
    if (list) list.push(hit); else map.set(key, [hit]);
  }

  /** rpm's secondary index for a tag (NAME, PROVIDENAME, REQUIRENAME, GROUP, INSTALLTID...). */
  private index(tag: number): Map<string, IndexHit[]> {
    let map = this.indexes.get(tag);
    if (map) return map;
    map = new Map();
    for (const entry of this.entries) {
      // an I18N tag (GROUP) is indexed as rpm indexed it when installing: untranslated
      const td = entry.h.rawUntranslated(tag);
      let values: string[];
      if (!td || (td.kind === 'string' ? td.values.length : td.kind === 'number' ? td.values.length : 1) === 0) {
        if (tag !== T.GROUP) continue;
        values = ['Unknown'];
      } else if (td.kind === 'string') values = td.values;
      else if (td.kind === 'binary') values = [fromBytes(td.bytes)];
      else values = td.values.map(String);
      const reqFlags = tag === T.REQUIRENAME ? entry.h.numbers(T.REQUIREFLAGS) : [];
      values.forEach((key, i) => {
        if (tag === T.REQUIRENAME && reqFlags[i] !== undefined && isTransientReq(reqFlags[i])) return;
        if (tag === T.TRIGGERNAME && values.indexOf(key) < i) return;
        const hit = { entry, index: i };
        QueryDb.add(map!, key, hit);
        if (RICH_INDEXED.has(tag) && td?.kind === 'string' && isRich(key)) {
          for (const atom of richIndexKeys(key)) QueryDb.add(map!, atom, hit);
        }
      });
    }
    this.indexes.set(tag, map);
    return map;
  }

  /** Every key of rpm's index for `tag` (rpmdbIndexKeyIteratorInit), rich atoms included (`!`-prefixed where negated). */
  keys(tag: number): Iterable<string> {
    return this.index(tag).keys();
  }

  /** rpm's indexGet(tag, key): the hits, sorted by instance then entry. */
  lookup(tag: number, key: string): IndexHit[] {
    return this.index(tag).get(key) ?? [];
  }

  /**
   * rpm's rpmdbFindByFile: packages owning `path` (a cleaned absolute path), one hit per
   * owning file, directories compared by fingerprint; with `installedOnly`, files whose
   * FILESTATES say replaced or not installed do not count (rpm's INSTFILENAMES lookup).
   */
  findFile(path: string, installedOnly: boolean): IndexHit[] {
    if (!this.basenames) {
      this.basenames = new Map();
      for (const entry of this.entries) {
        entry.h.strings(T.BASENAMES).forEach((b, i) => QueryDb.add(this.basenames!, b, { entry, index: i }));
      }
    }
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash + 1);
    const base = path.slice(slash + 1);
    const out: IndexHit[] = [];
    for (const hit of this.basenames.get(base) ?? []) {
      const h = hit.entry.h;
      if (installedOnly) {
        const st = h.numbers(T.FILESTATES)[hit.index];
        if (st === undefined || !isInstalledState(st > 127 ? st - 256 : st)) continue;
      }
      const dirs = h.strings(T.DIRNAMES);
      const di = h.numbers(T.DIRINDEXES)[hit.index];
      if (di === undefined || dirs[di] === undefined) continue;
      if (dirs[di] === dir || this.fingerprints?.sameDir(dirs[di], dir)) out.push(hit);
    }
    return out;
  }
}
