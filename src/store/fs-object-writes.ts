/**
 * The write half of the objects on the local disk (fs-object-backend.ts, whose header
 * says how they are laid out): slots for staged objects, small ones held in memory
 * (pack-staging.ts) until their commit writes them as one pack, the commit itself (one
 * syncfs, renames, the directories fsynced), the merges and rewrites of packs, deletes
 * and pack repairs. The backend imports it on its first write, so that a read-only
 * command loads none of it, and the code cache a `show` reads holds none of the
 * functions writers compiled in it (docs/architecture.md#start-up).
 */
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isErrno } from '../errors.js';
import { fsPromises } from '../lazy-builtins.js';
import { createFile, fsEvent, fsyncPath, makeDir, noSpaceError, removeFile, renameFile, syncFilesystem, unwritableCode } from '../fs/ops.js';
import { PackWriter, idOfKey } from './object-packs.js';
import type { PackFile, PackSet } from './object-packs.js';
import { MEM_SLOT, PackStaging } from './pack-staging.js';
import { raiseLayout } from './layout-marker.js';
import { RANGES_LAYOUT, objectIdOf, objectsDir, tmpDir, tmpPath } from './layout.js';
import { RANGE_RECORD_SIZE, asRawStored, isRangeRecord, parseRangeRecord } from './range-records.js';
import type { ObjectId } from './layout.js';
import type { StagedObject, WriteSlot } from './object-backend.js';
import { PACK_OBJECT_MAX } from './fs-object-backend.js';

/** More packs than this and a commit merges the small ones (see mergePacks). */
const PACKS_MAX = 12;

/** What the write half reads of its backend. */
export interface FsObjectReads {
  readonly root: string;
  readonly packs: PackSet;
  path(id: ObjectId): string;
  rangeOf(id: ObjectId, record: Buffer): Promise<Buffer>;
}

/**
 * Runs `create` (a file in `dir`, tmp/); if the directory was deleted meanwhile (under a
 * long-running process), makes it and runs it again.
 */
function retryInFreshDirSync<T>(dir: string, create: () => T): T {
  try { return create(); } catch (err) { remakeIfGone(dir, err); return create(); }
}
async function retryInFreshDir<T>(dir: string, create: () => Promise<T>): Promise<T> {
  try { return await create(); } catch (err) { remakeIfGone(dir, err); return create(); }
}
function remakeIfGone(dir: string, err: unknown): void {
  if (!isErrno(err, 'ENOENT')) throw err;
  makeDir(dir);
}

/** A pack removed (by a concurrent rewrite) while it was being copied. */
class PackVanished extends Error {
  constructor(path: string) { super(`pack ${path} vanished while it was rewritten`); }
}

function holdsAny(pack: PackFile, ids: ReadonlySet<ObjectId>): boolean {
  for (const e of pack.entries()) if (ids.has(e.id)) return true;
  return false;
}

class FileSlot implements WriteSlot {
  private file: FileHandle | null = null;

  /** `packed`: small objects of a known id go there (pack-staging.ts) rather than into a file. */
  constructor(public token: string, private readonly packed: { staging: PackStaging; id: ObjectId; sawRange: () => void } | null) {}

  async append(chunk: Uint8Array): Promise<void> {
    try {
      if (this.file === null) { fsEvent(); this.file = await retryInFreshDir(dirname(this.token), () => fsPromises().open(this.token, 'wx')); }
      await this.file.write(chunk);
    } catch (err) {
      throw noSpaceError(err, dirname(this.token));
    }
  }

  writeWhole(chunk: Uint8Array): void {
    if (this.packed !== null && chunk.length <= PACK_OBJECT_MAX) {
      if (isRangeRecord(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))) this.packed.sawRange();
      this.token = this.packed.staging.hold(this.packed.id, chunk);
    } else retryInFreshDirSync(dirname(this.token), () => createFile(this.token, chunk));
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = null;
    try { await file?.close(); } catch (err) { throw noSpaceError(err, dirname(this.token)); }
  }

  async abort(): Promise<void> {
    await this.file?.close().catch(() => { /* already failing: the close error adds nothing */ });
    this.file = null;
    if (this.token.startsWith(MEM_SLOT)) this.packed?.staging.release(this.token); else removeFile(this.token);
  }
}

/** Writes of one FsObjectBackend (its `writer()`). */
export class FsObjectWrites {
  /** The marker says range records may be here (raised before the first is written). */
  private rangesMarked = false;
  /** A range record was staged in this process. */
  private rangeStaged = false;
  /** Small staged objects, until their commit packs them. */
  private readonly staging: PackStaging;
  private readonly root: string;
  private readonly packs: PackSet;

