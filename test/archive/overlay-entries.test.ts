/**
 * Overlay semantics: a real overlayfs upper dir (made through a real mount when the
 * sandbox allows one, by hand otherwise) and its OCI equivalent read to the same entries,
 * from disk and from tar; what we read agrees with what the kernel shows in the merged
 * view; xattr whiteouts, escapes, hardlinked whiteouts and refusals.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareLayerPaths } from '../../src/archive/layer-path.js';
import { readLayerArchive, readLayerDirectory } from '../../src/archive/read-layer.js';
import { writeTar } from '../../src/archive/tar-writer.js';
import type { LayerEntry } from '../../src/archive/layer-entry.js';
import { isBazaarError } from '../../src/errors.js';
import { projectRoot } from '../helpers/tools.js';
import { tempDir } from '../helpers/cli.js';
import { collect, fixTimes, run } from '../helpers/layer-fixtures.js';
import type { PlainEntry } from '../helpers/layer-fixtures.js';
import { archive, chardev, dir, file, hardlink, pax } from '../helpers/tar-craft.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('overlay-entries');
const TOOLS = ['getfattr', 'setfattr', 'mknod', 'tar'];
const sh = (cmd: string): Buffer => run('sh', ['-c', cmd.replace(/\n\s*/g, ' ')]);

let mountable: boolean | undefined;
function canMountOverlay(): boolean {
  if (mountable === undefined && process.env.BAZAAR_TEST_NO_MOUNT) mountable = false; // exercise the hand-made path
  if (mountable === undefined) {
    const d = tempDir('probe');
    for (const s of ['l', 'u', 'w', 'm']) mkdirSync(join(d, s));
    mountable = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d}/l,upperdir=${d}/u,workdir=${d}/w`, `${d}/m`]).status === 0;
    if (mountable) spawnSync('umount', [`${d}/m`]);
  }
  return mountable;
}

/** Registers a test that needs real overlayfs mounts, or a skipped one saying so (scripts/run-tests.mjs lists it). */
function withMount(name: string, fn: () => Promise<void>): void {
  if (hasTool('setfattr') && canMountOverlay()) t(name, fn);
  else { console.log(`SKIPPED ${name} (needs overlayfs mounts: root with CAP_SYS_ADMIN)`); t.skip(name, fn); }
}

function makeLower(lower: string): void {
  sh(`cd ${lower} && mkdir -p olddir opq/old2 keep/sub etc && echo g > gone && echo x > olddir/x && echo 1 > opq/old1 && echo 2 > opq/old2/deep
      && echo a > keep/sub/a && echo b > keep/sub/b && echo f > keep/file && echo c > etc/conf`);
}

/** The changes a VA makes at run time; the same list drives the mount and the hand-made upper. */
const CHANGES = `rm gone && rm -r olddir && rm -r opq && mkdir opq && echo new > opq/new && echo early > opq/+early
  && echo changed > etc/conf && echo added > etc/added && ln etc/added etc/added-link && ln -s added etc/sym
  && rm keep/sub/a && chmod 0700 keep && setfattr -n user.tag -v v etc/added && mknod -m 0600 dev-null c 1 3`;

/** An upper dir as the kernel writes it for CHANGES: through a mount, or imitated by hand. Returns what the merged view showed. */
function makeUpper(base: string): { upper: string; lower: string; merged: Map<string, string> | null } {
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((s) => join(base, s));
  for (const d of [lower, upper, work, merged]) mkdirSync(d);
  makeLower(lower);
  if (canMountOverlay()) {
    run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work},redirect_dir=off,metacopy=off`, merged]);
    try {
      sh(`cd ${merged} && ${CHANGES}`);
      return { upper, lower, merged: pathKinds(merged) };
    } finally {
      run('umount', [merged]);
    }
  }
  console.log('overlay-entries: overlayfs mounts are not allowed here; the upper dir is made by hand');
  sh(`cd ${upper} && mknod gone c 0 0 && mknod olddir c 0 0 && mkdir -p opq keep/sub etc && setfattr -n trusted.overlay.opaque -v y opq
      && echo new > opq/new && echo early > opq/+early && mknod keep/sub/a c 0 0 && chmod 0700 keep
      && echo changed > etc/conf && echo added > etc/added && ln etc/added etc/added-link && ln -s added etc/sym
      && setfattr -n user.tag -v v etc/added && mknod -m 0600 dev-null c 1 3`);
  return { upper, lower, merged: null };
}

