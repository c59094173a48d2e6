/**
 * Net-booted VAs from real packages (issue 19, docs/netboot.md): Debian's own userspace,
 * busybox-static and cloud kernel converted to RPMs (scripts/netboot-fixture.sh), made
 * into images by bazaar, booted by qemu-system-x86_64 under TCG from the boot sets bazaar
 * writes and serves. The VA is a test package whose /sbin/init (va-probe-init.sh) prints
 * a marker, changes its root and packs its overlay onto a scratch disk, then powers off.
 * Skipped by name without the fixture or QEMU.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { netbootRpms, testWithNetboot } from '../helpers/netboot-fixture.js';
import { bootSummary, bootVm, consoleLines, GUEST_SERVER, qemuArgs } from '../helpers/qemu.js';
import type { BootResult, VmDisk } from '../helpers/qemu.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { cli, listening, nevraOf, runAsync } from '../helpers/server.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('netboot: real packages booted under QEMU');
const NEEDS = ['qemu-system-x86_64', 'nc', 'mksquashfs', 'rpmbuild', 'root'];
const BOOT_MS = 180_000;

interface BootJson { kernel: string; initrd: string; cmdline: string; layers: string[]; sha256: Record<string, string>; image: { name: string; version: string } }

/** The test VA: /sbin/init is the probe, /etc/va-profile names it, /etc/va-remove-me is for it to remove. */
function probeSpec(profile: string): string {
  const script = readFileSync(join(projectRoot, 'test/netboot/va-probe-init.sh'), 'utf8');
  return `Name: va-probe-${profile}
Version: 1.0
Release: 1
Summary: the net-boot tests' VA (${profile})
License: GPL-2.0-or-later
BuildArch: x86_64
%description
The test VA's init: prints a marker, changes its root, packs its overlay.
%install
mkdir -p %{buildroot}/sbin %{buildroot}/etc
cat > %{buildroot}/sbin/init <<'PROBE_EOF'
${script}PROBE_EOF
chmod 755 %{buildroot}/sbin/init
echo ${profile} > %{buildroot}/etc/va-profile
echo remove me > %{buildroot}/etc/va-remove-me
%files
/sbin/init
/etc/va-profile
/etc/va-remove-me
`;
}

let world: { store: string } | null = null;
/** Two images (profiles) on one base layer of the real packages, each with its own probe layer. */
function setup(): { store: string } {
  if (world) return world;
  const store = freshStore('netboot');
  const rpms = netbootRpms()!;
  cli(['add', ...rpms], store);
  cli(['layer', 'create', 'base@1.0.0', ...rpms.flatMap((r) => ['--package', nevraOf(r)])], store);
  for (const profile of ['alpha', 'beta']) {
    const [rpm] = rpmbuild(`va-probe-${profile}`, probeSpec(profile));
    cli(['add', rpm], store);
    cli(['layer', 'create', `probe-${profile}@1.0.0`, '--package', nevraOf(rpm), '--nodeps'], store);
    cli(['image', 'create', `va-${profile}@1.0.0`, '--layer', 'base@^1.0', '--layer', `probe-${profile}@^1.0`], store);
  }
  world = { store };
  return world;
}

function bootSetOf(store: string, ref: string): { dir: string; json: BootJson } {
  const dir = join(tempDir(`bootset-${ref.replace(/\W/g, '_')}`), 'set');
  const r = bazaarFast(['boot', ref, dir, '--store', store]);
  assert.is(r.status, 0, r.stderr);
  return { dir, json: JSON.parse(readFileSync(join(dir, 'boot.json'), 'utf8')) as BootJson };
}

/** A blank disk image of `mb` MiB (sparse). */
function blankDisk(mb: number, prefix = 'disk'): string {
  const file = join(tempDir(prefix), 'disk.img');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, mb << 20);
  closeSync(fd);
  return file;
}

async function boot(set: { dir: string; json: BootJson }, options: { disks?: VmDisk[]; layerDisks?: boolean; append?: string; port?: number } = {}): Promise<BootResult> {
  const layerDisks = options.layerDisks === false ? [] : set.json.layers.map((l) => ({ file: join(set.dir, l), readonly: true }));
  const o = {
    kernel: join(set.dir, set.json.kernel), initrd: join(set.dir, set.json.initrd), append: `${set.json.cmdline} ${options.append ?? ''}`.trim(),
    disks: [...layerDisks, ...options.disks ?? []], timeoutMs: BOOT_MS, ...(options.port ? { net: { port: options.port } } : {}), marks: ['VA-MARKER'],
  };
  const r = await bootVm(o);
  assert.not.ok(r.timedOut, `QEMU did not stop by itself: qemu-system-x86_64 ${qemuArgs(o).join(' ')}\n${bootSummary(r)}`);
  return r;
}

