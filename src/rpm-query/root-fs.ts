/**
 * File access under an install root, as rpm sees files after chroot(ROOT): symlinks met
 * on the way (absolute ones included) resolve inside the root, never on the host. With
 * root `/` this is plain file access. Paths are byte strings (see tag-data.ts): file
 * names in headers are bytes, and so are the names on disk.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { getXattr } from '../fs/index.js';
import { errnoError, resolveInRoot } from './install-tree.js';
import type { InstallTree } from './install-tree.js';
import { byteString } from './tag-data.js';

const bytes = (p: string): Buffer => Buffer.from(p, 'latin1');

export class RootFs implements InstallTree {
  /**
   * The file's `security.capability` attribute: its bytes, null when it has none, or
   * undefined when it cannot be read here: then capabilities go unchecked. Read
   * in-process (lgetxattr); a path that is not UTF-8, which the binding cannot carry,
   * asks getfattr when it is installed.
   */
  capability(path: string): Buffer | null | undefined {
    const host = this.hostPath(path, false);
    const raw = bytes(host);
    if (isUtf8(raw)) {
      try { return getXattr(raw.toString('utf8'), 'security.capability'); } catch { return undefined; }
    }
    const r = spawnSync('getfattr', ['-h', '--only-values', '-n', 'security.capability', '--', host]);
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
    if (path === '') throw errnoError('ENOENT', path); // as the kernel answers for an empty name
    if (this.base === '') return path;
    const inRoot = resolveInRoot(path, followLast, (p) => {
      let st;
      try {
        st = lstatSync(bytes(`${this.base}${p}`));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      if (st.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(bytes(`${this.base}${p}`), { encoding: 'latin1' }) };
      return { kind: st.isDirectory() ? 'dir' : 'other' };
    });
    return inRoot === '/' ? `${this.base}/` : `${this.base}${inRoot}`;
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

  realpath(path: string): string {
    if (this.base === '') return byteString(realpathSync(bytes(path)));
    const host = this.hostPath(path, true);
    lstatSync(bytes(host)); // a missing last component fails as realpath(3) does
    return host.slice(this.base.length) || '/';
  }

  async digest(path: string, algo: string): Promise<string> {
    const hash = createHash(algo);
    const fd = openSync(bytes(this.hostPath(path, true)), 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (; ;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        hash.update(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    return hash.digest('hex');
  }

  /** A text file inside the root as a byte string (/etc/passwd, /etc/group); null when absent. */
  async readText(path: string): Promise<string | null> {
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
