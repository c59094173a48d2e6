/**
 * The executables' V8 code cache (src/cli/code-cache.ts): used when good, and a stale,
 * damaged, foreign or unwritable cache never changes what a command answers.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KEEP_BUILDS, MAX_RUNS, cacheFileBytes, codeCacheDir, readCacheFile, runBundle, runKey, sourceId } from '../../src/cli/code-cache.js';
import { CLI, RPM_WRAPPER, freshStore, tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';

const t = suite('code cache');

interface Run { status: number | null; stdout: string; stderr: string; report: { used: number; compiled: number; written: number; extended: number } }

function run(cacheDir: string, args: string[], bin = CLI): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, BAZAAR_CODE_CACHE: cacheDir, BAZAAR_CODE_CACHE_REPORT: '1' } });
  const m = /bazaar code cache: (\d+) used, (\d+) compiled, (\d+) written, (\d+) extended\n/.exec(r.stderr);
  assert.ok(m, `no report in ${JSON.stringify(r.stderr)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(m[0], ''), report: { used: Number(m[1]), compiled: Number(m[2]), written: Number(m[3]), extended: Number(m[4]) } };
}

/** Every cache file of `dir`, rewritten by `change` (given the file and the one after it, as they were). */
function damage(base: string, change: (bytes: Buffer, next: Buffer) => Buffer): number {
  const [build] = readdirSync(base);
  const dir = join(base, build);
  const names = readdirSync(dir).filter((n) => n.endsWith('.cache'));
  const before = names.map((n) => readFileSync(join(dir, n)));
  names.forEach((n, i) => writeFileSync(join(dir, n), change(before[i], before[(i + 1) % names.length])));
  return names.length;
}

let store = '';
let ref = '';
t.before(() => {
  store = freshStore('code-cache');
  const rpm = join(tempDir('code-cache-rpm'), 'cc-1.0-alt1.noarch.rpm');
  writeFileSync(rpm, makePackageRpm({ name: 'cc', version: '1.0', release: 'alt1', arch: 'noarch', provides: [{ name: 'cc-cap' }] }));
  const added = spawnSync(process.execPath, [CLI, 'add', '--store', store, rpm], { encoding: 'utf8' });
  assert.is(added.status, 0, added.stderr);
  ref = 'cc-1.0-alt1.noarch';
});

t('a cache file is used only for the source it names, and only whole', () => {
  const chunk = Buffer.from('exports.value = 42;');
  const source = sourceId(chunk);
  const file = cacheFileBytes(Buffer.from('compiled code'), source, [7, 0xfffffffe]);
  assert.equal(readCacheFile(file, source), { payload: Buffer.from('compiled code'), runs: [7, 0xfffffffe] });
  assert.equal(readCacheFile(cacheFileBytes(Buffer.from('x'), source, []), source), { payload: Buffer.from('x'), runs: [] });
  assert.is(readCacheFile(file, sourceId(Buffer.from('exports.value = 43;'))), null, 'another source (a new build of the chunk)');
  assert.is(readCacheFile(file, sourceId(Buffer.from('exports.value = 42;;'))), null, 'a longer source');
  const flipped = Buffer.from(file);
  flipped[flipped.length - 3] ^= 0x40;
  assert.is(readCacheFile(flipped, source), null, 'a flipped bit in the payload');
  const swapped = Buffer.from(file);
  swapped[swapped.length - 1] ^= 0xff;
  swapped[swapped.length - 2] ^= 0xff;
  assert.is(readCacheFile(swapped, source), null, 'two bytes damaged');
  const run = Buffer.from(file);
  run[22] ^= 0x01;
  assert.is(readCacheFile(run, source), null, 'a run damaged');
  const count = Buffer.from(file);
  count[20] = 200;
  assert.is(readCacheFile(count, source), null, 'the count of runs damaged');
  assert.is(readCacheFile(file.subarray(0, file.length - 1), source), null, 'truncated');
  assert.is(readCacheFile(file.subarray(0, 15), source), null, 'cut inside the header');
  assert.is(readCacheFile(Buffer.concat([Buffer.from('XXXXXXXX'), file.subarray(8)]), source), null, 'another magic');
  assert.is(runKey(['/a/b/x.js', '/a/y.js']), runKey(['/c/y.js', 'x.js']), 'a run is named by its chunks\' names, in any order');
  assert.is.not(runKey(['x.js', 'y.js']), runKey(['x.js', 'z.js']));
});

