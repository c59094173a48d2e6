/**
 * The dependency lists of one package as createrepo_c 0.17 (built with its default
 * ENABLE_LEGACY_WEAKDEPS) puts them in primary.xml; cr_package_from_header in
 * src/parsehdr.c, rule for rule:
 *
 * - tags are read in the order provides, conflicts, obsoletes, requires, suggests,
 *   enhances, recommends, supplements, then the old SUSE weak tags; a kind whose name,
 *   flags or version tag is missing is skipped whole, and the shortest of the three
 *   tags bounds the list;
 * - flags keep only the comparison bits, and only EQ LT GT LE GE have a name (any other
 *   combination is written without flags);
 * - a version with a non-numeric epoch drops the dependency;
 * - requires: `rpmlib(...)` is dropped; so is a path the package itself contains when
 *   it is a primary path; so is anything equal (name, flags and version text) to one of
 *   the package's provides; so is an exact repeat of the last require of that name;
 *   `pre="1"` marks PREREQ, SCRIPT_PRE and SCRIPT_POST; a MISSINGOK require becomes a
 *   recommends; of the `libc.so.6*` requires only the highest is kept, and goes last;
 * - old weak tags: STRONG suggests are recommends, STRONG enhances are supplements.
 */
import { Tag } from '../../rpm/index.js';
import { crStrToEvr } from './evr-split.js';
import type { ByteString, HeaderView } from './header-view.js';
import { compareLibcDependency } from './libc-compare.js';
import { isPrimaryPath } from './primary-path.js';

export type MdFlags = 'EQ' | 'LT' | 'GT' | 'LE' | 'GE';

export interface MdDependency {
  name: ByteString;
  flags: MdFlags | null;
  epoch: ByteString | null;
  version: ByteString | null;
  release: ByteString | null;
  pre: boolean;
}

export interface MdDependencies {
  provides: MdDependency[];
  conflicts: MdDependency[];
  obsoletes: MdDependency[];
  requires: MdDependency[];
  suggests: MdDependency[];
  enhances: MdDependency[];
  recommends: MdDependency[];
  supplements: MdDependency[];
}

/** rpmsenseFlags bits (rpm's rpmds.h). */
const SENSE_PREREQ = 1 << 6;
const SENSE_SCRIPT_PRE = 1 << 9;
const SENSE_SCRIPT_POST = 1 << 10;
const SENSE_MISSINGOK = 1 << 19;
const SENSE_STRONG = 1 << 27;

/** cr_flag_to_str: the comparison bits (mask 0xf) by name; other values have none. */
const FLAG_NAMES: Record<number, MdFlags> = { 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' };

type Kind = 'provides' | 'conflicts' | 'obsoletes' | 'requires' | 'suggests' | 'enhances' | 'recommends' | 'supplements' | 'oldsuggests' | 'oldenhances';

const TAGS: Array<[Kind, number, number, number]> = [
  ['provides', Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION],
  ['conflicts', Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION],
  ['obsoletes', Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION],
  ['requires', Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION],
  ['suggests', Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION],
  ['enhances', Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION],
  ['recommends', Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION],
  ['supplements', Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION],
  ['oldsuggests', Tag.OLDSUGGESTSNAME, Tag.OLDSUGGESTSFLAGS, Tag.OLDSUGGESTSVERSION],
  ['oldenhances', Tag.OLDENHANCESNAME, Tag.OLDENHANCESFLAGS, Tag.OLDENHANCESVERSION],
];

interface LastRequire { flags: MdFlags | null; version: ByteString; pre: boolean }

/**
 * The dependency lists. `ownsFile` says whether a path is one of the package's files
 * (the ones createrepo_c read, see md-files.ts), for the self-provided file rule.
 */
export function mdDependencies(h: HeaderView, ownsFile: (path: ByteString) => boolean): MdDependencies {
  const out: MdDependencies = { provides: [], conflicts: [], obsoletes: [], requires: [], suggests: [], enhances: [], recommends: [], supplements: [] };
  const provided = new Set<ByteString>();
  const lastRequire = new Map<ByteString, LastRequire>();
  for (const [kind, nameTag, flagsTag, versionTag] of TAGS) {
    const names = h.strings(nameTag);
    const senses = h.numbers(flagsTag);
    const versions = h.strings(versionTag);
    if (!names || !senses || !versions) continue;
    const n = Math.min(names.length, senses.length, versions.length);
    let libc: MdDependency | null = null;
    for (let i = 0; i < n; i++) {
      const name = names[i];
      const sense = senses[i];
      const flags = FLAG_NAMES[sense & 0xf] ?? null;
      const version = versions[i];
      const nfv = name + (flags ?? '') + version;
      let pre = false;
      if (kind === 'requires') {
        if (name.startsWith('rpmlib(')) continue;
        if (name[0] === '/' && isPrimaryPath(name) && ownsFile(name)) continue;
        if (provided.has(nfv)) continue;
        pre = (sense & (SENSE_PREREQ | SENSE_SCRIPT_PRE | SENSE_SCRIPT_POST)) !== 0;
        const last = lastRequire.get(name);
        if (last && last.flags === flags && last.version === version && last.pre === pre) continue;
      }
      const evr = crStrToEvr(version);
      if (version && evr.bad) continue; // "Bad epoch in version string": skipped with a warning
      const dep: MdDependency = { name, flags, epoch: evr.epoch, version: evr.version, release: evr.release, pre: false };
      switch (kind) {
        case 'provides':
          provided.add(nfv);
          out.provides.push(dep);
          break;
        case 'requires':
          if (sense & SENSE_MISSINGOK) { out.recommends.push(dep); break; }
          dep.pre = pre;
          if (name.startsWith('libc.so.6')) {
            if (!libc || compareLibcDependency(libc.name, name) === 2) libc = dep;
            break;
          }
          out.requires.push(dep);
          lastRequire.set(name, { flags, version, pre });
          break;
        case 'oldsuggests':
          (sense & SENSE_STRONG ? out.recommends : out.suggests).push(dep);
          break;
        case 'oldenhances':
          (sense & SENSE_STRONG ? out.supplements : out.enhances).push(dep);
          break;
        default:
          out[kind].push(dep);
      }
    }
    if (kind === 'requires' && libc) out.requires.push(libc);
  }
  return out;
}
