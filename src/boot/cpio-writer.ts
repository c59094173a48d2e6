/**
 * A cpio archive in the "newc" format the kernel unpacks an initramfs from. Deterministic:
 * inode numbers count up from 1, times are 0, owners are root, so the same inputs give
 * the same bytes (and the same initrd ETag) on every build.
 */
export type CpioEntry =
  | { path: string; kind: 'dir'; mode: number }
  | { path: string; kind: 'file'; mode: number; data: Buffer }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'char'; mode: number; major: number; minor: number };

const TYPE = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000 } as const;

function pad4(n: number): Buffer { return Buffer.alloc((4 - (n % 4)) % 4); }

function header(ino: number, mode: number, size: number, rdev: [number, number], nameSize: number): Buffer {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return Buffer.from(`070701${[ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], nameSize, 0].map(hex).join('')}`, 'latin1');
}

/** The archive of `entries`, in the order given (a directory before what it holds). */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const add = (ino: number, mode: number, name: string, data: Buffer, rdev: [number, number] = [0, 0]) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const head = header(ino, mode, data.length, rdev, nameBytes.length);
    parts.push(head, nameBytes, pad4(head.length + nameBytes.length), data, pad4(data.length));
  };
  entries.forEach((e, i) => {
    const name = e.path.replace(/^\/+/, '');
    if (e.kind === 'file') add(i + 1, TYPE.file | (e.mode & 0o7777), name, e.data);
    else if (e.kind === 'dir') add(i + 1, TYPE.dir | (e.mode & 0o7777), name, Buffer.alloc(0));
    else if (e.kind === 'symlink') add(i + 1, TYPE.symlink | 0o777, name, Buffer.from(e.target, 'utf8'));
    else add(i + 1, TYPE.char | (e.mode & 0o7777), name, Buffer.alloc(0), [e.major, e.minor]);
  });
  add(0, 0, 'TRAILER!!!', Buffer.alloc(0));
  return Buffer.concat(parts);
}
