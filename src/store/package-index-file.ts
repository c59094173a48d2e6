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
 * gone), 'damaged' when a file of it does not check.
 */
export function readIndexFile(root: string, commit: string): IndexContents | null | 'damaged' {
  const read = readChain(root, commit, MAX_DELTA_DEPTH);
  return read === null || read === 'damaged' ? read : { builds: read.builds, extras: read.extras };
}

function readChain(root: string, commit: string, maxDepth: number): (IndexContents & { depth: number }) | null | 'damaged' {
  let text: string;
  try { text = readFileSync(packageIndexPath(root, commit), 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    return 'damaged';
  }
  const sumAt = text.lastIndexOf('\n#sum ');
  const head = parseHead(text.slice(0, Math.max(0, text.indexOf('\n'))), commit);
  if (!head || sumAt < 0 || text.slice(sumAt + 6).trim() !== checksum(text.slice(0, sumAt + 1))) return 'damaged';
  if (head.kind === 'delta' && head.depth > maxDepth) return 'damaged';
  const sets: IndexedBuild[] = [];
  const removed: string[] = [];
  const extras: Array<[string, ObjectId]> = [];
  try {
    for (const line of text.slice(text.indexOf('\n') + 1, sumAt + 1).split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as unknown[];
      if (row.length === 2) { extras.push(row as [string, ObjectId]); continue; }
      if (row.length === 1 && head.kind === 'delta') { removed.push(row[0] as string); continue; }
      const [name, key, nevra, value, header, provides] = row as [string, string, string, ObjectId, string, string[]];
      sets.push({ name, key, nevra, value, header, provides });
    }
  } catch {
    return 'damaged';
  }
  if (head.kind === 'full') return { builds: sets, extras, depth: 0 };
  const base = readChain(root, head.base, head.depth - 1);
  if (base === null || base === 'damaged') return base;
  if (base.depth !== head.depth - 1) return 'damaged';
  const builds = new Map(base.builds.map((b) => [b.key, b]));
  for (const key of removed) builds.delete(key);
  for (const b of sets) builds.set(b.key, b);
  // the base's order with the new keys at the end: a sort that is nearly linear
  return { builds: sortBuilds([...builds.values()]), extras, depth: head.depth };
}

const buildRow = (b: IndexedBuild): string => JSON.stringify([b.name, b.key, b.nevra, b.value, b.header, b.provides]);

/** Writes a commit's full index. `mustSave`: fail when it cannot be saved (reindex), rather than keep it in memory only. */
export function writeIndexFile(root: string, commit: string, builds: readonly IndexedBuild[], extras: ReadonlyArray<[string, ObjectId]>, mustSave: boolean): void {
  const rows = [...builds.map(buildRow), ...extras.map((e) => JSON.stringify(e))];
  saveIndexFile(root, commit, `${MAGIC} ${commit}\n${rows.map((r) => `${r}\n`).join('')}`, mustSave);
}

/** Writes a commit's index as its changes from `base` (whose file `baseHead` describes). */
export function writeIndexDelta(root: string, commit: string, base: string, baseHead: IndexFileHead, changes: readonly IndexChange[], extras: ReadonlyArray<[string, ObjectId]>): void {
  const depth = baseHead.kind === 'full' ? 1 : baseHead.depth + 1;
  const chainRows = (baseHead.kind === 'full' ? 0 : baseHead.chainRows) + changes.length;
  const rows = [...changes.map((c) => ('set' in c ? buildRow(c.set) : JSON.stringify([c.removed]))), ...extras.map((e) => JSON.stringify(e))];
  saveIndexFile(root, commit, `${DELTA_MAGIC} ${commit} ${base} ${depth} ${chainRows}\n${rows.map((r) => `${r}\n`).join('')}`, false);
}

/** Whether a delta of `changes` rows may go on top of the file `baseHead` describes. */
export function deltaFits(baseHead: IndexFileHead, changes: number): boolean {
  if (baseHead.kind === 'full') return changes <= MAX_CHAIN_ROWS;
  return baseHead.depth < MAX_DELTA_DEPTH && baseHead.chainRows + changes <= MAX_CHAIN_ROWS;
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