const vaLines = (r: BootResult): string[] => consoleLines(r.console, 'VA-');
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

testWithNetboot(t, 'an image of real packages boots from its boot set with its layers as disks: the marker, a writable root, its overlay packed', NEEDS, async () => {
  const { store } = setup();
  const set = bootSetOf(store, 'va-alpha');
  assert.equal(set.json.layers, ['layers/00-base@1.0.0.squashfs', 'layers/01-probe-alpha@1.0.0.squashfs']);
  for (const [file, digest] of Object.entries(set.json.sha256)) assert.is(sha256(join(set.dir, file)), digest, file);
  const scratch = blankDisk(16, 'scratch');
  const r = await boot(set, { disks: [{ file: scratch }], append: `va.scratch=/dev/vd${String.fromCharCode(97 + set.json.layers.length)}` });
  assert.equal(vaLines(r).filter((l) => !l.startsWith('VA-PACKED')), ['VA-MARKER alpha', 'VA-SEEN none', 'VA-WRITABLE yes'], bootSummary(r));
  assert.match(r.console, /^VA-PACKED \d+$/m);
  assert.is(r.exitCode, 0);
  // the packed upper: the VA's file, and the whiteout of the file it removed
  const listing = await runAsync('tar', ['-tvf', scratch]);
  assert.match(listing.stdout, /^-\S+ 0\/0 .* \.\/etc\/va-state$/m);
  assert.match(listing.stdout, /^c\S+ 0\/0 +0,0 .* \.\/etc\/va-remove-me$/m);
});

testWithNetboot(t, 'over the network from bazaar serve with only the kernel and initrd: two profiles side by side share the base layer\'s one URL and ETag', NEEDS, async () => {
  const { store } = setup();
  const server = await listening(store);
  try {
    const sets = ['va-alpha', 'va-beta'].map((image) => bootSetOf(store, image));
    for (const [i, profile] of ['alpha', 'beta'].entries()) {
      const r = await boot(sets[i], { layerDisks: false, port: server.port, append: `bazaar.url=${GUEST_SERVER}/boot/va-${profile}/latest/` });
      assert.equal(vaLines(r), [`VA-MARKER ${profile}`, 'VA-SEEN none', 'VA-WRITABLE yes'], bootSummary(r));
    }
    const fetched = server.requests.filter((l) => l.includes('/boot/layers/'));
    const baseTree = fetched.map((l) => /\/boot\/layers\/([0-9a-f]{64})\.squashfs/.exec(l)?.[1]);
    assert.ok(fetched.length >= 3, server.requests.join('\n'));
    const heads = await Promise.all(['va-alpha', 'va-beta'].map(async (image) => {
      const res = await fetch(`${server.url}boot/${image}/latest/layers/00-base@1.0.0.squashfs`, { redirect: 'manual' });
      return res.headers.get('location');
    }));
    assert.is(heads[0], heads[1], 'both profiles redirect the base layer to one URL');
    assert.ok(baseTree.includes(/([0-9a-f]{64})/.exec(heads[0] ?? '')?.[1]), 'the guests fetched it there');
    const etags = await Promise.all(heads.map(async (h) => (await fetch(new URL(h!, server.url), { method: 'HEAD' })).headers.get('etag')));
    assert.is(etags[0], etags[1]);
    assert.is(etags[0], `"sha256:${sets[0].json.sha256['layers/00-base@1.0.0.squashfs']}"`);
  } finally {
    await server.close();
  }
});

