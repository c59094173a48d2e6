/**
 * Sets extended attributes on files a checkout (or the checkout cache) has just made, in
 * process (xattr-calls.ts: lsetxattr, so a symlink's own attributes are set, never its
 * target's). Paths are bytes relative to one directory; one that is not UTF-8 is reached
 * through an alias made in that directory (xattr-paths.ts: this is a tree being written,
 * so a non-directory may be hard-linked for the time of the call). A failure on one
 * attribute does not stop the others: each is counted, the first few kept for the note
 * the caller writes (not root: only user.* can be set; a file system without xattrs).
 */
import { isUtf8 } from 'node:buffer';
import { lstatSync } from 'node:fs';
import { decodePathBytes, encodePathBytes, quotePath } from './path-bytes.js';
import { setXattr } from './xattr-calls.js';
import { XattrPaths } from './xattr-paths.js';

export interface XattrWriteResult {
  /** Files whose attributes were set (or tried). */
  files: number;
  /** The first few failures, one line each. */
  failures: string[];
  failureCount: number;
}

const KEEP_FAILURES = 5;

export class XattrWriter {
  private readonly result: XattrWriteResult = { files: 0, failures: [], failureCount: 0 };
  private readonly paths: XattrPaths;

  /** `dir`: the directory the paths given to `add` are relative to. */
  constructor(private readonly dir: string) {
    this.paths = new XattrPaths(dir, true);
  }

  /** Sets the attributes (values base64, as trees keep them) of the file at `rel`. */
  add(rel: Buffer, xattrs: Record<string, string>): void {
    this.result.files++;
    const full = Buffer.concat([Buffer.from(this.dir), Buffer.from('/'), rel]);
    const fail = (name: string, why: string): void => {
      if (this.result.failureCount++ < KEEP_FAILURES) this.result.failures.push(`${quotePath(decodePathBytes(rel))}: ${name}: ${why}`);
    };
    let at;
    try {
      at = this.paths.address(full, !isUtf8(full) && lstatSync(full).isDirectory());
    } catch (err) {
      for (const name of Object.keys(xattrs)) fail(name, (err as Error).message);
      return;
    }
    try {
      for (const name of Object.keys(xattrs).sort()) {
        // A name that is not UTF-8 (kept escaped, path-bytes.ts) cannot cross the binding.
        if (!isUtf8(encodePathBytes(name))) { fail(decodePathBytes(encodePathBytes(name)), 'the attribute name is not UTF-8, which the in-process xattr calls cannot carry'); continue; }
        try {
          setXattr(at!.path, name, Buffer.from(xattrs[name], 'base64'));
        } catch (err) {
          fail(name, `${(err as Error).message} (${(err as NodeJS.ErrnoException).code})`);
        }
      }
    } finally {
      at?.release();
    }
  }

  /** What was set, and what failed; removes the aliases. */
  close(): XattrWriteResult {
    this.paths.close();
    return this.result;
  }

  /** Removes the aliases (a failed checkout). */
  abort(): void {
    this.paths.close();
  }
}
