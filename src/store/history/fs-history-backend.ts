/**
 * The history as files: a bare git repository (`refs.git`) of loose objects and packs,
 * readable by stock git and isomorphic-git alike.
 *
 * Objects are read and written here directly (inflate, sha1 check, parse), because the
 * store reads tens of thousands of small trees per fsck and isomorphic-git's per-call cost
 * (a FileSystem wrapper, a gitdir discovery and a pack-index probe per object) made that
 * the slowest part of every walk. Commits write loose objects; `bazaar gc` packs them
 * (`packLoose`, git-pack.ts), and so does a commit once about AUTO_PACK_LOOSE are loose, so
 * the history is a few files, not one per object.
 * isomorphic-git creates the repository and reads what git-pack.ts does not (deltas in a
 * pack made by a `git gc` run by hand).
 *
 * Writes are held in memory until `flush` (readable meanwhile), which writes them as loose
 * files when few, as one pack when many; each goes to a temp file and is renamed into
 * place. Loose files are not fsynced: the transaction flushes the history before its one
 * syncfs, which makes them durable before the state that references them is written
 * (transaction.ts); a pack is fsynced as it is written. An object file that already exists is
 * verified before it is trusted, so a crash that left a damaged copy of an unreferenced
 * object is repaired by the next writer of the same object instead of being believed.
 */
import * as fs from 'node:fs';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import type * as Git from 'isomorphic-git';
import { BazaarError, isErrno } from '../../errors.js';
import { createFile, fsyncPath, makeDir, removeFile, renameFile } from '../../fs/ops.js';
import { tmpPath } from '../layout.js';
import { decodeObject, historyDamage, OID } from './git-object.js';
import type { GitObject, GitObjectType } from './git-object.js';
import { PACK_LIMIT, GitPacks, removePack, writePack } from './git-pack.js';
import type { PackInput } from './git-pack.js';
import type { HistoryBackend, RefGuard, RefValue } from './history-backend.js';

/**
 * A commit packs the loose objects once there are about this many (git's gc.auto is
 * 6,700): at most ~8 MiB of one-block files between packings. BAZAAR_HISTORY_PACK_AT
 * sets it (tests: 1 packs after every commit).
 */
/** A flush of this many objects or more writes a pack instead of loose files. */
const PACK_FROM = 256;
/** Bytes of objects held before a flush: past it they are written as a pack at once. */
const PENDING_LIMIT = 16 << 20;
const AUTO_PACK_LOOSE = Number(process.env.BAZAAR_HISTORY_PACK_AT) || 2048;
/** More history packs than this and a packing merges the small ones. */
const MAX_HISTORY_PACKS = 8;

type GitApi = typeof Git;
let gitModule: Promise<GitApi> | null = null;
/** isomorphic-git, loaded on first use: most commands never need it (~80 ms to load). */
function loadGit(): Promise<GitApi> {
  gitModule ??= import('isomorphic-git').then((m) => (m as unknown as { default: GitApi }).default);
  return gitModule;
}

export class FsHistoryBackend implements HistoryBackend {
  readonly kind = 'files';
  readonly label: string;
  private readonly isoCache = {};
  private readonly packs: GitPacks;

  constructor(readonly gitdir: string, private readonly tmpRoot: string) {
    this.label = gitdir;
    this.packs = new GitPacks(join(gitdir, 'objects', 'pack'));
  }

  async init(): Promise<void> {
    const git = await loadGit();
    await git.init({ fs, gitdir: this.gitdir, bare: true, defaultBranch: 'packages' });
  }

