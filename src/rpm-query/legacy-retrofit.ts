/**
 * rpm's applyRetrofits (lib/package.c, lib/headerutil.c), applied when rpm reads a
 * package and therefore stored in its database: binary packages without SOURCERPM get
 * `(none)`, source ones SOURCEPACKAGE; headers without an immutable region (v3) get the
 * compressed file list and a `name = [E:]V-R` provide; OLDFILENAMES becomes
 * BASENAMES/DIRNAMES/DIRINDEXES. Done bug for bug: rpm's lookups here are binary searches
 * that assume sorted input, and we search the same way so that we add what rpm adds.
 */
import { TagType } from '../rpm/index.js';
import type { PackageHeader } from './package-header.js';
import { numberData, scalarString, stringData } from './tag-data.js';
import { Sense, T } from './tag-numbers.js';
import { evrString } from './nevra-strings.js';

/** C strcmp on byte strings. */
function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** rpm's compressFilelist: OLDFILENAMES to dirnames/basenames/indexes (its bsearch included). */
function compressFilelist(h: PackageHeader): void {
  if (h.has(T.DIRNAMES)) { h.set(T.OLDFILENAMES, null); return; }
  const files = h.strings(T.OLDFILENAMES);
  if (files.length < 1) return;
  const dirNames: string[] = [];
  const baseNames: string[] = [];
  const dirIndexes: number[] = [];
  if (files[0] !== undefined && !files[0].startsWith('/')) {
    // rpm's "source RPM hack": relative names all go under one empty directory.
    dirNames.push('');
    for (const f of files) { dirIndexes.push(0); baseNames.push(f); }
  } else {
    for (const f of files) {
      const slash = f.lastIndexOf('/');
      const dir = f.slice(0, slash + 1);
      let found = -1;
      let l = 0;
      let u = dirNames.length;
      while (l < u) {
        const i = (l + u) >> 1;
        const c = strcmp(dir, dirNames[i]);
        if (c < 0) u = i; else if (c > 0) l = i + 1; else { found = i; break; }
      }
      if (found < 0) { dirNames.push(dir); found = dirNames.length - 1; }
      dirIndexes.push(found);
      baseNames.push(f.slice(slash + 1));
    }
  }
  h.set(T.DIRINDEXES, numberData(dirIndexes));
  h.set(T.BASENAMES, stringData(baseNames));
  h.set(T.DIRNAMES, stringData(dirNames));
  h.set(T.OLDFILENAMES, null);
}

/** rpm's doFind: a binary search of the provides for `name = evr` with flags EQUAL (see the trigger-index quirk below). */
function findProvide(names: string[], versions: string[] | null, flags: number[] | null, name: string, evr: string): boolean {
  let l = 0;
  let u = names.length;
  while (l < u) {
    const i = (l + u) >> 1;
    let c = strcmp(name, names[i]);
    if (c === 0 && versions) c = strcmp(evr, versions[i]);
    if (c === 0) c = Sense.EQUAL - (flags ? flags[i] : 0);
    // Then trigger indexes: the looked-for provide has 0, the header's none (-1). So an
    // identical provide never compares equal and rpm 4.18 always appends its own.
    if (c === 0) c = 0 - -1;
    if (c < 0) u = i; else if (c > 0) l = i + 1; else return true;
  }
  return false;
}

/** rpm's providePackageNVR. */
function providePackageNVR(h: PackageHeader): void {
  const name = h.string(T.NAME);
  const evr = evrString(h);
  if (name === undefined || evr === undefined) return;
  const names = h.strings(T.PROVIDENAME);
  let flags = h.numbers(T.PROVIDEFLAGS);
  let versions = h.strings(T.PROVIDEVERSION);
  if (h.has(T.PROVIDENAME)) {
    if (!h.has(T.PROVIDEVERSION)) {
      // Pre-3.0.3 packages: fill in empty versions and no flags, then add the provide.
      versions = names.map(() => '');
      flags = [...flags, ...names.map(() => 0)];
    } else {
      const sane = flags.length === names.length && versions.length === names.length;
      if (sane && findProvide(names, versions, flags, name, evr)) return;
    }
  }
  h.set(T.PROVIDENAME, stringData([...names, name]));
  h.set(T.PROVIDEVERSION, stringData([...versions, evr]));
  h.set(T.PROVIDEFLAGS, numberData([...flags, Sense.EQUAL]));
}

/** rpm's headerIsSourceHeuristic: a single, empty directory name. */
function looksLikeSource(h: PackageHeader): boolean {
  const dirs = h.raw(T.DIRNAMES);
  return dirs?.kind === 'string' && dirs.type === TagType.STRING_ARRAY && dirs.values.length === 1 && dirs.values[0] === '';
}

/** Applies rpm's retrofits to a header view (see the module comment). */
export function legacyRetrofits(h: PackageHeader): void {
  if (!h.has(T.SOURCERPM) && !h.has(T.SOURCEPACKAGE)) {
    if (h.has(T.OLDFILENAMES)) compressFilelist(h);
    if (looksLikeSource(h)) h.set(T.SOURCEPACKAGE, numberData([1]));
    else h.set(T.SOURCERPM, scalarString('(none)'));
  }
  if (!h.has(T.HEADERIMMUTABLE)) {
    compressFilelist(h);
    if (!h.isSource()) providePackageNVR(h);
  } else if (h.has(T.OLDFILENAMES)) {
    compressFilelist(h);
  }
}
