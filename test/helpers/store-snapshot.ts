/**
 * Everything a store holds on disk, to assert that a failed command changed nothing.
 * Derived data (`cache/`: indexes any reader may build) and reader leases (`readers/`)
 * are left out: they are not the store's content.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { filesUnder } from './rpm-files.js';

export function storeSnapshot(dir: string): string[] {
  return filesUnder(dir)
    .filter((p) => statSync(p).isFile()) // a FIFO made by a damage test would block the read
    .map((p) => relative(dir, p))
    .filter((p) => !p.startsWith('cache/') && !p.startsWith('readers/'))
    .map((p) => `${p} ${createHash('sha256').update(readFileSync(`${dir}/${p}`)).digest('hex')}`);
}

/** The same (kept for callers that predate the derived index moving to cache/). */
export function storeContentSnapshot(dir: string): string[] {
  return storeSnapshot(dir);
}
