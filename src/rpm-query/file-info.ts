/**
 * rpm's rpmfiles (lib/rpmfi.c) for one header: the file list with each file's metadata,
 * built with rpm's sanity rules. A header whose file tags disagree in length yields null,
 * as rpmfilesNew fails (queries then say "(contains no files)"), and the per-file
 * accessors return what rpm's return when a tag is missing.
 */
import type { PackageHeader } from './package-header.js';
import { FileState, T } from './tag-numbers.js';
import type { TagData } from './tag-data.js';

/** Which optional parts to load, after rpm's RPMFI_FLAGS_QUERY / _VERIFY / full loads. */
export type FileInfoUse = 'query' | 'verify' | 'all';

export interface FileInfo {
  count: number;
  /** Directory name + base name, byte strings. */
  paths: string[];
  modes: number[] | null;
  flags: number[] | null;
  sizes: bigint[] | null;
  mtimes: number[] | null;
  rdevs: number[] | null;
  inodes: number[] | null;
  users: string[] | null;
  groups: string[] | null;
  links: string[] | null;
  digests: string[] | null;
  /** rpm's pgpHashAlgo of the digests (1 md5 when the header says nothing usable). */
  digestAlgo: number;
  states: number[] | null;
  verifyFlags: number[] | null;
  caps: string[] | null;
  classes: number[] | null;
  classDict: string[];
  /** Hard-link group size per file (rpmfilesFNlink). */
  nlinks: number[];
}

/** Digest lengths of the algorithms rpm knows (rpmDigestLength); unknown ones fall back to md5. */
export const DIGEST_LENGTHS: Record<number, number> = { 1: 16, 2: 20, 3: 20, 8: 32, 9: 48, 10: 64, 11: 28 };

function fixed(td: TagData | undefined, count: number): bigint[] | null | false {
  if (!td) return null;
  if (td.kind !== 'number' || td.values.length !== count) return false;
  return td.values;
}

function strs(td: TagData | undefined, count: number): string[] | null | false {
  if (!td) return null;
  if (td.kind !== 'string' || td.values.length !== count) return false;
  return td.values;
}

/** rpm's rpmfnInit + indexSane: the file names, or -1 for inconsistent triplets. */
function filePaths(h: PackageHeader): string[] | null {
  const bn = h.raw(T.BASENAMES);
  if (!bn) return [];
  const dn = h.raw(T.DIRNAMES);
  const dx = h.raw(T.DIRINDEXES);
  const bnames = bn.kind === 'string' ? bn.values : [];
  const dnames = dn?.kind === 'string' ? dn.values : [];
  const dindex = dx?.kind === 'number' ? dx.values : [];
  if (!(bnames.length > 0 && dnames.length > 0 && dindex.length === bnames.length)) return null;
  if (dindex.some((i) => i >= BigInt(dnames.length))) return null;
  return bnames.map((b, i) => dnames[Number(dindex[i])] + b);
}

/** rpm's rpmfilesBuildNLink: regular, non-ghost files sharing (device, inode) are one link set. */
function hardLinks(modes: number[] | null, flags: number[] | null, inodes: number[] | null, devices: number[] | null, count: number): number[] {
  const nlinks = new Array<number>(count).fill(1);
  if (!inodes || !devices) return nlinks;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const mode = modes ? modes[i] : 0;
    if ((mode & 0o170000) !== 0o100000 || ((flags ? flags[i] : 0) & 64) || inodes[i] <= 0) continue;
    const key = `${devices[i]}:${inodes[i]}`;
    const g = groups.get(key);
    if (g) g.push(i); else groups.set(key, [i]);
  }
  for (const g of groups.values()) if (g.length > 1) for (const i of g) nlinks[i] = g.length;
  return nlinks;
}

/**
 * The files of a header, or null when rpm's rpmfilesNew would fail on it. An empty
 * `count` means the package has no files.
 */
export function fileInfo(h: PackageHeader, use: FileInfoUse): FileInfo | null {
  const paths = filePaths(h);
  if (paths === null) return null;
  const n = paths.length;
  const empty: FileInfo = {
    count: 0, paths: [], modes: null, flags: null, sizes: null, mtimes: null, rdevs: null, inodes: null, users: null,
    groups: null, links: null, digests: null, digestAlgo: 1, states: null, verifyFlags: null, caps: null, classes: null,
    classDict: [], nlinks: [],
  };
  if (n === 0) return empty;
  const num = (tag: number): number[] | null | false => {
    const v = fixed(h.raw(tag), n);
    return v ? v.map(Number) : v;
  };
  const modes = num(T.FILEMODES);
  const flags = num(T.FILEFLAGS);
  const verifyFlags = use === 'query' ? null : num(T.FILEVERIFYFLAGS);
  const sizes32 = fixed(h.raw(T.FILESIZES), n);
  const sizes64 = fixed(h.raw(T.LONGFILESIZES), n);
  const classes = use === 'all' ? num(T.FILECLASS) : null;
  const states = num(T.FILESTATES);
  const caps = strs(h.raw(T.FILECAPS), n);
  const mtimes = num(T.FILEMTIMES);
  const rdevs = num(T.FILERDEVS);
  const inodes = num(T.FILEINODES);
  const users = strs(h.raw(T.FILEUSERNAME), n);
  const groups = strs(h.raw(T.FILEGROUPNAME), n);
  if ([modes, flags, verifyFlags, sizes32, sizes64, classes, states, caps, mtimes, rdevs, inodes].includes(false)) return null;
  if (!users || !groups) return null;
  const links = strs(h.raw(T.FILELINKTOS), n) || null;
  const algo = h.raw(T.FILEDIGESTALGO);
  const algoNumber = algo?.kind === 'number' && algo.values.length > 0 ? Number(algo.values[0]) : 1;
  const devices = num(T.FILEDEVICES) || null;
  const m = modes as number[] | null;
  const f = flags as number[] | null;
  const ino = inodes as number[] | null;
  const cd = h.raw(T.CLASSDICT);
  return {
    count: n, paths, modes: m, flags: f, sizes: (sizes32 || sizes64) || null,
    mtimes: mtimes as number[] | null, rdevs: rdevs as number[] | null, inodes: ino, users, groups, links,
    digests: strs(h.raw(T.FILEDIGESTS), n) || null,
    digestAlgo: DIGEST_LENGTHS[algoNumber] ? algoNumber : 1,
    states: states as number[] | null, verifyFlags: verifyFlags as number[] | null, caps: caps as string[] | null,
    classes: classes as number[] | null, classDict: cd?.kind === 'string' ? cd.values : [],
    nlinks: hardLinks(m, f, ino, devices, n),
  };
}

/** rpmfilesFState: MISSING when the header records no states. */
export function fileState(fi: FileInfo, i: number): number {
  if (!fi.states) return FileState.MISSING;
  const s = fi.states[i];
  return s > 127 ? s - 256 : s; // rpm_fstate_t is a (signed) char
}
