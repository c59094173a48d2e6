/**
 * Hostile trees, built object by object: names that are not one path component, a
 * symlink carrying content beneath it, a symlink in a lower layer that an upper layer
 * puts files under, a hardlink group naming a path through a symlink, and targets that
 * are not empty or are symlinks. Each is refused with one line or handled without
 * following the link, and nothing is written outside the target.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { exportImage } from '../../src/checkout/export-image.js';
import { isBazaarError } from '../../src/errors.js';
import { canonicalJson } from '../../src/store/canonical-json.js';
import type { ObjectId } from '../../src/store/layout.js';
import type { TreeEntry } from '../../src/store/kinds/tree.js';
import { tempDir } from '../helpers/cli.js';
import { memoryStore } from '../helpers/checkout-fixtures.js';
import type { MemoryStore } from '../helpers/checkout-fixtures.js';

const t = suite('checkout-hostile');
const store: MemoryStore = memoryStore();

/** Stores a tree object as given: no validation, no sorting (objects.put does not parse). */
async function rawTree(entries: Array<Partial<TreeEntry> & { name: string }>): Promise<ObjectId> {
  const full = entries.map((e) => ({ kind: 'file', mode: 0o100644, user: '0', group: '0', ...e }));
  return store.put(Buffer.from(canonicalJson({ kind: 'tree', v: 1, entries: full })));
}

async function blob(text: string): Promise<{ id: ObjectId; size: number }> {
  return { id: await store.put(Buffer.from(text)), size: Buffer.byteLength(text) };
}

/** A target inside a fresh parent; the parent must hold only the target afterwards. */
function target(): { parent: string; out: string } {
  const parent = tempDir('hostile');
  return { parent, out: `${parent}/out` };
}

async function refused(run: () => Promise<unknown>): Promise<Error> {
  try { await run(); } catch (err) {
    assert.ok(isBazaarError(err), String(err));
    assert.not.ok((err as Error).message.includes('\n'), 'one line');
    return err as Error;
  }
  throw new Error('accepted');
}

for (const name of ['..', '.', 'a/b', '../escape', '']) {
  t(`a tree entry named ${JSON.stringify(name)} is refused, nothing written`, async () => {
    const root = await rawTree([{ name, kind: 'file', ...(await blob('x')) }]);
    const { parent, out } = target();
    const err = await refused(() => checkout(store, [root], out, { mode: 'copy' }));
    assert.match(err.message, /not a valid tree|single path component/);
    assert.equal(readdirSync(parent), [], 'the target it created is gone again');
    assert.not.ok(existsSync(`${dirname(parent)}/escape`));
  });
}

t('a directory entry named ".." deeper down is refused too, and what was written before is removed', async () => {
  const evil = await rawTree([{ name: '..', kind: 'dir', mode: 0o40755, id: await rawTree([{ name: 'pwned', ...(await blob('x')) }]) }]);
  const root = await rawTree([{ name: 'a', ...(await blob('a')) }, { name: 'sub', kind: 'dir', mode: 0o40755, id: evil }]);
  const { parent, out } = target();
  await refused(() => checkout(store, [root], out, { mode: 'copy' }));
  assert.equal(readdirSync(parent), []);
});

t('a symlink with content beneath it is refused, the content never written', async () => {
  const outside = tempDir('hostile-outside');
  const sub = await rawTree([{ name: 'passwd', ...(await blob('owned')) }]);
  const root = await rawTree([{ name: 'etc', kind: 'symlink', mode: 0o120777, target: outside, id: sub }]);
  const { parent, out } = target();
  const err = await refused(() => checkout(store, [root], out, { mode: 'hardlink' }));
  assert.match(err.message, /symlink with content beneath it/);
  assert.equal(readdirSync(outside), []);
  assert.equal(readdirSync(parent), []);
});

t('an upper directory over a lower symlink replaces it: files land in the target, not through the link', async () => {
  const outside = tempDir('hostile-outside');
  const lower = await rawTree([{ name: 'etc', kind: 'symlink', mode: 0o120777, target: outside }]);
  const upper = await rawTree([{ name: 'etc', kind: 'dir', mode: 0o40755, id: await rawTree([{ name: 'passwd', ...(await blob('mine')) }]) }]);
  const { out } = target();
  await checkout(store, [lower, upper], out, { mode: 'copy' });
  assert.equal(readdirSync(`${out}/etc`), ['passwd']);
  assert.equal(readdirSync(outside), []);
  // And the other way round: a lower directory's files are hidden by an upper symlink.
  const out2 = `${tempDir('hostile')}/out`;
  await checkout(store, [upper, lower], out2, { mode: 'copy' });
  assert.equal(readdirSync(outside), []);
  assert.equal(readdirSync(out2), ['etc']);
});

t('a hardlink group naming a path through a symlink links only within the checkout', async () => {
  const outside = tempDir('hostile-outside');
  writeFileSync(`${outside}/secret`, 'secret');
  const b = await blob('mine');
  const root = await rawTree([
    { name: 'a', ...b, linkTo: 'lnk/secret' },
    { name: 'b', ...b, linkTo: 'lnk/secret' },
    { name: 'lnk', kind: 'symlink', mode: 0o120777, target: outside },
  ]);
  for (const mode of ['copy', 'hardlink'] as const) {
    const { out } = target();
    await checkout(store, [root], out, { mode });
    for (const f of ['a', 'b']) assert.is((await import('node:fs')).readFileSync(`${out}/${f}`, 'utf8'), 'mine');
  }
  for (const format of ['tar.zst'] as const) {
    const file = `${tempDir('hostile-tar')}/x.tar.zst`;
    await exportImage(store, [root], { format, out: file });
  }
});

t('a target that is not empty, or is a symlink, is refused before anything is written', async () => {
  const root = await rawTree([{ name: 'f', ...(await blob('x')) }]);
  const busy = tempDir('hostile-busy');
  writeFileSync(`${busy}/keep`, 'k');
  let err = await refused(() => checkout(store, [root], busy, { mode: 'copy' }));
  assert.match(err.message, /is not empty/);
  assert.equal(readdirSync(busy), ['keep']);
  const real = tempDir('hostile-real');
  const link = `${tempDir('hostile-link')}/link`;
  symlinkSync(real, link);
  err = await refused(() => checkout(store, [root], link, { mode: 'copy' }));
  assert.match(err.message, /symlink/);
  assert.equal(readdirSync(real), []);
  err = await refused(() => checkout(store, [root], `${tempDir('hostile')}/no/such/parent`, { mode: 'copy' }));
  assert.match(err.message, /parent directory does not exist/);
});

t('an existing empty target is filled, and emptied again on failure (its own mode kept)', async () => {
  const dir = tempDir('hostile-empty');
  mkdirSync(`${dir}/t`, 0o750);
  const bad = await rawTree([{ name: 'ok', ...(await blob('x')) }, { name: 'zz', kind: 'file', size: 3 }]);
  for (const mode of ['copy', 'hardlink'] as const) {
    const err = await refused(() => checkout(store, [bad], `${dir}/t`, { mode }));
    assert.match(err.message, /without a content object/);
    assert.equal(readdirSync(`${dir}/t`), []);
  }
});

t('bad arguments are usage errors', async () => {
  const { out } = target();
  for (const [roots, mode] of [[['nope'], 'copy'], [[], 'sideways']] as const) {
    const err = await refused(() => checkout(store, roots as unknown as ObjectId[], out, { mode: mode as 'copy' }));
    assert.ok(isBazaarError(err, 'ERR_USAGE'), err.message);
  }
});

t.run();