  private loosePath(oid: string): string { return join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)); }

  async read(oid: string): Promise<GitObject | null> {
    const held = this.pending.get(oid);
    if (held) return { type: held.type, body: held.body };
    // The packs already loaded first: a packed object (the usual case) then costs no stat
    // of its loose path or of the pack directory, two per object in an fsck's history
    // walk. A miss, a delta or damage there takes the full path, loose copy first, which
    // throws the damage if no loose copy stands in for it.
    let loaded: GitObject | null | undefined;
    try { loaded = this.packs.readLoaded(oid); } catch { loaded = undefined; }
    if (loaded) return loaded;
    return this.readLoose(oid) ?? await this.readPacked(oid);
  }

  /**
   * Objects held or in the packs already loaded, read together (GitPacks.readManyLoaded):
   * as `read` takes them first. The rest are left out, for `read` to find loose or report.
   */
  async readMany(oids: readonly string[]): Promise<Map<string, GitObject>> {
    const out = new Map<string, GitObject>();
    const rest: string[] = [];
    for (const oid of oids) {
      const held = this.pending.get(oid);
      if (held) out.set(oid, { type: held.type, body: held.body }); else rest.push(oid);
    }
    try { for (const [oid, o] of this.packs.readManyLoaded(rest)) out.set(oid, o); } catch { /* each is read alone, as without this */ }
    return out;
  }

  /** A loose object, verified; null when there is no loose file. */
  private readLoose(oid: string): GitObject | null {
    const path = this.loosePath(oid);
    // no exception for the usual miss (a packed object): one per object was a tenth of fsck's history walk
    if (!existsSync(path)) return null;
    let file: Buffer;
    try { file = readFileSync(path); } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    let raw: Buffer;
    try { raw = inflateSync(file); } catch (err) { throw historyDamage(oid, 'cannot be inflated (damaged)', err); }
    return decodeObject(oid, raw);
  }

  private async readPacked(oid: string): Promise<GitObject | null> {
    const own = this.packs.read(oid);
    if (own === undefined) return null;
    if (own !== null) return own;
    const git = await loadGit();
    try {
      const r = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.isoCache });
      return { type: r.type as GitObjectType, body: Buffer.from(r.object as Uint8Array) };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFoundError') return null;
      throw historyDamage(oid, `cannot be read (${(err as Error).message})`, err);
    }
  }

  /**
   * Objects written since the last flush, held here (and read from here) until `flush`
   * writes them: loose files when a commit wrote a few, one pack when it wrote many (an
   * add of 10,000 packages writes ~20,000: as loose files, 80 MB of disk blocks, and as
   * many unlinks when they are packed). Past PENDING_LIMIT bytes they go to a pack at
   * once, so memory stays bounded.
   */
  private pending = new Map<string, { type: GitObjectType; body: Buffer; raw: Buffer }>();
  private pendingBytes = 0;

  write(oid: string, type: GitObjectType, body: Buffer, raw: Buffer): void {
    if (this.pending.has(oid) || this.packs.has(oid)) return;
    this.pending.set(oid, { type, body, raw });
    this.pendingBytes += raw.length;
    if (this.pendingBytes >= PENDING_LIMIT) this.writePending();
  }

  /**
   * Writes what `write` holds: loose files (no fsync: the transaction's syncfs, which
   * follows, covers them) when fewer than PACK_FROM, else one pack (fsynced, renamed).
   */
  private writePending(): void {
    if (this.pending.size === 0) return;
    if (this.pending.size < PACK_FROM) {
      for (const [oid, o] of this.pending) this.writeLoose(oid, o.raw);
    } else {
      makeDir(join(this.gitdir, 'objects', 'pack'));
      writePack(join(this.gitdir, 'objects', 'pack'), this.tmpRoot, [...this.pending].map(([oid, o]) => ({ oid, type: o.type as PackInput['type'], body: o.body })));
      this.unsynced.add(join(this.gitdir, 'objects', 'pack')); // its files are fsynced; their names in it, not yet
    }
    this.pending.clear();
    this.pendingBytes = 0;
  }

  private writeLoose(oid: string, raw: Buffer): void {
    const path = this.loosePath(oid);
    let existing: Buffer | null = null;
    try { existing = readFileSync(path); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
    if (existing !== null) {
      let intact = false;
      try { intact = inflateSync(existing).equals(raw); } catch { /* damaged: rewritten below */ }
      if (intact) return;
    }
    makeDir(join(this.gitdir, 'objects', oid.slice(0, 2)));
    const tmp = tmpPath(this.tmpRoot);
    createFile(tmp, deflateSync(raw, { level: 1 }), { mode: 0o444 });
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
    this.unsynced.add(path);
  }

  /** Loose files (and the pack directory) written and not yet known durable: a pack's own files are fsynced as they are written. */
  private readonly unsynced = new Set<string>();

  /** Writes what is pending (writePending); the transaction's syncfs, after it, makes it durable. */
  async flush(): Promise<void> { this.writePending(); }

  /**
   * Where the transaction's syncfs failed (`sync -f` absent or refused), the loose files
   * written since, and their directories, are fsynced one by one: otherwise a state
   * could outlive, in a power loss, the commits it names. Forgotten either way.
   */
  settleWritten(synced: boolean): void {
    const files = [...this.unsynced];
    this.unsynced.clear();
    if (synced || files.length === 0) return;
    const dirs = new Set<string>();
    for (const file of files) {
      try { fsyncPath(file); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; continue; } // packed and removed since
      dirs.add(dirname(file));
    }
    dirs.add(join(this.gitdir, 'objects')); // a fan directory made for them
    for (const dir of dirs) fsyncPath(dir);
  }

  /** Loose object files under one fan directory (`objects/<xx>/`). */
  private looseIn(fan: string): string[] {
    try { return readdirSync(join(this.gitdir, 'objects', fan)).filter((rest) => /^[0-9a-f]{38}$/.test(rest)); } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
      throw err;
    }
  }

  /**
   * About how many loose objects there are: exact below 256 asked, else (as git's
   * gc.auto does) sixteen fan directories counted and scaled, so a commit's check is a
   * few directory reads, not 256.
   */
  private looseEstimate(ifMore: number): number {
    const fans = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
    if (ifMore <= 256) return fans.reduce((n, fan) => n + this.looseIn(fan).length, 0);
    return fans.slice(0, 16).reduce((n, fan) => n + this.looseIn(fan).length, 0) * 16;
  }

  /**
   * Moves every loose object into packs (at most PACK_LIMIT bytes each), then deletes the
   * loose copies: the packs are durable and visible before any loose file goes, so a
   * reader (or a kill) at any moment finds each object in one place or both. A loose
   * object that does not verify is left where it is, for fsck to report. With
   * `onlyIfMany`, only once there are about AUTO_PACK_LOOSE (a commit's packing).
   * Past MAX_HISTORY_PACKS packs, the small ones are merged (mergePacks).
   */
  packLoose(options: { onlyIfMany?: boolean } = {}): { packed: number; packs: number } {
    // Few loose objects, but a commit's flush may have written a pack of its own (an add of
    // many packages does): the pack count is bounded all the same, or every read probes one
    // more index per such commit (20 at 20,000 builds added 1,000 at a time).
    if (options.onlyIfMany && this.looseEstimate(AUTO_PACK_LOOSE) < AUTO_PACK_LOOSE) return { packed: 0, packs: this.mergePacks() };
    const objectsDir = join(this.gitdir, 'objects');
    const packDir = join(objectsDir, 'pack');
    const loose: string[] = [];
    for (const fan of readdirSync(objectsDir)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const rest of this.looseIn(fan)) loose.push(fan + rest);
    }
    if (loose.length === 0) return { packed: 0, packs: this.mergePacks() };
    makeDir(packDir);
    const done: string[] = [];
    let batch: PackInput[] = [];
    let bytes = 0;
    let packs = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      writePack(packDir, this.tmpRoot, batch);
      packs++;
      done.push(...batch.map((b) => b.oid));
      batch = [];
      bytes = 0;
    };
    for (const oid of loose) {
      if (this.packs.has(oid)) { done.push(oid); continue; }
      let obj: GitObject | null;
      try { obj = this.readLoose(oid); } catch (err) { if (err instanceof BazaarError) continue; throw err; }
      if (obj === null) continue;
      batch.push({ oid, ...obj });
      bytes += obj.body.length;
      if (bytes >= PACK_LIMIT) flush();
    }
    flush();
    fsyncPath(packDir);
    for (const oid of done) removeFile(this.loosePath(oid));
    for (const fan of new Set(done.map((o) => o.slice(0, 2)))) {
      try { fs.rmdirSync(join(objectsDir, fan)); } catch (err) { if (!isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'ENOENT')) throw err; }
    }
    return { packed: done.length, packs: packs + this.mergePacks() };
  }

  /**
   * Keeps the number of packs small (each read looks in every pack's index): past
   * MAX_HISTORY_PACKS, the smallest packs, together under PACK_LIMIT, are rewritten as
   * one. The merged pack is durable and visible before the old ones are removed (index
   * first), so a kill leaves each object in one pack or two. A pack this cannot take
   * whole (damage, deltas) is left as it is. Returns the packs written.
   */
  private mergePacks(): number {
    const packDir = join(this.gitdir, 'objects', 'pack');
    const all = this.packs.list();
    if (all.length <= MAX_HISTORY_PACKS) return 0;
    const chosen: string[] = [];
    let objects: PackInput[] = [];
    let bytes = 0;
    for (const p of all.sort((a, b) => a.size - b.size)) {
      if (chosen.length >= 2 && bytes + p.size > PACK_LIMIT) break;
      const inside = this.packs.objectsOf(p.name);
      if (inside === null) continue;
      chosen.push(p.name);
      objects = objects.concat(inside);
      bytes += p.size;
    }
    if (chosen.length < 2) return 0;
    const seen = new Set<string>();
    const merged = writePack(packDir, this.tmpRoot, objects.filter((o) => !seen.has(o.oid) && seen.add(o.oid)));
    fsyncPath(packDir);
    for (const name of chosen) if (name !== merged) removePack(packDir, name);
    return 1;
  }

  checkPacks(): string[] { return this.packs.check(); }

  /**
   * Refs are loose files (a mirror of the store state for git tools), moved in the order
   * given. The guard is checked, not locked: files have one host, whose writers' lock
   * already serializes them.
   */
  async setRefs(updates: ReadonlyArray<readonly [string, string | null]>, guard?: RefGuard): Promise<boolean> {
    if (guard && (await this.readRef(guard.name)) !== guard.from) return false;
    for (const [name, oid] of updates) this.setRef(name, oid);
    if (guard) this.setRef(guard.name, guard.to);
    return true;
  }

  private setRef(name: string, oid: string | null): void {
    const path = join(this.gitdir, 'refs', ...name.split('/'));
    if (oid === null) { removeFile(path); return; }
    makeDir(join(path, '..'));
    const tmp = tmpPath(this.tmpRoot);
    createFile(tmp, `${oid}\n`);
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
  }

  /** Loose refs only (the store never packs its refs). */
  async readRefs(dir: string): Promise<Map<string, RefValue>> {
    const out = new Map<string, RefValue>();
    for (const name of this.refNames(dir)) out.set(name, await this.readRef(`${dir}/${name}`));
    return out;
  }

  private refNames(dir: string): string[] {
    const out: string[] = [];
    const walk = (path: string, prefix: string): void => {
      let names: string[];
      try { names = readdirSync(path); } catch (err) { if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return; throw err; }
      for (const name of names) {
        const p = join(path, name);
        if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
        else out.push(`${prefix}${name}`);
      }
    };
    walk(join(this.gitdir, 'refs', ...dir.split('/')), '');
    return out.sort();
  }

  async readRef(name: string): Promise<RefValue> {
    let text: string;
    try { text = readFileSync(join(this.gitdir, 'refs', ...name.split('/')), 'utf8').trim(); } catch (err) {
      // ENAMETOOLONG: no such ref can exist (a branch whose name is too long for one)
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'ENAMETOOLONG')) return null;
      if (isErrno(err, 'EISDIR')) return 'garbage';
      throw err;
    }
    return OID.test(text) ? text : 'garbage';
  }
}
