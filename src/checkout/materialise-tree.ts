/**
 * Writes a walked tree (merged-tree.ts) into a checkout target: the engine behind
 * checkout, the `dir` and `squashfs` exports (merged stacks) and the `overlay` export
 * (one layer raw, its whiteouts as overlayfs writes them). docs/checkout.md says what
 * each kind of entry becomes and what is skipped.
 *
 * Safety: every path is created by this code, component by component, in walk order: a
 * directory before anything in it, and nothing ever beneath a non-directory (the walk
 * descends only into directories, and refuses names that are not one component).
 * Files are created with O_EXCL, symlinks are never followed (lchown, lutimes,
 * lsetxattr), and hardlinks point only at files this checkout created or at the
 * store's checkout cache.
 *
 * Order of metadata: content, owner, then mode (chown clears setuid), time; extended
 * attributes after all owners are set (chown drops security.capability); directories
 * get owner, mode and time last, children first (creating entries changes a directory's
 * time, and a read-only directory could not be filled). That list of directories is the
 * one thing that grows with the tree, one small record each.
 */
import { lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, chmodSync, rmSync, symlinkSync } from 'node:fs';
import { BazaarError, isErrno } from '../errors.js';
import { loadNativeZstd } from '../compress/index.js';
import { encodePathBytes, SpecialFiles, unwritableCode, XattrWriter } from '../fs/index.js';
import type { ObjectId, ObjectReader, TreeEntry } from '../store/index.js';
import { DirTimes, OwnerIds, treeReader } from '../stack/index.js';
import { TaskPool } from '../store/index.js';
import { CheckoutCache } from './checkout-cache.js';
import type { CacheFile, CacheStats } from './checkout-cache.js';
import { clearTarget, finishTarget, openTarget, targetError, targetFsPath } from './checkout-target.js';
import type { CheckoutTarget } from './checkout-target.js';
import type { MergedEntry } from '../stack/index.js';
import { escapeOverlayXattr } from '../archive/index.js';
import { closeFile, copyCacheEntry, openNew, setFileAttributes, sizeMismatch, writeBlobFile, writeNewFile } from './write-blob-file.js';
import { SmallFileBatch } from './small-file-batch.js';

/** Files written concurrently while their frames decompress on the thread pool (more was no faster on 2 cores, bench/checkout.ts). */
const PARALLEL = 4;
/** Cache entries with attributes are finished (attributes set, renamed into place) this many at a time. */
const XATTR_BATCH = 256;
const PROGRESS_EVERY = 256;

/** The process's umask (read once; a worker thread cannot read it: then nothing is assumed of it). */
function currentUmask(): number {
  try { return process.umask(); } catch { return 0o777; }
}

/**
 * Whether a directory can be made with its final mode at once instead of 0700 and a chmod at
 * the end: the owner can fill it, no group or other may write to it, no setuid/setgid/sticky
 * bit, and the umask leaves the mode as it is. Entering it early gives nobody more than the
 * finished checkout does (and a target the checkout creates stays 0700 until the end).
 */
function finalModeAtOnce(perm: number, umask: number): boolean {
  return (perm & 0o7022) === 0 && (perm & 0o700) === 0o700 && (perm & umask) === 0;
}

/**
 * Whether a file written whole from a verified read (a small file of a copy checkout) can
 * be created with its final mode instead of 0600 and an fchmod: no setuid/setgid/sticky
 * bit (a chown would clear them; and they are never on a file before its owner is right),
 * nothing the umask would take away, and no owner to set. Content and attributes follow
 * at once, in the checkout's own directory.
 */
function fileModeAtOnce(perm: number, umask: number): boolean {
  return (perm & 0o7000) === 0 && (perm & umask) === 0;
}

export type CheckoutMode = 'hardlink' | 'copy';

export interface CheckoutProgress { entries: number; files: number; bytes: number }

export interface CheckoutResult {
  /** Regular files (every name of a hardlinked file counts). */
  files: number;
  bytes: number;
  dirs: number;
  symlinks: number;
  fifos: number;
  /** Names made hard links of another name in the checkout (hardlinks within a layer). */
  links: number;
  /** hardlink mode: files linked to the checkout cache. */
  cacheLinks: number;
  /** Files written as copies (copy mode, or where linking failed). */
  copies: number;
  /** copy mode: of the copies, those made from an intact checkout-cache entry (a reflink or an in-kernel copy) instead of decoding the object. */
  cacheCopies: number;
  /** overlay export: whiteouts written. */
  whiteouts: number;
  /** Device nodes and sockets, not created (docs/checkout.md#what-is-skipped). */
  skipped: Array<{ path: string; kind: 'char' | 'block' | 'socket' }>;
  /** One line each: what was skipped or repaired, and why. */
  notes: string[];
  /** hardlink mode: cache entries created, reused as they were, and replaced because damaged. */
  cache?: CacheStats;
}

