/**
 * Extended attributes in-process (xattr-calls.ts, xattr-paths.ts, xattrs.ts,
 * xattr-writer.ts), judged by getfattr/setfattr as the oracle: symlinks never followed,
 * names that are not UTF-8, a file system without xattrs; and with no tool on PATH at all
 * (attributes made and read back with the in-process calls themselves).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { importLayerEntries } from '../../src/layer/import-layer-entries.js';
import { readLayerDirectory } from '../../src/archive/read-layer.js';
import type { LayerEntry } from '../../src/archive/layer-entry.js';
import { isBazaarError } from '../../src/errors.js';
import { getXattr, listXattrs, setXattr } from '../../src/fs/xattr-calls.js';
import { tempDir } from '../helpers/cli.js';
import { importDir, memoryStore } from '../helpers/checkout-fixtures.js';
import { collect, run } from '../helpers/layer-fixtures.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('xattrs');
const sh = (cmd: string, cwd?: string): string => run('sh', ['-c', cmd], { cwd }).toString('latin1');
/** getfattr's dump of one path (a shell glob: names that are not UTF-8), without following it. */
const oracle = (cwd: string, glob: string): string => sh(`getfattr -h -d -m - -e hex --absolute-names -- ${glob} | sed 1d`, cwd).trim();
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

testWith(t, 'a symlink\'s own trusted.* attribute is read and written on the link, never its target; user.* on a symlink is the kernel\'s EPERM, in the note', ['root', 'getfattr', 'setfattr'], async () => {
  const src = tempDir('xa-link');
  writeFileSync(join(src, 'target'), 'x');
  symlinkSync('target', join(src, 'link'));
  sh('setfattr -h -n trusted.link -v 0x6f6e link && setfattr -n user.on-target -v 1 target', src);
  const read = await collect(readLayerDirectory(src));
  assert.equal(read.find((e) => e.path === 'link')?.xattrs, { 'trusted.link': '6f6e' });
  assert.equal(read.find((e) => e.path === 'target')?.xattrs, { 'user.on-target': '31' });
  const store = memoryStore();
  const root = await importDir(store, src);
  const out = join(tempDir('xa-link-co'), 'co');
  const r = await checkout(store, [root], out, { mode: 'copy' });
  assert.equal(r.notes, []);
  assert.is(oracle(out, 'link'), 'trusted.link=0x6f6e');
  assert.is(oracle(out, 'target'), 'user.on-target=0x31');
  // a layer that asks for user.* on a symlink: Linux refuses it (user.* is for files and directories)
  const entries = async function* (): AsyncGenerator<LayerEntry> {
    yield { path: '.', kind: 'dir', mode: 0o40755, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} };
    yield { path: 'l', kind: 'symlink', mode: 0o120777, uid: 0, gid: 0, size: 0, mtime: 0, target: 'nowhere', xattrs: { 'user.x': Buffer.from('1') } };
  };
  const layer = await importLayerEntries(store, entries());
  await store.commit(layer.staged);
  const out2 = join(tempDir('xa-link-co2'), 'co');
  const r2 = await checkout(store, [layer.root], out2, { mode: 'copy' });
  assert.ok(r2.notes.some((n) => /^1 extended attributes could not be set \("l": user\.x: Operation not permitted \(EPERM\)\)/.test(n)), r2.notes.join('\n'));
  assert.is(oracle(out2, 'l'), '');
});

