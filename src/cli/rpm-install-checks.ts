/**
 * What `rpm -i`, `-U` and `-F` of package files refuse or skip before changing anything,
 * for bazaar-rpm's changes to an image (rpm 4.18 lib/transaction.c checkAdded and
 * ensureOlder, lib/depends.c addSelfErasures and addObsoleteErasures, lib/rpminstall.c
 * checkFreshenStatus):
 *
 * - a package whose name is installed in a newer build: `package INSTALLED (which is
 *   newer than NEW) is already installed`;
 * - a package installed already (same name, epoch, version, release; same arch on a
 *   coloured platform): `package NEVRA is already installed`;
 * - a file of it that an installed package (one it does not replace) holds otherwise
 *   (rpmfilesCompare: type and mode, size, owner, link target, digest, device; %ghost
 *   never conflicts; ELF files of different colours coexist on a coloured platform):
 *   `file PATH from install of NEW conflicts with file from package INSTALLED`, in the
 *   installed packages' order (paths compared as written, not by fingerprint);
 * - then rpm runs nothing and exits with the number of elements of its transaction: the
 *   packages, and for -U the installed builds each would erase (same name and a
 *   compatible colour, or matched by its Obsoletes);
 * - `-F` installs only packages that upgrade an installed build of their name and arch,
 *   and silently skips the others.
 */
import { rangesOverlap } from '../policy/index.js';
import { depSet, evrString, fileInfo, fileState, FileState, nevraOf, Sense, T } from '../rpm-query/index.js';
import type { FileInfo, PackageHeader } from '../rpm-query/index.js';

const EQUAL = Sense.EQUAL;

/** rpm's rpmdsMatches(h, -1, dep, selfevr): does h's `N = EVR` meet `sense evr`? */
function evrMeets(h: PackageHeader, sense: number, evr: string): boolean {
  return rangesOverlap({ sense: EQUAL, evr: evrString(h) }, { sense, evr });
}

/** The header colour (HEADERCOLOR: its files' colours, or'ed). */
function colorOf(h: PackageHeader): number {
  return h.numbers(T.FILECOLORS).reduce((a, c) => a | c, 0) & 0x0f;
}

const GHOST = 64;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** rpm's rpmfilesCompare != 0: installed file `a[ai]` and new file `b[bi]` differ. */
function filesDiffer(a: FileInfo, ai: number, b: FileInfo, bi: number): boolean {
  if (((a.flags?.[ai] ?? 0) | (b.flags?.[bi] ?? 0)) & GHOST) return false;
  const am = a.modes?.[ai] ?? 0;
  const bm = b.modes?.[bi] ?? 0;
  const type = am & S_IFMT;
  if (!(type === S_IFLNK && (bm & S_IFMT) === S_IFLNK) && am !== bm) return true;
  if ((type === S_IFLNK || type === S_IFREG) && (a.sizes?.[ai] ?? 0n) !== (b.sizes?.[bi] ?? 0n)) return true;
  if (a.users?.[ai] !== b.users?.[bi] || a.groups?.[ai] !== b.groups?.[bi]) return true;
  if (type === S_IFLNK) return (a.links?.[ai] ?? null) !== (b.links?.[bi] ?? null);
  if (type === S_IFREG) {
    const ad = a.digests?.[ai] || null;
    const bd = b.digests?.[bi] || null;
    if (ad === bd) return false;
    return ad === null || bd === null || a.digestAlgo !== b.digestAlgo || ad !== bd;
  }
  if (type === 0o020000 || type === 0o060000) return (a.rdevs?.[ai] ?? 0) !== (b.rdevs?.[bi] ?? 0);
  return false;
}

/** File conflicts of new package `p` with installed packages not being erased, in rpm's order. */
function fileConflicts(p: PackageHeader, installed: PackageHeader[], erased: Set<PackageHeader>, tscolor: number): string[] {
  const fi = fileInfo(p, 'all');
  if (!fi?.count) return [];
  const colors = p.numbers(T.FILECOLORS);
  const mine = new Map<string, number>(fi.paths.map((path, i) => [path, i]));
  const out: string[] = [];
  for (const h of installed) {
    if (erased.has(h)) continue; // a file being removed is rpm's removal case: not a conflict here
    const other = fileInfo(h, 'all');
    const otherColors = h.numbers(T.FILECOLORS);
    other?.paths.forEach((path, oi) => {
      const i = mine.get(path);
      if (i === undefined || fileState(other, oi) === FileState.NOTINSTALLED || !filesDiffer(other, oi, fi, i)) return;
      const fc = (colors[i] ?? 0) & tscolor;
      const oc = (otherColors[oi] ?? 0) & tscolor;
      if (tscolor && fc && oc && fc !== oc) return; // the platform's preferred colour wins: no conflict
      out.push(`file ${path} from install of ${nevraOf(p)} conflicts with file from package ${nevraOf(h)}`);
    });
  }
  return out;
}

const same = (a: PackageHeader, b: PackageHeader, tag: number): boolean => (a.string(tag) ?? null) === (b.string(tag) ?? null);

export interface InstallProblems {
  /** rpm's problem lines, without the leading tab. */
  lines: string[];
  /** rpm's exit code when there are problems: the transaction's element count. */
  elements: number;
}

/**
 * The problems rpm finds with installing `given` (each once) over `installed`, on a
 * platform of transaction colour `tscolor`.
 */
export function installProblems(mode: 'install' | 'upgrade', given: PackageHeader[], installed: PackageHeader[], tscolor: number): InstallProblems {
  const erased = new Set<PackageHeader>();
  const own = given.map((p): string[] => {
    const lines: string[] = [];
    const sameName = installed.filter((h) => same(h, p, T.NAME));
    for (const h of sameName) {
      if (!evrMeets(h, Sense.LESS | EQUAL, evrString(p))) lines.push(`package ${nevraOf(h)} (which is newer than ${nevraOf(p)}) is already installed`);
    }
    const twin = sameName.some((h) => h.numbers(T.EPOCH).join() === p.numbers(T.EPOCH).join() && same(h, p, T.VERSION) && same(h, p, T.RELEASE)
      && (!tscolor || (same(h, p, T.ARCH) && same(h, p, T.OS))));
    if (twin) lines.push(`package ${nevraOf(p)} is already installed`);
    if (mode === 'upgrade') {
      const color = colorOf(p);
      for (const h of sameName) if (!(tscolor && color && colorOf(h) && !(color & colorOf(h)))) erased.add(h);
      const obsoletes = depSet(p, T.OBSOLETENAME);
      obsoletes?.names.forEach((o, i) => {
        const evr = obsoletes.versions?.[i];
        const sense = obsoletes.flags?.[i] ?? 0;
        for (const h of installed) if (h.string(T.NAME) === o && (!evr || !(sense & 15) || evrMeets(h, sense, evr))) erased.add(h);
      });
    }
    return lines;
  });
  // files are checked once every erasure is known; rpm lists each package's problems together
  const lines = given.flatMap((p, k) => [...own[k], ...fileConflicts(p, installed, erased, tscolor)]);
  return { lines, elements: given.length + erased.size };
}

/** rpm -F's checkFreshenStatus: does `p` upgrade an installed build of its name (and arch, on a coloured platform)? */
export function freshens(p: PackageHeader, installed: PackageHeader[], tscolor: number): boolean {
  return installed.some((h) => same(h, p, T.NAME) && (!tscolor || same(h, p, T.ARCH)) && !evrMeets(h, Sense.GREATER | EQUAL, evrString(p)));
}
