/**
 * `rpm -V`'s file checks (lib/verify.c rpmfilesVerify, verifyHeader): each file of an
 * installed package against its header entry, under the install root, with rpm's
 * per-file verify flags, file-state and %ghost/%config rules and its output lines
 * (`S.5....T.  c /etc/foo`, `missing   d /usr/share/doc/x`).
 *
 * The files are read through an InstallTree: a directory (capabilities read with
 * getfattr, unchecked without it) or an image's stored tree.
 *
 * Not checked, unlike rpm: POSIX ACLs (rpm flags a file with a non-trivial ACL as `M`),
 * so a changed ACL goes unreported. SELinux contexts rpm 4.18 no longer checks.
 */
import { sameFileCaps } from '../rpm/index.js';
import { fileInfo, fileState } from './file-info.js';
import type { FileInfo } from './file-info.js';
import { fileFlagsString, Verify, verifyString } from './format-values.js';
import type { PackageHeader } from './package-header.js';
import type { QueryDb } from './query-db.js';
import type { RpmLog } from './query-output.js';
import type { FileStat, InstallTree } from './install-tree.js';
import { FileState } from './tag-numbers.js';

/** rpm's hash algorithm numbers to node crypto names. */
const HASHES: Record<number, string> = { 1: 'md5', 2: 'sha1', 3: 'ripemd160', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

const S_IFMT = 0o170000n;
const S_IFDIR = 0o040000n;
const S_IFLNK = 0o120000n;
const S_IFREG = 0o100000n;
const S_IFCHR = 0o020000n;
const S_IFBLK = 0o060000n;

const FILE_GHOST = 64;
const FILE_MISSINGOK = 8;

const STRERROR: Record<string, string> = {
  ENOTDIR: 'Not a directory', EACCES: 'Permission denied', ELOOP: 'Too many levels of symbolic links', ENAMETOOLONG: 'File name too long',
};

/** User and group names to ids as seen inside the root (its /etc/passwd and /etc/group). */
export class Accounts {
  private constructor(private readonly users: Map<string, bigint>, private readonly groups: Map<string, bigint>) {}

  static async load(fs: InstallTree): Promise<Accounts> {
    return new Accounts(Accounts.parse(await fs.readText('/etc/passwd')), Accounts.parse(await fs.readText('/etc/group')));
  }

  private static parse(text: string | null): Map<string, bigint> {
    const map = new Map<string, bigint>();
    for (const line of (text ?? '').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]) && !map.has(f[0])) map.set(f[0], BigInt(f[2]));
    }
    return map;
  }

  /** rpmugUid: `root` is 0 without lookup; undefined when unknown. */
  uid(name: string): bigint | undefined {
    if (name === 'root') return 0n;
    return this.users.get(name);
  }

  gid(name: string): bigint | undefined {
    if (name === 'root') return 0n;
    return this.groups.get(name);
  }
}

export interface VerifyFilesOptions {
  /** RPMVERIFY_* bits not to check (--nosize, --nomd5...). */
  omit: number;
  include: number;
  exclude: number;
}

interface FileResult { result: number; errnoCode?: string }

