/**
 * Derived data keyed by an immutable object id: `cache/derived/<kind>/<hex>`. The object's
 * content decides the entry, so an entry never goes stale; any process may write one
 * without a lock (temp file, rename), each carries a checksum of its body so a torn or
 * damaged entry is recomputed, never believed, and gc drops the entries of objects it
 * deleted (prune.ts). Best effort: a read-only store computes each time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createFile, makeDir, removeFile, renameFile, unwritableCode } from '../../fs/ops.js';
import { tmpPath } from '../layout.js';
import type { ObjectId } from '../layout.js';
import { derivedEntryPath, derivedKindDir } from './paths.js';

const MAGIC = 'bazaar-derived 1';

const sum = (body: string): string => createHash('sha256').update(body).digest('hex');

/** The entry of `kind` for `id`, or null when there is none or it fails its checksum. */
export function readDerived(root: string, kind: string, id: ObjectId): string | null {
  let text: string;
  try { text = readFileSync(derivedEntryPath(root, kind, id), 'utf8'); } catch { return null; }
  const nl = text.indexOf('\n');
  const m = /^bazaar-derived 1 ([0-9a-f]{64})$/.exec(text.slice(0, nl));
  const body = text.slice(nl + 1);
  return m && sum(body) === m[1] ? body : null;
}

/** Records the entry of `kind` for `id` (kept in memory only where the store cannot be written). */
export function writeDerived(root: string, kind: string, id: ObjectId, body: string): void {
  try {
    makeDir(derivedKindDir(root, kind));
    const tmp = tmpPath(root);
    createFile(tmp, `${MAGIC} ${sum(body)}\n${body}`);
    try { renameFile(tmp, derivedEntryPath(root, kind, id)); } catch (err) { removeFile(tmp); throw err; }
  } catch (err) {
    if (unwritableCode(err) === null) throw err;
  }
}
