/** Everything a store holds on disk, to assert that a failed command changed nothing. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { filesUnder } from './rpm-files.js';

export function storeSnapshot(dir: string): string[] {
  return filesUnder(dir)
    .map((p) => `${relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
}

/**
 * `storeSnapshot` without the LevelDB index: LevelDB rotates its log and CURRENT files on
 * every open, and every locked store operation opens it, so the index's bytes change even
 * when its content does not. It is derived data (rebuilt from the refs); callers compare
 * its content through `Store.list()` instead.
 */
export function storeContentSnapshot(dir: string): string[] {
  return storeSnapshot(dir).filter((line) => !line.startsWith('index/'));
}