  constructor(private readonly backend: FsObjectReads, stagingMemory?: number) {
    // BAZAAR_STAGING_MEMORY: how the crash tests make a small add spill
    this.staging = new PackStaging(() => this.packWriter(), stagingMemory ?? (Number(process.env.BAZAAR_STAGING_MEMORY) || undefined));
    this.root = backend.root;
    this.packs = backend.packs;
  }

  private path(id: ObjectId): string { return this.backend.path(id); }

  private tmpChecked = false;

  async createSlot(options: { loose?: boolean; id?: ObjectId } = {}): Promise<WriteSlot> {
    // A deleted tmp/ is re-created rather than failing every write: here once per process
    // (a stat per object was a tenth of an import's system time), later by the retries.
    if (!this.tmpChecked) {
      try { statSync(tmpDir(this.root)); } catch (err) { if (isErrno(err, 'ENOENT')) makeDir(tmpDir(this.root)); else throw err; }
      this.tmpChecked = true;
    }
    return new FileSlot(tmpPath(this.root), options.loose || options.id === undefined ? null : { staging: this.staging, id: options.id, sawRange: () => { this.rangeStaged = true; } });
  }

  async commit(staged: readonly StagedObject[]): Promise<boolean> {
    const fresh = staged.filter((s) => s.slot !== null);
    if (fresh.length === 0) return false;
    const loose = fresh.filter((s) => !(s.slot as string).startsWith(MEM_SLOT));
    const small = fresh.filter((s) => (s.slot as string).startsWith(MEM_SLOT));
    const plan = this.staging.forCommit(small.map((s) => s.slot as string));
    const packs = [...plan.whole];
    if (small.length) {
      const writer = this.packWriter();
      try {
        if (plan.copyRest(writer)) packs.push({ tmp: writer.tmpPath, name: writer.finish() }); else writer.discard();
      } catch (err) {
        writer.discard();
        throw err;
      }
    }
    let synced: boolean;
    try {
      synced = await syncFilesystem(this.root, () => {
        for (const path of [...loose.map((s) => s.slot as string), ...packs.map((p) => p.tmp)]) {
          const fd = openSync(path, 'r+');
          try { fsyncSync(fd); } finally { closeSync(fd); }
        }
      });
    } catch (err) {
      // the pack written here goes; spill packs stay for the slots' discard
      for (const p of packs.slice(plan.whole.length)) removeFile(p.tmp);
      throw err;
    }
    const dirs = new Set<string>();
    for (const s of loose) {
      const final = this.path(s.id);
      const dir = dirname(final);
      if (!dirs.has(dir)) { makeDir(dir); dirs.add(dir); }
      // Renaming over an existing copy is safe (same name, same bytes) and is how a
      // repair replaces a damaged object.
      renameFile(s.slot as string, final);
    }
    if (!this.rangesMarked && small.length && this.rangeStaged) {
      raiseLayout(this.root, RANGES_LAYOUT); // before the first range record: an older bazaar would read it as damage
      this.rangesMarked = true;
    }
    for (const pack of packs) {
      const dir = this.packDir();
      renameFile(pack.tmp, join(dir, pack.name));
      dirs.add(dir);
      this.packs.added(join(dir, pack.name));
    }
    for (const dir of dirs) fsyncPath(dir);
    plan.settle();
    if (packs.length && this.packs.list().length > PACKS_MAX) {
      // housekeeping after the commit: a pack a concurrent gc replaced meanwhile, or a
      // disk too full for the merged copy, just leaves the merge for the next commit
      try { await this.mergePacks(); } catch (err) { if (!isErrno(err, 'ENOENT') && !(err instanceof PackVanished) && unwritableCode(err) === null) throw err; }
    }
    return synced;
  }

  private packWriter(): PackWriter { return retryInFreshDirSync(tmpDir(this.root), () => new PackWriter(tmpPath(this.root))); }

