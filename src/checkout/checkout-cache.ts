/**
 * The checkout cache: uncompressed copies of file objects that hardlink checkouts link
 * to (docs/checkout.md#the-checkout-cache). Derived data, deletable at any time; its
 * directories are the store's (store/caches/paths.ts), and so is its pruning (gc):
 *
 *   <store>/cache/checkout/v1/files/<2 hex>/<62 hex>-<mode octal>-<uid>-<gid>-<mtime>[-<xattrs>]
 *   <store>/cache/checkout/v1/trees/<2 hex>/<62 hex>    tree objects, uncompressed (tree-cache.ts)
 *
 * One name per inode: the content id plus everything that lives on the inode (mode,
 * owner, mtime, and a digest of the extended attributes), so two files that differ in
 * any of them never share one. This function (`cachePath`) is the only one that builds
 * these names.
 *
 * An entry is written to a temp file in its directory from the store's verified read,
 * given its owner, mode, time (and attributes), then renamed into place. Reusing one
 * checks it first: `verify: 'stat'` (default) that size, mode, owner and mtime are still
 * what the name says (a write through a hardlinked checkout changes the mtime);
 * `verify: 'full'` also re-hashes the content against the id. A damaged entry is
 * replaced, never linked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, lstatSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { threadId } from 'node:worker_threads';
import { fsEvent, makeDir, removeFile, renameFile, XattrWriter } from '../fs/index.js';
import { CACHE_TMP_PREFIX, checkoutFilesDir } from '../store/index.js';
import type { ObjectId, ObjectReader } from '../store/index.js';
import { closeFile, openNew, setFileAttributes, writeBlobFile } from './write-blob-file.js';

/** What a cache entry holds: content and every inode attribute. */
export interface CacheFile {
  id: ObjectId;
  size: number;
  /** Permission bits incl. setuid/setgid/sticky (07777). */
  perm: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Values base64, as trees keep them. */
  xattrs?: Record<string, string>;
  /** For messages: the path in the tree. */
  path: string;
}

/** A digest of a set of attributes, independent of their order. */
function xattrDigest(xattrs: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(xattrs).sort()) h.update(`${k}\0${xattrs[k]}\n`);
  return h.digest('hex').slice(0, 16);
}

/** The cache entry's path (`top`: checkoutFilesDir of the store): the only builder of these names. */
export function cachePath(top: string, f: CacheFile): string {
  const hex = f.id.slice(7);
  const x = f.xattrs && Object.keys(f.xattrs).length ? `-${xattrDigest(f.xattrs)}` : '';
  return `${top}/${hex.slice(0, 2)}/${hex.slice(2)}-${f.perm.toString(8)}-${f.uid}-${f.gid}-${f.mtime}${x}`;
}

