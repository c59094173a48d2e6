/**
 * The neutral entry stream every layer source reads into (an overlay upper directory, a
 * tar archive) and the tar writer consumes. One representation for deletions: whatever
 * form the source used (overlayfs char 0/0 or xattr whiteouts, OCI `.wh.` files), a
 * deleted path is an entry with `whiteout: true` and a directory hiding everything below
 * it has `opaque: true`. See docs/overlay-import.md for the rules.
 */

/** What an entry is: the file types of store trees, plus hardlinks to an earlier entry. */
export type LayerEntryKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket' | 'hardlink';

export interface LayerEntry {
  /**
   * Relative, normalised, no leading slash, no `.`/`..` components; `.` is the layer's
   * root directory. Names are bytes on Linux: bytes that are not UTF-8 are kept as lone
   * surrogates U+DC80..U+DCFF (Python's surrogateescape), see path-bytes.ts.
   */
  path: string;
  kind: LayerEntryKind;
  /** Permission bits incl. setuid/setgid/sticky (07777), plus the S_IF* type bits of `kind`. */
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  /** Content bytes of a regular file; 0 for everything else. */
  size: number;
  /** Whole seconds since the epoch (sub-second parts are dropped: layers stay deterministic). */
  mtime: number;
  /** Symlinks: the target, verbatim (it is resolved inside the image, never here). */
  target?: string;
  /** Hardlinks: the path of the earlier entry in this layer that shares the inode. */
  linkTo?: string;
  /** Char and block devices: Linux's dev_t encoding (see makeRdev). */
  rdev?: number;
  /**
   * Extended attributes, name to raw value; overlayfs' private ones are interpreted, not
   * kept. A hardlink has none of its own: they belong to the inode, given with `linkTo`.
   */
  xattrs: Record<string, Buffer>;
  /** The path is deleted from the layers below (kind 'char', rdev 0, all metadata zero). */
  whiteout?: true;
  /** A directory that hides everything the layers below have beneath it. */
  opaque?: true;
  /**
   * Regular files: the bytes, `size` of them, in chunks. From an archive it can be read
   * once, before the next entry is asked for; from a directory, any time.
   */
  content?: () => AsyncIterable<Buffer>;
}

/** S_IF* type bits per kind (a hardlink has the type of what it links to, so none here). */
export const TYPE_BITS: Record<Exclude<LayerEntryKind, 'hardlink'>, number> = {
  file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000,
};

export const PERMISSION_BITS = 0o7777;

/**
 * Linux's dev_t as userspace sees it (glibc `gnu_dev_makedev`, and what node's
 * `stat().rdev` reports). Majors below 2^12 and minors below 2^20 (the kernel's own
 * limits, MINORBITS = 20 in include/linux/kdev_t.h) fit in 32 bits, so a JS number holds them.
 */
export function makeRdev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & 0xfff00) << 12)) >>> 0;
}

export function rdevMajor(rdev: number): number {
  return (rdev >>> 8) & 0xfff;
}

export function rdevMinor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
}

/** The kernel's limits on device numbers (include/linux/kdev_t.h). */
export const MAX_DEV_MAJOR = (1 << 12) - 1;
export const MAX_DEV_MINOR = (1 << 20) - 1;

/** The entry a whiteout becomes, whichever form the source used. */
export function whiteoutEntry(path: string): LayerEntry {
  return { path, kind: 'char', mode: TYPE_BITS.char, uid: 0, gid: 0, size: 0, mtime: 0, rdev: 0, xattrs: {}, whiteout: true };
}