/** rpm's rpmfilesVerify for file `i`. */
async function verifyFile(fi: FileInfo, i: number, fs: InstallTree, accounts: Accounts, omit: number): Promise<FileResult> {
  const attrs = fi.flags ? fi.flags[i] : 0;
  let flags = fi.verifyFlags ? fi.verifyFlags[i] : 0;
  const fn = fi.paths[i];
  switch (fileState(fi, i)) {
    case FileState.NETSHARED: case FileState.NOTINSTALLED: return { result: 0 };
    case FileState.REPLACED: flags = Verify.LSTATFAIL; break;
    case FileState.WRONGCOLOR: flags &= ~(Verify.FILEDIGEST | Verify.FILESIZE | Verify.MTIME | Verify.RDEV); break;
    default: break;
  }
  let sb: FileStat;
  try {
    sb = fs.lstat(fn);
  } catch (err) {
    return { result: Verify.LSTATFAIL, errnoCode: (err as NodeJS.ErrnoException).code };
  }
  // What the header says, as rpmfilesStat builds it.
  let metaMode = BigInt(fi.modes ? fi.modes[i] : 0);
  const user = fi.users ? fi.users[i] : undefined;
  const group = fi.groups ? fi.groups[i] : undefined;
  let metaUid = 0n;
  let metaGid = 0n;
  if (user !== undefined) {
    const u = accounts.uid(user);
    if (u === undefined) metaMode &= ~0o4000n; else metaUid = u;
  }
  if (group !== undefined) {
    const g = accounts.gid(group);
    if (g === undefined) metaMode &= ~0o2000n; else metaGid = g;
  }
  const metaType = metaMode & S_IFMT;
  const metaSize = metaType === S_IFREG || metaType === S_IFLNK ? (fi.sizes ? fi.sizes[i] : 0n) : 0n;
  // An expected directory found as a symlink to one is followed (as fsmVerify allows).
  if (metaType === S_IFDIR && (sb.mode & S_IFMT) === S_IFLNK) {
    try {
      const dsb = fs.stat(fn);
      if ((dsb.mode & S_IFMT) === S_IFDIR && (sb.uid === 0n || sb.uid === dsb.uid)) sb = dsb;
    } catch { /* a dangling link stays a link, as rpm keeps the lstat result */ }
  }
  const type = sb.mode & S_IFMT;
  if (type === S_IFLNK) flags &= ~Verify.MODE; else flags &= ~Verify.LINKTO;
  if (type !== S_IFREG) flags &= ~(Verify.FILEDIGEST | Verify.FILESIZE | Verify.MTIME | Verify.CAPS);
  if (attrs & FILE_GHOST) flags &= ~(Verify.FILEDIGEST | Verify.FILESIZE | Verify.MTIME | Verify.LINKTO);
  flags &= ~(omit | Verify.LSTATFAIL | Verify.READFAIL | Verify.READLINKFAIL);
  let v = 0;
  if (flags & Verify.FILEDIGEST) {
    const want = fi.digests ? fi.digests[i] : undefined;
    const algo = HASHES[fi.digestAlgo] ?? 'md5';
    if (want === undefined) v |= Verify.FILEDIGEST;
    else {
      try {
        if (await fs.digest(fn, algo) !== want.toLowerCase()) v |= Verify.FILEDIGEST;
      } catch {
        // rpm: a file it cannot read is "?" in the digest column, not an error.
        v |= Verify.READFAIL | Verify.FILEDIGEST;
      }
    }
  }
  if (flags & Verify.LINKTO) {
    try {
      const target = fs.readlink(fn);
      if (!fi.links || target !== fi.links[i]) v |= Verify.LINKTO;
    } catch {
      // rpm: an unreadable link is "?" in the link column.
      v |= Verify.READLINKFAIL | Verify.LINKTO;
    }
  }
  if ((flags & Verify.FILESIZE) && sb.size !== metaSize) v |= Verify.FILESIZE;
  if (flags & Verify.MODE) {
    let meta = metaMode;
    let file = sb.mode;
    if (attrs & FILE_GHOST) { meta &= ~S_IFMT; file &= ~S_IFMT; }
    if (meta !== file) v |= Verify.MODE;
  }
  if (flags & Verify.RDEV) {
    const isDev = (t: bigint): boolean => t === S_IFCHR || t === S_IFBLK;
    if ((metaType === S_IFCHR) !== (type === S_IFCHR) || (metaType === S_IFBLK) !== (type === S_IFBLK)) v |= Verify.RDEV;
    else if (isDev(metaType) && isDev(type) && (sb.rdev & 0xffffn) !== BigInt((fi.rdevs ? fi.rdevs[i] : 0) & 0xffff)) v |= Verify.RDEV;
  }
  if ((flags & Verify.MTIME) && sb.mtimeMs / 1000n !== BigInt(fi.mtimes ? fi.mtimes[i] : 0)) v |= Verify.MTIME;
  // capabilities the header gives a file must be on it (rpm sets them as it installs)
  const caps = fi.caps ? fi.caps[i] : '';
  if ((flags & Verify.CAPS) && caps) {
    const got = fs.capability(fn);
    try {
      if (got !== undefined && (got === null || !sameFileCaps(got, caps))) v |= Verify.CAPS;
    } catch {
      v |= Verify.CAPS; // capabilities the header states unreadably cannot verify
    }
  }
  if ((flags & Verify.USER) && sb.uid !== metaUid) v |= Verify.USER;
  if ((flags & Verify.GROUP) && sb.gid !== metaGid) v |= Verify.GROUP;
  return { result: v };
}

/** rpm's stateStr for an installed header. */
function stateWord(state: number, verbose: boolean): string | null {
  switch (state) {
    case FileState.NORMAL: return null;
    case FileState.NOTINSTALLED: return verbose ? 'not installed' : null;
    case FileState.NETSHARED: return verbose ? 'net shared' : null;
    case FileState.WRONGCOLOR: return verbose ? 'wrong color' : null;
    case FileState.REPLACED: return 'replaced';
    case FileState.MISSING: return 'no state';
    default: return 'unknown state';
  }
}

/**
 * Verifies the files of one installed package and prints rpm's lines. Returns 1 when
 * something did not verify (a missing %ghost or %missingok file does not count), else 0.
 */
export async function verifyFiles(h: PackageHeader, db: QueryDb, fs: InstallTree, accounts: Accounts, log: RpmLog, opt: VerifyFilesOptions): Promise<number> {
  const fi = fileInfo(h, 'verify');
  if (!fi) return 1;
  let all = 0;
  for (let i = 0; i < fi.count; i++) {
    const attrs = fi.flags ? fi.flags[i] : 0;
    if (opt.include && !(opt.include & attrs)) continue;
    if (opt.exclude & attrs) continue;
    const r = await verifyFile(fi, i, fs, accounts, opt.omit);
    let result = r.result;
    // Timestamps of files shared by several packages cannot all be right: rpm lets them be.
    if ((result & Verify.MTIME) && db.findFile(fi.paths[i], false).length > 1) result &= ~Verify.MTIME;
    const state = h.instance ? stateWord(fileState(fi, i), log.verbose) : null;
    const ffl = fileFlagsString(attrs);
    const ac = ffl === '' ? ' ' : ffl[0];
    let line: string | null = null;
    if (result & Verify.LSTATFAIL) {
      if (!(attrs & (FILE_MISSINGOK | FILE_GHOST)) || log.verbose) {
        line = `missing   ${ac} ${fi.paths[i]}`;
        if (r.errnoCode && r.errnoCode !== 'ENOENT') line += ` (${STRERROR[r.errnoCode] ?? r.errnoCode})`;
      }
    } else if (result || state || log.verbose) {
      line = `${verifyString(result, '.')}  ${ac} ${fi.paths[i]}`;
    }
    if (line !== null) log.notice(`${line}${state ? ` (${state})` : ''}\n`);
    if (attrs & (FILE_MISSINGOK | FILE_GHOST)) result &= ~Verify.LSTATFAIL;
    all |= result;
  }
  return all !== 0 ? 1 : 0;
}