t('the second start uses the cache the first wrote, with the same answer', () => {
  const dir = tempDir('code-cache-dir');
  const first = run(dir, ['show', '--store', store, ref]);
  assert.is(first.status, 0, first.stderr);
  assert.ok(first.stdout.startsWith('cc-1.0-alt1.noarch'), first.stdout);
  assert.is(first.report.used, 0);
  assert.ok(first.report.compiled > 1, 'the entry and its chunks');
  assert.is(first.report.written, first.report.compiled);
  const second = run(dir, ['show', '--store', store, ref]);
  // fails when V8 rejects the cache (e.g. its flags differ between making and using it)
  assert.equal(second.report, { used: first.report.compiled, compiled: 0, written: 0, extended: 0 });
  assert.equal([second.status, second.stdout, second.stderr], [first.status, first.stdout, first.stderr]);
});

t('a damaged, truncated or foreign cache file is compiled anew and rewritten: same answer', () => {
  const dir = tempDir('code-cache-bad');
  const good = run(dir, ['show', '--store', store, ref]);
  const cases: Array<[string, (b: Buffer, next: Buffer) => Buffer]> = [
    ['bits flipped in the payload', (b) => { const c = Buffer.from(b); for (let i = 60; i < c.length; i += 97) c[i] ^= 0xff; return c; }],
    ['truncated', (b) => b.subarray(0, Math.floor(b.length / 2))],
    ['empty', () => Buffer.alloc(0)],
    ['another chunk\'s', (_b, next) => next],
  ];
  for (const [label, change] of cases) {
    const n = damage(dir, change);
    const r = run(dir, ['show', '--store', store, ref]);
    assert.equal([r.status, r.stdout, r.stderr], [good.status, good.stdout, good.stderr], label);
    assert.equal(r.report, { used: 0, compiled: n, written: n, extended: 0 }, label);
    assert.is(run(dir, ['show', '--store', store, ref]).report.compiled, 0, `${label}: rewritten whole`);
  }
});

/** The cache files of the one build under `base`, by name, as their runs and payload sizes. */
function cacheFiles(base: string): Map<string, { runs: number; bytes: number }> {
  const [build] = readdirSync(base);
  const files = new Map<string, { runs: number; bytes: number }>();
  for (const name of readdirSync(join(base, build))) {
    const bytes = readFileSync(join(base, build, name));
    files.set(name, { runs: bytes[20], bytes: bytes.length });
  }
  return files;
}

t('a cache made by another command gets the functions a command compiles, once: a store\'s caches made by ls hold what show runs after one show', () => {
  const dir = tempDir('code-cache-extend');
  const ls = run(dir, ['ls', '--store', store]);
  assert.is(ls.status, 0, ls.stderr);
  const byLs = cacheFiles(dir);
  const first = run(dir, ['show', '--store', store, ref]);
  assert.is(first.status, 0, first.stderr);
  assert.ok(first.report.used > 0 && first.report.extended === first.report.used, `each cache show used holds its functions now: ${JSON.stringify(first.report)}`);
  assert.is(first.report.written, first.report.compiled + first.report.extended);
  const byBoth = cacheFiles(dir);
  const grown = [...byLs].filter(([name, f]) => (byBoth.get(name)?.bytes ?? 0) > f.bytes);
  assert.ok(grown.length > 0, 'show compiled functions ls had not, and the caches it shares with ls hold them');
  // show's run recorded in each cache it used (ls's own chunk: not used, unchanged)
  assert.is([...byLs].filter(([name, f]) => byBoth.get(name)?.runs === f.runs + 1).length, first.report.extended);
  assert.ok([...byLs].every(([name, f]) => [f.runs, f.runs + 1].includes(byBoth.get(name)?.runs as number)));
  const second = run(dir, ['show', '--store', store, ref]);
  assert.equal([second.status, second.stdout, second.stderr], [first.status, first.stdout, first.stderr]);
  assert.equal(second.report, { used: first.report.used + first.report.compiled, compiled: 0, written: 0, extended: 0 });
  assert.equal(run(dir, ['ls', '--store', store]).report.written, 0, 'ls\'s run is recorded too');
});