testWithNetboot(t, 'the overlay goes back with upload-overlay; the next version boots with it; after rollback it boots without; the base squashfs is the same bytes and ETag', NEEDS, async () => {
  const { store } = setup(); // an image of its own there: this test adds versions
  const [rpm] = rpmbuild('va-probe-gamma', probeSpec('gamma'));
  cli(['add', rpm], store);
  cli(['layer', 'create', 'probe-gamma@1.0.0', '--package', nevraOf(rpm), '--nodeps'], store);
  cli(['image', 'create', 'va-gamma@1.0.0', '--layer', 'base@^1.0', '--layer', 'probe-gamma@^1.0'], store);
  const token = cli(['token', 'create', '--scope', 'admin'], store).trim();
  const server = await listening(store);
  try {
    const v1 = bootSetOf(store, 'va-gamma');
    const scratch = blankDisk(16, 'scratch-rt');
    const first = await boot(v1, { layerDisks: false, port: server.port, disks: [{ file: scratch }], append: `bazaar.url=${GUEST_SERVER}/boot/va-gamma/latest/ va.scratch=/dev/vda` });
    assert.ok(vaLines(first).includes('VA-SEEN none'), first.console.slice(-3000));
    const up = await runAsync(process.execPath, [CLI, 'upload-overlay', server.url, 'va-gamma', scratch], { env: { ...process.env, BAZAAR_TOKEN: token } });
    assert.is(up.status, 0, up.stderr);
    assert.match(up.stdout, /^baked into va-gamma-rw@\S+: image va-gamma@(\S+) sha256:/m);

    const v2 = bootSetOf(store, 'va-gamma');
    assert.equal(v2.json.layers.map((l) => l.replace(/@.*/, '')), ['layers/00-base', 'layers/01-probe-gamma', 'layers/02-va-gamma-rw']);
    const second = await boot(v2, { layerDisks: false, port: server.port, append: `bazaar.url=${GUEST_SERVER}/boot/va-gamma/latest/` });
    assert.ok(vaLines(second).includes('VA-SEEN gamma 1'), `the next version sees the change:\n${second.console.slice(-3000)}`);
    const base = 'layers/00-base@1.0.0.squashfs';
    assert.is(v2.json.sha256[base], v1.json.sha256[base], 'the shared layer is byte-identical in both versions');

    const back = bazaarFast(['image', 'rollback', 'va-gamma', '--store', store]);
    assert.is(back.status, 0, back.stderr);
    const v3 = bootSetOf(store, 'va-gamma');
    assert.equal(v3.json.layers, v1.json.layers, 'the previous boot set is current again');
    const third = await boot(v3, { layerDisks: false, port: server.port, append: `bazaar.url=${GUEST_SERVER}/boot/va-gamma/latest/` });
    assert.ok(vaLines(third).includes('VA-SEEN none'), `after rollback the change is gone:\n${third.console.slice(-3000)}`);
    const etags = await Promise.all([v1, v2].map(async (s) => (await fetch(`${server.url}boot/va-gamma/${s.json.image.version}/${base}`)).headers.get('etag')));
    assert.is(etags[0], etags[1]);
  } finally {
    await server.close();
  }
});

testWithNetboot(t, 'boot.ipxe boots the same set by URL: QEMU\'s own iPXE firmware, given it as the DHCP boot file, fetches kernel and initrd, and /init the layers', NEEDS, async () => {
  const { store } = setup();
  const server = await listening(store);
  try {
    const r = await bootVm({ net: { port: server.port, bootfile: `${GUEST_SERVER}/boot/va-beta/latest/boot.ipxe` }, timeoutMs: BOOT_MS, marks: ['VA-MARKER'] });
    assert.not.ok(r.timedOut, bootSummary(r));
    assert.equal(vaLines(r), ['VA-MARKER beta', 'VA-SEEN none', 'VA-WRITABLE yes'], bootSummary(r));
    for (const file of ['boot.ipxe', 'vmlinuz', 'initrd.img', 'boot.json']) assert.ok(server.requests.some((l) => l.startsWith(`GET /boot/va-beta/latest/${file} 200`)), `${file} fetched:\n${server.requests.join('\n')}`);
  } finally {
    await server.close();
  }
});

testWithNetboot(t, 'with the server stopped, a VA that booted once with bazaar.cache= boots again from its cache', NEEDS, async () => {
  const { store } = setup();
  const set = bootSetOf(store, 'va-beta');
  const cache = blankDisk(256, 'cache');
  const server = await listening(store);
  let port = 0;
  try {
    port = server.port;
    const online = await boot(set, { layerDisks: false, port, disks: [{ file: cache }], append: `bazaar.url=${GUEST_SERVER}/boot/va-beta/latest/ bazaar.cache=/dev/vda` });
    assert.ok(vaLines(online).includes('VA-MARKER beta'), online.console.slice(-3000));
  } finally {
    await server.close();
  }
  const offline = await boot(set, { layerDisks: false, port, disks: [{ file: cache }], append: `bazaar.url=${GUEST_SERVER}/boot/va-beta/latest/ bazaar.cache=/dev/vda bazaar.timeout=5` });
  assert.match(offline.console, /booting from the cache/);
  assert.equal(vaLines(offline), ['VA-MARKER beta', 'VA-SEEN none', 'VA-WRITABLE yes'], offline.console.slice(-3000));
});

