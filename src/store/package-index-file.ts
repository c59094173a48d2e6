/**
 * The package index's cache file (`cache/index/<commit>.v1`), in two forms:
 *
 * - **full**: every build of the commit, one JSON row each, sorted by name and key;
 * - **delta**: the rows that changed from a `base` commit's index (set or removed), and
 *   the commit's extras. A commit written by `add` or an upload gets a delta: writing the
 *   whole index of a 20,000-build branch after each one-package upload was most of what
 *   the upload cost beyond its package (docs/store.md, derived data).
 *
 * A delta is read on top of its base's file, which may be a delta itself: at most
 * MAX_DELTA_DEPTH of them and MAX_CHAIN_ROWS rows in a chain, past which the writer makes a
 * full one. Every file carries its own checksum; a chain whose base is gone reads as no
 * index (rebuilt from the nearest readable ancestor), one that does not check as damaged
 * (rebuilt): never a wrong answer. gc keeps the bases of the deltas it keeps.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { isErrno } from '../errors.js';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../fs/ops.js';
import { packageIndexPath } from './caches/paths.js';
import { tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';

export interface IndexedBuild {
  name: string;
  key: string;
  nevra: string;
  /** The branch's value: the build record. */
  value: ObjectId;
  /** The build id (header digest); '' for a layout-1 entry in old history. */
  header: string;
  provides: string[];
}

export interface IndexContents { builds: IndexedBuild[]; extras: Array<[string, ObjectId]> }

/** A change a delta records: a build set (added or replaced) or removed (by key). */
export type IndexChange = { set: IndexedBuild } | { removed: string };

const MAGIC = 'bazaar-package-index 1';
const DELTA_MAGIC = 'bazaar-package-index-delta 1';
/** The most deltas read on top of a full index. */
export const MAX_DELTA_DEPTH = 16;
/** The most changed rows the deltas of one chain hold together. */
export const MAX_CHAIN_ROWS = 4096;

/** What a file's first line says: a full index, or a delta on `base` (`depth` deltas down to a full one). */
export type IndexFileHead = { kind: 'full' } | { kind: 'delta'; base: string; depth: number; chainRows: number };

function checksum(body: string): string { return createHash('sha256').update(body).digest('hex'); }

function parseHead(line: string, commit: string): IndexFileHead | null {
  if (line === `${MAGIC} ${commit}`) return { kind: 'full' };
  const m = /^bazaar-package-index-delta 1 ([0-9a-f]{40}) ([0-9a-f]{40}) (\d+) (\d+)$/.exec(line);
  if (!m || m[1] !== commit) return null;
  const depth = Number(m[3]);
  if (depth < 1 || depth > MAX_DELTA_DEPTH) return null;
  return { kind: 'delta', base: m[2] as string, depth, chainRows: Number(m[4]) };
}

