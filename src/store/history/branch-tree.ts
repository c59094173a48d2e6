/**
 * A branch's content: a map from slash-separated paths to store object ids, kept as git
 * trees whose leaves are small blobs holding `sha256:<hex>\n`. Reading one path reads
 * only the trees on its way; a change rewrites only the trees on the changed paths; a
 * diff descends only where two trees differ; a walk can skip every tree it has already
 * seen (git trees are content-addressed), so checking all of history costs the number
 * of distinct trees, not commits × entries.
 */
import { BazaarError } from '../../errors.js';
import { isObjectId } from '../layout.js';
import type { ObjectId } from '../layout.js';
import { historyDamage } from './git-repo.js';
import type { GitRepo, GitTreeEntry } from './git-repo.js';

export interface BranchChange { path: string; id: ObjectId | null }
export interface BranchDiffEntry { path: string; before: ObjectId | null; after: ObjectId | null }

const TREE = '40000';
const BLOB = '100644';

/** The object id a value blob holds; ERR_STORE_DAMAGED when it holds anything else. */
export async function readValue(repo: GitRepo, blobOid: string): Promise<ObjectId> {
  const text = (await repo.readBlob(blobOid)).toString('utf8').trim();
  if (!isObjectId(text)) throw historyDamage(blobOid, `does not hold an object id ("${text.slice(0, 40)}")`);
  return text;
}

/** The tree of a commit, or null for no commit. */
export async function rootTree(repo: GitRepo, commit: string | null): Promise<string | null> {
  return commit === null ? null : (await repo.readCommit(commit)).tree;
}

/** The value at `path` in a tree (null when absent). */
export async function readPath(repo: GitRepo, tree: string | null, path: string): Promise<ObjectId | null> {
  const parts = path.split('/');
  let at = tree;
  for (let i = 0; i < parts.length; i++) {
    if (at === null) return null;
    const e = await repo.treeEntry(at, parts[i]);
    if (!e) return null;
    if (i === parts.length - 1) return e.mode === TREE ? null : readValue(repo, e.oid);
    at = e.mode === TREE ? e.oid : null;
  }
  return null;
}

/** The entries directly under `dir` ('' for the root): values and subdirectory names. */
export async function listDir(repo: GitRepo, tree: string | null, dir: string): Promise<{ values: Map<string, ObjectId>; dirs: string[] }> {
  let at = tree;
  for (const part of dir ? dir.split('/') : []) {
    if (at === null) break;
    const e = await repo.treeEntry(at, part);
    at = e?.mode === TREE ? e.oid : null;
  }
  const values = new Map<string, ObjectId>();
  const dirs: string[] = [];
  if (at === null) return { values, dirs };
  for (const e of await repo.readTree(at)) {
    if (e.mode === TREE) dirs.push(e.name);
    else values.set(e.name, await readValue(repo, e.oid));
  }
  return { values, dirs };
}

/** Every `path -> id` under a tree. */
export async function allEntries(repo: GitRepo, tree: string | null): Promise<Map<string, ObjectId>> {
  const out = new Map<string, ObjectId>();
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const entries = await repo.readTree(oid);
    await repo.prefetch(entries.map((e) => e.oid));
    for (const e of entries) {
      if (e.mode === TREE) await walk(e.oid, `${prefix}${e.name}/`);
      else out.set(prefix + e.name, await readValue(repo, e.oid));
    }
  };
  if (tree !== null) await walk(tree, '');
  return out;
}

/** Applies changes to a tree, rewriting only the subtrees they touch; null when empty. */
export async function updateTree(repo: GitRepo, tree: string | null, changes: readonly BranchChange[]): Promise<string | null> {
  const byHead = new Map<string, BranchChange[]>();
  const leaves = new Map<string, ObjectId | null>();
  for (const c of changes) {
    const slash = c.path.indexOf('/');
    if (slash < 0) { leaves.set(c.path, c.id); continue; }
    const head = c.path.slice(0, slash);
    const list = byHead.get(head) ?? [];
    list.push({ path: c.path.slice(slash + 1), id: c.id });
    byHead.set(head, list);
  }
  const entries = new Map<string, GitTreeEntry>((tree === null ? [] : await repo.readTree(tree)).map((e) => [e.name, e]));
  for (const [name, id] of leaves) {
    if (id === null) { if (entries.get(name)?.mode !== TREE) entries.delete(name); continue; }
    if (entries.get(name)?.mode === TREE) throw new BazaarError('ERR_STORE_REF', `cannot store a value at ${name}: it is a directory of the branch`);
    entries.set(name, { mode: BLOB, name, oid: repo.writeBlob(`${id}\n`) });
  }
  for (const [name, sub] of byHead) {
    const current = entries.get(name);
    const oid = await updateTree(repo, current?.mode === TREE ? current.oid : null, sub);
    if (oid === null) entries.delete(name);
    else entries.set(name, { mode: TREE, name, oid });
  }
  if (entries.size === 0) return null;
  return repo.writeTree([...entries.values()]);
}

