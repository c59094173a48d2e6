/**
 * Pruning every derived cache family (paths.ts lists them): gc calls `pruneCaches` once it
 * has committed, and `pruneCheckoutCache` after; the server prunes a channel's rpm-md as
 * it publishes a new generation. Nothing here can lose data: every entry is rebuilt from
 * the objects and the history when it is needed again.
 */
import { lstatSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';
import { fsEvent, removeFile, removeTree } from '../../fs/ops.js';
import type { ObjectId } from '../layout.js';
import { processAlive } from '../process-id.js';
import { DerivedPacks, derivedPackKinds } from './derived-packs.js';
import { indexFilesNeeded } from '../package-index-file.js';
import { bootCacheDir, CACHE_TMP_PREFIX, COMMIT_KEYED_DIRS, cacheDir, cacheTmpOwner, checkoutFilesDir, checkoutTreesDir, rpmmdCacheDir, rpmmdGenerationCommit } from './paths.js';

/** What gc keeps: the caches of these commits, objects and channels. */
export interface CacheKeep {
  /** Commits the kept states name (heads and leased states). */
  commits: ReadonlySet<string>;
  /** Objects gc kept. */
  objects: (id: ObjectId) => boolean;
  /** The channels of the current state, each with its head commit. */
  channels: ReadonlyMap<string, string>;
  /** The store's clock (ms). */
  now: number;
}

/** gc leaves cache entries touched this recently: a running checkout or client may be about to use them. */
export const CACHE_GRACE_MS = 60 * 60 * 1000;

function names(dir: string): string[] {
  try { return readdirSync(dir); } catch (err) { if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return []; throw err; }
}

/** Whether a cache temp entry belongs to a process that still runs (this one included); false for other names. */
function liveTmp(name: string): boolean {
  const pid = cacheTmpOwner(name);
  return pid !== null && pid > 0 && writerAlive(pid);
}

function writerAlive(pid: number): boolean { return pid === process.pid || processAlive({ pid, start: 0 }); }

/**
 * Temp files of writers that are gone, in a kept cache directory: `.tmp-<pid>-<random>`, and `<file>.tmp-<pid>` as universe files were written
 * before they took that name.
 */
function removeDeadTemps(dir: string): void {
  for (const name of names(dir)) {
    const pid = cacheTmpOwner(name) ?? Number(/\.tmp-(\d+)$/.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid > 0 && !writerAlive(pid)) removeFile(join(dir, name));
  }
}

/** Prunes every family but the checkout cache (see pruneCheckoutCache) to what `keep` names. */
export function pruneCaches(root: string, keep: CacheKeep): void {
  // Caches of commits no current or leased state names: rebuilt from a kept one if ever needed.
  for (const family of COMMIT_KEYED_DIRS) {
    const dir = join(cacheDir(root), family);
    // a kept index may be a delta on another commit's (package-index-file.ts): that one stays too
    const kept = family === 'index' ? indexFilesNeeded(root, keep.commits) : keep.commits;
    for (const name of names(dir)) {
      if (!/^[0-9a-f]{40}/.test(name)) continue;
      if (!kept.has(name.replace(/\.v\d+$/, ''))) removeTree(join(dir, name));
      else if (family === 'universe') removeDeadTemps(join(dir, name)); // what a killed writer left (the other families are files)
    }
  }
  // Derived entries of objects gc deleted.
  const derived = join(cacheDir(root), 'derived');
  for (const kind of names(derived)) {
    for (const name of names(join(derived, kind))) {
      if (!/^[0-9a-f]{64}$/.test(name) || !keep.objects(`sha256:${name}`)) removeFile(join(derived, kind, name));
    }
  }
  for (const kind of derivedPackKinds(root)) DerivedPacks.of(root, kind).prune(keep.objects);
  pruneBootSets(root, keep);
  // rpm-md: all of a channel that is gone (deleted, renamed); of a live one, what the
  // server itself would have let go (pruneRpmmd), once untouched for the grace period.
  const rpmmd = join(cacheDir(root), 'rpmmd');
  for (const channel of names(rpmmd)) {
    const head = keep.channels.get(channel);
    if (head === undefined) { pruneRpmmd(root, channel, []); continue; }
    // The head's generations, signed or not (rpmmdGenerationName), and the newest other one.
    const all = names(rpmmdCacheDir(root, channel)).filter((n) => !n.startsWith('.'));
    const heads = all.filter((n) => rpmmdGenerationCommit(n) === head);
    const others = all.filter((n) => rpmmdGenerationCommit(n) !== head);
    const newest = others.map((n) => ({ n, at: lstatSync(join(rpmmdCacheDir(root, channel), n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => b.at - a.at)[0];
    pruneRpmmd(root, channel, newest ? [...heads, newest.n] : heads, { now: keep.now, graceMs: CACHE_GRACE_MS });
  }
}

/**
 * Boot sets (paths.ts bootCacheDir): the record of an image version gc deleted goes, then
 * every squashfs and initrd no remaining record uses (`uses`), once untouched for the
 * grace period (a server may be building a set that names it), and temp files of writers
 * that are gone.
 */
function pruneBootSets(root: string, keep: CacheKeep): void {
  const dir = bootCacheDir(root);
  const used = new Set<string>();
  for (const name of names(join(dir, 'sets'))) {
    const m = /^([0-9a-f]{64})\.json$/.exec(name);
    if (m && keep.objects(`sha256:${m[1]}`)) {
      try {
        const uses = (JSON.parse(readFileSync(join(dir, 'sets', name), 'utf8')) as { uses?: unknown }).uses;
        if (Array.isArray(uses)) { for (const u of uses) if (typeof u === 'string') used.add(u); continue; }
      } catch { /* unreadable: dropped, rebuilt on the next request */ }
    }
    if (!liveTmp(name)) removeFile(join(dir, 'sets', name));
  }
  for (const family of ['layers', 'initrd']) {
    for (const name of names(join(dir, family))) {
      const path = join(dir, family, name);
      if (liveTmp(name) || used.has(`${family}/${name.replace(/\.json$/, '')}`)) continue;
      if (cacheTmpOwner(name) === null && keep.now - (lstatSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < CACHE_GRACE_MS) continue;
      removeTree(path); // a killed squashfs build leaves its temp tree here
    }
  }
}

/**
 * Deletes a channel's rpm-md generations other than `keep` (and the temp directories of
 * writers that are gone); the channel's directory too when nothing is left in it.
 * `graceMs` spares generations written more recently than that.
 */
export function pruneRpmmd(root: string, channel: string, keep: readonly string[], options: { now?: number; graceMs?: number } = {}): void {
  const dir = rpmmdCacheDir(root, channel);
  const now = options.now ?? Date.now();
  let left = 0;
  for (const name of names(dir)) {
    const path = join(dir, name);
    if (keep.includes(name) || liveTmp(name)) { left++; continue; }
    if (options.graceMs && now - (lstatSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < options.graceMs) { left++; continue; }
    removeTree(path);
  }
  if (left === 0) {
    fsEvent(false);
    // not removeTree: a writer may have begun a new generation meanwhile
    try { rmdirSync(dir); } catch (err) { if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'ENOTDIR')) throw err; }
  }
}

/**
 * Deletes checkout-cache file entries no checkout shares any more (link count 1,
 * `removed`), cached trees (`trees`: the next checkout decodes them again), and temp files
 * left by processes that are gone. Hardlinked checkouts keep their inodes whatever
 * happens here.
 *
 * `olderThanMs` spares entries whose inode changed more recently (ctime: creating, renaming
 * and linking an entry all set it), so a checkout running now never loses an entry between
 * writing it and linking it; gc passes CACHE_GRACE_MS, tests 0. `now`: the clock to measure
 * it by (gc's is the store's).
 */
export function pruneCheckoutCache(root: string, options: { olderThanMs?: number; now?: number } = {}): { removed: number; trees: number; bytes: number } {
  const olderThanMs = options.olderThanMs ?? 0;
  const now = options.now ?? Date.now();
  let removed = 0;
  let trees = 0;
  let bytes = 0;
  for (const [top, keepLinked] of [[checkoutFilesDir(root), true], [checkoutTreesDir(root), false]] as const) {
    for (const sub of names(top)) {
      for (const name of readdirSync(join(top, sub))) {
        const p = join(top, sub, name);
        const st = lstatSync(p, { throwIfNoEntry: false });
        if (!st) continue;
        if (name.startsWith(CACHE_TMP_PREFIX)) {
          if (liveTmp(name)) continue;
        } else if ((keepLinked && st.nlink > 1) || (olderThanMs > 0 && now - st.ctimeMs < olderThanMs)) {
          // no grace asked: a ctime a fraction of a millisecond past Date.now() is not 'recent'
          continue;
        }
        removeFile(p);
        if (keepLinked) removed++; else trees++;
        bytes += st.size;
      }
    }
  }
  return { removed, trees, bytes };
}
