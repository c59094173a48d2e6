/**
 * The store's history: git commits, trees and blobs over a HistoryBackend (where objects
 * and refs live: a bare git repository `refs.git` that stock git reads, by default, or
 * PostgreSQL rows; history-backend.ts). This class parses and caches: the store reads tens
 * of thousands of small trees per fsck, and parsed trees and commits recur across
 * commits. Writes are synchronous and readable at once; `flush()` makes them durable
 * (the transaction calls it before its state commit), and moving a ref flushes first.
 */
import { BazaarError } from '../../errors.js';
import { encodeObject, historyDamage, OID } from './git-object.js';
import type { GitObject, GitObjectType } from './git-object.js';
import type { HistoryBackend, RefGuard, RefValue } from './history-backend.js';

export { historyDamage } from './git-object.js';
export type { GitObjectType } from './git-object.js';

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

const AUTHOR = 'bazaar <bazaar@localhost>';

/** Git's tree order: byte order of names, a subtree compared as if its name ended in '/'. */
function treeOrder(a: GitTreeEntry, b: GitTreeEntry): number {
  const ka = Buffer.from(a.mode === '40000' ? `${a.name}/` : a.name);
  const kb = Buffer.from(b.mode === '40000' ? `${b.name}/` : b.name);
  return Buffer.compare(ka, kb);
}

/**
 * The caches' bounds, in bytes of object bodies and in tree entries, not in objects: a
 * walk of all history (fsck, gc) reads each tree once, so a bound of 50,000 objects and
 * 20,000 parsed trees held ~57 MB of a 20,000-build store's history for nothing (a
 * parsed entry costs ~120 bytes of heap). Lookups re-read the same few trees, which fit.
 */
const CACHE_BYTES = 8 << 20;
const TREE_ENTRIES = 32_768;

/**
 * A tree entry is `<mode> <name>\0<20-byte id>`. Where its space and its NUL are, found
 * by a plain byte loop: cold, a Buffer.indexOf call per entry cost more than the scan.
 */
function entrySpace(oid: string, body: Buffer, pos: number): number {
  let i = pos;
  while (i < body.length && body[i] !== 0x20) i++;
  if (i >= body.length) throw historyDamage(oid, 'is a malformed tree');
  return i;
}

function entryNul(oid: string, body: Buffer, space: number): number {
  let i = space + 1;
  while (i < body.length && body[i] !== 0) i++;
  if (i + 21 > body.length) throw historyDamage(oid, 'is a malformed tree');
  return i;
}

function entryAt(body: Buffer, pos: number, space: number, nul: number): GitTreeEntry {
  return { mode: body.toString('latin1', pos, space), name: body.toString('utf8', space + 1, nul), oid: body.toString('hex', nul + 1, nul + 21) };
}

export class GitRepo {
  /** Parsed objects by oid: trees and value blobs recur across commits. Bounded (CACHE_BYTES). */
  private readonly cache = new Map<string, GitObject>();
  private cacheBytes = 0;
  /** Parsed trees and commits (immutable, so safe to share): lookups re-read the same few. Bounded (TREE_ENTRIES). */
  private readonly trees = new Map<string, GitTreeEntry[]>();
  private treeEntries = 0;
  private readonly commits = new Map<string, GitCommit>();

  constructor(readonly backend: HistoryBackend) {}

  init(): Promise<void> { return this.backend.init(); }

  /** Reads and verifies an object. Missing or damaged is ERR_STORE_DAMAGED naming the oid. */
  async read(oid: string): Promise<GitObject> {
    if (!OID.test(oid)) throw historyDamage(oid, 'is not a git object id');
    const hit = this.cache.get(oid);
    if (hit) return hit;
    const obj = await this.backend.read(oid);
    if (obj === null) throw historyDamage(oid, 'is missing');
    this.remember(oid, obj);
    return obj;
  }

  private remember(oid: string, obj: GitObject): void {
    if (this.cache.size >= 50_000 || this.cacheBytes + obj.body.length > CACHE_BYTES) { this.cache.clear(); this.cacheBytes = 0; }
    this.cache.set(oid, obj);
    this.cacheBytes += obj.body.length;
  }

  /**
   * Reads the objects not yet cached in one request, where the backend can (a database):
   * a walk calls it with a tree's entries before reading them one by one. Missing or
   * damaged ones are left for `read` to report.
   */
  async prefetch(oids: readonly string[]): Promise<void> {
    if (!this.backend.readMany) return;
    const wanted = oids.filter((oid) => !this.cache.has(oid) && OID.test(oid));
    if (wanted.length < 2) return;
    let found: Map<string, GitObject>;
    try { found = await this.backend.readMany(wanted); } catch (err) {
      if (err instanceof BazaarError && err.code === 'ERR_STORE_DAMAGED') return;
      throw err;
    }
    for (const [oid, obj] of found) this.remember(oid, obj);
  }

