/**
 * Sets extended attributes on many files with one process. Node has no xattr API (and a
 * native addon would have to be built on every machine), so, as xattrs.ts reads them
 * with one `getfattr` run, they are written with one `setfattr -h --restore=-` (Debian
 * package `attr`) fed the dump format on stdin while the files are being created:
 *
 *   # file: etc/passwd
 *   user.mime_type=0x746578742f706c61696e
 *
 * Paths are relative to the process's working directory and never followed when they
 * are symlinks (`-h`). setfattr decodes `\ooo` octal escapes in paths and names (and
 * nothing else, not even `\\`), so every byte outside printable ASCII, `\` and `=` is
 * written as one; values are hex. A failure on one file does not stop the others:
 * setfattr reports it on stderr and exits 1 at the end.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { findTool } from './find-tool.js';
import { encodePathBytes } from './path-bytes.js';

export interface XattrRestoreResult {
  /** Files whose attributes were handed to setfattr. */
  files: number;
  /** setfattr is not installed: nothing was set. */
  missingTool: boolean;
  /** setfattr's complaints (first few), one per failed attribute or file. */
  failures: string[];
  failureCount: number;
}

/** `\ooo` for every byte that is not printable ASCII, and for `\` and `=`. */
function escapeBytes(b: Buffer): string {
  let out = '';
  for (const c of b) {
    out += c > 0x20 && c < 0x7f && c !== 0x5c && c !== 0x3d ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
  }
  return out;
}

export class XattrRestore {
  private child: ChildProcessByStdio<Writable, null, Readable> | null = null;
  private exited: Promise<number | null | Error> | null = null;
  private stderr = '';
  private files = 0;
  private readonly tool = findTool('setfattr');

  /** `cwd`: the directory the paths given to `add` are relative to. */
  constructor(private readonly cwd: string) {}

  private start(): ChildProcessByStdio<Writable, null, Readable> {
    const child = spawn(this.tool!, ['-h', '--restore=-'], { cwd: this.cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { if (this.stderr.length < 1 << 16) this.stderr += d; });
    // Settles, never rejects: an early exit is reported by close().
    this.exited = new Promise((resolve) => { child.on('error', resolve); child.on('close', resolve); });
    child.stdin.on('error', () => { /* EPIPE after an early exit: close() reports the exit */ });
    this.child = child;
    return child;
  }

  /** Queues the attributes (values base64, as trees keep them) of the file at `rel`. */
  async add(rel: Buffer, xattrs: Record<string, string>): Promise<void> {
    this.files++;
    if (!this.tool) return;
    const child = this.child ?? this.start();
    let text = `# file: ${escapeBytes(rel)}\n`;
    for (const name of Object.keys(xattrs).sort()) {
      text += `${escapeBytes(encodePathBytes(name))}=0x${Buffer.from(xattrs[name], 'base64').toString('hex')}\n`;
    }
    if (!child.stdin.write(`${text}\n`, 'latin1')) {
      await Promise.race([new Promise((resolve) => child.stdin.once('drain', resolve)), this.exited]);
    }
  }

  /** Waits until every queued attribute is set (or has failed). */
  async close(): Promise<XattrRestoreResult> {
    const result: XattrRestoreResult = { files: this.files, missingTool: this.tool === null && this.files > 0, failures: [], failureCount: 0 };
    if (!this.child) return result;
    this.child.stdin.end();
    const code = await this.exited;
    this.child = null;
    if (code instanceof Error) {
      result.failures.push(`setfattr could not run: ${code.message}`);
      result.failureCount = this.files;
    } else if (code !== 0) {
      const lines = this.stderr.split('\n').filter(Boolean);
      result.failureCount = Math.max(1, lines.length);
      result.failures = (lines.length ? lines : [`setfattr exited with status ${code}`]).slice(0, 5);
    }
    return result;
  }

  /** Stops the process without waiting for it (a failed checkout). */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }
}
