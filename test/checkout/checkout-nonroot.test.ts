/**
 * A checkout by a user who is not root, from a store root owns: owners are not set (one
 * note), trusted.* attributes cannot be set (one note) while user.* ones are, and hardlink
 * mode, finding the store's checkout cache not writable, copies (one note). Run by a child
 * process that drops to nobody (65534); skipped by name when the tests do not run as root.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckoutResult } from '../../src/checkout/checkout.js';
import { tempDir } from '../helpers/cli.js';
import { importDir, newStore } from '../helpers/checkout-fixtures.js';
import { fixTimes, run } from '../helpers/layer-fixtures.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('checkout-nonroot');
const NOBODY = 65534;

/** Runs checkouts as nobody in a child process; returns their results. */
function asNobody(storeDir: string, root: string, targets: Array<{ dir: string; mode: 'copy' | 'hardlink' }>): CheckoutResult[] {
  const script = `
    process.setgid(${NOBODY}); process.setuid(${NOBODY});
    const { checkout } = await import(${JSON.stringify(join(projectRoot, 'dist/src/checkout/checkout.js'))});
    const { ObjectStore } = await import(${JSON.stringify(join(projectRoot, 'dist/src/store/objects.js'))});
    const { FsObjectBackend } = await import(${JSON.stringify(join(projectRoot, 'dist/src/store/fs-object-backend.js'))});
    const store = Object.assign(new ObjectStore(new FsObjectBackend(${JSON.stringify(storeDir)})), { dir: ${JSON.stringify(storeDir)} });
    const out = [];
    for (const t of ${JSON.stringify(targets)}) out.push(await checkout(store, [${JSON.stringify(root)}], t.dir, { mode: t.mode }));
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the checkout as nobody failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as CheckoutResult[];
}

testWith(t, 'as nobody: no owners, no trusted.* attributes, a copy where the cache is not writable, each said once', ['root', 'setfattr', 'getfattr'], async () => {
  const src = tempDir('nonroot-src');
  writeFileSync(`${src}/owned`, 'owned by 1234\n');
  run('chown', ['1234:1234', `${src}/owned`]);
  writeFileSync(`${src}/tagged`, 'tagged\n');
  run('setfattr', ['-n', 'user.tag', '-v', 'kept', `${src}/tagged`]);
  run('setfattr', ['-n', 'trusted.secret', '-v', 'lost', `${src}/tagged`]);
  mkdirSync(`${src}/dir`);
  writeFileSync(`${src}/dir/setuid`, '#!/bin/sh\n');
  chmodSync(`${src}/dir/setuid`, 0o4755);
  fixTimes(src);
  const store = await newStore();
  const root = await importDir(store, src);
  run('chmod', ['-R', 'a+rX', join(store.dir, '..')]);
  const parent = tempDir('nonroot-out');
  chmodSync(parent, 0o777);
  const [copy, hard] = asNobody(store.dir, root, [{ dir: `${parent}/copy`, mode: 'copy' }, { dir: `${parent}/hard`, mode: 'hardlink' }]);
  for (const [r, dir] of [[copy, `${parent}/copy`], [hard, `${parent}/hard`]] as const) {
    for (const f of ['owned', 'tagged', 'dir/setuid']) assert.is(lstatSync(`${dir}/${f}`).uid, NOBODY, f);
    assert.is(readFileSync(`${dir}/owned`, 'utf8'), 'owned by 1234\n');
    assert.is(lstatSync(`${dir}/dir/setuid`).mode & 0o7777, 0o4755);
    assert.is(run('getfattr', ['--only-values', '-n', 'user.tag', `${dir}/tagged`]).toString(), 'kept');
    assert.is(r.notes.filter((n) => n.startsWith('owners were not set')).length, 1, r.notes.join('\n'));
    assert.ok(r.notes.some((n) => n.includes('extended attributes could not be set') && n.includes('only root')), r.notes.join('\n'));
  }
  assert.is(hard.copies, 3);
  assert.ok(hard.notes.some((n) => n.startsWith('the checkout cache is not writable here')), hard.notes.join('\n'));
});

testWith(t, "as nobody, with its own cache: a copy checkout copies the entries it can read and decodes one it cannot (mode 0111)", ['root'], async () => {
  const src = tempDir('nonroot-own-src');
  writeFileSync(`${src}/plain`, 'plain\n');
  writeFileSync(`${src}/exec-only`, '#!/bin/sh\necho exec-only\n');
  chmodSync(`${src}/exec-only`, 0o111);
  fixTimes(src);
  const store = await newStore();
  const root = await importDir(store, src);
  run('chmod', ['-R', 'a+rX', join(store.dir, '..')]);
  run('chown', ['-R', `${NOBODY}:${NOBODY}`, store.dir]); // nobody's store: its cache entries are nobody's
  const parent = tempDir('nonroot-own-out');
  chmodSync(parent, 0o777);
  const [hard, copy] = asNobody(store.dir, root, [{ dir: `${parent}/hard`, mode: 'hardlink' }, { dir: `${parent}/copy`, mode: 'copy' }]);
  assert.is(hard.cacheLinks, 2);
  assert.is(copy.copies, 2);
  assert.is(copy.cacheCopies, 1, 'plain from its entry; exec-only, unreadable to its owner, decoded');
  assert.is(readFileSync(`${parent}/copy/exec-only`, 'utf8'), '#!/bin/sh\necho exec-only\n');
  assert.is(lstatSync(`${parent}/copy/exec-only`).mode & 0o7777, 0o111);
  assert.is(lstatSync(`${parent}/copy/exec-only`).nlink, 1);
  assert.is(readFileSync(`${parent}/copy/plain`, 'utf8'), 'plain\n');
});

t.run();