testWith(t, 'names that are not UTF-8: read in-process through aliases (a file of its own such name through getfattr, or refused by name without it), and written back by the checkout', ['getfattr', 'setfattr'], async () => {
  const src = tempDir('xa-bytes');
  mkdirSync(Buffer.concat([latin1(`${src}/dir-`), Buffer.of(0xff)]));
  writeFileSync(Buffer.concat([latin1(`${src}/dir-`), Buffer.of(0xff), latin1('/in')]), 'i');
  writeFileSync(Buffer.concat([latin1(`${src}/file-`), Buffer.of(0xe9)]), 'f');
  sh("setfattr -n user.d -v 0x01 dir-* && setfattr -n user.i -v 0x0200 dir-*/in && setfattr -n user.f -v 0xff00 file-*", src);
  const want = { 'dir-\udcff': { 'user.d': '01' }, 'dir-\udcff/in': { 'user.i': '0200' }, 'file-\udce9': { 'user.f': 'ff00' } };
  const attrs = (entries: Awaited<ReturnType<typeof collect>>): Record<string, Record<string, string>> => Object.fromEntries(entries.filter((e) => e.path !== '.').map((e) => [e.path, e.xattrs]));
  assert.equal(attrs(await collect(readLayerDirectory(src))), want);
  // without getfattr, the one file it would be needed for is named, never read as having none
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await collect(readLayerDirectory(src));
    assert.unreachable('read without getfattr');
  } catch (err) {
    assert.ok(isBazaarError(err, 'ERR_USAGE'), String(err));
    assert.match((err as Error).message, /file-\\udce9": its name is not UTF-8, and reading such a file's extended attributes needs getfattr, which is not installed \(Debian: apt-get install attr\)/);
  } finally {
    process.env.PATH = path;
  }
  assert.equal(readdirSync(tempDir('xa-probe').replace(/[^/]*$/, '')).filter((n) => n.startsWith('.bazaar-xattr-')), [], 'the aliases are gone');
  const store = memoryStore();
  const root = await importDir(store, src);
  const out = join(tempDir('xa-bytes-co'), 'co');
  const r = await checkout(store, [root], out, { mode: 'copy' });
  assert.equal(r.notes.filter((n) => n.includes('extended')), []);
  assert.is(oracle(out, 'dir-*'), 'user.d=0x01');
  assert.is(oracle(out, 'dir-*/in'), 'user.i=0x0200');
  assert.is(oracle(out, 'file-*'), 'user.f=0xff00');
  assert.equal(readdirSync(out).filter((n) => n.startsWith('.bazaar')), [], 'no alias left in the checkout');
});

testWith(t, 'with no tool on PATH at all: attributes go from a directory through a layer into a checkout (user.* on files and dirs, a symlink\'s trusted.*)', ['root'], async () => {
  const src = tempDir('xa-notool');
  mkdirSync(join(src, 'd'));
  writeFileSync(join(src, 'd/f'), 'x');
  symlinkSync('d/f', join(src, 'l'));
  setXattr(join(src, 'd'), 'user.dir', Buffer.from('D'));
  setXattr(join(src, 'd/f'), 'user.bin', Buffer.of(0, 0xff));
  setXattr(join(src, 'l'), 'trusted.on-link', Buffer.from('L'));
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const store = memoryStore();
    const root = await importDir(store, src);
    const out = join(tempDir('xa-notool-co'), 'co');
    const r = await checkout(store, [root], out, { mode: 'copy' });
    assert.equal(r.notes, []);
    const attrs = (p: string): Record<string, string> => Object.fromEntries(listXattrs(join(out, p)).map((n) => [n, getXattr(join(out, p), n)!.toString('hex')]));
    assert.equal(attrs('d'), { 'user.dir': '44' });
    assert.equal(attrs('d/f'), { 'user.bin': '00ff' });
    assert.equal(attrs('l'), { 'trusted.on-link': '4c' });
    assert.equal(listXattrs(join(out, 'd/f')).filter((n) => n.startsWith('trusted.')), [], 'the link\'s attribute did not reach its target');
  } finally {
    process.env.PATH = path;
  }
});

testWith(t, 'a file system without xattr support (ramfs): a directory on it reads as having none, a checkout onto it notes what it could not set', ['root', 'unshare', 'mount', 'setfattr'], async () => {
  const src = tempDir('xa-nosup');
  writeFileSync(join(src, 'f'), 'x');
  sh('setfattr -n user.tag -v 1 f', src);
  const mnt = tempDir('xa-ramfs');
  const script = `import('${projectRoot}dist/src/index.js').then(async (m) => {
    const { memoryStore, importDir } = await import('${projectRoot}dist/test/helpers/checkout-fixtures.js');
    const fs = await import('node:fs');
    fs.writeFileSync(process.argv[2] + '/plain', 'p');
    for await (const e of m.readLayerDirectory(process.argv[2])) if (e.path === 'plain') console.log('read', JSON.stringify(Object.keys(e.xattrs)));
    const store = memoryStore();
    const root = await importDir(store, process.argv[1]);
    const { checkout } = await import('${projectRoot}dist/src/checkout/index.js');
    const r = await checkout(store, [root], process.argv[2] + '/co', { mode: 'copy' });
    console.log('notes', JSON.stringify(r.notes));
  })`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t ramfs none "$2" && exec "$0" -e "$1" "$3" "$2"', process.execPath, script, mnt, src], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^read \[\]$/m);
  assert.match(r.stdout, /extended attributes could not be set \(\\"f\\": user\.tag: Operation not supported \(EOPNOTSUPP\)\)/);
});

t.run();