testWithNetboot(t, 'an unreachable server without a cache, a corrupt squashfs from the server or on a disk: one bazaar-init error line and the VM stops by itself', NEEDS, async () => {
  const { store } = setup();
  const set = bootSetOf(store, 'va-alpha');
  const oneError = (r: BootResult, pattern: RegExp, what: string) => {
    assert.equal(consoleLines(r.console, 'bazaar-init: error: ').length, 1, `${what}:\n${bootSummary(r)}`);
    assert.match(r.console, pattern, `${what}:\n${r.console.slice(-1500)}`);
    assert.not.match(r.console, /VA-MARKER/, `${what}: not booted`);
  };
  const unreachable = await boot(set, { layerDisks: false, port: 9, append: `bazaar.url=${GUEST_SERVER}/boot/va-alpha/latest/ bazaar.timeout=5` });
  oneError(unreachable, /bazaar-init: error: server \S+ cannot be reached .* and there is no cache to boot from/, 'unreachable');

  // bit rot the server has not noticed (it checked the file once, and its time is as it was): the VA's check catches it
  const server = await listening(store);
  const top = set.json.layers[1];
  let cached = '';
  try {
    const res = await fetch(`${server.url}boot/va-alpha/latest/${top}`, { redirect: 'manual' });
    cached = join(store, 'cache/boot/v1', (res.headers.get('location') ?? '').replace(/^.*\/boot\//, ''));
    assert.is((await fetch(new URL(res.headers.get('location')!, server.url))).status, 200, 'served once, checked');
    const mtime = statSync(cached, { bigint: true }).mtimeNs;
    const fd = openSync(cached, 'r+');
    writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, 200);
    closeSync(fd);
    // to the nanosecond, as bit rot leaves it
    assert.is((await runAsync('touch', ['-m', '-d', `@${mtime / 1_000_000_000n}.${String(mtime % 1_000_000_000n).padStart(9, '0')}`, cached])).status, 0);
    const rotten = await boot(set, { layerDisks: false, port: server.port, append: `bazaar.url=${GUEST_SERVER}/boot/va-alpha/latest/` });
    oneError(rotten, /bazaar-init: error: layer \S+01-probe-alpha@1\.0\.0\.squashfs is damaged: its sha256 is not the one in boot.json/, 'a damaged layer from the server');
  } finally {
    await server.close();
    if (cached) await runAsync('rm', ['-f', cached]); // this process trusts it now: rebuilt on the next request
  }

  const corrupt = join(tempDir('corrupt'), 'base.squashfs');
  copyFileSync(join(set.dir, set.json.layers[0]), corrupt);
  const fd = openSync(corrupt, 'r+');
  writeSync(fd, Buffer.alloc(96, 0x5a), 0, 96, 0); // the superblock
  closeSync(fd);
  const damaged = await boot(set, { layerDisks: false, disks: [{ file: corrupt, readonly: true }, { file: join(set.dir, set.json.layers[1]), readonly: true }] });
  oneError(damaged, /bazaar-init: error: (no layer disk: \/dev\/vda holds no squashfs|layer 00 \(\/dev\/vda\) does not mount as squashfs)/, 'a damaged layer disk');
});

testWithNetboot(t, 'a layer imported from a live ISO (xorriso over a squashfs of the real userspace, and the kernel) boots with the VA\'s layer on top', [...NEEDS, 'xorriso', 'sqfs2tar', 'bsdtar'], async () => {
  const { store } = setup();
  cli(['image', 'create', 'base-only@1.0.0', '--layer', 'base@^1.0'], store);
  const work = tempDir('live-iso');
  const tree = join(work, 'tree');
  cli(['image', 'checkout', 'base-only', tree], store);
  const kernels = readdirSync(join(tree, 'boot')).filter((n) => n.startsWith('vmlinuz-'));
  assert.is(kernels.length, 1);
  const iso = join(work, 'iso');
  mkdirSync(join(iso, 'boot'), { recursive: true });
  renameSync(join(tree, 'boot', kernels[0]), join(iso, 'boot/vmlinuz')); // the kernel beside the squashfs, as a live ISO has it
  for (const [cmd, args] of [
    ['mksquashfs', [tree, join(iso, 'live'), '-noappend', '-quiet', '-comp', 'zstd']],
    ['xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', join(work, 'live.iso'), iso]],
  ] as const) {
    const r = await runAsync(cmd, [...args]);
    assert.is(r.status, 0, `${cmd}: ${r.stderr}`);
  }
  const imported = bazaarFast(['layer', 'import', 'live@1.0.0', join(work, 'live.iso'), '--store', store]);
  assert.is(imported.status, 0, imported.stderr);
  cli(['image', 'create', 'va-live@1.0.0', '--layer', 'live@^1.0', '--layer', 'probe-alpha@^1.0'], store);
  const set = bootSetOf(store, 'va-live');
  assert.equal(set.json.layers, ['layers/00-live@1.0.0.squashfs', 'layers/01-probe-alpha@1.0.0.squashfs']);
  const r = await boot(set);
  assert.equal(vaLines(r), ['VA-MARKER alpha', 'VA-SEEN none', 'VA-WRITABLE yes'], bootSummary(r));
});

