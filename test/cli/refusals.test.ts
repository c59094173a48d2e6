/**
 * Mistakes that used to be read as something else are refused in one line, exit 2, with
 * the store unchanged: `--store ""` (not the current directory), `init` of a directory
 * holding other files, `fsck --reset-ref` without `--repair` or naming no branch, an image
 * of no layer, removing a package the image does not have, and an export or pull whose
 * output path is a FIFO, socket, symlink or directory (only a regular file is replaced),
 * a layer or image name too long to be a git ref.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { createImage } from '../../src/api/image-ops.js';
import { Store } from '../../src/store/store.js';
import { CLI, bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { testWith } from '../helpers/tools.js';

const t = suite('cli refusals');

/** Runs bazaar in `cwd`; asserts exit `status`, one stderr line, no stack trace. */
function fails(args: string[], status: number, match: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, ...options });
  assert.is(r.status, status, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at |internal error/);
  assert.match(r.stderr, match);
  return r.stderr;
}

const ok = (args: string[]): string => {
  const r = bazaar(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

let sample = '';
/** A store with layer base@1.0.0 (filesystem, sed) and image web on it, channel sample. */
function sampleStore(): string {
  if (sample) return sample;
  sample = freshStore('refusals');
  const files = sampleRpms().filter((f) => /\/(filesystem-2|sed-4)/.test(f) && !f.endsWith('.src.rpm'));
  ok(['add', '--store', sample, ...files]);
  ok(['channel', 'create', '--store', sample, 'sample']);
  ok(['channel', 'add', '--store', sample, 'sample', 'filesystem', 'sed']);
  ok(['layer', 'create', '--store', sample, 'base@1.0.0', '--nodeps', '--package', 'filesystem', 'sed']);
  ok(['image', 'create', '--store', sample, 'web@1.0.0', '--nodeps', '--layer', 'base@1', '--channel', 'sample']);
  return sample;
}

t('--store "" is refused, never read as the current directory; an empty BAZAAR_STORE is unset', () => {
  const cwd = tempDir('empty-store');
  fails(['ls', '--store', ''], 2, /--store needs a directory, not an empty string/, { cwd });
  fails(['init', '--store', ''], 2, /--store needs a directory/, { cwd });
  fails(['--store', '', 'init'], 2, /--store needs a directory/, { cwd });
  assert.equal(readdirSync(cwd), [], 'nothing was created in the current directory');
  // BAZAAR_STORE="" is the default ./bazaar-store, not the current directory itself
  const r = spawnSync(process.execPath, [CLI, 'init'], { cwd, encoding: 'utf8', env: { ...process.env, BAZAAR_STORE: '' } });
  assert.is(r.status, 0, r.stderr);
  assert.equal(readdirSync(cwd), ['bazaar-store']);
});

t('the library refuses an empty store path too', async () => {
  for (const open of [() => Store.open(''), () => Store.init('')]) {
    try {
      await open();
      assert.unreachable('an empty path was accepted');
    } catch (err) {
      assert.instance(err, BazaarError);
      assert.is((err as BazaarError).code, 'ERR_USAGE');
    }
  }
});

t('init refuses a non-empty directory that is not a store; an empty one, lost+found and an existing store are fine', () => {
  const full = tempDir('init-full');
  writeFileSync(join(full, 'notes.txt'), 'mine\n');
  mkdirSync(join(full, 'photos'));
  fails(['init', '--store', full], 2, /is not empty and is not a bazaar store/);
  assert.equal(readdirSync(full).sort(), ['notes.txt', 'photos'], 'nothing was added to it');
  const empty = tempDir('init-empty');
  assert.is(bazaar(['init', '--store', empty]).status, 0);
  assert.ok(existsSync(join(empty, 'bazaar-store.json')));
  const mount = tempDir('init-mount');
  mkdirSync(join(mount, 'lost+found'));
  assert.is(bazaar(['init', '--store', mount]).status, 0, 'a fresh file system holds lost+found');
  const store = sampleStore();
  const before = storeSnapshot(store);
  assert.is(bazaar(['init', '--store', store]).status, 0, 'init of an existing store changes nothing');
  assert.equal(storeSnapshot(store), before);
});

t('fsck --reset-ref needs --repair and a branch of the store', () => {
  const store = sampleStore();
  const before = storeSnapshot(store);
  fails(['fsck', '--store', store, '--reset-ref', 'images/web'], 2, /only --repair does/);
  fails(['fsck', '--store', store, '--repair', '--reset-ref', 'images/nosuch'], 2, /has no branch images\/nosuch/);
  fails(['fsck', '--store', store, '--repair', '--reset-ref', 'images/web', '--reset-ref', 'web'], 2, /has no branch web\b/);
  fails(['fsck', '--store', store, '--repair', '--reset-ref', ''], 2, /has no branch/);
  assert.equal(storeSnapshot(store), before, 'the store is unchanged');
  const r = bazaar(['fsck', '--store', store, '--repair', '--reset-ref', 'images/web']);
  assert.is(r.status, 0, `a known branch on a clean store: nothing to do (${r.stdout}${r.stderr})`);
});

t('an image of no layer cannot be created (CLI, library)', async () => {
  const store = sampleStore();
  const before = storeSnapshot(store);
  fails(['image', 'create', '--store', store, 'bare@1.0.0'], 2, /name the image's layers/);
  fails(['image', 'create', '--store', store, 'bare@1.0.0', '--channel', 'sample'], 2, /--layer/);
  const s = await Store.open(store);
  try {
    await createImage(s, 'bare@1.0.0', []);
    assert.unreachable('an image of no layer was created');
  } catch (err) {
    assert.is((err as BazaarError).code, 'ERR_USAGE');
    assert.match((err as Error).message, /needs at least one layer/);
  }
  assert.equal(storeSnapshot(store), before);
});

t('a layer or image name longer than 100 characters is refused (a git ref could not hold it; the server answered 500 to everything after one)', () => {
  const store = sampleStore();
  const before = storeSnapshot(store);
  const long = 'x'.repeat(101);
  fails(['layer', 'create', '--store', store, `${long}@1.0.0`, '--channel', 'sample', '--resolve', 'setup'], 2, /at most 100 characters/);
  fails(['image', 'create', '--store', store, `${long}@1.0.0`, '--layer', 'base@1.0.0'], 2, /at most 100 characters/);
  assert.equal(storeSnapshot(store), before);
});

t('image remove of a package the image does not have is an error, not a new version', () => {
  const store = sampleStore();
  const before = storeSnapshot(store);
  fails(['image', 'remove', '--store', store, 'web', 'nosuch'], 2, /package nosuch is not installed in image web/);
  fails(['image', 'remove', '--store', store, 'web', 'sed', 'nosuch'], 2, /package nosuch is not installed/);
  fails(['image', 'remove', '--store', store, 'web', 'sed-4.9-alt1.x86_64'], 2, /not installed in image web; name the package to remove: sed/);
  assert.equal(storeSnapshot(store), before, 'no new version');
  assert.is((JSON.parse(ok(['image', 'show', '--store', store, '--json', 'web'])) as { version: string }).version, '1.0.0');
});

/** A FIFO, a socket, a symlink and a directory at paths named like an output file. */
async function specialPaths(dir: string, suffix: string): Promise<Array<{ path: string; kind: string }>> {
  const fifo = join(dir, `fifo${suffix}`);
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const socket = join(dir, `sock${suffix}`);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  server.unref(); // kept listening: closing it would remove the socket file
  const target = join(dir, 'target');
  writeFileSync(target, 'keep me\n');
  const link = join(dir, `link${suffix}`);
  symlinkSync(target, link);
  const sub = join(dir, `dir${suffix}`);
  mkdirSync(sub);
  return [{ path: fifo, kind: 'a FIFO' }, { path: socket, kind: 'a socket' }, { path: link, kind: 'a symbolic link' }, { path: sub, kind: 'a directory' }];
}

function unchanged(paths: Array<{ path: string; kind: string }>, dir: string): void {
  assert.ok(lstatSync(paths[0].path).isFIFO());
  assert.ok(lstatSync(paths[1].path).isSocket());
  assert.ok(lstatSync(paths[2].path).isSymbolicLink());
  assert.equal(readdirSync(paths[3].path), []);
  assert.is(readFileSync(join(dir, 'target'), 'utf8'), 'keep me\n');
  assert.equal(readdirSync(dir).filter((n) => n.includes('.tmp-')), [], 'no temp file left behind');
}

t('image export never replaces a FIFO, socket, symlink or directory at its output path; a regular file it does', async () => {
  const store = sampleStore();
  const dir = tempDir('export-out');
  const paths = await specialPaths(dir, '.tar.zst');
  for (const p of paths) fails(['image', 'export', '--store', store, 'web', p.path], 2, new RegExp(`is ${p.kind}; an output file only ever replaces a regular file`));
  unchanged(paths, dir);
  const file = join(dir, 'web.tar.zst');
  writeFileSync(file, 'an older export\n');
  ok(['image', 'export', '--store', store, 'web', file]);
  assert.ok(lstatSync(file).isFile());
  assert.ok(readFileSync(file).subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'replaced by a zstd archive');
});

testWith(t, 'a squashfs export refuses a FIFO at its output path too', ['mksquashfs'], async () => {
  const store = sampleStore();
  const dir = tempDir('export-sqfs');
  const [fifo] = await specialPaths(dir, '.squashfs');
  fails(['image', 'export', '--store', store, 'web', fifo.path], 2, /is a FIFO/);
  assert.ok(lstatSync(fifo.path).isFIFO());
});

t('pull never replaces a FIFO at its output path (refused before connecting)', async () => {
  const dir = tempDir('pull-out');
  const [fifo] = await specialPaths(dir, '.tar.zst');
  fails(['pull', 'http://127.0.0.1:9/', 'web', fifo.path], 2, /is a FIFO; an output file only ever replaces a regular file/);
  assert.ok(lstatSync(fifo.path).isFIFO());
});

t.run();
