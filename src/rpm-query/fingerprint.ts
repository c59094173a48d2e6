/**
 * rpm's file fingerprints (lib/fprint.c): two paths name the same file when their
 * directories resolve to the same place. A fingerprint is the device and inode of the
 * longest *existing* directory prefix (symlinks followed), the rest of the directory, and
 * the base name; so `/lib/tls` and `/usr/lib/tls` are one file where `/lib` links to
 * `/usr/lib`. rpm stats on the host for queries, even under --root, and inside the root
 * for -V (which chroots first); the caller picks the InstallTree accordingly (an image's
 * stored tree for both, as rpm running inside it would).
 */
import type { InstallTree } from './install-tree.js';

export class Fingerprints {
  private readonly dirs = new Map<string, string>();

  /** @param cwd rpm takes relative directories (a bare `-qf ''` has one) from the working directory */
  constructor(private readonly fs: InstallTree, private readonly cwd: string) {}

  /** The fingerprint of a directory (with its trailing slash) as a comparable string. */
  private dir(dir: string): string {
    let fp = this.dirs.get(dir);
    if (fp !== undefined) return fp;
    let prefix = dir.startsWith('/') ? dir : `${this.cwd}/${dir}`;
    const full = prefix;
    for (; ;) {
      try {
        const st = this.fs.stat(prefix === '' ? '/' : prefix);
        fp = `${st.dev}:${st.ino}:${full.slice(prefix.length)}`;
        break;
      } catch {
        // A missing or unreadable directory: rpm steps up to its parent, as here.
        if (prefix === '/' || prefix === '') { fp = `?:${dir}`; break; }
        const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
        const slash = trimmed.lastIndexOf('/');
        prefix = slash <= 0 ? '/' : trimmed.slice(0, slash);
      }
    }
    this.dirs.set(dir, fp);
    return fp;
  }

  /** Whether dir1+base and dir2+base (same base name) are one file by rpm's rules. */
  sameDir(dir1: string, dir2: string): boolean {
    return dir1 === dir2 || this.dir(dir1) === this.dir(dir2);
  }
}