/** The same layer in OCI form: whiteout devices become .wh. files, opaque xattrs become .wh..wh..opq. */
function toOci(upper: string, oci: string): void {
  mkdirSync(oci);
  sh(`cp -a ${upper}/. ${oci}/`); // keeps owners, modes, hardlinks and xattrs
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isCharacterDevice() && st.rdev === 0) { rmSync(p); writeFileSync(join(d, `.wh.${name}`), ''); continue; }
      if (!st.isDirectory()) continue;
      const attrs = run('getfattr', ['-d', '-m', '^trusted\\.overlay\\.', '--absolute-names', p]).toString();
      if (attrs.includes('trusted.overlay.opaque="y"')) writeFileSync(join(p, '.wh..wh..opq'), '');
      for (const a of attrs.matchAll(/^(trusted\.overlay\.[a-z]+)=/gm)) run('setfattr', ['-x', a[1], p]);
      walk(p);
    }
  };
  walk(oci);
  spawnSync('setfattr', ['-x', 'trusted.overlay.impure', oci]);
  spawnSync('setfattr', ['-x', 'trusted.overlay.uuid', oci]);
}

/** The entries by path, a later one replacing an earlier one (tar's rule), sorted. */
function fold(entries: PlainEntry[]): PlainEntry[] {
  const m = new Map(entries.map((e) => [e.path, e]));
  return [...m.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function pathKinds(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const st = lstatSync(join(d, name));
      const r = rel ? `${rel}/${name}` : name;
      out.set(r, st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : 'file');
      if (st.isDirectory()) walk(join(d, name), r);
    }
  };
  walk(root, '');
  return out;
}

/** What a merged view shows for `layer` over `lower`, by the rules docs/overlay-import.md states. */
function mergeModel(lower: Map<string, string>, layer: PlainEntry[]): Map<string, string> {
  const under = (p: string, dir: string): boolean => p.startsWith(`${dir}/`);
  const hides = (p: string): boolean => layer.some((e) => e.path !== '.' && (
    (e.whiteout && (p === e.path || under(p, e.path))) || ((e.opaque || e.kind !== 'dir' || lower.get(e.path) !== 'dir') && under(p, e.path))));
  const out = new Map([...lower].filter(([p]) => !hides(p)));
  const kindOf = new Map(layer.map((e) => [e.path, e.kind]));
  for (const e of layer) {
    if (e.path === '.' || e.whiteout) continue;
    out.set(e.path, e.kind === 'hardlink' ? kindOf.get(e.linkTo!)! : e.kind === 'char' || e.kind === 'block' ? 'char' : e.kind);
  }
  return out;
}

async function refusedDir(d: string): Promise<string> {
  try { await collect(readLayerDirectory(d)); } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), String(err));
    return (err as Error).message;
  }
  throw new Error('accepted');
}

let fixture: { upper: string; lower: string; oci: string; merged: Map<string, string> | null } | undefined;
function overlayFixture(): NonNullable<typeof fixture> {
  if (!fixture) {
    const base = tempDir('ovl');
    const made = makeUpper(base);
    const oci = join(base, 'oci');
    toOci(made.upper, oci);
    fixTimes(made.upper);
    fixTimes(oci);
    fixture = { ...made, oci };
  }
  return fixture;
}

