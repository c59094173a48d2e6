/**
 * Refs and their history: a bare git repository inside the store (isomorphic-git). A
 * branch's tree maps paths to object ids, one small git blob per entry holding
 * `sha256:<hex>\n`; every change is a commit, so log, diff and rollback are git's.
 *
 *   refs/heads/packages   <name>/<nevra> -> package manifest id   (every published build)
 *
 * Channels, images and pins become further branches. Git files are written through an
 * fs wrapper that writes to a temp file, fsyncs and renames: a crash never leaves a
 * half-written git object or ref (isomorphic-git itself writes in place).
 */
import * as fs from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type * as Git from 'isomorphic-git';
import { BazaarError, isErrno } from '../errors.js';
import { gitDir, isObjectId, tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';

export const PACKAGES_BRANCH = 'packages';

type GitApi = typeof Git;
let gitModule: Promise<GitApi> | null = null;
/**
 * isomorphic-git, loaded on first use: it costs ~80 ms at start-up, which commands that
 * never touch refs (vercmp, resolve --repo, cat) should not pay.
 */
function loadGit(): Promise<GitApi> {
  gitModule ??= import('isomorphic-git').then((m) => (m as unknown as { default: GitApi }).default);
  return gitModule;
}

const AUTHOR = { name: 'bazaar', email: 'bazaar@localhost' };

/** fs.promises with atomic, durable writeFile. */
function atomicFs(root: string): typeof fs {
  const promises = {
    ...fs.promises,
    async writeFile(path: fs.PathLike, data: string | Uint8Array, options?: fs.WriteFileOptions): Promise<void> {
      const tmp = tmpPath(root);
      const fh = await open(tmp, 'wx', typeof options === 'object' && options?.mode ? options.mode : 0o644);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
  };
  return { ...fs, promises } as unknown as typeof fs;
}

export interface RefChange { path: string; id: ObjectId | null }

interface GitTreeEntry { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' }

export class Refs {
  private readonly fs: typeof fs;
  private readonly gitdir: string;
  private readonly cache = {};

  constructor(root: string) {
    this.fs = atomicFs(root);
    this.gitdir = gitDir(root);
  }

  async init(): Promise<void> {
    await (await loadGit()).init({ fs: this.fs, gitdir: this.gitdir, bare: true, defaultBranch: PACKAGES_BRANCH });
  }

  /** The commit a branch points at, or null if the branch does not exist yet. */
  async head(branch: string): Promise<string | null> {
    try {
      return await (await loadGit()).resolveRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${branch}` });
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFoundError') return null;
      throw err;
    }
  }

  private async treeOf(commit: string | null): Promise<string | null> {
    if (commit === null) return null;
    const { commit: c } = await (await loadGit()).readCommit({ fs: this.fs, gitdir: this.gitdir, oid: commit, cache: this.cache });
    return c.tree;
  }

  private async readTree(oid: string | null): Promise<GitTreeEntry[]> {
    if (oid === null) return [];
    return (await (await loadGit()).readTree({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache })).tree as GitTreeEntry[];
  }

  private async readId(oid: string, path: string): Promise<ObjectId> {
    const { blob } = await (await loadGit()).readBlob({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
    const text = Buffer.from(blob).toString('utf8').trim();
    if (!isObjectId(text)) throw new BazaarError('ERR_STORE_REF', `ref ${path} does not hold an object id ("${text.slice(0, 80)}")`, { data: { path } });
    return text;
  }

  /** Every `path -> id` of a branch at a commit (default: its head). */
  async entries(branch: string, commit?: string | null): Promise<Map<string, ObjectId>> {
    const out = new Map<string, ObjectId>();
    const at = commit === undefined ? await this.head(branch) : commit;
    const walk = async (tree: string | null, prefix: string): Promise<void> => {
      for (const e of await this.readTree(tree)) {
        const path = prefix + e.path;
        if (e.type === 'tree') await walk(e.oid, `${path}/`);
        else if (e.type === 'blob') out.set(path, await this.readId(e.oid, path));
      }
    };
    await walk(await this.treeOf(at), '');
    return out;
  }

  /** Rewrites only the subtrees that `changes` touch; returns the new tree oid (null if empty). */
  private async updateTree(tree: string | null, changes: RefChange[]): Promise<string | null> {
    const byHead = new Map<string, RefChange[]>();
    const leaves = new Map<string, ObjectId | null>();
    for (const c of changes) {
      const slash = c.path.indexOf('/');
      if (slash < 0) { leaves.set(c.path, c.id); continue; }
      const head = c.path.slice(0, slash);
      const list = byHead.get(head) ?? [];
      list.push({ path: c.path.slice(slash + 1), id: c.id });
      byHead.set(head, list);
    }
    const entries = new Map((await this.readTree(tree)).map((e) => [e.path, e]));
    for (const [name, id] of leaves) {
      if (id === null) { entries.delete(name); continue; }
      const oid = await (await loadGit()).writeBlob({ fs: this.fs, gitdir: this.gitdir, blob: Buffer.from(`${id}\n`) });
      entries.set(name, { mode: '100644', path: name, oid, type: 'blob' });
    }
    for (const [name, sub] of byHead) {
      const current = entries.get(name);
      const oid = await this.updateTree(current?.type === 'tree' ? current.oid : null, sub);
      if (oid === null) entries.delete(name);
      else entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
    }
    if (entries.size === 0) return null;
    return (await loadGit()).writeTree({ fs: this.fs, gitdir: this.gitdir, tree: [...entries.values()] });
  }

  /** Applies `changes` to a branch as one commit; returns the new commit (or the old one if nothing changed). */
  async update(branch: string, changes: RefChange[], message: string): Promise<string> {
    const parent = await this.head(branch);
    const oldTree = await this.treeOf(parent);
    const tree = (await this.updateTree(oldTree, changes)) ?? (await (await loadGit()).writeTree({ fs: this.fs, gitdir: this.gitdir, tree: [] }));
    if (parent !== null && tree === oldTree) return parent;
    const now = Math.floor(Date.now() / 1000);
    const who = { ...AUTHOR, timestamp: now, timezoneOffset: 0 };
    const commit = await (await loadGit()).writeCommit({
      fs: this.fs, gitdir: this.gitdir,
      commit: { message: `${message}\n`, tree, parent: parent ? [parent] : [], author: who, committer: who },
    });
    await (await loadGit()).writeRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${branch}`, value: commit, force: true });
    return commit;
  }

  /** Commits of a branch, newest first. */
  async log(branch: string): Promise<Array<{ oid: string; message: string; timestamp: number }>> {
    if ((await this.head(branch)) === null) return [];
    const commits = await (await loadGit()).log({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${branch}`, cache: this.cache });
    return commits.map((c) => ({ oid: c.oid, message: c.commit.message.trim(), timestamp: c.commit.committer.timestamp }));
  }

  /** Names of all branches. */
  async branches(): Promise<string[]> {
    try {
      return await (await loadGit()).listBranches({ fs: this.fs, gitdir: this.gitdir });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  /** Verifies every git object reachable from every branch (fsck). Returns problems. */
  async check(): Promise<string[]> {
    const problems: string[] = [];
    for (const branch of await this.branches()) {
      try {
        for (const c of await this.log(branch)) await this.entries(branch, c.oid);
      } catch (err) {
        problems.push(`ref ${branch}: ${(err as Error).message}`);
      }
    }
    return problems;
  }
}
