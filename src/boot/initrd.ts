/**
 * The initrd of a boot set, made from the image's own packages as dracut or ALT's
 * make-initrd would make it: the image's static busybox, the kernel modules a virtio
 * disk or network boot with squashfs and overlayfs needs (module-closure.ts), and
 * bazaar's /init (init.sh, docs/netboot.md). It holds no layer list, so every image and
 * version with the same kernel and busybox shares one initrd, byte for byte.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { BazaarError } from '../errors.js';
import { writeCpio } from './cpio-writer.js';
import type { CpioEntry } from './cpio-writer.js';
import type { ImageFiles } from './image-files.js';
import type { KernelImage } from './kernel-image.js';
import { moduleClosure } from './module-closure.js';
import { packageFile } from '../package-files.js';

/** What a virtio boot from squashfs layers under overlayfs, over the network and with a disk cache, needs. */
export const BOOT_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'af_packet', 'squashfs', 'overlay', 'loop', 'ext4'] as const;

/** Where busybox may be in an image, in the order looked at. */
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox', '/sbin/busybox', '/usr/sbin/busybox', '/bin/busybox.static'];

/** bazaar's /init, shipped beside the compiled code's sources (src/boot/init.sh). */
let script: Buffer | null = null;

/** Read once per process: every boot.json request checks its set was built with it. */
export function initScript(): Buffer {
  if (script) return script;
  const path = packageFile('src/boot/init.sh');
  try { return (script = readFileSync(path)); } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `bazaar's /init (${path}) cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): this installation of bazaar is incomplete`, { cause: err });
  }
}

const PT_INTERP = 3;

/** Whether a 64-bit ELF executable asks for a dynamic loader (has a PT_INTERP program header). */
function isDynamic(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32LE(0) !== 0x464c457f || elf[4] !== 2) return true;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > elf.length) return true;
    if (elf.readUInt32LE(at) === PT_INTERP) return true;
  }
  return false;
}

export async function findBusybox(files: ImageFiles, image: string): Promise<Buffer> {
  for (const path of BUSYBOX_PATHS) {
    const data = await files.read(path);
    if (!data) continue;
    if (isDynamic(data)) throw new BazaarError('ERR_BAD_INPUT', `image ${image}'s ${path} is not a static 64-bit busybox: install busybox-static (the initrd has no libraries for it)`, { reason: 'not-bootable' });
    return data;
  }
  throw new BazaarError('ERR_BAD_INPUT', `image ${image} has no busybox (${BUSYBOX_PATHS.slice(0, 2).join(', ')}): install busybox-static into it to boot it`, { reason: 'not-bootable' });
}

export interface Initrd { bytes: Buffer; modules: string[]; builtin: string[] }

export async function buildInitrd(files: ImageFiles, kernel: KernelImage, image: string): Promise<Initrd> {
  const busybox = await findBusybox(files, image);
  const closure = await moduleClosure(files, kernel.release, BOOT_MODULES, image);
  const entries: CpioEntry[] = [];
  const dirs = new Set<string>();
  const dir = (path: string) => {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (!dirs.has(p)) { dirs.add(p); entries.push({ path: p, kind: 'dir', mode: 0o755 }); }
    }
  };
  for (const d of ['bin', 'sbin', 'dev', 'etc/bazaar', 'newroot', 'proc', 'run', 'sys', 'usr/bin', 'usr/sbin']) dir(d);
  entries.push({ path: 'dev/console', kind: 'char', mode: 0o600, major: 5, minor: 1 });
  entries.push({ path: 'init', kind: 'file', mode: 0o755, data: initScript() });
  entries.push({ path: 'bin/busybox', kind: 'file', mode: 0o755, data: busybox });
  entries.push({ path: 'etc/bazaar/kernel-release', kind: 'file', mode: 0o644, data: Buffer.from(`${kernel.release}\n`) });
  entries.push({ path: 'etc/bazaar/modules', kind: 'file', mode: 0o644, data: Buffer.from(closure.load.map((m) => `${m.path}\n`).join('')) });
  for (const m of closure.load) {
    dir(m.path.slice(0, m.path.lastIndexOf('/')));
    entries.push({ path: m.path, kind: 'file', mode: 0o644, data: m.data });
  }
  return { bytes: gzipSync(writeCpio(entries), { level: 9 }), modules: closure.load.map((m) => m.name), builtin: closure.builtin };
}
