/**
 * Exports checked against real tools: the tar.zst listed by `tar --zstd -tvf` and unpacked
 * by GNU tar equals the copy checkout (plus the devices a checkout skips), twice the same
 * bytes; the overlay directories mounted with the printed command equal the checkout; the
 * squashfs listed by `unsquashfs -l` holds the same paths (devices included).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { exportImage } from '../../src/checkout/export-image.js';
import { isBazaarError } from '../../src/errors.js';
import type { ObjectId } from '../../src/store/layout.js';
import type { CheckoutStore } from '../../src/checkout/checkout.js';
import { tempDir } from '../helpers/cli.js';
import { canMountOverlay, importArchive, importDir, memoryStore, snap } from '../helpers/checkout-fixtures.js';
import { fixTimes, makeRichTree, run } from '../helpers/layer-fixtures.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('export');
const TREE_TOOLS = ['getfattr', 'setfattr', 'mknod', 'mkfifo'];

/** A three-layer image: the rich tree, then a layer deleting and replacing parts of it, then one adding. */
let image: { store: CheckoutStore; roots: ObjectId[]; copy: string } | undefined;
async function fixture(): Promise<NonNullable<typeof image>> {
  if (!image) {
    const store = memoryStore();
    const base = tempDir('exp-base');
    makeRichTree(base);
    const mid = tempDir('exp-mid');
    execFileSync('sh', ['-c', `mkdir -p etc home && mknod etc/shadow c 0 0 && echo new > etc/passwd && mknod tmp c 0 0
      && mkdir home/user && setfattr -n trusted.overlay.opaque -v y home/user && echo fresh > home/user/profile
      && setfattr -n trusted.overlay.overlay.mine -v kept etc/passwd`.replace(/\n\s*/g, ' ')], { cwd: mid });
    const top = tempDir('exp-top');
    execFileSync('sh', ['-c', 'mkdir tmp && chmod 1777 tmp && echo late > tmp/late && ln -s ../etc/passwd tmp/pw'], { cwd: top });
    for (const d of [base, mid, top]) fixTimes(d);
    const roots = [await importDir(store, base), await importDir(store, mid), await importDir(store, top)];
    const copy = `${tempDir('exp-copy')}/tree`;
    await checkout(store, roots, copy, { mode: 'copy' });
    image = { store, roots, copy };
  }
  return image;
}