export interface MaterialiseOptions {
  mode: CheckoutMode;
  onProgress?: (p: CheckoutProgress) => void;
  signal?: AbortSignal;
  /** How a reused cache entry is checked (checkout-cache.ts); default 'stat'. */
  verifyCache?: 'stat' | 'full';
  /** Write whiteouts and opaque directories as overlayfs does (the overlay export). */
  overlay?: boolean;
}

export interface MaterialiseContext { objects: ObjectReader; storeDir: string; owners: OwnerIds }

/** `file.id` is absent only in a damaged tree: writeBlobFile says so (or writes an empty file). */
interface FileJob { full: string | Buffer; file: CacheFile }
/** A file that waits for its cache entry's attributes, or for the first name of its group. */
interface Deferred extends FileJob { source: string | Buffer; viaCache: boolean }

function samePath(a: string | Buffer, b: string | Buffer): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a === b : Buffer.from(a).equals(Buffer.from(b));
}

function xattrsOf(e: TreeEntry, overlay: boolean): Record<string, string> | undefined {
  if (!overlay) return e.xattrs && Object.keys(e.xattrs).length ? e.xattrs : undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.xattrs ?? {})) out[escapeOverlayXattr(k)] = v;
  if (e.kind === 'dir' && e.opaque) out['trusted.overlay.opaque'] = Buffer.from('y').toString('base64');
  return Object.keys(out).length ? out : undefined;
}

