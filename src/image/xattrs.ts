/**
 * Extended attributes of a whole directory tree. Node has no xattr API, and a native
 * addon would have to be built on every machine; Debian's `getfattr` (package `attr`)
 * lists a whole tree in one process:
 *
 *   getfattr --recursive --physical --no-dereference --dump --match=- --encoding=hex --absolute-names .
 *
 * run with the tree as working directory, so every path it prints starts with `.`.
 * getfattr writes names with `\ooo` octal escapes for `\`, `=` and control bytes, and
 * other bytes as they are; values in hex.
 *
 * `trusted.*` attributes (where overlayfs keeps its opaque and whiteout markers) are
 * invisible to a process without CAP_SYS_ADMIN: listxattr(2) leaves them out silently.
 * Reading an overlay upper dir without them would miss opaque directories, so mode
 * 'all' refuses to run without the capability; 'visible' takes what can be seen (right
 * for a rootless overlay, which keeps its markers in `user.overlay.*`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BazaarError } from '../errors.js';
import { findTool } from './find-tool.js';
import { decodePathBytes } from './path-bytes.js';

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
 * Every attribute under `dir`, keyed by the path relative to it as a latin1 byte string
 * (`.` for `dir` itself, `a/b` below it); attribute names decoded as in path-bytes.ts.
 */
export async function readTreeXattrs(dir: string, mode: Exclude<XattrMode, 'none'>): Promise<Map<string, Map<string, Buffer>>> {
  const tool = findTool('getfattr');
  if (!tool) {
    throw new BazaarError('ERR_USAGE', `reading the extended attributes of ${dir} needs getfattr, which is not installed (Debian: apt-get install attr); or read without them (xattrs: 'none')`);
  }
  if (mode === 'all' && !hasCapSysAdmin()) {
    throw new BazaarError('ERR_USAGE', `reading ${dir} with its trusted.* attributes (overlayfs' opaque and whiteout markers) needs root (CAP_SYS_ADMIN); run as root, or pass xattrs: 'visible' for a rootless overlay (user.overlay.*)`);
  }
  const child = spawn(tool, ['--recursive', '--physical', '--no-dereference', '--dump', '--match=-', '--encoding=hex', '--absolute-names', '.'], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
  // Settles, never rejects: a rejection before the loop below ends would be unhandled.
  const exited = new Promise<number | null | Error>((resolve) => {
    child.on('error', resolve);
    child.on('close', resolve);
  });
  child.stdout.setEncoding('latin1');
  const out = new Map<string, Map<string, Buffer>>();
  let current: Map<string, Buffer> | null = null;
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      if (line.startsWith('# file: ')) {
        const p = unescape(line.slice('# file: '.length));
        current = new Map();
        out.set(p === '.' ? '.' : p.replace(/^\.\//, ''), current);
      } else if (line !== '' && current) {
        const eq = line.indexOf('=');
        const value = eq < 0 ? '' : line.slice(eq + 1);
        if (eq < 0 || !/^0x([0-9a-f]{2})*$/.test(value)) throw new Error(`getfattr printed an unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
        current.set(decodePathBytes(Buffer.from(unescape(line.slice(0, eq)), 'latin1')), Buffer.from(value.slice(2), 'hex'));
      }
    }
  } catch (err) {
    child.kill('SIGKILL'); // an unexpected line: stop the walk rather than leave it running
    throw err;
  }
  const code = await exited;
  if (code instanceof Error) throw code;
  if (code !== 0) {
    const first = stderr.split('\n').find(Boolean) ?? `exit status ${code}`;
    throw new BazaarError('ERR_BAD_INPUT', `${dir}: cannot read extended attributes (getfattr: ${first.replace(/^getfattr:\s*/, '')})`);
  }
  return out;
}
