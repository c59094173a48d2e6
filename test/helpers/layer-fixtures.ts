/**
 * Real directory trees for the image tests (they run as root: chown, mknod and trusted.*
 * attributes work), a snapshot of a tree taken with lstat and getfattr (an oracle
 * independent of src/image), and collecting a layer stream into plain data.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync,
} from 'node:fs';
import type { LayerEntry } from '../../src/archive/layer-entry.js';
import { encodePathBytes } from '../../src/fs/path-bytes.js';

/** Fixed times so trees made at different moments compare equal. */
export const MTIME = 1_700_000_000;

export function run(cmd: string, args: string[], options: { cwd?: string; input?: Buffer } = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: options.cwd, input: options.input, maxBuffer: 256 << 20, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString()}`);
  return r.stdout;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Sets every mtime under `root` (children first, so directory times stick). */
export function fixTimes(root: string | Buffer): void {
  const walk = (p: Buffer): void => {
    if (lstatSync(p).isDirectory()) for (const n of readdirSync(p, { encoding: 'buffer' })) walk(Buffer.concat([p, b('/'), n]));
    lutimesSync(p, MTIME, MTIME);
  };
  walk(Buffer.from(root));
}

/**
 * Every file type, special mode bits, owners (one above the ustar octal limit), user.*
 * and trusted.* attributes, hardlinks, long names, UTF-8 and non-UTF-8 names.
 */
export function makeRichTree(root: string): void {
  const p = (rel: string): string => `${root}/${rel}`;
  mkdirSync(p('etc/ssl'), { recursive: true });
  writeFileSync(p('etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(p('etc/shadow'), 'root:*:19000::::::\n');
  chmodSync(p('etc/shadow'), 0o640);
  lchownSync(p('etc/shadow'), 0, 42);
  writeFileSync(p('empty'), '');
  mkdirSync(p('bin'));
  writeFileSync(p('bin/su'), Buffer.alloc(70_000, 0xab));
  chmodSync(p('bin/su'), 0o4755);
  writeFileSync(p('bin/wall'), 'w');
  chmodSync(p('bin/wall'), 0o2755);
  mkdirSync(p('tmp'));
  chmodSync(p('tmp'), 0o1777);
  linkSync(p('bin/su'), p('bin/su-hardlink'));
  linkSync(p('bin/su'), p('etc/su-elsewhere'));
  symlinkSync('../etc/passwd', p('bin/rel-link'));
  symlinkSync('/etc/passwd', p('abs-link'));
  mkdirSync(p('dev'));
  run('mknod', ['-m', '0620', p('dev/tty1'), 'c', '4', '1']);
  run('mknod', ['-m', '0660', p('dev/sda'), 'b', '8', '0']);
  run('mknod', ['-m', '0600', p('dev/big-minor'), 'c', '240', '300000']);
  run('mkfifo', ['-m', '0644', p('dev/fifo')]);
  mkdirSync(p('home/user'), { recursive: true });
  writeFileSync(p('home/user/data'), createHash('sha256').update('seed').digest().toString('hex').repeat(20_000));
  lchownSync(p('home/user'), 1000, 1000);
  lchownSync(p('home/user/data'), 3_000_000, 3_000_001);
  // Long names: a component of 200 bytes and a path of ~600 bytes; a link target over 100 bytes.
  const long = `${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(180)}`;
  mkdirSync(p(long), { recursive: true });
  writeFileSync(p(`${long}/file-with-a-long-path`), 'deep\n');
  symlinkSync(`${'../'.repeat(3)}${'t'.repeat(120)}`, p('long-target-link'));
  linkSync(p(`${long}/file-with-a-long-path`), p('short-hardlink-to-long'));
  // Names that are UTF-8, and names that are not.
  writeFileSync(p('grüße-名前.txt'), 'utf8 name\n');
  writeFileSync(Buffer.concat([b(`${root}/latin1-`), Buffer.of(0xe9), b('.txt')]), 'latin1 name\n');
  mkdirSync(Buffer.concat([b(`${root}/bad-`), Buffer.of(0xff, 0xfe)]));
  writeFileSync(Buffer.concat([b(`${root}/bad-`), Buffer.of(0xff, 0xfe), b('/inside')]), 'x');
  writeFileSync(p('with\nnewline'), 'nl');
  // Extended attributes: user.* and trusted.*, binary values, on files, dirs and symlinks.
  run('setfattr', ['-n', 'user.mime_type', '-v', 'text/plain', p('etc/passwd')]);
  run('setfattr', ['-n', 'user.binary', '-v', '0x00ff10', p('etc/passwd')]);
  run('setfattr', ['-n', 'trusted.md5', '-v', '0x0102030405', p('etc/ssl')]);
  run('setfattr', ['-n', 'security.capability', '-v', '0x0100000200200000000000000000000000000000', p('bin/wall')]);
  run('setfattr', ['-h', '-n', 'trusted.link', '-v', 'on-the-link', p('abs-link')]);
  run('setfattr', ['-n', 'user.empty', p('empty')]);
  fixTimes(root);
}

export interface Node {
  kind: string; mode: number; uid: number; gid: number; mtime: number; size: number;
  target?: string; rdev?: number; sha256?: string; xattrs: Record<string, string>; links?: string;
}

/** Attributes per path (latin1 keys, relative), from getfattr run independently of src/image. */
function getfattrTree(root: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const text = run('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '.'], { cwd: root }).toString('latin1');
  let cur: Record<string, string> | null = null;
  const unesc = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) { cur = {}; out.set(unesc(line.slice(8)).replace(/^\.\/?/, '') || '.', cur); } else if (line && cur) {
      const i = line.indexOf('=');
      cur[unesc(line.slice(0, i))] = line.slice(i + 3);
    }
  }
  return out;
}

/**
 * Everything lstat and getfattr say about a tree; keys are paths as latin1 byte strings.
 * `xattrs: false` for a test that compares no attributes: no getfattr is run, every
 * node's `xattrs` is empty.
 */
export function snapshotTree(root: string, options: { xattrs?: boolean } = {}): Map<string, Node> {
  const xattrs = options.xattrs === false ? new Map<string, Record<string, string>>() : getfattrTree(root);
  const out = new Map<string, Node>();
  const inodes = new Map<string, string[]>();
  const kinds: Record<number, string> = { 0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink', 0o020000: 'char', 0o060000: 'block', 0o010000: 'fifo' };
  const walk = (rel: string): void => {
    const full = Buffer.from(rel === '.' ? root : `${root}/${rel}`, 'latin1');
    const st = lstatSync(full);
    const kind = kinds[st.mode & 0o170000];
    const n: Node = { kind, mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), size: kind === 'file' ? st.size : 0, xattrs: xattrs.get(rel) ?? {} };
    if (kind === 'symlink') n.target = readlinkSync(full, { encoding: 'buffer' }).toString('latin1');
    if (kind === 'char' || kind === 'block') n.rdev = st.rdev;
    if (kind === 'file') n.sha256 = createHash('sha256').update(readFileSync(full)).digest('hex');
    if (kind !== 'dir' && st.nlink > 1) inodes.set(`${st.ino}`, [...(inodes.get(`${st.ino}`) ?? []), rel]);
    if (kind === 'dir' && rel === '.') n.mtime = 0; // the extraction root's time is the test's, not the archive's
    out.set(rel, n);
    if (kind === 'dir') for (const name of readdirSync(full, { encoding: 'buffer' })) walk(rel === '.' ? name.toString('latin1') : `${rel}/${name.toString('latin1')}`);
  };
  walk('.');
  for (const group of inodes.values()) for (const rel of group) out.get(rel)!.links = [...group].sort().join(' | ');
  return out;
}

/** A layer entry without its content function, content hashed instead; for deep comparison. */
export interface PlainEntry extends Omit<LayerEntry, 'content' | 'xattrs'> { sha256?: string; xattrs: Record<string, string> }

export async function collect(entries: AsyncIterable<LayerEntry>, options: { names?: boolean } = {}): Promise<PlainEntry[]> {
  const out: PlainEntry[] = [];
  for await (const e of entries) {
    const { content, xattrs, ...rest } = e;
    const plain: PlainEntry = { ...rest, xattrs: Object.fromEntries(Object.entries(xattrs).map(([k, v]) => [k, v.toString('hex')])) };
    if (options.names === false) { delete plain.uname; delete plain.gname; }
    if (content) {
      const h = createHash('sha256');
      for await (const chunk of content()) h.update(chunk);
      plain.sha256 = h.digest('hex');
    }
    out.push(plain);
  }
  return out;
}

/** The tree a stream of entries describes, in snapshotTree's terms (hardlinks resolved to groups). */
export function entriesToTree(entries: PlainEntry[]): Map<string, Node> {
  const key = (p: string): string => (p === '.' ? '.' : encodePathBytes(p).toString('latin1'));
  const out = new Map<string, Node>();
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (e.whiteout) continue;
    const k = key(e.path);
    if (e.kind === 'hardlink') {
      const root = key(e.linkTo!);
      out.set(k, { ...out.get(root)! });
      groups.set(root, [...(groups.get(root) ?? [root]), k]);
      continue;
    }
    const n: Node = { kind: e.kind, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.path === '.' ? 0 : e.mtime, size: e.size, xattrs: e.xattrs };
    if (e.target !== undefined) n.target = encodePathBytes(e.target).toString('latin1');
    if (e.rdev !== undefined) n.rdev = e.rdev;
    if (e.sha256) n.sha256 = e.sha256;
    out.set(k, n);
  }
  for (const group of groups.values()) for (const k of group) out.get(k)!.links = [...group].sort().join(' | ');
  return out;
}