testWithNetboot(t, 'an image of real packages without busybox: bazaar boot exits 2 in one line', NEEDS, () => {
  const { store } = setup();
  const rpms = netbootRpms()!.filter((r) => !/busybox/.test(r));
  cli(['layer', 'create', 'nobusybox@1.0.0', ...rpms.flatMap((r) => ['--package', nevraOf(r)])], store);
  cli(['image', 'create', 'va-nobusybox@1.0.0', '--layer', 'nobusybox@^1.0'], store);
  const out = join(tempDir('nobusybox'), 'set');
  const r = bazaarFast(['boot', 'va-nobusybox', out, '--store', store]);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^bazaar boot: image va-nobusybox has no busybox \(\/bin\/busybox, \/usr\/bin\/busybox\): install busybox-static into it to boot it\n$/);
  assert.not.ok(existsSync(out));
});

testWithNetboot(t, 'a damaged cached squashfs is rebuilt: what the server sends matches boot.json, byte for byte', NEEDS, async () => {
  const { store } = setup();
  const server = await listening(store);
  try {
    const json = await (await fetch(`${server.url}boot/va-alpha/latest/boot.json`)).json() as BootJson;
    const file = json.layers[1];
    const res = await fetch(`${server.url}boot/va-alpha/latest/${file}`, { redirect: 'manual' });
    const tree = /([0-9a-f]{64})\.squashfs$/.exec(res.headers.get('location') ?? '')![1];
    const cached = join(store, 'cache/boot/v1/layers', `${tree}.squashfs`);
    const fd = openSync(cached, 'r+');
    writeSync(fd, Buffer.from('damage'), 0, 6, 100);
    closeSync(fd);
    await server.close();
    const again = await listening(store); // a new process's view: it checks every cached file it serves once
    try {
      const json2 = await (await fetch(`${again.url}boot/va-alpha/latest/boot.json`)).json() as BootJson;
      assert.is(json2.sha256[file], json.sha256[file], 'rebuilt to the same bytes');
      const body = Buffer.from(await (await fetch(`${again.url}boot/va-alpha/latest/${file}`)).arrayBuffer());
      assert.is(createHash('sha256').update(body).digest('hex'), json.sha256[file]);
    } finally {
      await again.close();
    }
  } finally {
    await server.close().catch(() => undefined);
  }
});

testWithNetboot(t, 'kill -9 of bazaar boot, then of the server, while each builds a boot set: fsck clean each time; the next request builds it whole, the same bytes', NEEDS, async () => {
  const { store } = setup();
  const reference = bootSetOf(store, 'va-beta');
  await runAsync('rm', ['-rf', join(store, 'cache/boot')]);
  /** Waits until the build is under way (mksquashfs of the base layer takes seconds), then kills `child`. */
  const killMidBuild = async (child: ReturnType<typeof spawn>) => {
    for (let i = 0; i < 200 && !existsSync(join(store, 'cache/boot/v1/layers')); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const fsck = bazaarFast(['fsck', '--store', store]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  };
  const out = join(tempDir('killed'), 'set');
  await killMidBuild(spawn(process.execPath, [CLI, 'boot', 'va-beta', out, '--store', store], { stdio: 'ignore' }));
  assert.not.ok(existsSync(out), 'no half boot set');

  const start = (): Promise<{ child: ReturnType<typeof spawn>; url: string }> => new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => { text += d.toString(); const m = /at (http:\S+)\n/.exec(text); if (m) resolve({ child, url: m[1] }); });
  });
  await runAsync('rm', ['-rf', join(store, 'cache/boot')]);
  const first = await start();
  const pending = fetch(`${first.url}boot/va-beta/latest/boot.json`).catch((err: unknown) => err);
  await killMidBuild(first.child);
  assert.instance(await pending, Error, 'the request was cut, not answered');
  const second = await start();
  try {
    const json = await (await fetch(`${second.url}boot/va-beta/latest/boot.json`)).json() as BootJson;
    assert.equal(json.sha256, reference.json.sha256, 'built whole: the same bytes as before the kills');
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.on('close', r));
  }
  assert.equal(bootSetOf(store, 'va-beta').json.sha256, reference.json.sha256, 'and bazaar boot reads the same set');
});

t.run();
