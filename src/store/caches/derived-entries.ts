/**
 * Derived data keyed by an immutable object id: `cache/derived/<kind>/<hex>`. The object's
 * content decides the entry, so an entry never goes stale; any process may write one
 * without a lock (temp file, rename), each carries a checksum of its body so a torn or
 * damaged entry is recomputed, never believed, and gc drops the entries of objects it
 * deleted. Best effort: a read-only store computes each time.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../../fs/index.js';
import { cacheDir, tmpPath } from '../layout.js';
import type { ObjectId } from '../layout.js';

const MAGIC = 'bazaar-derived 1';

function derivedDir(root: string, kind: string): string { return join(cacheDir(root), 'derived', kind); }
function entryPath(root: string, kind: string, id: ObjectId): string { return join(derivedDir(root, kind), id.slice('sha256:'.length)); }
const sum = (body: string): string => createHash('sha256').update(body).digest('hex');

/** The entry of `kind` for `id`, or null when there is none or it fails its checksum. */
export function readDerived(root: string, kind: string, id: ObjectId): string | null {
  let text: string;
  try { text = readFileSync(entryPath(root, kind, id), 'utf8'); } catch { return null; }
  const nl = text.indexOf('\n');
  const m = /^bazaar-derived 1 ([0-9a-f]{64})$/.exec(text.slice(0, nl));
  const body = text.slice(nl + 1);
  return m && sum(body) === m[1] ? body : null;
}

/** Records the entry of `kind` for `id` (kept in memory only where the store cannot be written). */
export function writeDerived(root: string, kind: string, id: ObjectId, body: string): void {
  try {
    makeDir(derivedDir(root, kind));
    const tmp = tmpPath(root);
    createFile(tmp, `${MAGIC} ${sum(body)}\n${body}`);
    try { renameFile(tmp, entryPath(root, kind, id)); } catch (err) { removeFile(tmp); throw err; }
  } catch (err) {
    if (unwritableCode(err) === null) throw err;
  }
}

/** Drops the entries whose object `keep` says is gone (gc, after deleting objects). */
export function pruneDerived(root: string, keep: (id: ObjectId) => boolean): void {
  let kinds: string[];
  try { kinds = readdirSync(join(cacheDir(root), 'derived')); } catch (err) { if (isErrno(err, 'ENOENT')) return; throw err; }
  for (const kind of kinds) {
    for (const name of readdirSync(derivedDir(root, kind))) {
      if (!/^[0-9a-f]{64}$/.test(name) || !keep(`sha256:${name}`)) removeFile(join(derivedDir(root, kind), name));
    }
  }
}