async function contentHash(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** The stat check: size, mode, owner, and a time of whole seconds (a write sets one with nanoseconds). */
function matches(st: Stats, f: CacheFile): boolean {
  return st.isFile() && st.size === f.size && (st.mode & 0o7777) === f.perm && st.uid === f.uid && st.gid === f.gid && st.mtimeMs === f.mtime * 1000;
}

export interface CacheStats { created: number; reused: number; replaced: number }

export class CheckoutCache {
  readonly stats: CacheStats = { created: 0, reused: 0, replaced: 0 };
  readonly dir: string;
  private readonly dirsMade = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  /** Entries written but waiting for their attributes (set a batch at a time, flush()). */
  private pending: Array<{ tmp: string; final: string; xattrs: Record<string, string> }> = [];
  private readonly pendingFinals = new Set<string>();
  /** Entries whose attributes could not be set: the caller copies those files instead. */
  readonly failed = new Set<string>();
  /** Messages for the caller (damaged entries replaced, attributes that failed). */
  readonly notes: string[] = [];

  constructor(private readonly objects: ObjectReader, storeDir: string, private readonly options: { verify: 'stat' | 'full'; chown: boolean }) {
    this.dir = checkoutFilesDir(storeDir);
  }

  get pendingCount(): number { return this.pending.length; }

  /** Whether `final` is written and visible (false while its attributes are pending). */
  isReady(final: string): boolean { return !this.pendingFinals.has(final) && !this.failed.has(final); }

  /**
   * The path of an intact entry for `f` when one exists and passes the 'stat' check, else
   * null (then `get`). Synchronous: the common case of a warm cache costs one lstat.
   */
  ready(f: CacheFile): string | null {
    if (this.options.verify !== 'stat') return null;
    const final = cachePath(this.dir, f);
    if (this.pendingFinals.has(final) || this.failed.has(final) || this.inflight.has(final)) return null;
    const st = lstatSync(final, { throwIfNoEntry: false });
    if (!st || !matches(st, f)) return null;
    this.stats.reused++;
    return final;
  }

  /**
   * The path of the cache entry for `f`, created (or replaced, when damaged) if needed.
   * It may still wait for its attributes (`isReady`); `flush` finishes those.
   */
  async get(f: CacheFile): Promise<string> {
    const final = cachePath(this.dir, f);
    if (this.pendingFinals.has(final) || this.failed.has(final)) return final;
    let p = this.inflight.get(final);
    if (!p) {
      p = this.ensure(f, final).finally(() => this.inflight.delete(final));
      this.inflight.set(final, p);
    }
    await p;
    return final;
  }

  private async ensure(f: CacheFile, final: string): Promise<void> {
    const st = lstatSync(final, { throwIfNoEntry: false });
    if (st) {
      if (matches(st, f) && (this.options.verify === 'stat' || (await contentHash(final)) === f.id)) {
        this.stats.reused++;
        return;
      }
      this.stats.replaced++;
      if (this.notes.length < 20) this.notes.push(`checkout cache entry for ${f.path} (${basename(final)}) was damaged (changed through a hardlinked checkout?); replaced`);
    }
    await this.create(f, final);
  }

  private async create(f: CacheFile, final: string): Promise<void> {
    const dir = dirname(final);
    if (!this.dirsMade.has(dir)) {
      if (this.dirsMade.size === 0) makeDir(this.dir);
      makeDir(dir);
      this.dirsMade.add(dir);
    }
    const tmp = join(dir, `${CACHE_TMP_PREFIX}${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`);
    fsEvent();
    const fd = openNew(tmp);
    try {
      await writeBlobFile(this.objects, fd, f.id, f.size, f.path);
      setFileAttributes(fd, f, this.options.chown);
    } catch (err) {
      closeFile(fd);
      removeFile(tmp);
      throw err;
    }
    closeFile(fd);
    if (f.xattrs && Object.keys(f.xattrs).length) {
      this.pending.push({ tmp, final, xattrs: f.xattrs });
      this.pendingFinals.add(final);
      return;
    }
    renameFile(tmp, final);
    this.stats.created++;
  }

  /** Sets the attributes of every pending entry, then makes them visible. */
  async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const writer = new XattrWriter(this.dir);
    try {
      for (const p of batch) writer.add(Buffer.from(relative(this.dir, p.tmp)), p.xattrs);
    } catch (err) {
      writer.abort();
      this.pending.push(...batch); // abort() removes them
      throw err;
    }
    const result = writer.close();
    const ok = result.failureCount === 0;
    if (!ok && this.notes.length < 20) this.notes.push(`extended attributes could not be set in the checkout cache (${result.failures[0]}); ${batch.length} files copied instead`);
    for (const p of batch) {
      this.pendingFinals.delete(p.final);
      if (ok) { renameFile(p.tmp, p.final); this.stats.created++; } else { removeFile(p.tmp); this.failed.add(p.final); }
    }
  }

  /** Removes entries still waiting for their attributes (a failed checkout). */
  abort(): void {
    for (const p of this.pending.splice(0)) removeFile(p.tmp);
    this.pendingFinals.clear();
  }
}
