/**
 * Gives the xattr calls (xattr-calls.ts), which take paths as UTF-8 strings, a string
 * path to any file whose path is bytes that are not UTF-8, without following the file
 * itself when it is a symlink:
 *
 * - a directory: a symlink alias to it, plus `/.` (the alias is an intermediate
 *   component, so it is followed; `.` is the directory itself);
 * - a non-directory whose own name is UTF-8: a symlink alias to its parent, plus its name;
 * - a non-directory whose own name is not UTF-8: no string reaches it without following
 *   a last component, so, only where the caller allows it (a tree the caller is writing,
 *   never one it reads), a hard link to it in a staging directory beside it, for the
 *   time of the call (a hard link to a symlink is the symlink itself); otherwise none.
 *
 * Aliases live in one private directory (created on first need, removed by close()).
 */
import { isUtf8 } from 'node:buffer';
import { linkSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface XattrPath {
  path: string;
  /** Call when done with `path` (removes a hard link made for it). */
  release(): void;
}

const NOTHING = (): void => {};

export class XattrPaths {
  private dir: string | null = null;
  private readonly parents = new Map<string, string>();
  private count = 0;

  /**
   * `within`: where the private directory is made (for hard links: the same file system
   * as the files); `links`: whether hard links may be made (only in a tree being written).
   */
  constructor(private readonly within: string, private readonly links: boolean) {}

  /** A string path to `full` (absolute bytes) for the xattr calls, or null when none can be made. */
  address(full: Buffer, isDir: boolean): XattrPath | null {
    if (isUtf8(full)) return { path: full.toString('utf8'), release: NOTHING };
    if (isDir) return { path: `${this.alias(full)}/.`, release: NOTHING };
    const slash = full.lastIndexOf(0x2f);
    const name = full.subarray(slash + 1);
    if (isUtf8(name)) return { path: `${this.alias(full.subarray(0, Math.max(slash, 1)))}/${name.toString('utf8')}`, release: NOTHING };
    if (!this.links) return null;
    const link = join(this.private(), `h${this.count++}`);
    linkSync(full, link);
    return { path: link, release: () => unlinkSync(link) };
  }

  /** Removes the aliases. */
  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.parents.clear();
  }

  private private(): string {
    this.dir ??= mkdtempSync(join(this.within, '.bazaar-xattr-'));
    return this.dir;
  }

  /** A symlink to the directory `target` (bytes), one per directory. */
  private alias(target: Buffer): string {
    const key = target.toString('latin1');
    let a = this.parents.get(key);
    if (a === undefined) {
      a = join(this.private(), `d${this.count++}`);
      symlinkSync(target, a);
      this.parents.set(key, a);
    }
    return a;
  }
}
