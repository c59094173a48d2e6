/**
 * Net-booted VAs (issue 19), on the real-package fixture (scripts/netboot-fixture.sh):
 *
 *   1. building a boot set (`bazaar boot`, a whole process): cold (empty boot cache) and
 *      warm, against `mksquashfs` of the same image's tree checked out (the peer: what a
 *      hand-made squashfs root costs);
 *   2. what a VA with a cache fetches when only its top layer changed: the bytes of
 *      /boot/layers/ served during its second boot, against the changed layer's size and
 *      the base's (goal: the changed layer alone);
 *   3. time from QEMU's start to the VA's marker, booted from the boot set (layers as
 *      disks), against the same merged tree packed as one plain gzip'd initramfs (goal:
 *      within 1.5x).
 *
 *   npm run bench -- netboot
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootVm, GUEST_SERVER } from '../test/helpers/qemu.js';
import { serve } from '../src/server/serve.js';
import { Store } from '../src/store/store.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(root, 'dist/bin/bazaar.js');
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n: number): string => `${(n / (1 << 20)).toFixed(1)} MiB`;

function bazaar(store: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', store], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function run(cmd: string, args: string[], options: { cwd?: string } = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return performance.now() - t0;
}

interface BootJson { kernel: string; initrd: string; cmdline: string; layers: string[] }

export async function benchNetboot(options: { log?: (line: string) => void; runs?: number } = {}): Promise<void> {
  const log = options.log ?? ((l: string) => console.log(l));
  const runs = options.runs ?? 3;
  const fixture = process.env.BAZAAR_NETBOOT_FIXTURE ?? join(root, '.cache/netboot');
  let rpms: string[];
  try { rpms = readFileSync(join(fixture, 'READY'), 'utf8').split('\n').filter(Boolean).map((n) => join(fixture, 'rpms', n)); } catch {
    log(`netboot bench skipped: no fixture in ${fixture} (scripts/netboot-fixture.sh ${fixture})`);
    return;
  }
  for (const tool of ['mksquashfs', 'qemu-system-x86_64', 'nc', 'cpio']) if (!has(tool)) { log(`netboot bench skipped: ${tool} is not installed`); return; }
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-netboot-'));
  try {
    const store = join(work, 'store');
    bazaar(store, 'init');
    bazaar(store, 'add', ...rpms);
    bazaar(store, 'layer', 'create', 'base@1.0.0', ...rpms.flatMap((r) => ['--package', basename(r, '.rpm')]));
    const probe = join(work, 'probe');
    mkdirSync(join(probe, 'sbin'), { recursive: true });
    mkdirSync(join(probe, 'etc'));
    writeFileSync(join(probe, 'sbin/init'), readFileSync(join(root, 'test/netboot/va-probe-init.sh')));
    chmodSync(join(probe, 'sbin/init'), 0o755);
    writeFileSync(join(probe, 'etc/va-profile'), 'bench\n');
    bazaar(store, 'layer', 'import', 'app@1.0.0', probe);
    bazaar(store, 'image', 'create', 'va@1.0.0', '--layer', 'base@^1.0', '--layer', 'app@^1.0');

    // 1. building a boot set, cold and warm, against mksquashfs of the same tree
    const cold: number[] = [], warm: number[] = [], peer: number[] = [];
    const tree = join(work, 'tree');
    bazaar(store, 'image', 'checkout', 'va', tree);
    for (let i = 0; i < runs; i++) {
      rmSync(join(store, 'cache/boot'), { recursive: true, force: true });
      rmSync(join(work, 'set-cold'), { recursive: true, force: true });
      cold.push(run(process.execPath, [CLI, 'boot', 'va', join(work, 'set-cold'), '--store', store]));
      rmSync(join(work, 'set-warm'), { recursive: true, force: true });
      warm.push(run(process.execPath, [CLI, 'boot', 'va', join(work, 'set-warm'), '--store', store]));
      rmSync(join(work, 'peer.squashfs'), { force: true });
      peer.push(run('mksquashfs', [tree, join(work, 'peer.squashfs'), '-noappend', '-quiet', '-no-progress', '-comp', 'zstd', '-mkfs-time', '0']));
    }
    log(`boot set of an image of ${rpms.length} real packages (${mb(statSync(join(work, 'peer.squashfs')).size)} as one squashfs):`);
    log(`  cold  ${median(cold).toFixed(0)} ms   warm  ${median(warm).toFixed(0)} ms   mksquashfs of the tree  ${median(peer).toFixed(0)} ms`);
    log(`  cold/mksquashfs ${(median(cold) / median(peer)).toFixed(2)}x   warm/mksquashfs ${(median(warm) / median(peer)).toFixed(2)}x`);

    // 2. bytes a cached VA fetches when only its top layer changed
    const set = join(work, 'set-cold');
    const json = JSON.parse(readFileSync(join(set, 'boot.json'), 'utf8')) as BootJson;
    const cache = join(work, 'cache.img');
    const fd = openSync(cache, 'w'); ftruncateSync(fd, 256 << 20); closeSync(fd);
    const opened = await Store.open(store);
    const served: string[] = [];
    const server = await serve(opened, { port: 0, logRequest: (l) => served.push(l), log: () => {} });
    try {
      const netBoot = () => bootVm({
        kernel: join(set, json.kernel), initrd: join(set, json.initrd), append: `${json.cmdline} bazaar.url=${GUEST_SERVER}/boot/va/latest/ bazaar.cache=/dev/vda`,
        disks: [{ file: cache }], net: { port: server.port }, timeoutMs: 300_000, marks: ['VA-MARKER'],
      });
      const layerBytes = () => served.filter((l) => l.includes('/boot/layers/')).reduce((s, l) => s + Number(/ 200 (\d+) /.exec(l)?.[1] ?? 0), 0);
      const first = await netBoot();
      if (!first.seenAt['VA-MARKER']) throw new Error(`the first network boot did not reach the VA:\n${first.console.slice(-2000)}`);
      const firstBytes = layerBytes();
      writeFileSync(join(probe, 'etc/va-update'), 'a change to the top layer only\n');
      bazaar(store, 'layer', 'import', 'app@1.1.0', probe);
      bazaar(store, 'image', 'upgrade-layer', 'va', 'app@^1.1');
      served.length = 0;
      const second = await netBoot();
      if (!second.seenAt['VA-MARKER']) throw new Error(`the second network boot did not reach the VA:\n${second.console.slice(-2000)}`);
      const updated = JSON.parse(await (await fetch(`${server.url}boot/va/latest/boot.json`)).text()) as BootJson & { sha256: Record<string, string> };
      const sizes = await Promise.all(updated.layers.map(async (l) => Number((await fetch(`${server.url}boot/va/latest/${l}`, { method: 'HEAD' })).headers.get('content-length'))));
      log(`update of the top layer only, a VA with a cache (bazaar.cache=):`);
      log(`  first boot fetched ${mb(firstBytes)} of layers; after the update it fetched ${layerBytes()} bytes`);
      log(`  the changed layer is ${sizes.at(-1)} bytes, the base ${mb(sizes[0])}: fetched/changed ${(layerBytes() / (sizes.at(-1) ?? 1)).toFixed(2)} (goal: 1.00, the changed layer alone)`);
    } finally {
      await server.close();
    }

    // 3. QEMU start to the marker: the boot set (layers as disks) vs one plain initramfs of the same tree
    const disk: number[] = [], plain: number[] = [];
    const initramfs = join(work, 'plain.cpio.gz');
    writeFileSync(join(tree, 'init'), '#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\n/bin/busybox mount -t sysfs sys /sys\n/bin/busybox mount -t devtmpfs dev /dev\nexec /sbin/init\n');
    chmodSync(join(tree, 'init'), 0o755);
    for (const d of ['proc', 'sys', 'dev']) mkdirSync(join(tree, d), { recursive: true });
    const packMs = run('sh', ['-c', `find . -mindepth 1 | cpio -o -H newc --quiet | gzip -6 > ${initramfs}`], { cwd: tree });
    for (let i = 0; i < runs; i++) {
      const a = await bootVm({ kernel: join(set, json.kernel), initrd: join(set, json.initrd), append: json.cmdline, disks: json.layers.map((l) => ({ file: join(set, l), readonly: true })), timeoutMs: 300_000, marks: ['VA-MARKER'] });
      const b = await bootVm({ kernel: join(set, json.kernel), initrd: initramfs, append: `${json.cmdline} rdinit=/init`, memoryMb: 2048, timeoutMs: 300_000, marks: ['VA-MARKER'] });
      if (a.seenAt['VA-MARKER'] === undefined || b.seenAt['VA-MARKER'] === undefined) throw new Error(`a boot did not reach the marker:\n${a.console.slice(-1500)}\n---\n${b.console.slice(-1500)}`);
      disk.push(a.seenAt['VA-MARKER']);
      plain.push(b.seenAt['VA-MARKER']);
    }
    log(`QEMU (TCG) start to the VA's marker, median of ${runs}:`);
    log(`  boot set, layers as disks ${median(disk).toFixed(0)} ms   one plain initramfs (${mb(statSync(initramfs).size)}, packed in ${packMs.toFixed(0)} ms) ${median(plain).toFixed(0)} ms`);
    log(`  boot set/initramfs ${(median(disk) / median(plain)).toFixed(2)}x (goal: within 1.50x)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
