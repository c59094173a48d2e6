import { BazaarError } from '../../errors.js';
import type { Command } from '../command.js';

export const boot: Command = {
  name: 'boot',
  usage: 'bazaar boot NAME[@VERSION] DIR [--url URL]',
  help: `Writes the boot set of an image version into DIR (absent or empty): what a
net-booted VA starts from (docs/netboot.md).

  DIR/boot.json      kernel, initrd, cmdline, layers (lowest first), their sha256
  DIR/vmlinuz        the image's own kernel (/boot/vmlinuz-*)
  DIR/initrd.img     made from the image's packages: its static busybox, the modules a
                     virtio boot with squashfs and overlayfs needs, bazaar's /init
  DIR/layers/NN-LAYER@VERSION.squashfs   one per layer, the same bytes in every image
                     and version that shares the layer
  DIR/boot.ipxe      an iPXE script booting the set by URL (--url: where it is served)

The pieces are built once and cached in the store ('bazaar serve' serves the same sets
at /boot/NAME/VERSION/). The image needs a kernel package and busybox-static.

Example: boot it in QEMU with its layers as disks
  bazaar boot va1 /tmp/va1
  qemu-system-x86_64 -accel tcg -m 1024 -nographic -kernel /tmp/va1/vmlinuz \\
    -initrd /tmp/va1/initrd.img -append "$(jq -r .cmdline /tmp/va1/boot.json)" \\
    -drive file=/tmp/va1/layers/00-base@1.0.0.squashfs,format=raw,if=virtio,readonly=on`,
  options: {
    url: { type: 'string', describe: 'the URL the set is served from, written into boot.ipxe as bazaar.url' },
  },
  async run(input) {
    if (input.positionals.length !== 2) throw new BazaarError('ERR_USAGE', 'usage: bazaar boot NAME[@VERSION] DIR [--url URL]');
    const [image, dir] = input.positionals as [string, string];
    const store = await input.openStore();
    // loaded when a subcommand runs: its --help and a usage error never evaluate the library
    const { bootImage } = await import('../../library/index.js');
    input.progress.start(`boot set of ${image}`, 0);
    const set = await bootImage(store, {
      image, dir, ...(input.options.url !== undefined ? { url: input.options.url as string } : {}),
      onStep: (step) => input.progress.tick(0, step),
    }).finally(() => input.progress.done());
    const json = {
      image: set.image, dir: set.dir, cmdline: set.cmdline,
      kernel: { file: 'vmlinuz', from: set.kernel.path, release: set.kernel.release, sha256: set.kernel.sha256, size: set.kernel.size },
      initrd: { file: 'initrd.img', sha256: set.initrd.sha256, size: set.initrd.size, modules: set.initrd.modules },
      layers: set.layers.map((l) => ({ file: l.file, layer: l.label, tree: l.tree, sha256: l.cached.sha256, size: l.cached.size })),
    };
    const text = [
      `boot set of ${set.image.name}@${set.image.version} in ${set.dir}`,
      `  vmlinuz     ${set.kernel.release} (${set.kernel.path})`,
      `  initrd.img  ${set.initrd.size} bytes, modules: ${set.initrd.modules.join(' ')}`,
      ...set.layers.map((l) => `  ${l.file}  ${l.cached.size} bytes`),
      `  cmdline     ${set.cmdline}`,
    ];
    return { exitCode: 0, json, text: text.join('\n') };
  },
};
