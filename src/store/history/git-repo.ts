/**
 * The store's history: a bare git repository (`refs.git`) of commits, trees and blobs,
 * readable by stock git and isomorphic-git alike.
 *
 * Objects are read and written here directly (inflate, sha1 check, parse), because the
 * store reads tens of thousands of small trees per fsck and isomorphic-git's per-call cost
 * (a FileSystem wrapper, a gitdir discovery and a pack-index probe per object) made that
 * the slowest part of every walk. Commits write loose objects; `bazaar gc` packs them
 * (`packLoose`, git-pack.ts), so the history is a few files, not one per object.
 * isomorphic-git creates the repository and reads what git-pack.ts does not (deltas in a
 * pack made by a `git gc` run by hand).
 *
 * Writes go to a temp file and are renamed into place without an fsync: the transaction
 * makes them durable with one syncfs before the state that references them is written
 * (transaction.ts). An object file that already exists is verified before it is trusted,
 * so a crash that left a damaged copy of an unreferenced object is repaired by the next
 * writer of the same object instead of being believed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import type * as Git from 'isomorphic-git';
import { BazaarError, isErrno } from '../../errors.js';
import { createFile, fsyncPath, makeDir, removeFile, renameFile } from '../../fs/index.js';
import { tmpPath } from '../layout.js';
import { PACK_LIMIT, GitPacks, writePack } from './git-pack.js';
import type { PackInput } from './git-pack.js';

export type GitObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/**
 * `body` in a buffer of its own size: inflateSync leaves a 300-byte tree in a 16 KiB
 * buffer, so the read cache (50,000 entries) held 330 MB in an fsck of 10,000 builds, and
 * gc's packing of 20,000 loose objects 400 MB.
 */
function compact(body: Buffer): Buffer { return body.buffer.byteLength > 2 * body.length + 1024 ? Buffer.from(body) : body; }

/** A tree entry: `40000` for a subtree, `100644` for a blob. */
export interface GitTreeEntry { mode: string; name: string; oid: string }

export interface GitCommit {
  oid: string;
  tree: string;
  parents: string[];
  message: string;
  /** Committer time, seconds since the epoch. */
  timestamp: number;
}

type GitApi = typeof Git;
let gitModule: Promise<GitApi> | null = null;
/** isomorphic-git, loaded on first use: most commands never need it (~80 ms to load). */
function loadGit(): Promise<GitApi> {
  gitModule ??= import('isomorphic-git').then((m) => (m as unknown as { default: GitApi }).default);
  return gitModule;
}

const AUTHOR = 'bazaar <bazaar@localhost>';
const OID = /^[0-9a-f]{40}$/;

/** A git object that is missing or damaged: doubt is damage, never "absent". */
export function historyDamage(oid: string, problem: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_STORE_DAMAGED', `history object ${oid} ${problem}`, { data: { git: oid, problem }, cause });
}

function encode(type: GitObjectType, body: Buffer): { oid: string; raw: Buffer } {
  const raw = Buffer.concat([Buffer.from(`${type} ${body.length}\u0000`), body]);
  return { oid: createHash('sha1').update(raw).digest('hex'), raw };
}

/** Git's tree order: byte order of names, a subtree compared as if its name ended in '/'. */
function treeOrder(a: GitTreeEntry, b: GitTreeEntry): number {
  const ka = Buffer.from(a.mode === '40000' ? `${a.name}/` : a.name);
  const kb = Buffer.from(b.mode === '40000' ? `${b.name}/` : b.name);
  return Buffer.compare(ka, kb);
}

export class GitRepo {
  /** Parsed objects by oid: trees and value blobs recur across commits. Bounded. */
  private readonly cache = new Map<string, { type: GitObjectType; body: Buffer }>();
  /** Parsed trees and commits (immutable, so safe to share): lookups re-read the same few. */
  private readonly trees = new Map<string, GitTreeEntry[]>();
  private readonly commits = new Map<string, GitCommit>();
  private readonly isoCache = {};
  private readonly packs: GitPacks;

  constructor(readonly gitdir: string, private readonly tmpRoot: string) {
    this.packs = new GitPacks(join(gitdir, 'objects', 'pack'));
  }

  async init(): Promise<void> {
    const git = await loadGit();
    await git.init({ fs, gitdir: this.gitdir, bare: true, defaultBranch: 'packages' });
  }

