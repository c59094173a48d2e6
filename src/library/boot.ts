/** Boot sets of images for net-booted VAs (docs/netboot.md), with checked options. */
import { writeBootSet } from '../boot/index.js';
import type { Store } from '../store/index.js';
import { checkOptions } from './check-options.js';
import type { Result } from './check-options.js';
import { checkStore } from './store-arg.js';

/**
 * Writes the boot set of `image` (`NAME[@VERSION]`) into `dir` (absent or empty): boot.json,
 * vmlinuz, initrd.img, boot.ipxe and one squashfs per layer.
 *
 * @example
 *   const set = await bootImage(store, { image: 'va1', dir: '/srv/tftp/va1' });
 *   console.log(set.layers.map((l) => l.file));
 */
export async function bootImage(store: Store, options: { image: string; dir: string; url?: string; onStep?: (step: string) => void; signal?: AbortSignal }): Promise<Result<typeof writeBootSet>> {
  const s = checkStore('bootImage', store);
  const o = checkOptions<typeof options>('bootImage', options, { image: 'string', dir: 'string', url: 'string?', onStep: 'function?', signal: 'signal?' });
  return writeBootSet(s, o.image, o.dir, { ...(o.url ? { url: o.url } : {}), ...(o.onStep ? { onStep: o.onStep } : {}), ...(o.signal ? { signal: o.signal } : {}) });
}
