/**
 * Images over one shared base (issue 9's benchmark):
 *
 *   1. space: N images on base@1.0.0, each with its own private package; the store's
 *      allocated size grows by the private layers and image objects only, never by another
 *      copy of the base (goal: the base counted once);
 *   2. a shared layer upgrade: `layer upgrade base@1.0.0 --to base@1.0.1` moves all N
 *      images in one commit, each re-resolved, private layers untouched (goal: seconds).
 *
 *   node dist/bench/images.js [--images N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeImage, createImage } from '../src/api/image-ops.js';
import { createLayer } from '../src/api/layer-ops.js';
import { upgradeLayer } from '../src/api/layer-upgrade.js';
import { addToChannel, createChannel } from '../src/store/channels.js';
import { Store } from '../src/store/store.js';
import { option, sampleRpms, secs } from './sample-setup.js';

const BASE = ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'coreutils', 'grep', 'sed', 'passwd', 'etcskel', 'zlib-1.3.1-alt1.x86_64', 'libssl3', 'ca-certificates'];
const PRIVATE = ['lighttpd', 'webserver', 'va-watchdog', 'va-monitor'];

/** Allocated bytes under `dir` (du -sk), without the derived caches. */
function allocated(dir: string): number {
  const r = spawnSync('du', ['-sk', '--exclude=cache', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]) * 1024;
}
const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;

export async function benchImages(): Promise<void> {
  const n = Number(option('--images', '100'));
  const dir = join(mkdtempSync(join(tmpdir(), 'bazaar-bench-images-')), 'store');
  const store = await Store.init(dir);
  await store.add(sampleRpms());
  await createChannel(store, 's');
  await addToChannel(store, 's', [...BASE, 'bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64', ...PRIVATE, 'pyrt-3.12.4-alt1.x86_64', 'pyrt-libs-3.12.4-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64']);
  const packagesOnly = allocated(dir);
  await createLayer(store, 'base@1.0.0', { packages: [...BASE, 'bash-5.2.26-alt1.x86_64'] });
  const withBase = allocated(dir);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const name = `va${String(i).padStart(3, '0')}`;
    await createImage(store, `${name}@1.0.0`, ['base@^1.0'], { channel: 's' });
    await changeImage(store, name, { install: [PRIVATE[i % PRIVATE.length] as string] });
  }
  const built = performance.now() - t0;
  const withImages = allocated(dir);
  const perImage = (withImages - withBase) / n;
  const base = withBase;
  console.log(`space (du, allocated): packages ${mb(packagesOnly)}, base layer over them ${mb(withBase - packagesOnly)}; ${n} images on that base with one private package each add ${mb(withImages - withBase)}, ${(perImage / 1024).toFixed(1)} KiB per image (${(100 * perImage / base).toFixed(1)}% of the base with its packages; a copy per image would be 100%): the base is stored once; built in ${secs(built)}`);
  await createLayer(store, 'base@1.0.1', { packages: [...BASE, 'bash-5.2.26-alt2.x86_64'] });
  const t1 = performance.now();
  const r = await upgradeLayer(store, 'base@1.0.0', 'base@1.0.1', {});
  const upgrade = performance.now() - t1;
  console.log(`layer upgrade base 1.0.0 -> 1.0.1 (bash alt1 -> alt2) for ${n} images: ${secs(upgrade)}, ${r.moved.length} moved, ${r.skipped.length} left alone, in one commit; goal: seconds -> ${(upgrade / 1000).toFixed(2)} s for ${n}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchImages();
