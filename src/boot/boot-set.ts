/**
 * The boot set of an image version (docs/netboot.md): its kernel, an initrd made from its
 * packages, one squashfs per layer, and `boot.json` naming them. Derived data: built once
 * into the store's boot cache (boot-cache.ts), then read from there; a damaged or missing
 * piece is rebuilt. The work runs inside one read snapshot, so gc keeps what it reads.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { BazaarError } from '../errors.js';
import type { ObjectId, Store } from '../store/index.js';
import { imageStack } from '../api/index.js';
import { layerSquashfs } from '../checkout/index.js';
import { BootCache } from './boot-cache.js';
import type { CachedFile } from './boot-cache.js';
import { ImageFiles } from './image-files.js';
import { buildInitrd, findBusybox, initScript } from './initrd.js';
import { findKernel } from './kernel-image.js';

/** The kernel command line a boot set suggests: the serial console, and a reboot (QEMU: exit) 10 s after a panic. */
export const BOOT_CMDLINE = 'console=ttyS0 panic=10';

export interface BootLayer {
  /** `name@version` of the layer (the private layer: `<image>-private@<image version>`). */
  label: string;
  tree: ObjectId;
  /** Its path in the boot set: `layers/<NN>-<label>.squashfs`. */
  file: string;
  /** The cached squashfs, named by the layer's tree, so images sharing the layer share the file. */
  cached: CachedFile;
}

export interface BootSet {
  image: { name: string; version: string; id: ObjectId };
  kernel: { path: string; id: ObjectId; sha256: string; size: number; release: string };
  initrd: CachedFile & { modules: string[] };
  layers: BootLayer[];
  cmdline: string;
}

/** What the cache keeps per image version: enough to answer without reading the image again. */
interface SetRecord {
  init: string;
  kernel: BootSet['kernel'];
  initrd: { rel: string; modules: string[] };
  layers: Array<{ label: string; tree: ObjectId; file: string; rel: string }>;
  /** Everything under the boot cache this set uses (gc keeps these: store/caches/prune.ts). */
  uses: string[];
}

export interface BootSetOptions {
  /** Called as each piece is made (`squashfs base@1.0.0`, `initrd`, ...), for progress lines. */
  onStep?: (step: string) => void;
  signal?: AbortSignal;
}

const hex = (id: ObjectId) => id.slice('sha256:'.length);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The boot set of image `ref` (`NAME[@VERSION]`), built where the cache lacks it. */
export async function bootSet(store: Store, ref: string, options: BootSetOptions = {}): Promise<BootSet> {
  const cache = new BootCache(store.dir);
  return store.read(async (view) => {
    const stack = await imageStack(store, view, ref);
    const image = { name: stack.name, version: stack.version, id: stack.id };
    const setRel = `sets/${hex(stack.id)}.json`;
    const init = sha256(initScript());
    const record = await cache.readJson<SetRecord>(setRel);
    if (record && record.init === init) {
      const found = await fromRecord(cache, image, record);
      if (found) return found;
    }
    const files = new ImageFiles(store, stack.trees);
    const kernel = await findKernel(files, stack.name);
    options.onStep?.('initrd');
    const initrd = await buildInitrd(files, kernel, stack.name);
    const initrdRel = `initrd/${sha256(initrd.bytes)}.img`;
    const initrdFile = await cache.get(initrdRel) ?? await cache.put(initrdRel, (tmp) => writeFile(tmp, initrd.bytes));
    const layers: BootLayer[] = [];
    for (let i = 0; i < stack.trees.length; i++) {
      const tree = stack.trees[i];
      const isPrivate = i === stack.trees.length - 1;
      if (isPrivate && (await store.readKind(tree, 'tree')).entries.length === 0) continue; // nothing of its own: no layer to mount
      const label = isPrivate ? `${stack.name}-private@${stack.version}` : stack.labels[i];
      const rel = `layers/${hex(tree)}.squashfs`;
      let cached = await cache.get(rel);
      if (!cached) {
        options.onStep?.(`squashfs ${label}`);
        cached = await cache.put(rel, async (tmp) => { await layerSquashfs(store, tree, tmp, options.signal); });
      }
      layers.push({ label, tree, file: `layers/${String(layers.length).padStart(2, '0')}-${label}.squashfs`, cached });
    }
    if (layers.length === 0) throw new BazaarError('ERR_BAD_INPUT', `image ${stack.name} has no layers to boot`, { reason: 'not-bootable' });
    const set: BootSet = { image, kernel: { ...kernel, sha256: hex(kernel.id) }, initrd: { ...initrdFile, modules: initrd.modules }, layers, cmdline: BOOT_CMDLINE };
    const rels = layers.map((l) => `layers/${hex(l.tree)}.squashfs`);
    await cache.writeJson(setRel, {
      init, kernel: set.kernel, initrd: { rel: initrdRel, modules: initrd.modules },
      layers: layers.map((l, i) => ({ label: l.label, tree: l.tree, file: l.file, rel: rels[i] })),
      uses: [initrdRel, ...rels],
    } satisfies SetRecord);
    return set;
  });
}

