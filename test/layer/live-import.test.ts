/**
 * `bazaar layer import NAME@VERSION FILE.squashfs|FILE.iso` (docs/netboot.md#live-systems-as-layers):
 * a squashfs becomes a layer whose merged tree is the tree it was made of (compared
 * with lstat and getfattr, through `image export`); an ISO is decomposed: its squashfs is
 * the layer and its vmlinuz becomes /boot/vmlinuz-<release>. With the real net-boot fixture
 * (Debian's packages and kernel) when present; synthetic trees otherwise. Bad images are
 * refused in one line, exit 2, the store unchanged.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLayerArchive } from '../../src/archive/read-layer.js';
import { bzImageRelease } from '../../src/archive/bzimage.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { collect, entriesToTree, fixTimes, run, snapshotTree } from '../helpers/layer-fixtures.js';
import type { Node } from '../helpers/layer-fixtures.js';
import { netbootRpms, testWithNetboot } from '../helpers/netboot-fixture.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { testWith } from '../helpers/tools.js';

const t = suite('live-import');

const ok = (args: string[]): string => {
  const r = bazaar(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** mksquashfs fast (the tests compare trees, not sizes), reproducibly. */
function mksquashfs(dir: string, out: string, extra: string[] = []): void {
  run('mksquashfs', [dir, out, '-noappend', '-quiet', '-no-progress', '-comp', 'zstd', '-Xcompression-level', '1', '-mkfs-time', '0', ...extra]);
}

/** An ISO 9660 image (Rock Ridge names, as ALT's live images have) of the directory `dir`. */
function mkiso(dir: string, out: string): void {
  run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', out, dir]);
}

/** The merged tree of `image` as `image export` writes it (read back with bazaar's tar reader), without the root. */
async function mergedTree(store: string, image: string): Promise<Map<string, Node>> {
  const out = join(tempDir('live-export'), 'image.tar.zst');
  ok(['image', 'export', '--store', store, image, out]);
  const tree = entriesToTree(await collect(readLayerArchive(out), { names: false }));
  tree.delete('.');
  return tree;
}

function sourceTree(dir: string): Map<string, Node> {
  const tree = snapshotTree(dir);
  tree.delete('.');
  return tree;
}

/** The paths where two trees differ (at most 10), each with both sides, for a readable failure. */
function differences(a: Map<string, Node>, b: Map<string, Node>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = JSON.stringify(a.get(k) ?? null);
    const y = JSON.stringify(b.get(k) ?? null);
    if (x !== y && out.length < 10) out.push(`${k}:\n  source   ${x}\n  imported ${y}`);
  }
  return out;
}

/** A minimal bzImage: the setup header's `HdrS` at 0x202 and, at 0x20E, the version string's offset less 0x200. */
function fakeBzImage(version: string, seed: string): Buffer {
  const b = Buffer.alloc(0x2000);
  createHash('sha256').update(seed).digest().copy(b, 0x1000);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x600, 0x20e);
  b.write(`${version}\0`, 0x800, 'latin1');
  return b;
}

