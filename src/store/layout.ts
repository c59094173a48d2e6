/**
 * The store's on-disk layout, and the only functions that build paths inside it.
 *
 *   <store>/bazaar-store.json   {"layout": 4}: what this directory is, and its version
 *   <store>/objects/ab/<62 hex> zstd-compressed objects named by the sha256 of their bytes
 *   <store>/objects/pack/       small objects, many per file (object-packs.ts)
 *   <store>/tmp/                objects being written (<pid>-<random>.tmp)
 *   <store>/refs.git/           a bare git repository: the history of every branch
 *   <store>/state/<seq>         the heads of every branch, one immutable file per commit
 *   <store>/readers/            leases of live readers (the state each one reads)
 *   <store>/cache/              derived data (indexes, universe caches): deletable; its
 *                               paths are built in caches/paths.ts
 *   <store>/lock                held while a writer changes the state
 *   <store>/config.json         optional settings
 */
import { hash } from 'node:crypto';
import { join } from 'node:path';

/**
 * 3: small objects may live in packs (objects/pack/); 4: states may record gc's horizon
 * (`prunedBefore`); 5: packs may hold range records (range-records.ts). Layouts 2 to 4 are
 * read as they are and raised when a writer first needs it (layout-marker.ts); a new
 * store starts at INITIAL_LAYOUT.
 */
export const STORE_LAYOUT_VERSION = 5;
export const INITIAL_LAYOUT = 4;
export const RANGES_LAYOUT = 5;
export const MARKER_FILE = 'bazaar-store.json';

export type ObjectId = `sha256:${string}`;
const ID_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** sha256 of no bytes: an empty file needs no read. */
export const EMPTY_BLOB: ObjectId = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function isObjectId(text: string): text is ObjectId {
  return ID_PATTERN.test(text);
}

/** The id of some bytes: sha256 of the uncompressed content. */
export function objectIdOf(bytes: Uint8Array): ObjectId {
  // one-shot (Node >= 20.12): no Hash object per call, ~0.5 µs less per object in a batch read of thousands
  return `sha256:${hash('sha256', bytes)}`;
}

export function markerPath(root: string): string { return join(root, MARKER_FILE); }
export function objectsDir(root: string): string { return join(root, 'objects'); }
export function objectPath(root: string, id: ObjectId): string {
  const hex = id.slice(7);
  return join(root, 'objects', hex.slice(0, 2), hex.slice(2));
}
/** The id of the object stored at `objects/<dir>/<name>`, or null if the name is not one. */
export function objectIdFromPath(dir: string, name: string): ObjectId | null {
  const id = `sha256:${dir}${name}`;
  return isObjectId(id) ? id : null;
}
export function tmpDir(root: string): string { return join(root, 'tmp'); }
export function tmpPath(root: string): string {
  return join(root, 'tmp', `${process.pid}-${Math.random().toString(36).slice(2, 12)}.tmp`);
}
/** The pid that wrote a temp file, from its name (null if the name is not ours). */
export function tmpOwner(name: string): number | null {
  const m = /^(\d+)-[a-z0-9]+\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}
export function gitDir(root: string): string { return join(root, 'refs.git'); }
export function lockPath(root: string): string { return join(root, 'lock'); }
export function configPath(root: string): string { return join(root, 'config.json'); }

export function stateDir(root: string): string { return join(root, 'state'); }
/** State files are named by their sequence number, zero-padded so names sort as numbers. */
export function statePath(root: string, seq: number): string { return join(root, 'state', String(seq).padStart(12, '0')); }
export function stateSeqOf(name: string): number | null { return /^\d{12}$/.test(name) ? Number(name) : null; }

export function readersDir(root: string): string { return join(root, 'readers'); }
export function leasePath(root: string, name: string): string { return join(root, 'readers', name); }

/** Layout 1 kept a LevelDB index here; it is derived data, removed on migration. */
export function legacyIndexDir(root: string): string { return join(root, 'index'); }