/** The first line of a commit's index file (not checked further); null when there is none or it is not one. */
export function indexFileHead(root: string, commit: string): IndexFileHead | null {
  let fd: number;
  try { fd = openSync(packageIndexPath(root, commit), 'r'); } catch { return null; }
  try {
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(10);
    return nl < 0 ? null : parseHead(buf.toString('latin1', 0, nl), commit);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const byNameThenKey = (a: IndexedBuild, b: IndexedBuild): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Builds sorted as an index lists them. */
export function sortBuilds(builds: IndexedBuild[]): IndexedBuild[] { return builds.sort(byNameThenKey); }

/**
 * The entries of a commit's cached index; null when there is none (or a delta's base is
 * gone), 'damaged' when a file of it does not check. `held`: the builds of indexes the
 * caller holds in memory (a server's, of the channel head it read before an upload): a
 * chain stops at the first of them, so only the deltas above it are read.
 */
export function readIndexFile(root: string, commit: string, held?: (commit: string) => readonly IndexedBuild[] | undefined): IndexContents | null | 'damaged' {
  const deltas: IndexFile[] = []; // the commit's own first, down to the one on the base
  for (let at = commit; ;) {
    const heldBuilds = deltas.length > 0 ? held?.(at) : undefined;
    if (heldBuilds) return { builds: composed(heldBuilds, deltas), extras: (deltas[0] as IndexFile).extras };
    const file = readOneFile(root, at);
    if (file === null || file === 'damaged') return file;
    const above = deltas.at(-1)?.head;
    // each file one less deep than the one above it, so a chain ends, and never loops
    const depth = file.head.kind === 'full' ? 0 : file.head.depth;
    if (above?.kind === 'delta' ? depth !== above.depth - 1 : depth > MAX_DELTA_DEPTH) return 'damaged';
    if (file.head.kind === 'full') return { builds: composed(file.sets, deltas), extras: (deltas[0] ?? file).extras };
    deltas.push(file);
    at = file.head.base;
  }
}

/** `base` with a chain's deltas (the newest first) composed, a later one's over an earlier one's, then applied in one pass. */
function composed(base: readonly IndexedBuild[], deltas: readonly IndexFile[]): IndexedBuild[] {
  if (deltas.length === 0) return base as IndexedBuild[];
  const net = new Map<string, IndexedBuild | null>();
  for (let i = deltas.length - 1; i >= 0; i--) {
    const d = deltas[i] as IndexFile;
    for (const key of d.removed) net.set(key, null);
    for (const b of d.sets) net.set(b.key, b);
  }
  const sets = [...net.values()].filter((b): b is IndexedBuild => b !== null);
  return applyDelta(base, sets, [...net].filter(([, b]) => b === null).map(([k]) => k));
}

interface IndexFile { head: IndexFileHead; sets: IndexedBuild[]; removed: string[]; extras: Array<[string, ObjectId]> }

/** One index file, checked; its rows as they are (a delta's not applied). */
function readOneFile(root: string, commit: string): IndexFile | null | 'damaged' {
  let text: string;
  try { text = readFileSync(packageIndexPath(root, commit), 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    return 'damaged';
  }
  const sumAt = text.lastIndexOf('\n#sum ');
  const head = parseHead(text.slice(0, Math.max(0, text.indexOf('\n'))), commit);
  if (!head || sumAt < 0 || text.slice(sumAt + 6).trim() !== checksum(text.slice(0, sumAt + 1))) return 'damaged';
  const file: IndexFile = { head, sets: [], removed: [], extras: [] };
  try {
    for (const line of text.slice(text.indexOf('\n') + 1, sumAt + 1).split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as unknown[];
      if (row.length === 2) { file.extras.push(row as [string, ObjectId]); continue; }
      if (row.length === 1 && head.kind === 'delta') { file.removed.push(row[0] as string); continue; }
      const [name, key, nevra, value, header, provides] = row as [string, string, string, ObjectId, string, string[]];
      file.sets.push({ name, key, nevra, value, header, provides });
    }
  } catch {
    return 'damaged';
  }
  return file;
}

/**
 * A sorted list of builds with a delta's changes applied, still sorted: one pass over the
 * base (re-sorting 20,000 builds, or a map of them, doubled what a read of the index cost).
 */
function applyDelta(base: readonly IndexedBuild[], sets: readonly IndexedBuild[], removed: readonly string[]): IndexedBuild[] {
  if (sets.length === 0 && removed.length === 0) return [...base];
  const gone = new Set(removed);
  const changed = new Map(sets.map((b) => [b.key, b]));
  const kept: IndexedBuild[] = [];
  for (const b of base) {
    const now = changed.get(b.key);
    if (now) { kept.push(now); changed.delete(b.key); } else if (!gone.has(b.key)) kept.push(b);
  }
  if (changed.size === 0) return kept;
  const added = sortBuilds([...changed.values()]);
  const out: IndexedBuild[] = [];
  let i = 0;
  for (const b of kept) {
    while (i < added.length && byNameThenKey(added[i] as IndexedBuild, b) < 0) out.push(added[i++] as IndexedBuild);
    out.push(b);
  }
  while (i < added.length) out.push(added[i++] as IndexedBuild);
  return out;
}

const buildRow = (b: IndexedBuild): string => JSON.stringify([b.name, b.key, b.nevra, b.value, b.header, b.provides]);

/** Writes a commit's full index. `mustSave`: fail when it cannot be saved (reindex), rather than keep it in memory only. */
export function writeIndexFile(root: string, commit: string, builds: readonly IndexedBuild[], extras: ReadonlyArray<[string, ObjectId]>, mustSave: boolean): void {
  const rows = [...builds.map(buildRow), ...extras.map((e) => JSON.stringify(e))];
  saveIndexFile(root, commit, `${MAGIC} ${commit}\n${rows.map((r) => `${r}\n`).join('')}`, mustSave);
}

/** Writes a commit's index as its changes from `base` (whose file `baseHead` describes). */
export function writeIndexDelta(root: string, commit: string, base: string, baseHead: IndexFileHead, changes: readonly IndexChange[], extras: ReadonlyArray<[string, ObjectId]>): void {
  const { depth, chainRows } = chainOn(baseHead, changes.length);
  const rows = [...changes.map((c) => ('set' in c ? buildRow(c.set) : JSON.stringify([c.removed]))), ...extras.map((e) => JSON.stringify(e))];
  saveIndexFile(root, commit, `${DELTA_MAGIC} ${commit} ${base} ${depth} ${chainRows}\n${rows.map((r) => `${r}\n`).join('')}`, false);
}

/** The depth and chain rows of a delta of `rows` rows on the file `baseHead` describes. */
function chainOn(baseHead: IndexFileHead, rows: number): { depth: number; chainRows: number } {
  return baseHead.kind === 'full' ? { depth: 1, chainRows: rows } : { depth: baseHead.depth + 1, chainRows: baseHead.chainRows + rows };
}

/** Whether a delta of `changes` rows may go on top of the file `baseHead` describes. */
export function deltaFits(baseHead: IndexFileHead, changes: number): boolean {
  const { depth, chainRows } = chainOn(baseHead, changes);
  return depth <= MAX_DELTA_DEPTH && chainRows <= MAX_CHAIN_ROWS;
}

function saveIndexFile(root: string, commit: string, body: string, mustSave: boolean): void {
  const path = packageIndexPath(root, commit);
  try {
    makeDir(dirname(path));
    const tmp = tmpPath(root);
    createFile(tmp, `${body}#sum ${checksum(body)}\n`);
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
  } catch (err) {
    // A reader on a read-only or full store keeps its index in memory only.
    if (mustSave || unwritableCode(err) === null) throw err;
  }
}

/** `commits` and the bases their index files are deltas on, all the way down: what gc keeps of `cache/index/`. */
export function indexFilesNeeded(root: string, commits: Iterable<string>): Set<string> {
  const need = new Set<string>();
  const todo = [...commits];
  for (let commit = todo.pop(); commit !== undefined; commit = todo.pop()) {
    if (need.has(commit)) continue;
    need.add(commit);
    const head = indexFileHead(root, commit);
    if (head?.kind === 'delta') todo.push(head.base);
  }
  return need;
}
