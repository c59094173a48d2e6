/**
 * Which file image a layer file is, from its first bytes rather than its name: a squashfs
 * (`hsqs` at 0) or an ISO 9660 image (`CD001` at 32 KiB + 1, after the system area an
 * isohybrid image fills with a boot record). Anything else is left to the archive reader.
 * An ISO must be told apart before tar reads it: its system area is zeros, which tar
 * takes for the end of an empty archive.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type ImageFormat = 'squashfs' | 'iso';

/** A squashfs 4 image's first bytes (the little-endian superblock magic). */
export const SQUASHFS_MAGIC = Buffer.from('hsqs', 'latin1');
/** An ISO 9660 image has its first volume descriptor at 32 KiB: a type byte, then `CD001`. */
export const ISO9660_MAGIC_OFFSET = 0x8001;
export const ISO9660_MAGIC = Buffer.from('CD001', 'latin1');

/** Up to `length` bytes of the file at `path` from `offset` (fewer at its end), and its size; errors are thrown as they are. */
export function fileHead(path: string, length: number, offset = 0): { head: Buffer; size: number } {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  let n = 0;
  try {
    for (let r = 1; r > 0 && n < length; n += r) r = readSync(fd, buf, n, length - n, offset + n);
    return { head: buf.subarray(0, n), size: fstatSync(fd).size };
  } finally {
    closeSync(fd);
  }
}

/** The format of the file at `path`, or null when it is neither; errors reading it are thrown as they are. */
export function imageFormatOf(path: string): ImageFormat | null {
  const { head } = fileHead(path, ISO9660_MAGIC_OFFSET + ISO9660_MAGIC.length);
  if (head.subarray(0, SQUASHFS_MAGIC.length).equals(SQUASHFS_MAGIC)) return 'squashfs';
  if (head.subarray(ISO9660_MAGIC_OFFSET).equals(ISO9660_MAGIC)) return 'iso';
  return null;
}
