/**
 * File access under an install root, as rpm sees files after chroot(ROOT): symlinks met
 * on the way (absolute ones included) resolve inside the root, never on the host. With
 * root `/` this is plain file access. Paths are byte strings (see tag-data.ts): file
 * names in headers are bytes, and so are the names on disk.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, openSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { byteString } from './tag-data.js';

/** Follow at most this many links, as Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

const bytes = (p: string): Buffer => Buffer.from(p, 'latin1');

function errno(code: string, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ELOOP: 'Too many levels of symbolic links', ENOTDIR: 'Not a directory', ENOENT: 'No such file or directory' };
  const err: NodeJS.ErrnoException = new Error(`${code}: ${messages[code] ?? code}, ${path}`);
  err.code = code;
  return err;
}

export class RootFs {
  /**
   * The file's `security.capability` attribute: its bytes, null when it has none, or
   * undefined when it cannot be read here (no getfattr): then capabilities go unchecked.
   */
  capability(path: string): Buffer | null | undefined {
    const r = spawnSync('getfattr', ['-h', '--only-values', '-n', 'security.capability', '--', this.hostPath(path, false)]);
    if (r.error) return undefined;
    if (r.status === 0) return r.stdout;
    return /No such attribute|No data available/.test(r.stderr.toString()) ? null : undefined;
  }

  /** The root as a byte string, without a trailing slash ('' for `/`). */
  private readonly base: string;

  constructor(root: string) {
    this.base = byteString(root).replace(/\/+$/, '');
  }

  /**
   * The host path of `path` (absolute, as inside the root), every directory symlink on
   * the way resolved within the root, and the last component too when `followLast`.
   * Throws ENOENT / ENOTDIR / ELOOP errors as the kernel would.
   */
  hostPath(path: string, followLast: boolean): string {
    if (path === '') throw errno('ENOENT', path); // as the kernel answers for an empty name
    if (this.base === '') return path;
    const pending = path.split('/').filter((c) => c !== '' && c !== '.');
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const c = pending.shift()!;
      if (c === '..') { done.pop(); continue; }
      const isLast = pending.length === 0;
      const host = `${this.base}/${[...done, c].join('/')}`;
      if (isLast && !followLast) { done.push(c); break; }
      let st;
      try {
        st = lstatSync(bytes(host));
      } catch (err) {
        // A missing last component is the caller's ENOENT to meet; missing parents are ours.
        if (isLast) { done.push(c); break; }
        throw err;
      }
      if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw errno('ELOOP', path);
        const target = readlinkSync(bytes(host), { encoding: 'latin1' });
        if (target.startsWith('/')) done.length = 0;
        pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
        continue;
      }
      if (!isLast && !st.isDirectory()) throw errno('ENOTDIR', path);
      done.push(c);
    }
    return `${this.base}/${done.join('/')}`;
  }

  lstat(path: string): BigIntStats {
    return lstatSync(bytes(this.hostPath(path, false)), { bigint: true });
  }

  stat(path: string): BigIntStats {
    return statSync(bytes(this.hostPath(path, true)), { bigint: true });
  }

  /** The link target, a byte string. */
  readlink(path: string): string {
    return readlinkSync(bytes(this.hostPath(path, false)), { encoding: 'latin1' });
  }

  /** Feeds the file's content to `sink` in chunks (for digests). */
  readChunks(path: string, sink: (chunk: Buffer) => void): void {
    const fd = openSync(bytes(this.hostPath(path, true)), 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        sink(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
  }

  /** A text file inside the root as a byte string (/etc/passwd, /etc/group); null when absent. */
  readText(path: string): string | null {
    try {
      return readFileSync(bytes(this.hostPath(path, true)), 'latin1');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Absent or unreadable account files mean "no such user", as a failed getpwnam does.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return null;
      throw err;
    }
  }
}