testWith(t, 'tar.zst: GNU tar lists and unpacks it to the copy checkout, devices included; deterministic', ['tar', 'zstd', ...TREE_TOOLS], async () => {
  const { store, roots, copy } = await fixture();
  const file = `${tempDir('exp-tar')}/image.tar.zst`;
  const r = await exportImage(store, roots, { format: 'tar.zst', out: file });
  assert.is(r.format, 'tar.zst');
  const listing = run('tar', ['--zstd', '-tvf', file]).toString('utf8');
  assert.match(listing, /^hrwsr-xr-x 0\/0 .* bin\/su-hardlink link to bin\/su$/m);
  assert.match(listing, /^crw--w---- 0\/0 +4,1 .* dev\/tty1$/m);
  assert.match(listing, /^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 \.\/$/m);
  const x = tempDir('exp-tar-x');
  run('tar', ['--zstd', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', file, '-C', x]);
  // The writer escapes a file's own trusted.overlay.* attributes (docs/overlay-import.md#writing).
  const unescaped = snap(x, { devices: false });
  const pw = unescaped['etc/passwd'].xattrs;
  assert.ok('trusted.overlay.overlay.mine' in pw, JSON.stringify(pw));
  pw['trusted.overlay.mine'] = pw['trusted.overlay.overlay.mine'];
  delete pw['trusted.overlay.overlay.mine'];
  assert.equal(unescaped, snap(copy));
  assert.ok('trusted.overlay.mine' in snap(copy)['etc/passwd'].xattrs, 'the checkout has the attribute itself');
  assert.equal(Object.keys(snap(x)).filter((k) => k.startsWith('dev/') && k !== 'dev/fifo').sort(), ['dev/big-minor', 'dev/sda', 'dev/tty1']);
  assert.is(readFileSync(`${x}/etc/passwd`, 'utf8'), 'new\n');
  const again = `${tempDir('exp-tar')}/again.tar.zst`;
  await exportImage(store, roots, { format: 'tar.zst', out: again });
  assert.ok(readFileSync(again).equals(readFileSync(file)), 'the same bytes twice');
});

function withMount(name: string, fn: () => Promise<void>): void {
  if (hasTool('setfattr') && canMountOverlay()) t(name, fn);
  else { console.log(`SKIPPED ${name} (needs overlayfs mounts: root with CAP_SYS_ADMIN)`); t.skip(name, fn); }
}

withMount('overlay: the layer directories mounted with the printed command equal the checkout', async () => {
  const { store, roots, copy } = await fixture();
  const out = `${tempDir('exp-ovl')}/image`;
  const r = await exportImage(store, roots, { format: 'overlay', out, names: ['base', 'mid', 'top'] });
  if (r.format !== 'overlay') throw new Error(r.format);
  assert.equal(readdirSync(`${out}/layers`).sort(), ['base', 'mid', 'top']);
  assert.match(r.mount, /^mount -t overlay overlay -o lowerdir=\S+\/layers\/top:\S+\/layers\/mid:\S+\/layers\/base,upperdir=/);
  assert.is(r.results[1].whiteouts, 2, 'mid: etc/shadow and tmp, as devices 0/0');
  assert.is(run('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', `${out}/layers/mid/home/user`]).toString(), 'y');
  assert.is(run('getfattr', ['--only-values', '-n', 'trusted.overlay.overlay.mine', `${out}/layers/mid/etc/passwd`]).toString(), 'kept', "the file's own trusted.overlay.* escaped");
  run('sh', ['-c', r.mount]);
  try {
    assert.equal(snap(r.merged, { devices: false }), snap(copy));
  } finally {
    spawnSync('umount', [r.merged]);
  }
});

withMount('implicit directories (a tar without directory entries) show the metadata below them, in a checkout and a mount alike', async () => {
  const store = memoryStore();
  const base = tempDir('exp-impl-base');
  execFileSync('sh', ['-c', 'mkdir -p usr/lib && chmod 0750 usr && chown 7:8 usr && echo a > usr/lib/a'], { cwd: base });
  fixTimes(base);
  const src = tempDir('exp-impl-src');
  execFileSync('sh', ['-c', 'mkdir -p usr/lib && echo x > usr/lib/x'], { cwd: src });
  const tar = `${tempDir('exp-impl')}/files-only.tar`;
  run('tar', ['--no-recursion', '-cf', tar, '-C', src, 'usr/lib/x']);
  const roots = [await importDir(store, base), await importArchive(store, tar)];
  const copy = `${tempDir('exp-impl-co')}/tree`;
  await checkout(store, roots, copy, { mode: 'copy' });
  const got = snap(copy);
  assert.equal([got.usr.mode & 0o7777, got.usr.uid, got.usr.gid], [0o750, 7, 8]);
  const r = await exportImage(store, roots, { format: 'overlay', out: `${tempDir('exp-impl-ovl')}/o` });
  if (r.format !== 'overlay') throw new Error(r.format);
  run('sh', ['-c', r.mount]);
  try {
    assert.equal(snap(r.merged), got);
  } finally {
    spawnSync('umount', [r.merged]);
  }
});

testWith(t, 'squashfs: unsquashfs -l lists the checkout\'s paths and the devices', ['mksquashfs', 'unsquashfs', ...TREE_TOOLS], async () => {
  const { store, roots, copy } = await fixture();
  const file = `${tempDir('exp-sq')}/image.squashfs`;
  const r = await exportImage(store, roots, { format: 'squashfs', out: file });
  if (r.format !== 'squashfs') throw new Error(r.format);
  assert.is(r.devices, 3);
  const listed = run('unsquashfs', ['-l', '-d', '', file]).toString('latin1').split('\n').filter(Boolean).map((l) => l.replace(/^\//, '')).filter((l) => l !== '');
  // One path a line: a name with a newline in it (the rich tree has one) is two lines.
  const want = [...Object.keys(snap(copy)), 'dev/big-minor', 'dev/sda', 'dev/tty1'].join('\n').split('\n').sort();
  assert.equal(listed.sort(), want);
  const x = `${tempDir('exp-sq-x')}/x`;
  run('unsquashfs', ['-q', '-d', x, file]);
  assert.equal(snap(x, { devices: false }), snap(copy), 'unpacked, with owners, modes, times and xattrs');
});

t('squashfs without mksquashfs names the package; bad formats and names are usage errors', async () => {
  const { store, roots } = memoryStore() && { store: memoryStore(), roots: [] as ObjectId[] };
  const path = process.env.PATH;
  process.env.PATH = tempDir('no-tools');
  try {
    await exportImage(store, roots, { format: 'squashfs', out: `${tempDir('exp')}/x.squashfs` });
    assert.unreachable('no mksquashfs');
  } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_USAGE'));
    assert.match((err as Error).message, /squashfs-tools/);
  } finally {
    process.env.PATH = path;
  }
  for (const options of [{ format: 'zip', out: 'x' }, { format: 'overlay', out: `${tempDir('exp')}/o`, names: ['a,b'] }, { format: 'dir', out: 'x', names: ['a'] }]) {
    try {
      await exportImage(store, options.format === 'overlay' ? ['sha256:' + '0'.repeat(64) as ObjectId] : roots, options as never);
      assert.unreachable(JSON.stringify(options));
    } catch (err) {
      assert.ok(isBazaarError(err, 'ERR_USAGE'), String(err));
    }
  }
});

t.run();
