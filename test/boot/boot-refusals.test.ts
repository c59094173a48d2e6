/**
 * Boot sets that cannot be made are refused in one line (exit 2, HTTP 4xx) and leave the
 * store and the target as they were: an image without a kernel, one whose
 * `/boot/vmlinuz-*` is not a kernel, one with two kernels, a target that is not empty.
 * The parts the builder reads modules with are checked on bytes made here: an ELF
 * module's `.modinfo`, the cpio writer (listed back by cpio(1) where it is installed);
 * the bzImage reader is archive/bzimage.ts's (test/layer/live-import.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readModuleInfo } from '../../src/boot/module-info.js';
import { writeCpio } from '../../src/boot/cpio-writer.js';
import { tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { appFor, cli, sampleStore } from '../helpers/server.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { testWith } from '../helpers/tools.js';

const t = suite('boot: refusals and the readers under the builder');

let store = '';
function sample(): string {
  if (store) return store;
  store = sampleStore(undefined, 'boot-refusals');
  cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup'], store);
  cli(['layer', 'create', 'kernel@6.6.60', '--package', 'kernel-image-std-def-6.6.60-alt1.x86_64', '--nodeps'], store);
  cli(['layer', 'create', 'kernel2@6.6.63', '--package', 'kernel-image-std-def-6.6.63-alt1.x86_64', '--nodeps'], store);
  cli(['image', 'create', 'nokernel@1.0.0', '--layer', 'base@^1.0'], store);
  cli(['image', 'create', 'fakekernel@1.0.0', '--layer', 'base@^1.0', '--layer', 'kernel@6.6.60', '--nodeps'], store);
  cli(['image', 'create', 'twokernels@1.0.0', '--layer', 'base@^1.0', '--layer', 'kernel@6.6.60', '--layer', 'kernel2@6.6.63', '--nodeps'], store);
  return store;
}

t('bazaar boot refuses an image it cannot boot in one line, exit 2, writing nothing', () => {
  const s = sample();
  const before = storeSnapshot(s);
  const cases: Array<[string, RegExp]> = [
    ['nokernel', /^bazaar boot: image nokernel has no kernel \(\/boot\/vmlinuz-\*\): install a kernel package into it to boot it$/],
    ['fakekernel', /^bazaar boot: \/boot\/vmlinuz-6\.6\.60-std-def-alt1 in image fakekernel is not a bzImage kernel/],
    ['twokernels', /^bazaar boot: image twokernels has 2 kernels \(\/boot\/vmlinuz-6\.6\.60\S+, \/boot\/vmlinuz-6\.6\.63\S+\)/],
    ['nosuch', /^bazaar boot: .*no image nosuch/],
  ];
  for (const [image, message] of cases) {
    const out = join(tempDir(`boot-${image}`), 'set');
    const r = bazaarFast(['boot', image, out, '--store', s]);
    assert.is(r.status, 2, `${image}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, `${image}: one line: ${r.stderr}`);
    assert.match(r.stderr.trim(), message, image);
    assert.not.ok(existsSync(out), `${image}: nothing written`);
    assert.equal(readdirSync(join(out, '..')), [], `${image}: no temp directory left beside the target`);
  }
  const full = tempDir('boot-full');
  writeFileSync(join(full, 'keep'), 'x');
  const r = bazaarFast(['boot', 'nokernel', full, '--store', s]);
  assert.is(r.status, 2);
  assert.match(r.stderr, /is not empty \(give a new or empty directory\)/);
  assert.equal(readdirSync(full), ['keep']);
  for (const [target, message] of [
    [join(tempDir('boot-deep'), 'no/such/parent'), /cannot write a boot set to \S+: its parent directory \S+\/no\/such does not exist/],
    ['/proc/self/boot-set', /cannot write a boot set to \/proc\/self\/boot-set: its parent directory \/proc\/self /],
  ] as const) {
    const r = bazaarFast(['boot', 'nokernel', target, '--store', s]);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
  assert.equal(storeSnapshot(s), before, 'the store is unchanged');
});

t('the server answers the same refusals with a 4xx and lists what can boot', async () => {
  const { app } = await appFor(sample());
  for (const [path, status, message] of [
    ['/boot/nokernel/latest/boot.json', 400, /has no kernel/],
    ['/boot/fakekernel/1.0.0/boot.json', 400, /not a bzImage kernel/],
    ['/boot/nosuch/latest/boot.json', 404, /no image nosuch/],
    ['/boot/layers/..%2f..%2fetc%2fpasswd', 404, /no boot layer/],
    ['/boot/layers/0000000000000000000000000000000000000000000000000000000000000000.squashfs', 404, /is not built/],
  ] as const) {
    const res = await app.request(path);
    const body = await res.json() as { error: { message: string } };
    assert.is(res.status, status, `${path}: ${JSON.stringify(body)}`);
    assert.match(body.error.message, message, path);
  }
  const list = await (await app.request('/boot/')).json() as { images: unknown[]; notBootable: Array<{ name: string; why: string }> };
  assert.equal(list.images, [], 'no sample image can boot');
  assert.equal(list.notBootable.map((n) => n.name).sort(), ['fakekernel', 'nokernel', 'twokernels']);
});

/** A minimal 64-bit little-endian ELF with one `.modinfo` section holding `fields`. */
function elfModule(fields: string[]): Buffer {
  const modinfo = Buffer.from(fields.map((f) => `${f}\0`).join(''));
  const shstr = Buffer.from('\0.modinfo\0.shstrtab\0');
  const dataAt = 64, shstrAt = dataAt + modinfo.length, shoff = (shstrAt + shstr.length + 7) & ~7;
  const elf = Buffer.alloc(shoff + 3 * 64);
  elf.writeUInt32LE(0x464c457f, 0); elf[4] = 2; elf[5] = 1; elf[6] = 1;
  elf.writeBigUInt64LE(BigInt(shoff), 0x28); elf.writeUInt16LE(64, 0x3a); elf.writeUInt16LE(3, 0x3c); elf.writeUInt16LE(2, 0x3e);
  modinfo.copy(elf, dataAt); shstr.copy(elf, shstrAt);
  const section = (i: number, name: number, offset: number, size: number) => {
    const at = shoff + i * 64;
    elf.writeUInt32LE(name, at); elf.writeBigUInt64LE(BigInt(offset), at + 0x18); elf.writeBigUInt64LE(BigInt(size), at + 0x20);
  };
  section(1, 1, dataAt, modinfo.length);
  section(2, 10, shstrAt, shstr.length);
  return elf;
}

