/**
 * rpm's rpmds for one dependency kind of one header (lib/rpmds.c rpmdsNewPool): names,
 * EVRs and flags read together, refused (null) when their counts disagree, exactly as rpm
 * refuses them; plus rpmdsNewDNEVR, the `name op evr` text every query prints.
 */
import type { PackageHeader } from './package-header.js';
import { Sense, SENSE_MASK, T } from './tag-numbers.js';

export interface DepSet {
  tag: number;
  names: string[];
  /** null when the header has no version tag at all (very old packages). */
  versions: string[] | null;
  /** null when the header has no flags tag at all. */
  flags: number[] | null;
  /** Trigger index per dependency (trigger kinds only). */
  index: number[] | null;
}

/** rpm's dependency tag families: name tag -> [version tag, flags tag, index tag]. */
const FAMILIES = new Map<number, readonly [number, number, number]>([
  [T.PROVIDENAME, [T.PROVIDEVERSION, T.PROVIDEFLAGS, 0]],
  [T.REQUIRENAME, [T.REQUIREVERSION, T.REQUIREFLAGS, 0]],
  [T.CONFLICTNAME, [T.CONFLICTVERSION, T.CONFLICTFLAGS, 0]],
  [T.OBSOLETENAME, [T.OBSOLETEVERSION, T.OBSOLETEFLAGS, 0]],
  [T.RECOMMENDNAME, [T.RECOMMENDVERSION, T.RECOMMENDFLAGS, 0]],
  [T.SUGGESTNAME, [T.SUGGESTVERSION, T.SUGGESTFLAGS, 0]],
  [T.SUPPLEMENTNAME, [T.SUPPLEMENTVERSION, T.SUPPLEMENTFLAGS, 0]],
  [T.ENHANCENAME, [T.ENHANCEVERSION, T.ENHANCEFLAGS, 0]],
  [T.OLDSUGGESTSNAME, [T.OLDSUGGESTSVERSION, T.OLDSUGGESTSFLAGS, 0]],
  [T.OLDENHANCESNAME, [T.OLDENHANCESVERSION, T.OLDENHANCESFLAGS, 0]],
  [T.TRIGGERNAME, [T.TRIGGERVERSION, T.TRIGGERFLAGS, T.TRIGGERINDEX]],
  [T.FILETRIGGERNAME, [T.FILETRIGGERVERSION, T.FILETRIGGERFLAGS, T.FILETRIGGERINDEX]],
  [T.TRANSFILETRIGGERNAME, [T.TRANSFILETRIGGERVERSION, T.TRANSFILETRIGGERFLAGS, T.TRANSFILETRIGGERINDEX]],
]);

/**
 * The dependencies of one kind (identified by its NAME tag), or null when the header has
 * none or its tags are inconsistent (rpm then shows none either).
 */
export function depSet(h: PackageHeader, nameTag: number): DepSet | null {
  const family = FAMILIES.get(nameTag);
  const namesTd = h.raw(nameTag);
  if (!family || namesTd?.kind !== 'string' || namesTd.values.length === 0) return null;
  const names = namesTd.values;
  const [versionTag, flagsTag, indexTag] = family;
  const v = h.raw(versionTag);
  const versions = v?.kind === 'string' && v.values.length > 0 ? v.values : null;
  if (versions && versions.length !== names.length) return null;
  const f = h.raw(flagsTag);
  let flags = f?.kind === 'number' && f.values.length > 0 ? f.values.map(Number) : null;
  if (flags && flags.length !== names.length) return null;
  let index: number[] | null = null;
  if (indexTag) {
    const ix = h.raw(indexTag);
    index = ix?.kind === 'number' && ix.values.length > 0 ? ix.values.map(Number) : null;
    if (index && index.length !== names.length) return null;
  }
  // rpm makes sure rpmlib() requires carry RPMSENSE_RPMLIB.
  if (nameTag === T.REQUIRENAME && flags) {
    flags = flags.map((fl, i) => (!(fl & Sense.RPMLIB) && names[i].startsWith('rpmlib(') ? fl | Sense.RPMLIB : fl));
  }
  return { tag: nameTag, names, versions, flags, index };
}

export function depFlags(ds: DepSet, i: number): number {
  return ds.flags ? ds.flags[i] : 0;
}

export function depVersion(ds: DepSet, i: number): string | null {
  return ds.versions ? ds.versions[i] : null;
}

/** rpm's operator text for the sense bits: `<`, `>`, `=` in that order. */
export function senseText(flags: number): string {
  return `${flags & Sense.LESS ? '<' : ''}${flags & Sense.GREATER ? '>' : ''}${flags & Sense.EQUAL ? '=' : ''}`;
}

/**
 * rpmdsNewDNEVR without prefix: the name, then ` op` when there are sense bits, then
 * ` evr` when non-empty; a separating space only when something precedes it.
 */
export function formatDep(name: string, flags: number, evr: string | null): string {
  let out = name;
  if (flags & SENSE_MASK) out += `${out ? ' ' : ''}${senseText(flags)}`;
  if (evr) out += `${out ? ' ' : ''}${evr}`;
  return out;
}

/** One dependency of a set as rpm prints it. */
export function depText(ds: DepSet, i: number): string {
  return formatDep(ds.names[i], depFlags(ds, i), depVersion(ds, i));
}
