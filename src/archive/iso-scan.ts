/**
 * The members of an ISO 9660 image (a live system's: a kernel, an initrd, a squashfs of
 * the root) that a layer import needs, found in one streaming pass: libarchive's bsdtar
 * turns the ISO into a tar stream (`bsdtar -cf - @ISO`), read here member by member. A
 * member whose first bytes are the squashfs magic is a squashfs, whatever its name (ALT
 * names its root `live`); a member named `vmlinuz*` is a kernel. The members `keep` asks
 * for are copied to the files it names (a squashfs must be a file for sqfs2tar to seek
 * in); nothing else is written, and nothing is held in memory but a kernel's header.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { BazaarError } from '../errors.js';
import { noSpaceError } from '../fs/index.js';
import { bzImageRelease, BZIMAGE_HEADER_BYTES } from './bzimage.js';
import { fileHead, ISO9660_MAGIC_OFFSET, SQUASHFS_MAGIC } from './image-format.js';
import { readTar } from './tar-reader.js';
import type { TarEntry } from './tar-reader.js';
import { toolOutput } from './tool-output.js';

export interface IsoMember {
  /** As bsdtar names it: relative, no leading `./` (`boot/vmlinuz`, `live`). */
  path: string;
  size: number;
  mtime: number;
}

export interface IsoKernel extends IsoMember {
  sha256: string;
  /** The release its bzImage header states (`6.1.0-57-cloud-amd64`), or null when it has none. */
  release: string | null;
}

export interface IsoScan {
  /** Every member that is a squashfs image, in the ISO's order. */
  squashfs: IsoMember[];
  /** Every member named vmlinuz*, in the ISO's order. */
  kernels: IsoKernel[];
  /** The members copied out, by path, to the file `keep` named. */
  kept: Map<string, string>;
}

/**
 * The primary volume descriptor (at 32 KiB) states the volume's size: its block count (a
 * u32 at 80) times its block size (a u16 at 128). A shorter file is truncated; bsdtar
 * would list what it can reach and call the rest fine. (A hybrid image may be longer:
 * partitions appended after the volume.)
 */
function checkIsoSize(iso: string, name: string): void {
  const { head: pvd, size } = fileHead(iso, 136, ISO9660_MAGIC_OFFSET - 1);
  if (pvd.length < 136) throw new BazaarError('ERR_BAD_INPUT', `${name}: a truncated ISO image (${size} bytes, shorter than its volume descriptor)`, { data: { path: name } });
  const declared = pvd.readUInt32LE(80) * pvd.readUInt16LE(128);
  if (size < declared) throw new BazaarError('ERR_BAD_INPUT', `${name}: a truncated ISO image (${size} bytes of the ${declared} its volume descriptor states)`, { data: { path: name } });
}

/** A member's path as bsdtar gives it, or as a user types it: no leading `/` or `./`. */
export function isoMemberPath(path: string): string {
  return path.replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
}

const isKernelName = (path: string): boolean => /^vmlinuz/i.test(basename(path));

/** Copies a member's body (`head`, then the rest) to `file`, created exclusively; the rest goes through `hash` too. */
async function copyOut(head: Buffer, rest: AsyncIterator<Buffer>, file: string, hash: ReturnType<typeof createHash> | null): Promise<void> {
  let fh;
  try {
    fh = await open(file, 'wx', 0o600);
    await fh.write(head);
    for (let r = await rest.next(); !r.done; r = await rest.next()) {
      hash?.update(r.value);
      await fh.write(r.value);
    }
  } catch (err) {
    throw noSpaceError(err, dirname(file));
  } finally {
    await fh?.close();
  }
}

/** The first `n` bytes of a member's body (fewer if it is shorter), and the iterator of the rest. */
async function readHead(entry: TarEntry, n: number): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const rest = entry.body()[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const r = await rest.next();
    if (r.done) break;
    parts.push(r.value);
    have += r.value.length;
  }
  return { head: Buffer.concat(parts), rest };
}

/**
 * Scans the ISO image `iso` (named `name` in messages). `keep(member, kind)` returns the
 * file to copy a squashfs or kernel member to, or null to pass it by; a file it names
 * exists afterwards (possibly partly written) even when the scan fails: the caller
 * removes it. A file that is not a readable ISO fails with ERR_BAD_INPUT.
 */
export async function scanIso(iso: string, keep: (member: IsoMember, kind: 'squashfs' | 'kernel') => string | null, name = iso): Promise<IsoScan> {
  checkIsoSize(iso, name);
  const tar = toolOutput({
    tool: 'bsdtar', debian: 'libarchive-tools', args: ['-cf', '-', '--format', 'pax', `@${iso}`],
    failed: (why) => new BazaarError('ERR_BAD_INPUT', `${name}: not a readable ISO 9660 image (bsdtar: ${why.replace(/^bsdtar: /, '').split(iso).join(name)})`, { data: { path: name } }),
  }, `reading the ISO image ${name}`);
  const scan: IsoScan = { squashfs: [], kernels: [], kept: new Map() };
  for await (const entry of readTar(tar)) {
    if (entry.type !== 'file') continue;
    const member: IsoMember = { path: isoMemberPath(entry.path), size: entry.size, mtime: entry.mtime };
    const kernel = isKernelName(member.path);
    const { head, rest } = await readHead(entry, kernel ? BZIMAGE_HEADER_BYTES : SQUASHFS_MAGIC.length);
    const isSquashfs = head.subarray(0, SQUASHFS_MAGIC.length).equals(SQUASHFS_MAGIC);
    if (!isSquashfs && !kernel) continue; // the rest of the body is skipped by the reader
    const kind = isSquashfs ? 'squashfs' : 'kernel';
    const hash = kind === 'kernel' ? createHash('sha256').update(head) : null;
    const file = keep(member, kind);
    if (file !== null) {
      scan.kept.set(member.path, file);
      await copyOut(head, rest, file, hash);
    } else if (hash) {
      for (let r = await rest.next(); !r.done; r = await rest.next()) hash.update(r.value);
    }
    if (!hash) scan.squashfs.push(member);
    else scan.kernels.push({ ...member, sha256: hash.digest('hex'), release: bzImageRelease(head) });
  }
  return scan;
}
