/**
 * Fifos and overlayfs whiteouts for a checkout. Node can create neither, so coreutils'
 * `mkfifo` makes all fifos in a few calls and `mknod` one whiteout (char 0/0), in a
 * staging directory inside the target (same file system); each is then renamed or
 * linked to its place by its bytes, so names that are not UTF-8 (which a command line
 * built from JavaScript strings cannot carry) arrive intact. Whiteouts share one inode,
 * as the kernel's own do since 5.8.
 */
import { chmodSync, lchownSync, linkSync, lutimesSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { childProcess } from '../lazy-builtins.js';
import { BazaarError, isErrno } from '../errors.js';

/** Names per mkfifo call, far below ARG_MAX. */
const PER_CALL = 512;

export interface FifoSpec { full: string | Buffer; perm: number; uid: number; gid: number; mtime: number; chown: boolean; after?: () => void }

function run(cmd: string, args: string[], cwd: string): void {
  const r = childProcess().spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw new BazaarError('ERR_USAGE', `cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const why = r.stderr.split('\n').find(Boolean) ?? `exit status ${r.status}`;
    throw new BazaarError(cmd === 'mknod' ? 'ERR_USAGE' : 'ERR_BAD_INPUT', `${cmd} failed: ${why}${cmd === 'mknod' ? ' (overlayfs whiteouts are character devices 0/0: writing them needs root)' : ''}`);
  }
}

export class SpecialFiles {
  private readonly fifos: FifoSpec[] = [];
  private readonly whiteouts: Array<string | Buffer> = [];

  constructor(private readonly root: string) {}

  fifo(spec: FifoSpec): void { this.fifos.push(spec); }
  whiteout(full: string | Buffer): void { this.whiteouts.push(full); }

  /** Creates everything queued, then runs each fifo's `after` (its attributes). */
  async create(): Promise<void> {
    if (this.fifos.length === 0 && this.whiteouts.length === 0) return;
    const staging = mkdtempSync(join(this.root, '.bazaar-special-'));
    try {
      for (let i = 0; i < this.fifos.length; i += PER_CALL) {
        const names = this.fifos.slice(i, i + PER_CALL).map((_, k) => `f${i + k}`);
        run('mkfifo', ['-m', '0600', '--', ...names], staging);
      }
      for (const [i, f] of this.fifos.entries()) {
        renameSync(join(staging, `f${i}`), f.full);
        if (f.chown) lchownSync(f.full, f.uid, f.gid);
        chmodSync(f.full, f.perm); // a fifo is not opened by chmod; the path is one we just made
        lutimesSync(f.full, f.mtime, f.mtime);
        f.after?.();
      }
      let inode = '';
      let n = 0;
      for (const full of this.whiteouts) {
        if (!inode) {
          inode = `w${n++}`;
          run('mknod', ['-m', '0000', '--', inode, 'c', '0', '0'], staging);
        }
        try {
          linkSync(join(staging, inode), full);
        } catch (err) {
          if (!isErrno(err, 'EMLINK')) throw err;
          inode = ''; // too many links to one inode: start another
          run('mknod', ['-m', '0000', '--', (inode = `w${n++}`), 'c', '0', '0'], staging);
          linkSync(join(staging, inode), full);
        }
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}
