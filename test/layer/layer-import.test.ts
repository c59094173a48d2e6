/**
 * `bazaar layer import` through the CLI: an overlay upper directory (OCI whiteouts in a
 * .tar.zst, and a directory) becomes a layer that stacks on a package layer; hostile
 * archives are refused with one line and leave the store as it was.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { testWith } from '../helpers/tools.js';

const t = suite('layer-import');
const ok = (args: string[]): string => {
  const r = bazaar(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

function baseStore(): string {
  const store = freshStore('layer-import');
  const files = sampleRpms().filter((f) => /\/(filesystem-2|sed-4)/.test(f) && !f.endsWith('.src.rpm'));
  ok(['add', '--store', store, ...files]);
  // sed without the C library and a shell: a layer to look at, published with --nodeps
  ok(['layer', 'create', '--store', store, 'base@1.0.0', '--nodeps', '--package', 'filesystem', 'sed']);
  return store;
}

testWith(t, 'an upper dir as .tar.zst with OCI whiteouts: files added, a file deleted from the layer below', ['tar', 'zstd'], () => {
  const store = baseStore();
  const upper = tempDir('upper');
  mkdirSync(join(upper, 'etc'));
  writeFileSync(join(upper, 'etc/motd'), 'welcome to va1\n');
  mkdirSync(join(upper, 'bin'));
  writeFileSync(join(upper, 'bin/.wh.sed'), '');
  const archive = join(tempDir('archive'), 'rw.tar.zst');
  assert.is(spawnSync('tar', ['--zstd', '-cf', archive, '-C', upper, '.']).status, 0);
  const r = JSON.parse(ok(['layer', 'import', '--store', store, '--json', 'va1-rw@1.0.0', archive])) as { packages: string[]; id: string };
  assert.equal(r.packages, []);
  assert.match(r.id, /^sha256:/);
  assert.is((JSON.parse(ok(['layer', 'show', '--store', store, '--json', 'va1-rw'])) as { source: string }).source, 'overlay');
  ok(['image', 'create', '--store', store, 'va1@1.0.0', '--nodeps', '--layer', 'base@1', '--layer', 'va1-rw@1']);
  const co = join(tempDir('co'), 'va1');
  ok(['image', 'checkout', '--store', store, 'va1', co]);
  assert.is(readFileSync(join(co, 'etc/motd'), 'utf8'), 'welcome to va1\n');
  assert.not.ok(existsSync(join(co, 'bin/sed')), 'the whiteout deletes /bin/sed of the layer below');
  assert.ok(existsSync(join(co, 'etc')));
  // the same upper dir, as a directory, is the same tree
  const dirUpper = tempDir('upper-dir');
  assert.is(spawnSync('tar', ['--zstd', '-xf', archive, '-C', dirUpper]).status, 0);
  const again = JSON.parse(ok(['layer', 'import', '--store', store, '--json', '--dry-run', '--xattrs', 'none', 'va1-rw@1.0.1', dirUpper])) as { tree: string; check: { ok: boolean } };
  const first = JSON.parse(ok(['layer', 'show', '--store', store, '--json', 'va1-rw@1.0.0'])) as { tree: string };
  assert.is(again.tree, first.tree);
  assert.ok(again.check.ok);
});

testWith(t, 'a hostile archive (a path escaping the root) is refused in one line; the store is unchanged', ['tar'], () => {
  const store = baseStore();
  const dir = tempDir('hostile');
  writeFileSync(join(dir, 'evil'), 'x');
  const archive = join(tempDir('hostile-archive'), 'evil.tar');
  assert.is(spawnSync('tar', ['-cf', archive, '-C', dir, '--transform', 's,^,../../,', '-P', 'evil']).status, 0);
  const before = ok(['layer', 'ls', '--store', store]);
  const r = bazaar(['layer', 'import', '--store', store, 'evil@1.0.0', archive]);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.is(ok(['layer', 'ls', '--store', store]), before);
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  const missing = bazaar(['layer', 'import', '--store', store, 'x@1.0.0', join(dir, 'no-such.tar.zst')]);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /cannot read \(ENOENT\)/);
  // a device is not an archive (reading /dev/zero would never end)
  const device = bazaar(['layer', 'import', '--store', store, 'x@1.0.0', '/dev/zero']);
  assert.is(device.status, 2);
  assert.match(device.stderr, /not a regular file or a directory/);
});

t.run();