testWith(t, 'an overlayfs upper dir and its OCI form read to the same entries', TOOLS, async () => {
  const { upper, oci } = overlayFixture();
  const fromUpper = await collect(readLayerDirectory(upper));
  assert.equal(await collect(readLayerDirectory(oci)), fromUpper);
  const byPath = new Map(fromUpper.map((e) => [e.path, e]));
  for (const p of ['gone', 'olddir', 'keep/sub/a']) assert.equal(byPath.get(p)?.whiteout, true, p);
  assert.equal(byPath.get('opq')?.opaque, true);
  assert.is(byPath.get('keep')?.opaque, undefined, 'a copied-up directory is merged, not opaque');
  assert.is(byPath.get('keep')!.mode & 0o7777, 0o700);
  assert.is(byPath.get('etc/added-link')?.linkTo, 'etc/added');
  assert.equal(byPath.get('etc/added')?.xattrs, { 'user.tag': Buffer.from('v').toString('hex') });
  assert.is(byPath.get('dev-null')?.rdev, (1 << 8) | 3, 'a real device is an entry');
  for (const e of fromUpper) assert.not.ok(Object.keys(e.xattrs).some((k) => k.includes('overlay')), `${e.path} keeps no overlay bookkeeping`);
});

testWith(t, 'tar archives of both forms (GNU tar --xattrs) read to the same entries as the directories', TOOLS, async () => {
  const { upper, oci } = overlayFixture();
  const want = await collect(readLayerDirectory(upper));
  for (const d of [upper, oci]) {
    const out = `${tempDir('ovl-tar')}/layer.tar`;
    run('tar', ['--xattrs', '--xattrs-include=*', '--format=pax', '--sort=name', '-cf', out, '-C', d, '.']);
    const got = await collect(readLayerArchive(out), { names: false });
    if (d === upper) assert.equal(got, want, 'the upper dir, in the same order');
    // GNU tar sorts by name, so OCI's "opq/+early" precedes "opq/.wh..wh..opq" and the
    // directory comes again at the end, opaque; the later entry wins, as in tar.
    else assert.equal(got.filter((e) => e.path === 'opq').map((e) => e.opaque ?? false), [false, true]);
    assert.equal(fold(got), fold(want), d);
  }
});

withMount('what we read from an upper dir is what the kernel showed in the merged view', async () => {
  const { lower, merged, upper } = overlayFixture();
  assert.ok(merged, 'the fixture was made through a mount');
  assert.equal(mergeModel(pathKinds(lower), await collect(readLayerDirectory(upper))), merged);
});

withMount('xattr whiteouts (kernel 6.7+) in a directory marked overlay.opaque=x read as the kernel shows them', async () => {
  const base = tempDir('xwh');
  sh(`cd ${base} && mkdir -p bottom/x mid/x m && echo 1 > bottom/x/gone && echo 2 > bottom/x/kept
      && touch mid/x/gone && setfattr -n trusted.overlay.whiteout -v y mid/x/gone && setfattr -n trusted.overlay.opaque -v x mid/x`);
  const kernel = (): Map<string, string> => {
    run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}/mid:${base}/bottom`, `${base}/m`]);
    try { return pathKinds(`${base}/m`); } finally { run('umount', [`${base}/m`]); }
  };
  const layer = await collect(readLayerDirectory(`${base}/mid`));
  assert.equal(layer.filter((e) => e.whiteout).map((e) => e.path), ['x/gone']);
  assert.equal(mergeModel(pathKinds(`${base}/bottom`), layer), kernel());
  // Unmarked, the kernel lists the file but cannot look it up: refused rather than guessed.
  sh(`cd ${base} && mkdir -p bottom/y mid/y && echo 3 > bottom/y/gone && touch mid/y/gone && setfattr -n trusted.overlay.whiteout -v y mid/y/gone`);
  run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}/mid:${base}/bottom`, `${base}/m`]);
  try {
    assert.equal(readdirSync(`${base}/m/y`), ['gone']);
    assert.throws(() => lstatSync(`${base}/m/y/gone`), /ENOENT/);
  } finally { run('umount', [`${base}/m`]); }
  assert.match(await refusedDir(`${base}/mid`), /y\/gone": an overlay\.whiteout file in a directory not marked overlay\.opaque=x/);
});

