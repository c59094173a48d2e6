/**
 * The kernel a boot set starts: the image's own `/boot/vmlinuz-*` (from its kernel
 * package), and its release (`uname -r`), read from the bzImage header rather than the
 * file name, because the modules live in `/lib/modules/<release>`.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from '../store/index.js';
import type { ImageFiles } from './image-files.js';

export interface KernelImage { path: string; id: ObjectId; size: number; release: string }

/**
 * The release string of a bzImage: "HdrS" at 0x202 marks the boot protocol header; the
 * u16 at 0x20E, plus 0x200, is the offset of "<release> (<builder>) #<n> ...".
 */
export function kernelRelease(head: Buffer): string | null {
  if (head.length < 0x210 || head.toString('latin1', 0x202, 0x206) !== 'HdrS') return null;
  const at = head.readUInt16LE(0x20e) + 0x200;
  const end = head.indexOf(0, at);
  if (at >= head.length || end < 0) return null;
  const release = head.toString('latin1', at, end).split(' ')[0];
  return /^[A-Za-z0-9._+~-]+$/.test(release) ? release : null;
}

/** The image's one kernel; refuses an image with none or with several (say which). */
export async function findKernel(files: ImageFiles, image: string): Promise<KernelImage> {
  const found: Array<{ path: string; id: ObjectId; size: number }> = [];
  for (const { name } of await files.list('/boot')) {
    if (!name.startsWith('vmlinuz-')) continue;
    const f = await files.resolve(`/boot/${name}`);
    if (f?.entry.kind === 'file' && f.entry.id) found.push({ path: `/boot/${name}`, id: f.entry.id, size: f.entry.size ?? 0 });
  }
  if (found.length === 0) throw new BazaarError('ERR_BAD_INPUT', `image ${image} has no kernel (/boot/vmlinuz-*): install a kernel package into it to boot it`, { reason: 'not-bootable' });
  if (found.length > 1) throw new BazaarError('ERR_BAD_INPUT', `image ${image} has ${found.length} kernels (${found.map((k) => k.path).join(', ')}): a boot set starts exactly one; remove the others`, { reason: 'not-bootable' });
  const kernel = found[0];
  const head = await files.objects.readBytes(kernel.id);
  const release = kernelRelease(head.subarray(0, 0x10000));
  if (!release) throw new BazaarError('ERR_BAD_INPUT', `${kernel.path} in image ${image} is not a bzImage kernel (no "HdrS" boot header)`, { reason: 'not-bootable' });
  return { ...kernel, release };
}