  /** Whether the object is held read (cached, or parsed as a tree): reading it costs no request. */
  cached(oid: string): boolean { return this.cache.has(oid) || this.trees.has(oid); }

  /** Whether an object exists, without verifying it. */
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
    if (this.treeEntries + entries.length > TREE_ENTRIES) { this.trees.clear(); this.treeEntries = 0; }
    this.trees.set(oid, entries);
    this.treeEntries += entries.length;
    return entries;
  }

  private async parseTree(oid: string): Promise<GitTreeEntry[]> {
    const body = await this.typed(oid, 'tree');
    const out: GitTreeEntry[] = [];
    for (let pos = 0, nul: number; pos < body.length; pos = nul + 21) {
      const space = entrySpace(oid, body, pos);
      nul = entryNul(oid, body, space);
      out.push(entryAt(body, pos, space, nul));
    }
    return out;
  }

  /**
   * The entry named `name` of a tree, or null: what a lookup's path needs, without making
   * strings of every entry (a package lookup crosses the 256 entries of the fan-out's
   * root: parsing them whole was ~2 ms of a cold `show`). The whole tree is still checked
   * for form, as readTree checks it.
   */
  async treeEntry(oid: string, name: string): Promise<GitTreeEntry | null> {
    const parsed = this.trees.get(oid);
    if (parsed) return parsed.find((e) => e.name === name) ?? null;
    const body = await this.typed(oid, 'tree');
    const want = Buffer.from(name);
    let found: GitTreeEntry | null = null;
    for (let pos = 0, nul: number; pos < body.length; pos = nul + 21) {
      const space = entrySpace(oid, body, pos);
      nul = entryNul(oid, body, space);
      if (found === null && nul - space - 1 === want.length && body.compare(want, 0, want.length, space + 1, nul) === 0) found = entryAt(body, pos, space, nul);
    }
    return found;
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

  /** Writes an object: readable at once, durable after flush(); returns its oid. */
  write(type: GitObjectType, body: Buffer): string {
    const { oid, raw } = encodeObject(type, body);
    if (this.cache.has(oid)) return oid;
    this.backend.write(oid, type, body, raw);
    this.remember(oid, { type, body });
    return oid;
  }

  /** Makes every object written so far durable (before a state that names them is committed). */
  flush(): Promise<void> { return this.backend.flush(); }

  /** After a transaction's sync: whether it covered the whole filesystem (HistoryBackend.settleWritten). */
  settleWritten(synced: boolean): void { this.backend.settleWritten?.(synced); }

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

  /** Packs loose objects (gc; files only). */
  packLoose(): { packed: number; packs: number } { return this.backend.packLoose?.() ?? { packed: 0, packs: 0 }; }

  /** Packs loose objects once there are many (after a commit; files only). */
  packLooseIfMany(): { packed: number; packs: number } { return this.backend.packLoose?.({ onlyIfMany: true }) ?? { packed: 0, packs: 0 }; }

  /** Problems of the history's packs, one line each (fsck verifies them whole). */
  checkPacks(): string[] { return this.backend.checkPacks?.() ?? []; }

  /** Points `refs/<name>` at a commit, or removes it (null); objects written so far are flushed first. */
  async setRef(name: string, oid: string | null): Promise<void> { await this.setRefs([[name, oid]]); }

  /** Moves several refs, objects written so far flushed first (see HistoryBackend.setRefs: false when the guard failed). */
  async setRefs(updates: ReadonlyArray<readonly [string, string | null]>, guard?: RefGuard): Promise<boolean> {
    if (updates.length === 0 && !guard) return true;
    await this.backend.flush();
    return this.backend.setRefs(updates, guard);
  }

  /** Names of the refs under `refs/<dir>` (e.g. 'heads' lists branches), sorted. */
  async listRefs(dir: string): Promise<string[]> { return [...(await this.backend.readRefs(dir)).keys()]; }

  /** The refs under `refs/<dir>` by name, with what each holds (one query in a database). */
  readRefs(dir: string): Promise<Map<string, RefValue>> { return this.backend.readRefs(dir); }

  /** What `refs/<name>` holds: a commit id, null when absent, 'garbage' when unreadable. */
  readRef(name: string): Promise<RefValue> { return this.backend.readRef(name); }
}