testWith(t, 'the writer gives back both forms, and GNU tar unpacks the overlay form into a valid upper dir', TOOLS, async () => {
  const { upper } = overlayFixture();
  const entries: LayerEntry[] = [];
  for await (const e of readLayerDirectory(upper)) entries.push(e);
  entries.sort((a, b) => compareLayerPaths(a.path, b.path)); // a caller's export order: whiteouts in place
  const want = await collect(readLayerDirectory(upper));
  for (const whiteouts of ['oci', 'overlay'] as const) {
    const out = `${tempDir('ovl-w')}/layer.tar`;
    const parts: Buffer[] = [];
    for await (const b of writeTar(entries, { whiteouts })) parts.push(b);
    writeFileSync(out, Buffer.concat(parts));
    assert.equal(await collect(readLayerArchive(out)), want, whiteouts);
    const x = tempDir('ovl-x');
    run('tar', ['--xattrs', '--xattrs-include=*', '-xpf', out, '-C', x]);
    assert.equal(await collect(readLayerDirectory(x)), want, `${whiteouts}, unpacked`);
    if (whiteouts === 'overlay') assert.match(run('getfattr', ['-n', 'trusted.overlay.opaque', `${x}/opq`]).toString(), /="y"/);
    else assert.ok(lstatSync(`${x}/opq/.wh..wh..opq`).isFile());
  }
});

