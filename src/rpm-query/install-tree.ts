/**
 * The files an installed system's packages live in, as -V and file lookups read them:
 * a directory on this machine (root-fs.ts: `/`, or a checked-out image under --root) or
 * an image in bazaar's store (src/rpm-query/image-tree.ts), never a mix. Paths are absolute
 * byte strings as inside the root (tag-data.ts), symlinks resolve inside the root, as
 * after rpm's chroot; errors are ErrnoExceptions (ENOENT, ENOTDIR, ELOOP) as the kernel
 * gives them.
 */

/** What -V and fingerprints read of a stat (node's BigIntStats has it all). */
export interface FileStat {
  mode: bigint;
  uid: bigint;
  gid: bigint;
  size: bigint;
  rdev: bigint;
  mtimeMs: bigint;
  dev: bigint;
  ino: bigint;
}

export interface InstallTree {
  lstat(path: string): FileStat;
  stat(path: string): FileStat;
  /** The link target, a byte string. */
  readlink(path: string): string;
  /** The path with every symlink resolved inside the root (realpath(3)); throws when a component is missing. */
  realpath(path: string): string;
  /** The hex digest (node crypto algorithm name) of a regular file's content, symlinks followed. */
  digest(path: string, algo: string): Promise<string>;
  /** A text file as a byte string (/etc/passwd, /etc/group); null when absent or unreadable. */
  readText(path: string): Promise<string | null>;
  /** The `security.capability` attribute: its bytes, null when none, undefined when it cannot be read here. */
  capability(path: string): Buffer | null | undefined;
}

/** Follow at most this many links, as Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

const MESSAGES: Record<string, string> = { ELOOP: 'Too many levels of symbolic links', ENOTDIR: 'Not a directory', ENOENT: 'No such file or directory' };

export function errnoError(code: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${MESSAGES[code] ?? code}, ${path}`);
  err.code = code;
  return err;
}

/** What a path resolver needs to know of one existing path: null when absent. */
export type Probe = (path: string) => { kind: 'dir' | 'symlink' | 'other'; target?: string } | null;

/**
 * The canonical path (`/a/b`, or `/`) of `path` inside a root, every symlink on the way
 * resolved within it (absolute targets from the root), the last component too when
 * `followLast`. A missing last component is returned as it is (the caller meets ENOENT);
 * a missing or non-directory parent throws ENOENT / ENOTDIR, too many links ELOOP.
 */
export function resolveInRoot(path: string, followLast: boolean, probe: Probe): string {
  if (path === '') throw errnoError('ENOENT', path); // as the kernel answers for an empty name
  const pending = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '..') { done.pop(); continue; }
    const isLast = pending.length === 0;
    if (isLast && !followLast) { done.push(c); break; }
    const found = probe(`/${[...done, c].join('/')}`);
    if (found === null) {
      if (isLast) { done.push(c); break; }
      throw errnoError('ENOENT', path);
    }
    if (found.kind === 'symlink') {
      if (++links > MAX_SYMLINKS) throw errnoError('ELOOP', path);
      const target = found.target ?? '';
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    if (!isLast && found.kind !== 'dir') throw errnoError('ENOTDIR', path);
    done.push(c);
  }
  return `/${done.join('/')}`;
}
