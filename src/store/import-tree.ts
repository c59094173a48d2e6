/**
 * Imports a directory tree as store objects: every regular file a blob, every directory a
 * tree, symlinks and device nodes as entries. This is how layers will be built from an
 * overlay upper dir or an unpacked image; today `bazaar import-tree` records the root
 * under the `trees` branch (`trees/<name>`) so gc keeps it. Owners are stored as numeric
 * ids in text (`"0"`), since the importing host's user names mean nothing in an image.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, pathError, shownPath } from '../errors.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore, StagedObject } from './objects.js';
import { stageJson } from './stage-json.js';
import { TaskPool } from './task-pool.js';
import { kindOfMode, writeTrees } from './kinds/tree.js';
import type { PathNode } from './kinds/tree.js';

/** Files staged concurrently (each holds at most one zstd frame in memory). */
const PARALLEL = 16;

export interface ImportedTree { root: ObjectId; staged: StagedObject[]; files: number; bytes: number }

/** Stages a whole directory tree; the caller commits `staged` with a ref, or discards it. */
export async function importTree(objects: ObjectStore, dir: string, onFile?: (path: string) => void): Promise<ImportedTree> {
  const staged: StagedObject[] = [];
  const pool = new TaskPool(PARALLEL);
  let files = 0;
  let bytes = 0;

  const entryOf = (path: string, st: Stats): PathNode['entry'] => {
    const kind = kindOfMode(st.mode);
    if (!kind) throw new BazaarError('ERR_BAD_INPUT', `${path}: unsupported file type (mode ${st.mode.toString(8)})`);
    return { kind, mode: st.mode, user: String(st.uid), group: String(st.gid) };
  };

  /**
   * Reads a directory into path nodes (synchronous metadata calls: cheaper than a pool
   * round trip each); file contents are staged in the pool meanwhile.
   */
  const walk = async (path: string): Promise<Map<string, PathNode>> => {
    const nodes = new Map<string, PathNode>();
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const st = lstatSync(full);
      const entry = entryOf(full, st);
      const node: PathNode = { entry };
      if (entry.kind === 'dir') node.children = await walk(full);
      else if (entry.kind === 'symlink') entry.target = readlinkSync(full);
      else if (entry.kind === 'char' || entry.kind === 'block') entry.rdev = st.rdev;
      else if (entry.kind === 'file') {
        entry.size = st.size;
        files++;
        bytes += st.size;
        await pool.add(async () => { const s = await objects.stageFile(full, st.size); staged.push(s); entry.id = s.id; onFile?.(full); });
      }
      nodes.set(name, node);
    }
    return nodes;
  };

  try {
    const nodes = await walk(dir);
    await pool.drain(); // every file's id is known now; trees can be serialised
    const root = await writeTrees(nodes, (tree) => stageJson(objects, pool, staged, tree));
    await pool.drain();
    return { root, staged, files, bytes };
  } catch (err) {
    await pool.settle();
    await objects.discard(staged);
    // An unreadable or vanished file is bad input, named by its path.
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === 'string' && e.path !== undefined) {
      const typed = pathError(err, e.path);
      throw typed !== err ? typed : new BazaarError('ERR_BAD_INPUT', `${shownPath(e.path)}: cannot read (${e.code})`, { cause: err });
    }
    throw err;
  }
}
