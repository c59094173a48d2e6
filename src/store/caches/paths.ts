/**
 * Where the derived caches live: the only functions that build paths under
 * `<store>/cache/`. Everything there is derived from the objects and the history: each
 * entry is checked when it is read (a damaged one is rebuilt, never believed), gc prunes
 * every family (prune.ts), and any of it may be deleted at any time (`bazaar reindex`
 * deletes it all). docs/store.md#derived-data has the table of families.
 */
import { join } from 'node:path';
import type { ObjectId } from '../layout.js';

export function cacheDir(root: string): string { return join(root, 'cache'); }

/** The package index of one commit of a package branch (package-index.ts). */
export function packageIndexPath(root: string, commit: string): string { return join(root, 'cache', 'index', `${commit}.v1`); }

/** Which build holds each file id, for one commit of `packages` (file-locator.ts). */
export function fileLocatorPath(root: string, commit: string): string { return join(root, 'cache', 'files', `${commit}.v1`); }

/** The resolver's universe of one channel commit (resolver/universe-cache.ts). */
export function universeCacheDir(root: string, commit: string): string { return join(root, 'cache', 'universe', commit); }

/** The families keyed by a commit: gc keeps those of the commits its kept states name. */
export const COMMIT_KEYED_DIRS = ['index', 'files', 'universe'] as const;

/** Derived data of one object, by kind (derived-entries.ts). */
export function derivedKindDir(root: string, kind: string): string { return join(root, 'cache', 'derived', kind); }
export function derivedEntryPath(root: string, kind: string, id: ObjectId): string { return join(derivedKindDir(root, kind), id.slice('sha256:'.length)); }

/** Derived data of many objects of one kind, packed (derived-packs.ts): rpm-md fragments per build. */
export function derivedPacksDir(root: string, kind: string): string { return join(root, 'cache', 'packs', kind); }

/** The checkout cache (checkout/checkout-cache.ts, checkout/tree-cache.ts); the version changes with its naming. */
export const CHECKOUT_CACHE_VERSION = 'v1';
export function checkoutCacheDir(root: string): string { return join(root, 'cache', 'checkout', CHECKOUT_CACHE_VERSION); }
export function checkoutFilesDir(root: string): string { return join(checkoutCacheDir(root), 'files'); }
export function checkoutTreesDir(root: string): string { return join(checkoutCacheDir(root), 'trees'); }

/**
 * Entries being written in the checkout and rpm-md caches: `.tmp-<pid>-<random>` beside
 * their final name, renamed into place when whole; gc removes those of dead processes.
 */
export const CACHE_TMP_PREFIX = '.tmp-';

/** The pid that is writing a cache temp entry, from its name (null if the name is not one). */
export function cacheTmpOwner(name: string): number | null {
  const m = /^\.tmp-(\d+)-/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * The rpm-md the server generates for a channel, one directory per channel commit
 * (server/repo-cache.ts): `<commit>`, or `<commit>.<keyid>` when signed by that key (a
 * new signing key makes a new directory, never a change to a sealed one).
 */
export function rpmmdCacheDir(root: string, channel: string): string { return join(root, 'cache', 'rpmmd', channel); }
export function rpmmdGenerationName(commit: string, signedBy: string | null): string { return signedBy === null ? commit : `${commit}.${signedBy}`; }
export function rpmmdGenerationDir(root: string, channel: string, commit: string, signedBy: string | null = null): string { return join(rpmmdCacheDir(root, channel), rpmmdGenerationName(commit, signedBy)); }
/** The channel commit a generation directory is of. */
export function rpmmdGenerationCommit(name: string): string { return name.split('.')[0]; }

/**
 * Boot sets (boot/boot-cache.ts, docs/netboot.md): `layers/<tree>.squashfs` per layer
 * tree, `initrd/<key>.img` per kernel-and-busybox, `sets/<image>.json` per image version
 * (what its boot set is made of); each file with a `.json` record of its sha256.
 */
export const BOOT_CACHE_VERSION = 'v1';
export function bootCacheDir(root: string): string { return join(root, 'cache', 'boot', BOOT_CACHE_VERSION); }

/** What the last fsck found damaged (damage.ts): not derived from objects, but as deletable. */
export function damagePath(root: string): string { return join(root, 'cache', 'damage.json'); }