t('a module\'s .modinfo gives its name and dependencies; a damaged one is refused in words', () => {
  const info = readModuleInfo(elfModule(['license=GPL', 'depends=virtio,virtio-ring', 'softdep=pre: crc32c', 'name=virtio_blk']), 'virtio_blk.ko');
  assert.equal(info, { name: 'virtio_blk', depends: ['virtio', 'virtio_ring'], softdep: 'pre: crc32c' });
  assert.equal(readModuleInfo(elfModule(['depends=']), 'kernel/fs/over-lay.ko'), { name: 'over_lay', depends: [], softdep: undefined });
  assert.throws(() => readModuleInfo(Buffer.from('not an elf at all, just words'.repeat(4)), 'x.ko'), /x\.ko cannot be read: not an ELF file/);
  assert.throws(() => readModuleInfo(Buffer.from('\xfd7zXZ\0'.padEnd(80, '\0'), 'latin1'), 'x.ko.xz'), /compressed/);
  assert.throws(() => readModuleInfo(elfModule(['a=b']).subarray(0, 100), 'cut.ko'), /truncated/);
});

testWith(t, 'the cpio archive lists back with cpio(1): modes, a device node, a symlink', ['cpio'], () => {
  const dir = tempDir('cpio');
  const file = join(dir, 'initrd.cpio');
  writeFileSync(file, writeCpio([
    { path: 'bin', kind: 'dir', mode: 0o755 },
    { path: 'bin/busybox', kind: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
    { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { path: 'dev', kind: 'dir', mode: 0o755 },
    { path: 'dev/console', kind: 'char', mode: 0o600, major: 5, minor: 1 },
  ]));
  const r = spawnSync('cpio', ['-itv', '--quiet', '-F', file], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 5);
  assert.match(lines[1], /^-rwxr-xr-x .* 10 .* bin\/busybox$/);
  assert.match(lines[2], /^lrwxrwxrwx .* bin\/sh -> busybox$/);
  assert.match(lines[4], /^crw------- .* 5, +1 .* dev\/console$/);
  mkdirSync(join(dir, 'out'));
  const x = spawnSync('cpio', ['-id', '--quiet', '--no-absolute-filenames', '-F', file, 'bin/busybox'], { cwd: join(dir, 'out'), encoding: 'utf8' });
  assert.is(x.status, 0, x.stderr);
  assert.ok(existsSync(join(dir, 'out/bin/busybox')));
});

t('gc prunes the boot sets of image versions it deleted, and the files no kept set names; a kept set keeps its files', () => {
  const s = sample();
  const keptId = (JSON.parse(cli(['image', 'show', 'nokernel', '--json'], s)) as { id: string }).id.slice('sha256:'.length);
  const gone = 'f'.repeat(64);
  const dir = join(s, 'cache/boot/v1');
  for (const d of ['sets', 'layers', 'initrd']) mkdirSync(join(dir, d), { recursive: true });
  const file = (rel: string) => { writeFileSync(join(dir, rel), 'x'); writeFileSync(join(dir, `${rel}.json`), '{"sha256":"00","size":1}'); };
  file('layers/kept.squashfs'); file('initrd/kept.img'); file('layers/orphan.squashfs'); file('layers/of-gone.squashfs');
  writeFileSync(join(dir, 'sets', `${keptId}.json`), JSON.stringify({ uses: ['layers/kept.squashfs', 'initrd/kept.img'] }));
  writeFileSync(join(dir, 'sets', `${gone}.json`), JSON.stringify({ uses: ['layers/of-gone.squashfs'] }));
  mkdirSync(join(dir, 'layers', '..tmp-999999999-dead.tree-x')); // a killed build's temp tree
  const old = new Date(Date.now() - 3 * 3600_000);
  for (const d of ['layers', 'initrd']) for (const n of readdirSync(join(dir, d))) utimesSync(join(dir, d, n), old, old);
  const r = bazaarFast(['gc', '--store', s]);
  assert.is(r.status, 0, r.stderr);
  assert.equal(readdirSync(join(dir, 'sets')), [`${keptId}.json`], 'the set of a version gc does not keep is gone');
  assert.equal(readdirSync(join(dir, 'layers')).sort(), ['kept.squashfs', 'kept.squashfs.json']);
  assert.equal(readdirSync(join(dir, 'initrd')).sort(), ['kept.img', 'kept.img.json']);
});

t.run();