t('a cache file takes the functions of MAX_RUNS kinds of run, then is no longer rewritten', () => {
  const dir = tempDir('code-cache-full');
  assert.is(run(dir, ['vercmp', '1', '2']).report.used, 0);
  const full = Array.from({ length: MAX_RUNS }, (_, i) => 0x10000 + i);
  const n = damage(dir, (b) => {
    const c = readCacheFile(b, b.subarray(8, 16)) as { payload: Buffer; runs: number[] };
    return cacheFileBytes(c.payload, b.subarray(8, 16), full);
  });
  assert.equal(run(dir, ['vercmp', '1', '2']).report, { used: n, compiled: 0, written: 0, extended: 0 });
});

t('an empty chunk (esbuild\'s for a module of re-exports alone) is loaded as nothing: not compiled, not cached', () => {
  const root = tempDir('code-cache-empty');
  writeFileSync(join(root, 'entry.js'), "globalThis.emptyChunkTest = { empty: require('./empty.js'), value: require('./full.js').value };");
  writeFileSync(join(root, 'empty.js'), '');
  writeFileSync(join(root, 'full.js'), 'exports.value = 42;');
  const report = runBundle(join(root, 'entry.js'), root, 'test', null);
  assert.equal((globalThis as { emptyChunkTest?: unknown }).emptyChunkTest, { empty: {}, value: 42 });
  assert.equal(report, { used: 0, compiled: 2, written: 0, extended: 0 }, 'the entry and full.js compiled, the empty chunk not');
  rmSync(root, { recursive: true, force: true });
});

t('no cache directory to write: same answer, nothing written', () => {
  const parent = tempDir('code-cache-ro');
  const blocked = join(parent, 'file');
  writeFileSync(blocked, 'not a directory');
  const r = run(join(blocked, 'cache'), ['show', '--store', store, ref]);
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('cc-1.0-alt1.noarch'));
  assert.is(r.report.written, 0);
  assert.equal(readdirSync(parent), ['file'], 'no cache file, no temporary left behind');
  rmSync(parent, { recursive: true, force: true });
});

t('a build that writes its cache removes all but the newest builds\' caches', () => {
  const base = tempDir('code-cache-prune');
  const old = Array.from({ length: KEEP_BUILDS + 2 }, (_, i) => join(base, `old${i}`));
  old.forEach((d, i) => { mkdirSync(d); writeFileSync(join(d, 'x.cache'), 'x'); utimesSync(d, 1e9 + i, 1e9 + i); });
  const r = run(base, ['vercmp', '1', '2']);
  assert.is(r.stdout, '-1\n');
  const left = readdirSync(base).sort();
  assert.is(left.length, KEEP_BUILDS);
  assert.ok(left.some((d) => !d.startsWith('old')), 'this build\'s cache stays');
  assert.ok(!left.includes('old0') && !left.includes('old1') && !left.includes('old2'), `the oldest are gone: ${left.join(' ')}`);
});

t('BAZAAR_CODE_CACHE=off compiles every time; bazaar-rpm runs through the same loader', () => {
  assert.is(codeCacheDir({ BAZAAR_CODE_CACHE: 'off' }), null);
  assert.is(codeCacheDir({ BAZAAR_CODE_CACHE: '' }), null);
  assert.is(codeCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }), '/x/cache/bazaar/v8-code');
  assert.is(codeCacheDir({ HOME: '/home/u' }), '/home/u/.cache/bazaar/v8-code');
  const off = run('off', ['vercmp', '1.0', '2.0']);
  assert.equal([off.stdout, off.report.used, off.report.written], ['-1\n', 0, 0]);
  const dir = tempDir('code-cache-rpm');
  const a = run(dir, ['--version'], RPM_WRAPPER);
  const b = run(dir, ['--version'], RPM_WRAPPER);
  assert.is(a.status, 0, a.stderr);
  assert.equal([b.status, b.stdout], [a.status, a.stdout]);
  assert.ok(b.report.used > 0 && b.report.compiled === 0, JSON.stringify(b.report));
});

t.run();
