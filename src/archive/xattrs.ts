/**
 * Reads the extended attributes of the files of a directory tree being imported, one
 * file at a time, in-process (xattr-calls.ts: llistxattr/lgetxattr, symlinks never
 * followed; a file system without xattr support lists none).
 *
 * One case the in-process calls cannot address: a non-directory whose own name is not
 * UTF-8 (the binding takes paths as UTF-8 strings, and a reader must not link or rename
 * anything in the tree it reads; xattr-paths.ts), and attribute names that are not UTF-8.
 * For those, and only those, Debian's `getfattr` (package `attr`) is asked; without it
 * the read is refused naming the file, rather than taking it as having no attributes.
 *
 * `trusted.*` attributes (where overlayfs keeps its opaque and whiteout markers) are
 * invisible to a process without CAP_SYS_ADMIN: listxattr(2) leaves them out silently.
 * Reading an overlay upper dir without them would miss opaque directories, so mode
 * 'all' refuses to run without the capability; 'visible' takes what can be seen (right
 * for a rootless overlay, which keeps its markers in `user.overlay.*`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BazaarError } from '../errors.js';
import { decodePathBytes, findTool, getXattr, listXattrs, XattrNameNotUtf8, XattrPaths } from '../fs/index.js';
import { badLayer } from './layer-path.js';

/** 'all': every attribute, or refuse; 'visible': what this process may list; 'none': skip. */
export type XattrMode = 'all' | 'visible' | 'none';

/** capabilities(7): CAP_SYS_ADMIN is bit 21. */
const CAP_SYS_ADMIN = 21n;

export function hasCapSysAdmin(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
  return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_SYS_ADMIN) & 1n) === 1n;
}

/** Undoes getfattr's `\ooo` escapes; input and output are byte strings (latin1). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * getfattr on one file, `name` (bytes) in directory `cwd`: the file name goes through
 * printf's octal escapes, since a command line built from JavaScript strings cannot carry
 * bytes that are not UTF-8. Values come in hex, names with `\ooo` escapes.
 */
function getfattrOne(cwd: string, name: Buffer, where: string, why: string): Map<string, Buffer> {
  const tool = findTool('getfattr');
  if (!tool) throw new BazaarError('ERR_USAGE', `${where}: ${why}, and reading such a file's extended attributes needs getfattr, which is not installed (Debian: apt-get install attr); or read without attributes (xattrs: 'none')`);
  const octal = [...name].map((c) => `\\${c.toString(8).padStart(3, '0')}`).join('');
  const script = 'n=$(printf "$1"; printf x); exec "$2" --no-dereference --dump --match=- --encoding=hex --absolute-names -- "${n%x}"';
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', octal, tool], { cwd, encoding: 'latin1', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) throw badLayer(where, `cannot read extended attributes (getfattr: ${(r.error?.message ?? r.stderr.split('\n').find(Boolean) ?? `exit status ${r.status}`).replace(/^getfattr:\s*/, '')})`);
  const out = new Map<string, Buffer>();
  for (const line of r.stdout.split('\n')) {
    if (line === '' || line.startsWith('# file: ')) continue;
    const eq = line.indexOf('=');
    const value = eq < 0 ? '' : line.slice(eq + 1);
    if (eq < 0 || !/^0x([0-9a-f]{2})*$/.test(value)) throw badLayer(where, `getfattr printed an unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    out.set(decodePathBytes(Buffer.from(unescape(line.slice(0, eq)), 'latin1')), Buffer.from(value.slice(2), 'hex'));
  }
  return out;
}

/** Reads files' attributes one at a time; close() when done. */
export class XattrReader {
  private readonly paths = new XattrPaths(tmpdir(), false);

  constructor(mode: Exclude<XattrMode, 'none'>, dir: string) {
    if (mode === 'all' && !hasCapSysAdmin()) {
      throw new BazaarError('ERR_USAGE', `reading ${dir} with its trusted.* attributes (overlayfs' opaque and whiteout markers) needs root (CAP_SYS_ADMIN); run as root, or pass xattrs: 'visible' for a rootless overlay (user.overlay.*)`);
    }
  }

  /** The attributes of `full` (absolute path bytes; a symlink's own), names decoded as in path-bytes.ts. */
  read(full: Buffer, isDir: boolean, where: string): Map<string, Buffer> {
    const at = this.paths.address(full, isDir);
    if (at === null) return this.viaGetfattr(full, isDir, where, 'its name is not UTF-8');
    let names: string[];
    try {
      names = listXattrs(at.path);
    } catch (err) {
      if (err instanceof XattrNameNotUtf8) return this.viaGetfattr(full, isDir, where, 'it has an attribute whose name is not UTF-8');
      if (err instanceof BazaarError) throw err;
      throw badLayer(where, `cannot read extended attributes (${(err as NodeJS.ErrnoException).code})`);
    }
    const out = new Map<string, Buffer>();
    for (const name of names) {
      const value = getXattr(at.path, name);
      if (value === null) throw badLayer(where, `extended attribute ${name} vanished or cannot be read`);
      out.set(name, value);
    }
    return out;
  }

  close(): void {
    this.paths.close();
  }

  private viaGetfattr(full: Buffer, isDir: boolean, where: string, why: string): Map<string, Buffer> {
    if (isDir) return getfattrOne(this.paths.address(full, true)!.path, Buffer.from('.'), where, why);
    const slash = full.lastIndexOf(0x2f);
    return getfattrOne(this.paths.address(full.subarray(0, Math.max(slash, 1)), true)!.path, full.subarray(slash + 1), where, why);
  }
}