testWith(t, 'redirect and metacopy cannot be kept in a standalone layer: refused with what to do', ['setfattr', 'getfattr'], async () => {
  const d = tempDir('redir');
  sh(`mkdir ${d}/moved && setfattr -n trusted.overlay.redirect -v /orig ${d}/moved`);
  assert.match(await refusedDir(d), /moved": .*overlay\.redirect.*redirect_dir=off/);
  const m = tempDir('meta');
  sh(`touch ${m}/f && setfattr -n trusted.overlay.metacopy ${m}/f`);
  assert.match(await refusedDir(m), /\/f": .*metacopy=off/);
});

testWith(t, 'userxattr overlays (user.overlay.*), escaped overlay xattrs, and unknown overlay xattrs', ['setfattr', 'getfattr'], async () => {
  const d = tempDir('userx');
  sh(`mkdir ${d}/o && setfattr -n user.overlay.opaque -v y ${d}/o && touch ${d}/f && setfattr -n trusted.overlay.overlay.opaque -v y ${d}/f`);
  const got = await collect(readLayerDirectory(d, { xattrs: 'visible' }));
  assert.equal(got.find((e) => e.path === 'o')?.opaque, true);
  assert.equal(got.find((e) => e.path === 'f')?.xattrs, { 'trusted.overlay.opaque': Buffer.from('y').toString('hex') }, 'unescaped: the file\'s own attribute');
  const parts: Buffer[] = [];
  for await (const b of writeTar(readLayerDirectory(d))) parts.push(b);
  assert.ok(Buffer.concat(parts).includes('SCHILY.xattr.trusted.overlay.overlay.opaque=y'), 'escaped again when written');
  sh(`setfattr -n trusted.overlay.future -v 1 ${d}/f`);
  assert.match(await refusedDir(d), /unknown overlayfs attribute trusted\.overlay\.future/);
});

async function fromTar(bytes: Buffer): Promise<PlainEntry[]> {
  return collect(readLayerArchive((async function* () { yield bytes; })()));
}

t('whiteout forms in archives: hardlinked whiteouts, late OCI markers, whiteout plus entry', async () => {
  const wo = (l: PlainEntry[]): string[] => l.filter((e) => e.whiteout).map((e) => e.path);
  // overlayfs shares one whiteout inode, so a second whiteout may be archived as a hardlink to the first.
  assert.equal(wo(await fromTar(archive(dir('d/'), chardev('d/a'), hardlink('d/b', 'd/a')))), ['d/a', 'd/b']);
  // An OCI marker after other entries of its directory: the directory comes again, opaque.
  const late = await fromTar(archive(dir('d/'), file('d/+x', 'x'), file('d/.wh..wh..opq')));
  assert.equal(late.map((e) => `${e.path}${e.opaque ? ' (opaque)' : ''}`), ['d', 'd/+x', 'd (opaque)']);
  // Right after its directory: no repetition.
  assert.equal((await fromTar(archive(dir('d/'), file('d/.wh..wh..opq'), file('d/x', 'x')))).map((e) => `${e.path}${e.opaque ? ' (opaque)' : ''}`), ['d', 'd/x'].map((p) => (p === 'd' ? 'd (opaque)' : p)));
  // Deleted below and recreated here: an opaque directory; a replaced file needs no whiteout.
  const both = await fromTar(archive(file('.wh.d'), dir('d/'), file('.wh.f'), file('f', 'new'), file('d/.wh.x')));
  assert.equal(both.map((e) => `${e.path}${e.opaque ? ' (opaque)' : ''}${e.whiteout ? ' (whiteout)' : ''}`), ['d (opaque)', 'f'], 'whiteouts inside an opaque directory hide nothing more');
  // Whited out, with entries, but no directory entry to carry the opaque flag.
  try { await fromTar(archive(file('.wh.d'), file('d/x', 'x'))); assert.unreachable(); } catch (err) {
    assert.match((err as Error).message, /"d" is marked opaque or whited out and has entries in the layer, but no directory entry of its own/);
  }
  // xattr whiteouts via tar, and libarchive's xattr records alone.
  const x = await fromTar(archive(pax([['SCHILY.xattr.trusted.overlay.opaque', 'x']]), dir('d/'), pax([['SCHILY.xattr.trusted.overlay.whiteout', 'y']]), file('d/w'),
    pax([['LIBARCHIVE.xattr.user.n%3Dme', Buffer.from('v\0').toString('base64')]]), file('d/l')));
  assert.equal(wo(x), ['d/w']);
  assert.equal(x.find((e) => e.path === 'd/l')?.xattrs, { 'user.n=me': '7600' });
});

testWith(t, 'xattrs are read in-process (no getfattr on PATH); without CAP_SYS_ADMIN trusted.* is refused unless asked for what is visible', ['setpriv', 'setfattr', 'root'], async () => {
  const d = tempDir('nocap');
  sh(`mkdir ${d}/o && setfattr -n trusted.overlay.opaque -v y ${d}/o`);
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const read = await collect(readLayerDirectory(d));
    assert.is(read.find((e) => e.path === 'o')?.opaque, true, 'the opaque marker read without any tool');
  } finally {
    process.env.PATH = path;
  }
  assert.equal((await collect(readLayerDirectory(d, { xattrs: 'none' }))).map((e) => e.path), ['.', 'o']);
  const script = `import('${projectRoot}dist/src/index.js').then(async (m) => {
    const out = [];
    try { for await (const e of m.readLayerDirectory(process.argv[1])) out.push(e); } catch (err) { console.log(err.code, err.message); }
    for await (const e of m.readLayerDirectory(process.argv[1], { xattrs: 'visible' })) if (e.path === 'o') console.log('visible opaque', e.opaque ?? false);
  })`;
  const r = run('setpriv', ['--bounding-set=-sys_admin', '--inh-caps=-sys_admin', process.execPath, '-e', script, d]).toString();
  assert.match(r, /^ERR_USAGE reading .* needs root \(CAP_SYS_ADMIN\)/);
  assert.match(r, /visible opaque false/);
});

t.run();
