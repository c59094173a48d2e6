/**
 * What the last fsck found damaged or missing, remembered in `cache/damage.json` so that
 * a later `bazaar add` of the original .rpm rewrites those objects instead of trusting
 * their ids (a damaged object still exists under its name, so plain deduplication would
 * keep it), and restores the missing ones among its files (and no others: a package's
 * files stay in its .rpm until a layer needs them).
 * Derived data: absent or unreadable means "nothing known", and the next fsck rewrites it.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../errors.js';
import { createFile, makeDir, removeFile, renameFile } from '../fs/ops.js';
import { cacheDir, damagePath } from './caches/paths.js';
import { isObjectId, tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';

export interface KnownDamage { id: ObjectId; problem: string }

export function readDamage(root: string): KnownDamage[] {
  try {
    const value = JSON.parse(readFileSync(damagePath(root), 'utf8')) as unknown;
    return Array.isArray(value) ? value.filter((d): d is KnownDamage => typeof d?.id === 'string' && isObjectId(d.id)) : [];
  } catch (err) {
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return [];
    throw err;
  }
}

export function writeDamage(root: string, damage: readonly KnownDamage[]): void {
  const path = damagePath(root);
  if (damage.length === 0) { removeFile(path); return; }
  makeDir(cacheDir(root));
  const tmp = tmpPath(root);
  createFile(tmp, `${JSON.stringify(damage)}\n`);
  renameFile(tmp, path);
}
