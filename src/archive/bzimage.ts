/**
 * The kernel release a Linux bzImage states in its setup header (Documentation/arch/x86/
 * boot.rst): the magic `HdrS` at 0x202 and, at 0x20E, `kernel_version`, a u16 that plus
 * 0x200 is the offset of a NUL-terminated string such as
 * `6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP ...`; the release is its
 * first word, the name of the kernel's /lib/modules directory.
 */

/** Bytes of a bzImage's start that hold the header and any version string it can point at. */
export const BZIMAGE_HEADER_BYTES = 0x200 + 0x10000 + 256;

/** A release usable as a file name part (`vmlinuz-<release>`): no slash, no space, no NUL. */
const RELEASE = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}$/;

/** The kernel release of the bzImage whose first bytes are `head`, or null when it is not a bzImage that states one. */
export function bzImageRelease(head: Buffer): string | null {
  if (head.length < 0x210 || head.toString('latin1', 0x202, 0x206) !== 'HdrS') return null;
  const pointer = head.readUInt16LE(0x20e);
  if (pointer === 0) return null;
  const at = pointer + 0x200;
  const end = head.indexOf(0, at);
  if (at >= head.length || end < 0) return null;
  const release = head.toString('latin1', at, end).split(' ')[0] ?? '';
  return RELEASE.test(release) ? release : null;
}
