/**
 * What a start loads (docs/architecture.md#start-up): `bazaar show` loads neither
 * node:child_process (nor net and dgram, which it pulls in) nor process.stdin, and writes
 * to a pipe without net (no process.stdout) and reads without node:fs/promises; a
 * command's --help loads its own module, not the library it calls when it runs.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';

const t = suite('start-up');

/** A fresh store holding one package `NAME-1.0-alt1.noarch`, and a scratch directory beside it. */
function storeWithOne(name: string): { store: string; dir: string } {
  const store = freshStore(`start-up-${name}`);
  const dir = tempDir(`start-up-${name}`);
  const rpm = join(dir, `${name}-1.0-alt1.noarch.rpm`);
  writeFileSync(rpm, makePackageRpm({ name, version: '1.0', release: 'alt1', arch: 'noarch' }));
  assert.is(spawnSync(process.execPath, [CLI, 'add', '--store', store, rpm]).status, 0);
  return { store, dir };
}

t('show loads no child_process, net, fs/promises or parseArgs and leaves stdin alone', () => {
  const { store, dir } = storeWithOne('su');
  const list = join(dir, 'modules.txt');
  const preload = join(dir, 'record.cjs');
  writeFileSync(preload, [
    "let stdin = 'untouched';",
    "const own = Object.getOwnPropertyDescriptor(process, 'stdin');",
    "Object.defineProperty(process, 'stdin', { configurable: true, enumerable: own.enumerable, get() { stdin = 'created'; return own.get.call(process); } });",
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, [...process.moduleLoadList, 'stdin ' + stdin].join('\\n')));`,
  ].join('\n'));
  const r = spawnSync(process.execPath, ['--require', preload, CLI, 'show', '--store', store, 'su-1.0-alt1.noarch'], { encoding: 'utf8', input: '' });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('su-1.0-alt1.noarch'), r.stdout);
  const loaded = readFileSync(list, 'utf8').split('\n');
  assert.ok(loaded.includes('NativeModule crypto'), 'the record is of a real run (objects are verified with sha256)');
  for (const m of ['NativeModule child_process', 'NativeModule dgram']) assert.not.ok(loaded.includes(m), `${m} loaded`);
  // its output goes to fd 1 with writeSync (a pipe here): process.stdout would load net (fd-output.ts);
  // node:fs/promises is for streaming a large object or writing a loose one
  for (const m of ['NativeModule net', 'NativeModule tty', 'NativeModule fs/promises']) assert.not.ok(loaded.includes(m), `${m} loaded`);
  // a plain command line is parsed without node's parseArgs (plain-args.ts)
  assert.not.ok(loaded.includes('NativeModule internal/util/parse_args/parse_args'), 'parseArgs loaded');
  assert.ok(loaded.includes('stdin untouched'), 'process.stdin created (a tty or pipe handle: a few ms)');
});

/**
 * Runs the CLI with `args` under a preload made of `hook` (JavaScript that pushes strings
 * onto `seen`); the strings it saw, and the run.
 */
function recorded(args: string[], hook: string[], env: NodeJS.ProcessEnv = process.env): { seen: string[]; run: SpawnSyncReturns<string> } {
  const dir = tempDir('start-up-record');
  const list = join(dir, 'seen.txt');
  const preload = join(dir, 'record.cjs');
  writeFileSync(preload, ['const seen = [];', ...hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, seen.join('\\n')));`].join('\n'));
  const run = spawnSync(process.execPath, ['--require', preload, CLI, ...args], { encoding: 'utf8', env });
  assert.is(run.status, 0, run.stderr);
  return { seen: readFileSync(list, 'utf8').split('\n').filter(Boolean), run };
}

/** The bundle's chunks a run of `args` reads (the launcher requires each one from dist/bin/code/); `expect`: how its output starts. */
function chunksRead(args: string[], expect = 'Usage: bazaar '): { names: string[]; paths: string[]; bytes: number } {
  const { seen, run } = recorded(args, [
    "const fs = require('node:fs'); const read = fs.readFileSync;",
    "fs.readFileSync = function (p, ...rest) { const r = read.call(this, p, ...rest); if (typeof p === 'string' && /[/]bin[/]code[/].*[.]js$/.test(p)) seen.push(p + '\\t' + r.length); return r; };",
  ]);
  assert.ok(run.stdout.startsWith(expect), run.stdout);
  const rows = seen.map((l) => l.split('\t'));
  return { names: rows.map(([p]) => (p as string).replace(/.*[/]/, '')), paths: rows.map(([p]) => p as string), bytes: rows.reduce((n, [, b]) => n + Number(b), 0) };
}

