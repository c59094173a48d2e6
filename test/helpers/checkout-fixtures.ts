/**
 * Stores, layers and comparisons for the checkout and export tests: a fresh store per
 * test, layers imported from directories or archives and committed, snapshots (lstat +
 * getfattr, layer-fixtures.ts) normalised for what a checkout cannot or need not keep,
 * and overlayfs mounts when the sandbox allows them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLayerArchive, readLayerDirectory } from '../../src/archive/read-layer.js';
import { importLayerEntries } from '../../src/layer/import-layer-entries.js';
import { MemoryObjectBackend } from '../../src/store/memory-object-backend.js';
import { ObjectStore } from '../../src/store/objects.js';
import type { ObjectId } from '../../src/store/layout.js';
import { Store, internals } from '../../src/store/store.js';
import { tempDir } from './cli.js';
import { snapshotTree } from './layer-fixtures.js';
import type { Node } from './layer-fixtures.js';

export async function newStore(): Promise<Store> {
  return Store.init(join(tempDir('co-store'), 'store'));
}

/** Objects the tests write and commit directly (no transaction), with a directory for the checkout cache: a CheckoutStore. */
export type MemoryStore = ObjectStore & { dir: string };

/**
 * Objects in memory (no syncfs per commit) and a directory for the checkout cache: enough
 * for checkout, export and import, and much faster for tests that make many small layers.
 */
export function memoryStore(): MemoryStore {
  return Object.assign(new ObjectStore(new MemoryObjectBackend()), { dir: tempDir('co-mem') });
}

/** The ObjectStore behind a test's store (a Store's own, reached as the store's modules do). */
export function objectsOf(store: Store | MemoryStore): ObjectStore {
  return store instanceof Store ? internals(store).objects : store;
}

/** Imports a directory (an overlayfs-style layer) and commits its objects; returns the root tree id. */
export async function importDir(store: Store | MemoryStore, dir: string): Promise<ObjectId> {
  const layer = await importLayerEntries(objectsOf(store), readLayerDirectory(dir));
  await objectsOf(store).commit(layer.staged);
  return layer.root;
}

export async function importArchive(store: Store | MemoryStore, file: string): Promise<ObjectId> {
  const layer = await importLayerEntries(objectsOf(store), readLayerArchive(file));
  await objectsOf(store).commit(layer.staged);
  return layer.root;
}

export type Snapshot = Record<string, Node>;

/**
 * A snapshot for comparing checkouts: the root left out (its mode and time belong to
 * whoever made the directory), a hardlink group of one dropped (a file linked only to the
 * checkout cache), and optionally device nodes and sockets (which a checkout skips).
 */
export function snap(dir: string, options: { devices?: boolean } = {}): Snapshot {
  const out: Snapshot = {};
  for (const [k, n] of snapshotTree(dir)) {
    if (k === '.') continue;
    if (options.devices === false && (n.kind === 'char' || n.kind === 'block' || n.kind === undefined)) continue;
    const copy = { ...n };
    if (copy.links === k) delete copy.links;
    out[k] = copy;
  }
  return out;
}

let mountable: boolean | undefined;
/** Whether overlayfs mounts work here (root with CAP_SYS_ADMIN); BAZAAR_TEST_NO_MOUNT says no. */
export function canMountOverlay(): boolean {
  if (mountable === undefined && process.env.BAZAAR_TEST_NO_MOUNT) mountable = false;
  if (mountable === undefined) {
    const d = tempDir('probe');
    for (const s of ['l1', 'l2', 'm']) mkdirSync(join(d, s));
    mountable = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d}/l2:${d}/l1`, `${d}/m`]).status === 0;
    if (mountable) spawnSync('umount', [`${d}/m`]);
  }
  return mountable;
}

/** Mounts `lowers` (lowest first) read-only at a new directory, runs `fn` on it, unmounts. */
export function withOverlay<T>(lowers: string[], fn: (merged: string) => T): T {
  const merged = tempDir('ovl-m');
  const opts = lowers.length > 1 ? `lowerdir=${[...lowers].reverse().join(':')}` : `lowerdir=${lowers[0]}:${tempDir('ovl-empty')}`;
  const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', opts, merged], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  try { return fn(merged); } finally { spawnSync('umount', [merged]); }
}
