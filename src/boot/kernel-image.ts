/**
 * The kernel a boot set starts: the image's own `/boot/vmlinuz-*` (from its kernel
 * package), and its release (`uname -r`), read from the bzImage header
 * (archive/bzimage.ts) rather than the file name, because the modules live in
 * `/lib/modules/<release>`.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from '../store/index.js';
import type { ImageFiles } from './image-files.js';
import { BZIMAGE_HEADER_BYTES, bzImageRelease } from '../archive/index.js';

export interface KernelImage { path: string; id: ObjectId; size: number; release: string }

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
  const release = bzImageRelease(head.subarray(0, BZIMAGE_HEADER_BYTES));
  if (!release) throw new BazaarError('ERR_BAD_INPUT', `${kernel.path} in image ${image} is not a bzImage kernel (no "HdrS" boot header)`, { reason: 'not-bootable' });
  return { ...kernel, release };
}