t('a command\'s --help loads its module, not the library (image checkout --help read 1.2 MB of chunks)', () => {
  for (const args of [['image', 'checkout', '--help'], ['layer', '--help'], ['channel', '--help'], ['link', '--help'], ['group', '--help'], ['pin', '--help'], ['rm', '--help'], ['audit', '--help'], ['show', '--help']]) {
    const { names, bytes } = chunksRead(args);
    assert.ok(names.some((n) => n.startsWith(`${args[0]}-`) || n.startsWith('link-') || n.startsWith('pin-')), `${args.join(' ')}: the command's own chunk was read (${names.join(' ')})`);
    // the store alone is ~580 KB of chunks, the library's graph 1.2 MB; a command module and the dispatcher ~60 KB
    assert.ok(bytes < 150_000, `${args.join(' ')} read ${bytes} bytes of chunks (${names.length}): it loads more than its own module`);
  }
});

/** The V8 flags a run of `args` sets (a preload wraps v8.setFlagsFromString), and its code cache report. */
function flagsSet(args: string[], cacheDir: string): { flags: string[]; report: string } {
  const { seen, run } = recorded(args, [
    "const v8 = require('node:v8'); const set = v8.setFlagsFromString;",
    'v8.setFlagsFromString = function (flags) { seen.push(flags); return set.call(this, flags); };',
  ], { ...process.env, BAZAAR_CODE_CACHE: cacheDir, BAZAAR_CODE_CACHE_REPORT: '1' });
  return { flags: seen, report: /bazaar code cache: .*/.exec(run.stderr)?.[0] ?? run.stderr };
}

t('show sets no V8 flag (a set flag makes Node compile each built-in it loads afterwards from source); other commands still get the larger young generation, and every chunk keeps its cache', () => {
  const { store, dir } = storeWithOne('fl');
  const cache = join(dir, 'cache');
  const show = ['show', '--store', store, 'fl-1.0-alt1.noarch'];
  const ls = ['ls', '--store', store];
  assert.equal(flagsSet(show, cache).flags, [], 'show set V8 flags');
  assert.ok(flagsSet(ls, cache).flags.includes('--max-semi-space-size=64'), 'ls no longer sets the larger young generation');
  // chunks loaded after ls set its flag (the store's, on open) are cached under the defaults, so either command takes them
  // (ls adds its functions to the caches it shares with show: written, not compiled)
  for (const args of [show, ls, show]) assert.match(flagsSet(args, cache).report, args === ls ? /bazaar code cache: [1-9]\d* used, 0 compiled, / : /bazaar code cache: [1-9]\d* used, 0 compiled, 0 written/, args[0]);
});

t('show reads the store\'s read half: none of the writers\' code (transaction, lock, staging, pack writes)', () => {
  const { store } = storeWithOne('rh');
  const { paths, bytes } = chunksRead(['show', '--store', store, 'rh-1.0-alt1.noarch'], 'rh-1.0-alt1.noarch');
  const code = paths.map((p) => readFileSync(p, 'utf8')).join('\n');
  // esbuild writes a class as `var Name = class` (a digit after the name when two modules share it)
  for (const writer of ['FsObjectWrites', 'PackStaging', 'StagingWriter', 'Transaction']) assert.not.match(code, new RegExp(`\\bvar ${writer}\\d* = class\\b`), `${writer} loaded`);
  assert.not.match(code, /\bfunction withLock\d*\(/, 'the writers\' lock loaded');
  // the read half and the loader: 345 KB before the object writes, the staging writer and the package index were split off (321 KB), 540 KB before store.ts imported writers where they write
  assert.ok(bytes < 326_000, `show read ${bytes} bytes of chunks: a writer's code came back into its static graph (docs/architecture.md#start-up)`);
});

t('image checkout loads the checkout\'s graph, not the whole library (it read 1.28 MB of chunks, issue 21)', () => {
  const store = freshStore('start-up-checkout');
  const up = join(tempDir('start-up-checkout'), 'upper');
  mkdirSync(join(up, 'etc'), { recursive: true });
  writeFileSync(join(up, 'etc/motd'), 'hello\n');
  for (const args of [['layer', 'import', 'base@1.0.0', up], ['image', 'create', 'va@1.0.0', '--layer', 'base@^1.0']]) {
    const r = spawnSync(process.execPath, [CLI, '--store', store, ...args], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
  }
  const out = join(tempDir('start-up-checkout'), 'out');
  const { names, bytes } = chunksRead(['--store', store, 'image', 'checkout', 'va', out], 'checked out va@1.0.0');
  assert.is(readFileSync(join(out, 'etc/motd'), 'utf8'), 'hello\n');
  assert.ok(names.some((n) => n.startsWith('image-checkout-')), `the checkout's own module was read (${names.join(' ')})`);
  // the store's graph ~580 KB, with api/ (images, layers, the resolver) ~1.1 MB (1.0 when this was written), the whole library 1.28 MB then;
  // 1,153,444 once the resolver's rows and the faster primary reader came in (the image's resolver graph holds both)
  assert.ok(bytes < 1_175_000, `image checkout read ${bytes} bytes of chunks (${names.length})`);
});

t.run();