  private loosePath(oid: string): string { return join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)); }

  /** Reads and verifies an object. Missing or damaged is ERR_STORE_DAMAGED naming the oid. */
  async read(oid: string): Promise<{ type: GitObjectType; body: Buffer }> {
    if (!OID.test(oid)) throw historyDamage(oid, 'is not a git object id');
    const hit = this.cache.get(oid);
    if (hit) return hit;
    const read = this.readLoose(oid) ?? await this.readPacked(oid);
    const obj = { type: read.type, body: compact(read.body) };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(oid, obj);
    return obj;
  }

  /** A loose object, verified; null when there is no loose file. */
  private readLoose(oid: string): { type: GitObjectType; body: Buffer } | null {
    let file: Buffer;
    try { file = readFileSync(this.loosePath(oid)); } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    let raw: Buffer;
    try { raw = inflateSync(file); } catch (err) { throw historyDamage(oid, 'cannot be inflated (damaged)', err); }
    if (createHash('sha1').update(raw).digest('hex') !== oid) throw historyDamage(oid, 'does not hash to its id (damaged)');
    const nul = raw.indexOf(0);
    const m = nul > 0 ? /^(blob|tree|commit|tag) (\d+)$/.exec(raw.subarray(0, nul).toString('latin1')) : null;
    if (!m || Number(m[2]) !== raw.length - nul - 1) throw historyDamage(oid, 'has a malformed header (damaged)');
    return { type: m[1] as GitObjectType, body: compact(raw.subarray(nul + 1)) };
  }

  private async readPacked(oid: string): Promise<{ type: GitObjectType; body: Buffer }> {
    const own = this.packs.read(oid);
    if (own === undefined) throw historyDamage(oid, 'is missing');
    if (own !== null) return own;
    const git = await loadGit();
    try {
      const r = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.isoCache });
      return { type: r.type as GitObjectType, body: Buffer.from(r.object as Uint8Array) };
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw historyDamage(oid, code === 'NotFoundError' ? 'is missing' : `cannot be read (${(err as Error).message})`, err);
    }
  }

  /** Whether an object exists (loose or packed), without verifying it. */
  async exists(oid: string): Promise<boolean> {
    try { await this.read(oid); return true; } catch (err) {
      if (err instanceof BazaarError && err.data.problem === 'is missing') return false;
      throw err;
    }
  }

  private async typed(oid: string, type: GitObjectType): Promise<Buffer> {
    const o = await this.read(oid);
    if (o.type !== type) throw historyDamage(oid, `is a ${o.type}, not a ${type}`);
    return o.body;
  }

  async readBlob(oid: string): Promise<Buffer> { return this.typed(oid, 'blob'); }

  async readTree(oid: string): Promise<GitTreeEntry[]> {
    const hit = this.trees.get(oid);
    if (hit) return hit;
    const entries = await this.parseTree(oid);
    if (this.trees.size > 20_000) this.trees.clear();
    this.trees.set(oid, entries);
    return entries;
  }

  private async parseTree(oid: string): Promise<GitTreeEntry[]> {
    const body = await this.typed(oid, 'tree');
    const out: GitTreeEntry[] = [];
    let pos = 0;
    while (pos < body.length) {
      const space = body.indexOf(0x20, pos);
      const nul = body.indexOf(0, space + 1);
      if (space < 0 || nul < 0 || nul + 21 > body.length) throw historyDamage(oid, 'is a malformed tree');
      out.push({ mode: body.toString('latin1', pos, space), name: body.toString('utf8', space + 1, nul), oid: body.toString('hex', nul + 1, nul + 21) });
      pos = nul + 21;
    }
    return out;
  }

  async readCommit(oid: string): Promise<GitCommit> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    const c = await this.parseCommit(oid);
    if (this.commits.size > 20_000) this.commits.clear();
    this.commits.set(oid, c);
    return c;
  }

  private async parseCommit(oid: string): Promise<GitCommit> {
    const text = (await this.typed(oid, 'commit')).toString('utf8');
    const split = text.indexOf('\n\n');
    const head = split < 0 ? text : text.slice(0, split);
    const message = split < 0 ? '' : text.slice(split + 2);
    let tree = '';
    const parents: string[] = [];
    let timestamp = 0;
    for (const line of head.split('\n')) {
      if (line.startsWith('tree ')) tree = line.slice(5);
      else if (line.startsWith('parent ')) parents.push(line.slice(7));
      else if (line.startsWith('committer ')) timestamp = Number(/ (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0);
    }
    if (!OID.test(tree) || parents.some((p) => !OID.test(p))) throw historyDamage(oid, 'is a malformed commit');
    return { oid, tree, parents, message: message.replace(/\n$/, ''), timestamp };
  }

  /** Writes an object (see the module comment for durability); returns its oid. */
  write(type: GitObjectType, body: Buffer): string {
    const { oid, raw } = encode(type, body);
    if (this.cache.has(oid)) return oid;
    const path = this.loosePath(oid);
    let existing: Buffer | null = null;
    try { existing = readFileSync(path); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
    if (existing !== null) {
      let intact = false;
      try { intact = inflateSync(existing).equals(raw); } catch { /* damaged: rewritten below */ }
      if (intact) { this.cache.set(oid, { type, body }); return oid; }
    }
    makeDir(join(this.gitdir, 'objects', oid.slice(0, 2)));
    const tmp = tmpPath(this.tmpRoot);
    createFile(tmp, deflateSync(raw, { level: 1 }), { mode: 0o444 });
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
    this.cache.set(oid, { type, body });
    return oid;
  }

  writeBlob(data: Buffer | string): string { return this.write('blob', Buffer.isBuffer(data) ? data : Buffer.from(data)); }

  writeTree(entries: GitTreeEntry[]): string {
    const sorted = [...entries].sort(treeOrder);
    const parts: Buffer[] = [];
    for (const e of sorted) parts.push(Buffer.from(`${e.mode} ${e.name}\u0000`), Buffer.from(e.oid, 'hex'));
    return this.write('tree', Buffer.concat(parts));
  }

  writeCommit(c: { tree: string; parents: string[]; message: string; timestamp: number }): string {
    const who = `${AUTHOR} ${c.timestamp} +0000`;
    const text = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`, '', `${c.message}\n`].join('\n');
    return this.write('commit', Buffer.from(text));
  }

  /** First-parent history from `commit`, newest first (at most `limit` commits). */
  async log(commit: string, limit = Infinity): Promise<GitCommit[]> {
    const out: GitCommit[] = [];
    let at: string | undefined = commit;
    while (at !== undefined && out.length < limit) {
      const c = await this.readCommit(at);
      out.push(c);
      at = c.parents[0];
    }
    return out;
  }

  /**
   * Moves every loose object into packs (at most PACK_LIMIT bytes each), then deletes the
   * loose copies: the packs are durable and visible before any loose file goes, so a
   * reader (or a kill) at any moment finds each object in one place or both. A loose
   * object that does not verify is left where it is, for fsck to report.
   */
  packLoose(): { packed: number; packs: number } {
    const objectsDir = join(this.gitdir, 'objects');
    const packDir = join(objectsDir, 'pack');
    const loose: string[] = [];
    for (const fan of readdirSync(objectsDir)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const rest of readdirSync(join(objectsDir, fan))) if (/^[0-9a-f]{38}$/.test(rest)) loose.push(fan + rest);
    }
    if (loose.length === 0) return { packed: 0, packs: 0 };
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
      let obj: { type: GitObjectType; body: Buffer } | null;
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
    return { packed: done.length, packs };
  }

  /** Problems of the history's packs, one line each (fsck verifies them whole). */
  checkPacks(): string[] { return this.packs.check(); }

  /** Points `refs/<name>` at a commit (a mirror of the store state for git tools). */
  setRef(name: string, oid: string | null): void {
    const path = join(this.gitdir, 'refs', ...name.split('/'));
    if (oid === null) { removeFile(path); return; }
    makeDir(join(path, '..'));
    const tmp = tmpPath(this.tmpRoot);
    createFile(tmp, `${oid}\n`);
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
  }

  /** Names of the refs under `refs/<dir>` (e.g. 'heads' lists branches), loose refs only. */
  listRefs(dir: string): string[] {
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

  /** What `refs/<name>` holds: a commit id, null when absent, 'garbage' when unreadable. */
  readRef(name: string): string | null | 'garbage' {
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