export async function materialiseTree(ctx: MaterialiseContext, entries: AsyncIterable<MergedEntry>, dir: string, options: MaterialiseOptions): Promise<CheckoutResult> {
  const { objects, owners } = ctx;
  const result: CheckoutResult = { files: 0, bytes: 0, dirs: 0, symlinks: 0, fifos: 0, links: 0, cacheLinks: 0, copies: 0, cacheCopies: 0, whiteouts: 0, skipped: [], notes: [] };
  const asRoot = process.geteuid?.() === 0;
  const self = { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
  const overlay = options.overlay === true;
  const target: CheckoutTarget = openTarget(dir);
  await loadNativeZstd(); // thousands of reads: the native decoder from the first one
  const xattrWriter = new XattrWriter(target.dir);
  const dirTimes = new DirTimes(treeReader(objects));
  const specials = new SpecialFiles(target.dir);
  const cache = options.mode === 'hardlink' ? new CheckoutCache(objects, ctx.storeDir, { verify: options.verifyCache ?? 'stat', chown: asRoot }) : null;
  // Copy mode copies an intact cache entry (reflink or in-kernel copy) instead of decoding
  // the object again; it never creates one (docs/checkout.md#the-checkout-cache).
  const copySource = options.mode === 'copy' && !overlay ? new CheckoutCache(objects, ctx.storeDir, { verify: options.verifyCache ?? 'stat', chown: asRoot }) : null;
  const pool = new TaskPool(PARALLEL);
  // copy mode: small files gathered, then read and decoded many at a time (small-file-batch.ts)
  const batch = options.mode === 'copy' ? new SmallFileBatch<FileJob>(objects) : null;
  const dirs: Array<{ full: string | Buffer; uid: number; gid: number; perm: number; mtime: number }> = [];
  const groups = new Map<string, string | Buffer>();
  const deferred: Deferred[] = [];
  const targetStat = lstatSync(target.dir);
  let canLink = cache !== null && lstatSync(ctx.storeDir).dev === targetStat.dev;
  const umask = currentUmask();
  // A new inode gets the process's uid and gid, unless its directory is setgid (then that
  // directory's gid): only the target can be (the checkout's own directories are made
  // without the bit), so outside a setgid target an owner already right needs no lchown.
  const ownedAtCreation = (uid: number, gid: number): boolean => uid === self.uid && gid === self.gid && (targetStat.mode & 0o2000) === 0;
  if (cache && !canLink) result.notes.push('the target is not on the file system of the store: files were copied, not linked');
  let foreignOwners = false;
  let count = 0;

  const note = (line: string): void => { if (!result.notes.includes(line)) result.notes.push(line); };

  /**
   * A copy of the cache entry, or false when the entry cannot be read (not as root, a file
   * without read permission for its owner: mode 0111; or pruned meanwhile): then the
   * caller decodes the object, as without an entry.
   */
  /** Counts a file written by copying (from a cache entry or the store) and queues its xattrs. */
  const copied = (file: FileJob['file']): void => {
    result.copies++;
    if (file.xattrs) xattrWriter.add(encodePathBytes(file.path), file.xattrs);
  };

  const tryCopyEntry = async (entry: string, job: FileJob): Promise<boolean> => {
    try {
      await copyCacheEntry(entry, job.full, job.file, asRoot);
    } catch (err) {
      if (!isErrno(err, 'EACCES') && !isErrno(err, 'ENOENT')) throw err;
      rmSync(job.full, { force: true }); // this checkout's own new name, if copyfile left it
      return false;
    }
    copied(job.file);
    result.cacheCopies++;
    return true;
  };

  /** An intact checkout-cache entry to copy `job` from (copy mode), else null. */
  const entryOf = (job: FileJob): string | null => (copySource !== null && job.file.id !== undefined ? copySource.ready(job.file) : null);

  const copyFile = async (job: FileJob, entry = entryOf(job)): Promise<void> => {
    if (entry !== null && await tryCopyEntry(entry, job)) return;
    await decodeFile(job);
  };

  /** A file written from the store's verified read of its object, one at a time. */
  const decodeFile = async ({ full, file }: FileJob): Promise<void> => {
    const fd = openNew(full);
    try {
      await writeBlobFile(objects, fd, file.id, file.size, file.path);
      setFileAttributes(fd, file, asRoot && !ownedAtCreation(file.uid, file.gid));
    } finally {
      closeFile(fd);
    }
    copied(file);
  };

  /** Writes gathered small files: those the batch read verified at once, the others the one-object way. */
  const writeBatch = async (jobs: FileJob[]): Promise<void> => {
    if (jobs.length === 0) return;
    const contents = await batch!.read(jobs);
    for (let i = 0; i < jobs.length; i++) {
      const { full, file } = jobs[i];
      const content = contents[i];
      if (content === null) { await decodeFile(jobs[i]); continue; }
      if (content.length !== file.size) throw sizeMismatch(file.path, file.id, file.size, content.length);
      const owned = !asRoot || ownedAtCreation(file.uid, file.gid);
      writeNewFile(full, content, file, { chown: !owned, modeAtCreation: owned && fileModeAtOnce(file.perm, umask) });
      copied(file);
    }
  };

  /** link(2), or false when this file system refuses it here (then the caller copies). */
  const tryLink = (source: string | Buffer, full: string | Buffer): boolean => {
    try {
      linkSync(source, full);
      return true;
    } catch (err) {
      for (const code of ['EXDEV', 'EPERM', 'EMLINK']) {
        if (!isErrno(err, code)) continue;
        note(`some files were copied: linking failed (${code})`);
        if (code === 'EXDEV') canLink = false;
        return false;
      }
      throw err;
    }
  };

  /** Places one file: a link to the cache (hardlink mode), a copy, or deferred. */
  const placeFile = async (job: FileJob): Promise<void> => {
    if (cache && canLink && job.file.id !== undefined && (asRoot || !job.file.xattrs)) {
      let final: string;
      try {
        final = await cache.get(job.file);
      } catch (err) {
        // a store of another user, read-only or full: its checkout cache is unusable, copy instead
        const code = unwritableCode(err);
        if (!code) throw err;
        note(`the checkout cache is not writable here (${code}): files were copied, not linked`);
        canLink = false;
        return copyFile(job);
      }
      if (!cache.isReady(final) && !cache.failed.has(final)) { deferred.push({ ...job, source: final, viaCache: true }); return; }
      if (!cache.failed.has(final) && tryLink(final, job.full)) { result.cacheLinks++; return; }
    }
    await copyFile(job);
  };

  /** Links (or copies) deferred files whose source is ready, in order. */
  const runDeferred = async (all: boolean): Promise<void> => {
    while (deferred.length) {
      const d = deferred[0];
      if (!all && d.viaCache && !cache!.isReady(d.source as string) && !cache!.failed.has(d.source as string)) return;
      deferred.shift();
      if (d.viaCache && cache!.failed.has(d.source as string)) await copyFile(d);
      else if (tryLink(d.source, d.full)) { if (d.viaCache) result.cacheLinks++; else result.links++; }
      else await copyFile(d);
    }
  };

  try {
    for await (const m of entries) {
      options.signal?.throwIfAborted();
      const e = m.entry;
      const full = targetFsPath(target, m.path);
      if (e.whiteout) {
        if (!overlay) continue; // the merged walk never gives one; a raw layer outside an overlay export keeps none
        specials.whiteout(full);
        result.whiteouts++;
        continue;
      }
      if (!foreignOwners && !asRoot && (e.user !== String(self.uid) || e.group !== String(self.gid))) foreignOwners = true;
      if (asRoot && !owners.loaded && (OwnerIds.isName(e.user) || OwnerIds.isName(e.group))) await owners.load();
      const { uid, gid } = asRoot ? owners.ids(e.user, e.group) : self;
      const perm = e.mode & 0o7777;
      const mtime = e.mtime ?? await dirTimes.of(e); // most entries carry theirs: no await
      const xattrs = xattrsOf(e, overlay);

      switch (e.kind) {
        case 'dir':
          if (finalModeAtOnce(perm, umask)) mkdirSync(full, perm);
          else mkdirSync(full, 0o700);
          dirs.push({ full, uid, gid, perm, mtime });
          result.dirs++;
          if (xattrs) xattrWriter.add(encodePathBytes(m.path), xattrs);
          break;
        case 'symlink':
          symlinkSync(encodePathBytes(e.target ?? ''), full);
          if (asRoot && !ownedAtCreation(uid, gid)) lchownSync(full, uid, gid);
          lutimesSync(full, mtime, mtime);
          result.symlinks++;
          if (xattrs) xattrWriter.add(encodePathBytes(m.path), xattrs);
          break;
        case 'fifo':
          specials.fifo({ full, perm, uid, gid, mtime, chown: asRoot, after: xattrs ? () => xattrWriter.add(encodePathBytes(m.path), xattrs) : undefined });
          result.fifos++;
          break;
        case 'char': case 'block': case 'socket':
          result.skipped.push({ path: m.path, kind: e.kind });
          break;
        case 'file': {
          const size = e.size ?? 0;
          result.files++;
          result.bytes += size;
          const job: FileJob = { full, file: { id: e.id as ObjectId, size, perm, uid, gid, mtime, xattrs, path: m.path } };
          if (e.linkTo === undefined) {
            // A warm cache entry is linked at once; anything else (writing) overlaps in the pool.
            const ready = cache && canLink && e.id !== undefined && (asRoot || !xattrs) ? cache.ready(job.file) : null;
            if (ready !== null && tryLink(ready, full)) result.cacheLinks++;
            else if (batch === null) await pool.add(() => placeFile(job));
            else {
              // copy mode: the cache entry is looked for once, here; a small file without one waits for its batch
              const entry = entryOf(job);
              if (entry === null && e.id !== undefined && SmallFileBatch.fits(size)) {
                const filled = batch.add(job);
                if (filled) await pool.add(() => writeBatch(filled));
              } else await pool.add(() => copyFile(job, entry));
            }
            break;
          }
          // Hardlinks within a layer: the first name met is placed, the others link to it.
          const key = `${m.layer}\0${e.linkTo}`;
          const first = groups.get(key);
          if (first === undefined) {
            await placeFile(job);
            groups.set(key, full);
          } else if (deferred.some((d) => samePath(d.full, first))) {
            deferred.push({ ...job, source: first, viaCache: false });
          } else if (tryLink(first, full)) {
            result.links++;
          } else {
            await copyFile(job);
          }
          break;
        }
        default:
          throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `tree entry ${m.path} has an unknown kind`);
      }
      if (cache && cache.pendingCount >= XATTR_BATCH) { await cache.flush(); await runDeferred(false); }
      if (++count % PROGRESS_EVERY === 0) options.onProgress?.({ entries: count, files: result.files, bytes: result.bytes });
    }
    if (batch) { const rest = batch.take(); await pool.add(() => writeBatch(rest)); }
    await pool.drain();
    if (cache) { await cache.flush(); await runDeferred(true); }
    await specials.create();
    const xr = xattrWriter.close();
    if (xr.failureCount) {
      if (overlay) throw new BazaarError('ERR_USAGE', `overlay export: extended attributes could not be set (${xr.failures[0]}); overlayfs markers (trusted.overlay.*) need root`);
      note(`${xr.failureCount} extended attributes could not be set (${xr.failures[0]})${asRoot ? '' : '; only root may set trusted.* and security.*'}`);
    }
    for (let i = dirs.length - 1; i >= 0; i--) {
      const d = dirs[i];
      if (asRoot && !ownedAtCreation(d.uid, d.gid)) lchownSync(d.full, d.uid, d.gid);
      if (!finalModeAtOnce(d.perm, umask)) chmodSync(d.full, d.perm);
      lutimesSync(d.full, d.mtime, d.mtime);
    }
    finishTarget(target);
  } catch (err) {
    xattrWriter.abort();
    await pool.settle();
    cache?.abort();
    clearTarget(target);
    throw targetError(target, err);
  }
  options.onProgress?.({ entries: count, files: result.files, bytes: result.bytes });
  if (cache) { result.notes.push(...cache.notes); result.cache = { ...cache.stats }; }
  if (foreignOwners) note(`owners were not set (not running as root): everything belongs to ${self.uid}:${self.gid}`);
  if (owners.unknown.size) note(`not defined in the image's /etc/passwd or /etc/group, so root was used: ${[...owners.unknown].sort().join(', ')}`);
  if (result.skipped.length) note(`${result.skipped.length} device nodes or sockets were not created (a checkout makes no devices; the result lists them)`);
  return result;
}