/** Whether image `ref` can boot (a kernel, a static busybox), and if not why: for listing profiles without building. */
export async function bootability(store: Store, ref: string): Promise<{ bootable: true } | { bootable: false; why: string }> {
  return store.read(async (view) => {
    const stack = await imageStack(store, view, ref);
    const files = new ImageFiles(store, stack.trees);
    try {
      await findKernel(files, stack.name);
      await findBusybox(files, stack.name);
      return { bootable: true };
    } catch (err) {
      if (err instanceof BazaarError && err.reason === 'not-bootable') return { bootable: false, why: err.message };
      throw err;
    }
  });
}

/** The set a record describes, if every file it names is still whole. */
async function fromRecord(cache: BootCache, image: BootSet['image'], record: SetRecord): Promise<BootSet | null> {
  const initrd = await cache.get(record.initrd.rel);
  if (!initrd) return null;
  const layers: BootLayer[] = [];
  for (const l of record.layers) {
    const cached = await cache.get(l.rel);
    if (!cached) return null;
    layers.push({ label: l.label, tree: l.tree, file: l.file, cached });
  }
  return { image, kernel: record.kernel, initrd: { ...initrd, modules: record.initrd.modules }, layers, cmdline: BOOT_CMDLINE };
}

/** `boot.json` (docs/netboot.md): field names are a contract; one element per line, so a shell can read it. */
export function bootJson(set: BootSet): string {
  const digests: Record<string, string> = { vmlinuz: set.kernel.sha256, 'initrd.img': set.initrd.sha256 };
  for (const l of set.layers) digests[l.file] = l.cached.sha256;
  return `${JSON.stringify({
    kernel: 'vmlinuz', initrd: 'initrd.img', cmdline: set.cmdline,
    layers: set.layers.map((l) => l.file),
    sha256: digests,
    image: set.image,
  }, null, 2)}\n`;
}

/**
 * `boot.ipxe`: boots the same set by URL. Relative names resolve against the script's own
 * URL. The set's URL for /init is `url` when known; else the script's own URL, which /init
 * takes as naming its directory: iPXE's `${cwuri}` where it has it, else `${filename}`, the
 * boot file DHCP named (the iPXE that QEMU and many firmwares ship predates `${cwuri}`).
 */
export function bootIpxe(set: BootSet, url?: string): string {
  const find = url ? [`set bazaar-url ${url}`] : ['isset ${cwuri} && set bazaar-url ${cwuri} || set bazaar-url ${filename}'];
  return ['#!ipxe', `# ${set.image.name}@${set.image.version} (${set.image.id})`, ...find,
    `kernel vmlinuz initrd=initrd.img ${set.cmdline} bazaar.url=\${bazaar-url}`, 'initrd initrd.img', 'boot', ''].join('\n');
}