  /** The pack directory, created (and the store marked as one with packs) on first need. */
  private packDir(): string {
    const dir = this.packs.dir;
    try { statSync(dir); } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      raiseLayout(this.root, 3); // before the first pack: a bazaar older than packs refuses the store
      makeDir(dir);
      fsyncPath(objectsDir(this.root));
    }
    return dir;
  }

  /**
   * Keeps the number of packs logarithmic in the objects, as git's geometric repack does:
   * the smallest packs are merged until each remaining pack is at least twice the size of
   * all smaller ones together, so an object is copied O(log n) times over its life.
   */
  private async mergePacks(): Promise<void> {
    const packs = this.packs.list().filter((p) => p.exists()).sort((a, b) => a.size - b.size);
    let cut = 0;
    let below = 0;
    for (let i = 0; i < packs.length; i++) {
      if (packs[i].size < 2 * below) cut = i + 1;
      below += packs[i].size;
    }
    cut = Math.max(cut, 2);
    await this.rewritePacks(packs.slice(0, cut));
  }

  /**
   * Replaces `packs` with one pack of the objects `keep` accepts (all, without `keep`; no
   * new pack when none is kept). The new pack is durable and in place before any old one is removed, so a
   * crash at any point leaves every object in at least one pack.
   */
  private async rewritePacks(packs: PackFile[], keep?: (id: ObjectId) => boolean): Promise<void> {
    if (packs.length === 0) return;
    const writer = this.packWriter();
    let name: string;
    try {
      for (const p of packs) {
        // a merge keeps all: no id string made per object
        if (!p.eachObject((key, bytes) => { if (!keep || keep(idOfKey(key))) writer.addKey(key, bytes); })) throw new PackVanished(p.path);
      }
      name = writer.finish({ sync: true });
    } catch (err) {
      writer.discard();
      throw err;
    }
    const dir = this.packDir();
    const target = join(dir, name);
    if (writer.count > 0) {
      renameFile(writer.tmpPath, target);
      fsyncPath(dir);
      this.packs.added(target);
    } else {
      removeFile(writer.tmpPath);
    }
    for (const p of packs) {
      if (p.path === target) continue;
      removeFile(p.path);
      this.packs.removed(p.path);
    }
    fsyncPath(dir);
  }

  async discard(staged: readonly StagedObject[]): Promise<void> {
    for (const s of staged) {
      if (!s.slot) continue;
      if (s.slot.startsWith(MEM_SLOT)) this.staging.release(s.slot); else removeFile(s.slot);
    }
  }

  /** Loose objects are unlinked; each pack holding some is rewritten without them. */
  async deleteAll(ids: readonly ObjectId[]): Promise<void> {
    const doomed = new Set(ids);
    await this.storeWholeWhatNeeds(doomed);
    for (const id of ids) removeFile(this.path(id));
    // a pack with a damaged index is left alone: what it holds is in doubt until a repair
    const touched = this.packs.list().filter((p) => p.exists() && p.damage === null && holdsAny(p, doomed));
    for (const p of touched) {
      // merged away meanwhile (a commit outside the lock): its garbage waits for the next gc
      try { await this.rewritePacks([p], (id) => !doomed.has(id)); } catch (err) { if (!(err instanceof PackVanished)) throw err; }
    }
  }

  /**
   * Range records that stay while their source goes (a header a layer still reaches, of
   * a build gc collects) are stored whole first: written as a new pack, durable, before
   * their records leave their packs and before any source is deleted, so a crash at any
   * point leaves each readable. A record whose bytes do not hash to its id stays as it is
   * (fsck names it); `doomed` then loses the source, as it would lose a damaged object.
   */
  private async storeWholeWhatNeeds(doomed: Set<ObjectId>): Promise<void> {
    const whole: Array<{ id: ObjectId; bytes: Buffer }> = [];
    const holders: PackFile[] = [];
    for (const p of this.packs.list()) {
      if (!p.exists() || p.damage !== null) continue;
      let holds = false;
      for (const e of p.entries()) {
        if (e.length !== RANGE_RECORD_SIZE || doomed.has(e.id)) continue;
        const record = p.read(e.offset, e.length);
        if (record === null || !isRangeRecord(record) || !doomed.has(parseRangeRecord(e.id, record).source)) continue;
        const content = await this.backend.rangeOf(e.id, record).catch(() => null);
        if (content === null || objectIdOf(content) !== e.id) continue;
        whole.push({ id: e.id, bytes: asRawStored(content) });
        holds = true;
      }
      if (holds) holders.push(p);
    }
    if (whole.length === 0) return;
    const writer = this.packWriter();
    let name: string;
    try {
      for (const w of whole) writer.add(w.id, w.bytes);
      name = writer.finish({ sync: true });
    } catch (err) {
      writer.discard();
      throw err;
    }
    const dir = this.packDir();
    renameFile(writer.tmpPath, join(dir, name));
    fsyncPath(dir);
    this.packs.added(join(dir, name));
    const moved = new Set(whole.map((w) => w.id));
    for (const p of holders) {
      // the records go with what else `doomed` takes from the same pack
      try { await this.rewritePacks([p], (id) => !moved.has(id) && !doomed.has(id)); } catch (err) { if (!(err instanceof PackVanished)) throw err; }
    }
  }

  /** Packs whose index is damaged: each is rewritten from its entries (fsck --repair). */
  async repairPacks(): Promise<string[]> {
    const damaged = this.packs.list().filter((p) => p.exists() && p.damage !== null);
    for (const p of damaged) await this.rewritePacks([p]);
    return damaged.map((p) => p.path);
  }
}
