/**
 * rpm's hardlink sets survive a layer built from packages: rpm-hardlinks (alpha-1..3 one
 * inode, beta-1..2 another) and hlinktest (aaaa = zzzz; hello, hello-bar, hello-foo and
 * hello-world one inode, and copyllo, with the same content and mode, NOT linked to them). The groups the header gives (FILEINODES/FILEDEVICES) must be the inode
 * groups of a checkout (copy and hardlink modes) and of every export unpacked by its own
 * tool, and those of a root stock rpm installed the same packages into.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { packageMeta } from '../../src/rpm/package-meta.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('rpm-hardlinks');
const PACKAGES = ['rpm-rs/RPMS/v6/rpm-hardlinks-1.0-1.noarch.rpm', 'rpm/RPMS/hlinktest-1.0-1.noarch.rpm'];
/** The paths those packages own, below these directories. */
const DIRS = ['opt/rpm-hardlinks', 'foo'];

const ok = (args: string[]): string => {
  const r = bazaar(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
  assert.is(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The regular files under DIRS of `root`, grouped by inode: sorted groups of sorted paths. */
function inodeGroups(root: string): string[][] {
  const byInode = new Map<string, string[]>();
  for (const d of DIRS) {
    for (const name of readdirSync(join(root, d))) {
      const st = lstatSync(join(root, d, name));
      if (!st.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      byInode.set(key, [...(byInode.get(key) ?? []), `${d}/${name}`]);
    }
  }
  return [...byInode.values()].map((g) => g.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The groups the packages' headers declare (same FILEINODES and FILEDEVICES within a package). */
async function headerGroups(files: string[]): Promise<string[][]> {
  const groups: string[][] = [];
  for (const f of files) {
    const meta = packageMeta((await readRpmFile(f)).header, f);
    const byInode = new Map<string, string[]>();
    for (const x of meta.files) {
      if ((x.mode & 0o170000) !== 0o100000) continue;
      const key = `${x.device}:${x.inode}`;
      byInode.set(key, [...(byInode.get(key) ?? []), x.path.slice(1)]);
    }
    groups.push(...byInode.values());
  }
  return groups.map((g) => g.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * A hardlink-mode checkout shares one cache inode between files with the same content and
 * inode metadata (docs/checkout.md#the-checkout-cache), so its groups are those of a root
 * merged by that key: rpm's sets stay whole, and equal unlinked files join them.
 */
function byCacheKey(root: string): string[][] {
  const byKey = new Map<string, string[]>();
  for (const d of DIRS) {
    for (const name of readdirSync(join(root, d))) {
      const full = join(root, d, name);
      const st = lstatSync(full);
      if (!st.isFile()) continue;
      const key = [createHash('sha256').update(readFileSync(full)).digest('hex'), st.mode, st.uid, st.gid, Math.floor(st.mtimeMs / 1000)].join(' ');
      byKey.set(key, [...(byKey.get(key) ?? []), `${d}/${name}`]);
    }
  }
  return [...byKey.values()].map((g) => g.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

let fixture: { store: string; files: string[] } | undefined;
function image(): { store: string; files: string[] } {
  if (!fixture) {
    const files = PACKAGES.map((p) => join(corpusDir, 'rpms', p));
    const store = freshStore('rpm-hardlinks');
    ok(['add', '--store', store, ...files]);
    ok(['layer', 'create', '--store', store, 'hl@1.0.0', '--package', 'rpm-hardlinks', 'hlinktest']);
    ok(['image', 'create', '--store', store, 'hl@1.0.0', '--layer', 'hl@1']);
    fixture = { store, files };
  }
  return fixture;
}

testWith(t, 'the header declares the sets this test expects (alpha-1..3, beta-1..2, aaaa = zzzz, hello*; copyllo alone)', ['corpus'], async () => {
  const groups = await headerGroups(image().files);
  assert.ok(groups.some((g) => g.join(' ') === 'opt/rpm-hardlinks/alpha-1 opt/rpm-hardlinks/alpha-2 opt/rpm-hardlinks/alpha-3'), JSON.stringify(groups));
  assert.ok(groups.some((g) => g.join(' ') === 'opt/rpm-hardlinks/beta-1 opt/rpm-hardlinks/beta-2'));
  assert.ok(groups.some((g) => g.join(' ') === 'foo/aaaa foo/zzzz'));
  assert.ok(groups.some((g) => g.join(' ') === 'foo/hello foo/hello-bar foo/hello-foo foo/hello-world'));
  assert.ok(groups.some((g) => g.join(' ') === 'foo/copyllo'), 'a same-content file that rpm does not link stays apart');
});

testWith(t, 'a copy checkout and the dir export keep the header\'s hardlink sets, and only those', ['corpus'], async () => {
  const { store, files } = image();
  const want = await headerGroups(files);
  const co = join(tempDir('hl-copy'), 'va');
  ok(['image', 'checkout', '--store', store, 'hl', co]);
  assert.equal(inodeGroups(co), want);
  const dir = join(tempDir('hl-dir'), 'va');
  ok(['image', 'export', '--store', store, 'hl', dir, '--format', 'dir']);
  assert.equal(inodeGroups(dir), want);
});

testWith(t, 'a hardlink checkout keeps the sets (and, by design, shares equal files through its cache)', ['corpus'], async () => {
  const { store, files } = image();
  const co = join(tempDir('hl-link'), 'va');
  ok(['image', 'checkout', '--store', store, 'hl', co, '--hardlink']);
  const groups = inodeGroups(co);
  for (const set of await headerGroups(files)) assert.ok(groups.some((g) => set.every((p) => g.includes(p))), `${set.join(' ')} in one inode: ${JSON.stringify(groups)}`);
  assert.equal(groups, byCacheKey(co));
});

testWith(t, 'tar.zst export: the second and later names are tar hard links, and GNU tar unpacks the sets', ['corpus', 'tar', 'zstd'], async () => {
  const { store, files } = image();
  const file = join(tempDir('hl-tar'), 'hl.tar.zst');
  ok(['image', 'export', '--store', store, 'hl', file]);
  const listing = tool('tar', ['--zstd', '-tvf', file]);
  assert.match(listing, /^h.* opt\/rpm-hardlinks\/alpha-2 link to opt\/rpm-hardlinks\/alpha-1$/m);
  assert.match(listing, /^h.* opt\/rpm-hardlinks\/alpha-3 link to opt\/rpm-hardlinks\/alpha-1$/m);
  assert.match(listing, /^h.* foo\/zzzz link to foo\/aaaa$/m);
  assert.match(listing, /^h.* foo\/hello-world link to foo\/hello$/m);
  assert.match(listing, /^-.* foo\/copyllo$/m);
  assert.is(listing.split('\n').filter((l) => l.startsWith('h')).length, 7, listing);
  const x = tempDir('hl-tar-x');
  tool('tar', ['--zstd', '-xpf', file, '-C', x]);
  assert.equal(inodeGroups(x), await headerGroups(files));
});

testWith(t, 'overlay export: the package layer\'s directory keeps the sets', ['corpus', 'root'], async () => {
  const { store, files } = image();
  const out = join(tempDir('hl-ovl'), 'image');
  ok(['image', 'export', '--store', store, 'hl', out, '--format', 'overlay']);
  assert.equal(inodeGroups(join(out, 'layers/0-hl@1.0.0')), await headerGroups(files));
});

testWith(t, 'squashfs export: unsquashfs unpacks the sets', ['corpus', 'mksquashfs', 'unsquashfs'], async () => {
  const { store, files } = image();
  const file = join(tempDir('hl-sqfs'), 'hl.squashfs');
  ok(['image', 'export', '--store', store, 'hl', file]);
  const x = join(tempDir('hl-sqfs-x'), 'root');
  tool('unsquashfs', ['-no-progress', '-d', x, file]);
  assert.equal(inodeGroups(x), await headerGroups(files));
});

testWith(t, 'layer import of the tar.zst export and of the overlay export\'s layer directory keeps the sets', ['corpus', 'root'], async () => {
  const { store, files } = image();
  const want = await headerGroups(files);
  const tarFile = join(tempDir('hl-imp-tar'), 'hl.tar.zst');
  ok(['image', 'export', '--store', store, 'hl', tarFile]);
  const ovl = join(tempDir('hl-imp-ovl'), 'image');
  ok(['image', 'export', '--store', store, 'hl', ovl, '--format', 'overlay']);
  for (const [name, from] of [['from-tar', tarFile], ['from-dir', join(ovl, 'layers/0-hl@1.0.0')]]) {
    ok(['layer', 'import', '--store', store, `${name}@1.0.0`, from]);
    ok(['image', 'create', '--store', store, `${name}@1.0.0`, '--layer', `${name}@1`]);
    const co = join(tempDir(`hl-${name}`), 'va');
    ok(['image', 'checkout', '--store', store, name, co]);
    assert.equal(inodeGroups(co), want, name);
  }
});

testWith(t, 'rpm oracle: the inode groups stock rpm installs are those of the checkout and of every export', ['corpus', 'rpm', 'root', 'tar', 'zstd', 'mksquashfs', 'unsquashfs'], () => {
  const { store, files } = image();
  const rpmRoot = join(tempDir('hl-rpm'), 'root');
  tool('rpm', ['--root', rpmRoot, '-i', '--nodeps', '--noscripts', '--nosignature', ...files]);
  const want = inodeGroups(rpmRoot);
  assert.ok(want.some((g) => g.length === 3), `rpm made the alpha set: ${JSON.stringify(want)}`);
  const co = join(tempDir('hl-o-copy'), 'va');
  ok(['image', 'checkout', '--store', store, 'hl', co]);
  assert.equal(inodeGroups(co), want, 'copy checkout');
  const linked = join(tempDir('hl-o-link'), 'va');
  ok(['image', 'checkout', '--store', store, 'hl', linked, '--hardlink']);
  assert.equal(inodeGroups(linked), byCacheKey(rpmRoot), 'hardlink checkout');
  const tarFile = join(tempDir('hl-o-tar'), 'hl.tar.zst');
  ok(['image', 'export', '--store', store, 'hl', tarFile]);
  const tx = tempDir('hl-o-tar-x');
  tool('tar', ['--zstd', '-xpf', tarFile, '-C', tx]);
  assert.equal(inodeGroups(tx), want, 'tar.zst');
  const ovl = join(tempDir('hl-o-ovl'), 'image');
  ok(['image', 'export', '--store', store, 'hl', ovl, '--format', 'overlay']);
  assert.equal(inodeGroups(join(ovl, 'layers/0-hl@1.0.0')), want, 'overlay');
  const sq = join(tempDir('hl-o-sq'), 'hl.squashfs');
  ok(['image', 'export', '--store', store, 'hl', sq]);
  const sx = join(tempDir('hl-o-sq-x'), 'root');
  tool('unsquashfs', ['-no-progress', '-d', sx, sq]);
  assert.equal(inodeGroups(sx), want, 'squashfs');
});

t.run();