/** The refusal every bad image must get: exit 2, one line, no stack trace; the store as it was, fsck clean. */
function assertRefused(store: string, args: string[], pattern: RegExp): void {
  const before = storeSnapshot(store);
  const r = bazaar(['layer', 'import', '--store', store, ...args]);
  assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}: ${r.stdout}${r.stderr}`);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr.trim(), pattern);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.equal(storeSnapshot(store), before, 'the store is unchanged, no temp file left');
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
}

/**
 * A small tree a non-root user can make, with what squashfs keeps that a plain copy does
 * not: owners, a device node and a whiteout (mksquashfs pseudo definitions), a hardlink,
 * a symlink, a setuid file, an empty directory.
 */
function smallTree(): { dir: string; pseudo: string[] } {
  const dir = tempDir('live-src');
  mkdirSync(join(dir, 'etc'));
  mkdirSync(join(dir, 'usr/bin'), { recursive: true });
  mkdirSync(join(dir, 'var/empty'), { recursive: true });
  writeFileSync(join(dir, 'etc/motd'), 'a live system\n');
  writeFileSync(join(dir, 'usr/bin/tool'), Buffer.alloc(300_000, 7)); // more than two squashfs blocks, zeros too
  chmodSync(join(dir, 'usr/bin/tool'), 0o4755);
  linkSync(join(dir, 'usr/bin/tool'), join(dir, 'usr/bin/tool-again'));
  symlinkSync('../etc/motd', join(dir, 'usr/motd-link'));
  fixTimes(dir);
  return { dir, pseudo: ['-p', 'etc/motd m 640 0 42', '-p', 'dev d 755 0 0', '-p', 'dev/null c 666 0 0 1 3', '-p', 'etc/gone c 000 0 0 0 0'] };
}

/** A store with a base layer holding etc/gone and etc/kept, for a squashfs whiteout to delete from. */
function baseStore(): string {
  const store = freshStore('live-import');
  const base = tempDir('live-base');
  mkdirSync(join(base, 'etc'));
  writeFileSync(join(base, 'etc/gone'), 'deleted by the live layer\n');
  writeFileSync(join(base, 'etc/kept'), 'kept\n');
  ok(['layer', 'import', '--store', store, '--xattrs', 'none', 'base@1.0.0', base]);
  return store;
}

testWith(t, 'a squashfs becomes a layer: owners, modes, a device, hardlinks, symlinks and file contents as mksquashfs stored them; its whiteout deletes from the layer below', ['mksquashfs', 'sqfs2tar', 'getfattr', 'zstd'], async () => {
  const store = baseStore();
  const { dir, pseudo } = smallTree();
  const sq = join(tempDir('live-sq'), 'root.squashfs');
  mksquashfs(dir, sq, pseudo);
  const out = ok(['layer', 'import', '--store', store, 'live@1.0.0', sq]);
  assert.match(out, /^published layer live@1\.0\.0\t/m);
  assert.match(out, /^no kernel /m);
  ok(['image', 'create', '--store', store, 'va@1.0.0', '--nodeps', '--layer', 'base@1', '--layer', 'live@1']);
  const merged = await mergedTree(store, 'va');
  assert.not.ok(merged.has('etc/gone'), 'the squashfs whiteout (char 0/0) deletes etc/gone of the base layer');
  assert.is(merged.get('etc/kept')?.sha256, createHash('sha256').update('kept\n').digest('hex'));
  merged.delete('etc/kept');
  const want = sourceTree(dir);
  // what the pseudo definitions made: asserted here, then added to the tree on disk
  const motd = merged.get('etc/motd')!;
  assert.equal([motd.mode & 0o7777, motd.uid, motd.gid], [0o640, 0, 42]);
  want.set('etc/motd', { ...want.get('etc/motd')!, mode: motd.mode, uid: 0, gid: 42 });
  const dev = merged.get('dev/null')!;
  assert.equal([dev.kind, dev.rdev, dev.mode & 0o7777], ['char', (1 << 8) | 3, 0o666]);
  assert.is(merged.get('usr/bin/tool')!.links, 'usr/bin/tool | usr/bin/tool-again');
  assert.is(merged.get('usr/bin/tool')!.mode & 0o7777, 0o4755);
  for (const p of ['dev', 'dev/null']) want.set(p, merged.get(p)!);
  // owners: the tree on disk is this user's; mksquashfs kept them, and so did the import
  assert.equal(differences(want, merged), []);
});

testWith(t, 'an ISO is decomposed: its squashfs (found by its magic, whatever its name) is the layer and its vmlinuz becomes /boot/vmlinuz-<release>', ['mksquashfs', 'sqfs2tar', 'xorriso', 'bsdtar', 'getfattr', 'zstd'], async () => {
  const store = freshStore('live-iso');
  const { dir, pseudo } = smallTree();
  const iso = tempDir('live-isodir');
  mkdirSync(join(iso, 'boot'));
  mksquashfs(dir, join(iso, 'live'), pseudo);
  const kernel = fakeBzImage('6.6.6-live-test (builder@example) #1 SMP', 'k1');
  writeFileSync(join(iso, 'boot/vmlinuz'), kernel);
  writeFileSync(join(iso, 'boot/initrd.img'), 'an initrd bazaar does not use\n');
  const file = join(tempDir('live-iso'), 'alt-live.iso');
  mkiso(iso, file);
  // today's import took the ISO's zeroed system area for an empty tar archive
  const out = ok(['layer', 'import', '--store', store, 'alt-live@1.0.0', file]);
  assert.match(out, /^squashfs: the ISO's live$/m);
  assert.match(out, /^kernel \/boot\/vmlinuz-6\.6\.6-live-test \(the ISO's boot\/vmlinuz\)$/m);
  ok(['image', 'create', '--store', store, 'va@1.0.0', '--nodeps', '--layer', 'alt-live@1']);
  const merged = await mergedTree(store, 'va');
  const k = merged.get('boot/vmlinuz-6.6.6-live-test')!;
  assert.ok(k, [...merged.keys()].join(' '));
  assert.equal([k.kind, k.mode & 0o7777, k.uid, k.gid, k.sha256], ['file', 0o644, 0, 0, createHash('sha256').update(kernel).digest('hex')]);
  assert.is(merged.get('etc/motd')!.sha256, createHash('sha256').update('a live system\n').digest('hex'));
  assert.not.ok([...merged.keys()].some((p) => p.includes('initrd')), 'the ISO\'s initrd is not part of the layer');
  // a squashfs with a kernel of its own keeps it; the ISO's is not added
  const own = tempDir('live-isodir-own');
  mkdirSync(join(dir, 'boot'));
  writeFileSync(join(dir, 'boot/vmlinuz-5.0.0-own'), 'its own kernel');
  mkdirSync(join(own, 'boot'));
  mksquashfs(dir, join(own, 'root.img'));
  writeFileSync(join(own, 'boot/vmlinuz'), kernel);
  const file2 = join(tempDir('live-iso2'), 'own.iso');
  mkiso(own, file2);
  const out2 = ok(['layer', 'import', '--store', store, '--json', 'own@1.0.0', file2]);
  const live = (JSON.parse(out2) as { live: unknown }).live;
  assert.equal(live, { format: 'iso', squashfs: 'root.img', kernel: { path: 'boot/vmlinuz-5.0.0-own', from: 'squashfs' } });
});

testWith(t, 'an ISO with two squashfs images or two different kernels is refused with their names; --squashfs and --kernel pick', ['mksquashfs', 'sqfs2tar', 'xorriso', 'bsdtar'], () => {
  const store = freshStore('live-iso-choice');
  const { dir } = smallTree();
  const iso = tempDir('live-isodir2');
  mkdirSync(join(iso, 'boot'));
  mkdirSync(join(iso, 'live'));
  mksquashfs(dir, join(iso, 'live/rescue.sqfs'));
  writeFileSync(join(dir, 'etc/motd'), 'the full system\n');
  mksquashfs(dir, join(iso, 'live/full.sqfs'));
  writeFileSync(join(iso, 'boot/vmlinuz'), fakeBzImage('6.1.0-a', 'a'));
  writeFileSync(join(iso, 'boot/vmlinuz-rescue'), fakeBzImage('6.1.0-b', 'b'));
  const file = join(tempDir('live-iso3'), 'two.iso');
  mkiso(iso, file);
  assertRefused(store, ['two@1.0.0', file], /holds 2 squashfs images \(live\/full\.sqfs, live\/rescue\.sqfs\): name the layer's with --squashfs PATH$/);
  assertRefused(store, ['two@1.0.0', file, '--squashfs', 'live/none.sqfs'], /--squashfs live\/none\.sqfs is not one of its squashfs members/);
  assertRefused(store, ['two@1.0.0', file, '--squashfs', '/live/full.sqfs'], /holds 2 different kernels \(boot\/vmlinuz, boot\/vmlinuz-rescue\) and its squashfs none: name the layer's with --kernel PATH$/);
  const out = ok(['layer', 'import', '--store', store, 'two@1.0.0', file, '--squashfs', '/live/full.sqfs', '--kernel', 'boot/vmlinuz-rescue']);
  assert.match(out, /^squashfs: the ISO's live\/full\.sqfs$/m);
  assert.match(out, /^kernel \/boot\/vmlinuz-6\.1\.0-b \(the ISO's boot\/vmlinuz-rescue\)$/m);
  // --squashfs on something that is not an ISO is a usage error
  const sq = join(iso, 'live/full.sqfs');
  const r = bazaar(['layer', 'import', '--store', store, 'x@1.0.0', sq, '--squashfs', 'live']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /--squashfs picks a member of an ISO image; .* is a squashfs/);
});

testWith(t, 'bad images: a truncated or corrupt squashfs, a truncated ISO, an ISO without squashfs, a kernel that is no bzImage, a file that is neither: one line, exit 2, the store unchanged', ['mksquashfs', 'sqfs2tar', 'xorriso', 'bsdtar'], () => {
  const store = baseStore();
  const { dir } = smallTree();
  const work = tempDir('live-bad');
  const sq = join(work, 'good.squashfs');
  mksquashfs(dir, sq);
  const bytes = readFileSync(sq);
  // mksquashfs pads to 4 KiB: cut into what the superblock says is used (bytes_used, a u64 at 40)
  writeFileSync(join(work, 'truncated.squashfs'), bytes.subarray(0, Number(bytes.readBigUInt64LE(40)) - 100));
  assertRefused(store, ['bad@1.0.0', join(work, 'truncated.squashfs')], /truncated\.squashfs: a truncated squashfs image \(\d+ bytes of the \d+ its superblock states\)$/);
  writeFileSync(join(work, 'header-only.squashfs'), bytes.subarray(0, 50));
  assertRefused(store, ['bad@1.0.0', join(work, 'header-only.squashfs')], /a truncated squashfs image \(50 bytes, shorter than its superblock\)$/);
  // data blocks overwritten: the superblock is fine, decompressing fails (mid-stream)
  const corrupt = Buffer.from(bytes);
  corrupt.fill(0x55, 200, 4000);
  writeFileSync(join(work, 'corrupt.squashfs'), corrupt);
  assertRefused(store, ['bad@1.0.0', join(work, 'corrupt.squashfs')], /corrupt\.squashfs: not a readable squashfs image \(sqfs2tar: .+\)$/);
  // an ISO without a squashfs (ISO's zeroed system area looked like an empty tar before)
  const plain = tempDir('live-plain-iso');
  writeFileSync(join(plain, 'README'), 'no live system here\n');
  mkiso(plain, join(work, 'plain.iso'));
  assertRefused(store, ['bad@1.0.0', join(work, 'plain.iso')], /plain\.iso: an ISO image without a squashfs member/);
  // a truncated ISO: bsdtar would list what it reaches and exit 0
  const iso = tempDir('live-isodir4');
  copyFileSync(sq, join(iso, 'live'));
  writeFileSync(join(iso, 'vmlinuz'), 'not a bzImage at all');
  mkiso(iso, join(work, 'full.iso'));
  const isoBytes = readFileSync(join(work, 'full.iso'));
  writeFileSync(join(work, 'truncated.iso'), isoBytes.subarray(0, isoBytes.length - 4096));
  assertRefused(store, ['bad@1.0.0', join(work, 'truncated.iso')], /truncated\.iso: a truncated ISO image \(\d+ bytes of the \d+ its volume descriptor states\)$/);
  assertRefused(store, ['bad@1.0.0', join(work, 'full.iso')], /full\.iso: vmlinuz is not a Linux bzImage stating its release/);
  // neither: random bytes (and a PDF-like header)
  writeFileSync(join(work, 'neither.bin'), createHash('sha512').update('x').digest());
  assertRefused(store, ['bad@1.0.0', join(work, 'neither.bin')], /neither\.bin: not an overlay upper directory, a \.tar\.zst\/\.tar\.gz\/\.tar layer archive, a squashfs or an ISO image \(read as a tar archive: .+\)$/);
  assert.is(readdirSync(join(store, 'tmp')).length, 0, 'no temp file is left in the store');
});

t('the kernel release is the first word of the bzImage header\'s version string; anything else has none', () => {
  assert.is(bzImageRelease(fakeBzImage('6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3', 'r')), '6.1.0-57-cloud-amd64');
  assert.is(bzImageRelease(Buffer.alloc(0x2000)), null, 'no HdrS');
  const noPointer = fakeBzImage('6.1.0', 'p');
  noPointer.writeUInt16LE(0, 0x20e);
  assert.is(bzImageRelease(noPointer), null, 'a header without a version string');
  assert.is(bzImageRelease(fakeBzImage('../../etc/passwd x', 'e')), null, 'a release that is no file name part');
  assert.is(bzImageRelease(fakeBzImage('6.1.0', 'cut').subarray(0, 0x700)), null, 'the string beyond the bytes given');
});

/** The real fixture's packages as an image checkout, shared by the tests below. */
let real: { store: string; co: string; kernelPath: string; release: string } | undefined;
function realCheckout(): NonNullable<typeof real> {
  if (real) return real;
  const rpms = netbootRpms()!;
  const store = freshStore('live-real');
  ok(['add', '--store', store, ...rpms]);
  const nevras = ok(['ls', '--store', store]).split('\n').filter(Boolean).map((l) => l.split(/\s/)[0]!);
  assert.is(nevras.length, rpms.length);
  // the fixture's packages hold together as rpm -i checks them: no --nodeps
  ok(['layer', 'create', '--store', store, 'base@1.0.0', '--package', ...nevras]);
  ok(['image', 'create', '--store', store, 'src@1.0.0', '--layer', 'base@1']);
  const co = join(tempDir('live-real-co'), 'root');
  ok(['image', 'checkout', '--store', store, 'src', co]);
  const kernels = readdirSync(join(co, 'boot')).filter((n) => n.startsWith('vmlinuz-'));
  assert.is(kernels.length, 1, kernels.join(' '));
  real = { store, co, kernelPath: `boot/${kernels[0]!}`, release: kernels[0]!.slice('vmlinuz-'.length) };
  return real;
}

testWithNetboot(t, 'real packages: a squashfs of a checkout of Debian\'s userspace and kernel imports as a layer whose merged tree is the checkout (paths, modes, owners, links, sha256s)', ['mksquashfs', 'sqfs2tar', 'getfattr', 'zstd'], async () => {
  const { store, co } = realCheckout();
  const sq = join(tempDir('live-real-sq'), 'root.squashfs');
  const started = Date.now();
  mksquashfs(co, sq);
  const packed = Date.now();
  const out = ok(['layer', 'import', '--store', store, '--json', 'live@1.0.0', sq]);
  console.log(`  mksquashfs ${packed - started} ms, layer import ${Date.now() - packed} ms`);
  const r = JSON.parse(out) as { packages: string[]; files: number; live: { kernel: { from: string } | null } };
  assert.is(r.packages.length, netbootRpms()!.length, 'the checkout\'s package snippets are the imported layer\'s packages');
  assert.is(r.live.kernel?.from, 'squashfs');
  ok(['image', 'create', '--store', store, 'live-va@1.0.0', '--layer', 'live@1']);
  const want = sourceTree(co);
  const got = await mergedTree(store, 'live-va');
  assert.ok(want.size > 2000, `${want.size} paths`);
  assert.equal(differences(want, got), []);
});

testWithNetboot(t, 'real packages: an ISO (xorriso) of that squashfs without /boot/vmlinuz-* and the kernel as boot/vmlinuz becomes a layer with /boot/vmlinuz-<release>', ['mksquashfs', 'sqfs2tar', 'xorriso', 'bsdtar', 'getfattr', 'zstd'], async () => {
  const { store, co, kernelPath, release } = realCheckout();
  const want = sourceTree(co);
  const iso = tempDir('live-real-isodir');
  mkdirSync(join(iso, 'boot'));
  copyFileSync(join(co, kernelPath), join(iso, 'boot/vmlinuz'));
  // the squashfs without the kernel: moved aside (same inode, same times) while mksquashfs runs
  const aside = join(tempDir('live-real-aside'), 'vmlinuz');
  const boot = statSync(join(co, 'boot'));
  renameSync(join(co, kernelPath), aside);
  utimesSync(join(co, 'boot'), boot.atime, boot.mtime);
  try {
    mksquashfs(co, join(iso, 'live'));
  } finally {
    renameSync(aside, join(co, kernelPath));
    utimesSync(join(co, 'boot'), boot.atime, boot.mtime);
  }
  assert.is(bzImageRelease(readFileSync(join(iso, 'boot/vmlinuz'))), release, 'Debian\'s kernel states the release its file is named by');
  const file = join(tempDir('live-real-iso'), 'live.iso');
  mkiso(iso, file);
  const out = ok(['layer', 'import', '--store', store, 'alt-live@1.0.0', file]);
  assert.match(out, new RegExp(`^kernel /boot/vmlinuz-${release.replace(/\./g, '\\.')} \\(the ISO's boot/vmlinuz\\)$`, 'm'));
  ok(['image', 'create', '--store', store, 'alt-va@1.0.0', '--layer', 'alt-live@1']);
  const got = await mergedTree(store, 'alt-va');
  // the kernel comes back whole, as root's 0644 file (the ISO keeps neither owner nor the package's time)
  const k = got.get(kernelPath)!;
  const w = want.get(kernelPath)!;
  assert.equal([k.sha256, k.mode, k.uid, k.gid], [w.sha256, w.mode, 0, 0]);
  got.set(kernelPath, w);
  assert.equal(differences(want, got), []);
});

t.run();
