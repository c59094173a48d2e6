/**
 * docs/library.md runs as written: each ```js block, in order, as a module in one scratch
 * directory (repos/ linked, 'bazaar' resolved to this package as a build tool's
 * node_modules would), with nothing on stderr; every `// => TEXT` the block holds must be
 * a line it printed. The library's checks are tried beside it: every exported operation
 * refuses a non-Store, a missing options object and an unknown option with ERR_USAGE.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as library from '../../src/index.js';
import * as operations from '../../src/library/index.js';
import { BazaarError } from '../../src/errors.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('docs/library.md');
const doc = readFileSync(join(projectRoot, 'docs/library.md'), 'utf8');
const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);

t('every example runs in order and prints what it says', () => {
  assert.ok(blocks.length >= 5, `${blocks.length} examples`);
  const dir = tempDir('library-doc');
  symlinkSync(join(projectRoot, 'repos'), join(dir, 'repos'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(projectRoot, join(dir, 'node_modules', 'bazaar'));
  blocks.forEach((code, i) => {
    writeFileSync(join(dir, `example-${i}.mjs`), code);
    const r = spawnSync(process.execPath, [`example-${i}.mjs`], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, `example ${i + 1}:\n${r.stderr}`);
    assert.is(r.stderr, '', `example ${i + 1} wrote to stderr`);
    const printed = r.stdout.split('\n');
    const expected = [...code.matchAll(/\/\/ => (.*)$/gm)].map((m) => (m[1] as string).trim());
    for (const line of expected) assert.ok(printed.includes(line), `example ${i + 1} printed ${JSON.stringify(line)}; it printed:\n${r.stdout}`);
  });
});

/** The library's operations (src/library), every one exported by src/index.ts. */
const OPERATIONS = Object.entries(operations) as Array<[string, (...a: unknown[]) => Promise<unknown>]>;

async function refusal(fn: () => Promise<unknown>): Promise<BazaarError> {
  try { await fn(); } catch (err) { if (err instanceof BazaarError) return err; throw err; }
  throw new Error('not refused');
}

t('every operation refuses what is not a store, and an unknown option, naming it', async () => {
  assert.ok(OPERATIONS.length >= 40, `${OPERATIONS.length} operations: ${OPERATIONS.map(([n]) => n).join(' ')}`);
  for (const [name, fn] of OPERATIONS) assert.is((library as Record<string, unknown>)[name], fn, `${name} is exported by the library`);
  const store = await library.Store.open(freshStore('library-checks'));
  for (const [name, fn] of OPERATIONS) {
    const notStore = await refusal(() => fn('./bazaar-store', {}));
    assert.is(notStore.code, 'ERR_USAGE', name);
    assert.match(notStore.message, `${name} takes an open store first`);
    if (fn.length < 2) continue; // listImages(store) and the like take no options
    const unknown = await refusal(() => fn(store, { frobnicate: true }));
    assert.is(unknown.code, 'ERR_USAGE', name);
    assert.match(unknown.message, new RegExp(`^${name}: unknown option frobnicate|^${name} needs `), `${name}: ${unknown.message}`);
    const none = await refusal(() => fn(store, 'web'));
    assert.is(none.code, 'ERR_USAGE', `${name} given a string for options`);
  }
});

t('a wrong kind of value is refused before anything runs, and the store is unchanged', async () => {
  const dir = freshStore('library-types');
  const store = await library.Store.open(dir);
  const before = (await store.list()).length;
  const e = await refusal(() => library.createImage(store, { image: 'x@1.0.0', layers: 'base@^1.0' as unknown as string[] }));
  assert.is(e.code, 'ERR_USAGE');
  assert.is(e.message, 'createImage: layers must be a list of non-empty strings, not "base@^1.0"');
  const f = await refusal(() => library.checkoutImage(store, { image: 'x', dir: '/tmp/x', mode: 'hardlink', onProgress: 5 as unknown as () => void }));
  assert.is(f.message, 'checkoutImage: onProgress must be a function, not number 5');
  const g = await refusal(() => library.exportImage(store, { image: 'x', out: '/tmp/x.zip', format: 'zip' as 'dir' }));
  assert.is(g.message, "exportImage: format is 'dir', 'tar.zst', 'overlay', 'squashfs', not \"zip\"", 'a choice is checked before the image is looked up');
  assert.is((await store.list()).length, before);
  assert.equal((await library.listImages(store)), []);
});

t.run();