/** The empty tree's oid (a branch whose last entry went keeps a commit with it). */
export function emptyTree(repo: GitRepo): string { return repo.writeTree([]); }

/** Values added, removed or changed between two trees, descending only where they differ. */
export async function diffTrees(repo: GitRepo, a: string | null, b: string | null): Promise<BranchDiffEntry[]> {
  const out: BranchDiffEntry[] = [];
  const side = async (tree: string | null): Promise<Map<string, GitTreeEntry>> =>
    new Map((tree === null ? [] : await repo.readTree(tree)).map((e) => [e.name, e]));
  const all = async (tree: string, prefix: string, which: 'before' | 'after'): Promise<void> => {
    for (const [path, id] of await allEntries(repo, tree)) {
      out.push({ path: prefix + path, before: which === 'before' ? id : null, after: which === 'after' ? id : null });
    }
  };
  const go = async (x: string | null, y: string | null, prefix: string): Promise<void> => {
    if (x === y) return;
    const ex = await side(x);
    const ey = await side(y);
    for (const name of new Set([...ex.keys(), ...ey.keys()])) {
      const p = ex.get(name);
      const q = ey.get(name);
      if (p && q && p.oid === q.oid && p.mode === q.mode) continue;
      const pTree = p?.mode === TREE ? p.oid : null;
      const qTree = q?.mode === TREE ? q.oid : null;
      if (pTree !== null || qTree !== null) {
        if (pTree !== null && qTree !== null) await go(pTree, qTree, `${prefix}${name}/`);
        else {
          if (pTree !== null) await all(pTree, `${prefix}${name}/`, 'before');
          if (qTree !== null) await all(qTree, `${prefix}${name}/`, 'after');
        }
      }
      const pv = p && p.mode !== TREE ? await readValue(repo, p.oid) : null;
      const qv = q && q.mode !== TREE ? await readValue(repo, q.oid) : null;
      if (pv !== qv) out.push({ path: prefix + name, before: pv, after: qv });
    }
  };
  await go(a, b, '');
  return out.sort((l, r) => (l.path < r.path ? -1 : l.path > r.path ? 1 : 0));
}

export interface WalkSeen { trees: Set<string>; blobs: Set<string> }

/**
 * Visits every value under a tree that has not been seen before: subtrees and value
 * blobs already in `seen` are skipped, so walking many commits of one branch costs only
 * what changed between them. `onValue` gets the path, the value and the blob's oid.
 */
export async function walkNew(repo: GitRepo, tree: string, seen: WalkSeen, onValue: (path: string, id: ObjectId) => Promise<void> | void): Promise<void> {
  const go = async (oid: string, prefix: string): Promise<void> => {
    if (seen.trees.has(oid)) return;
    seen.trees.add(oid);
    const entries = await repo.readTree(oid);
    const fresh = entries.filter((e) => !(e.mode === TREE ? seen.trees : seen.blobs).has(e.oid));
    await repo.prefetch(fresh.map((e) => e.oid));
    // the values of the subtrees just read too, in one request: a build's directory holds
    // one value, which was read alone (10,000 reads for 10,000 builds)
    const below: string[] = [];
    for (const e of fresh) {
      if (e.mode !== TREE || !repo.cached(e.oid)) continue;
      for (const x of await repo.readTree(e.oid)) if (x.mode !== TREE && !seen.blobs.has(x.oid)) below.push(x.oid);
    }
    await repo.prefetch(below);
    for (const e of entries) {
      if (e.mode === TREE) { await go(e.oid, `${prefix}${e.name}/`); continue; }
      if (seen.blobs.has(e.oid)) continue;
      seen.blobs.add(e.oid);
      await onValue(prefix + e.name, await readValue(repo, e.oid));
    }
  };
  await go(tree, '');
}
