/** Everything a store holds on disk, to assert that a failed command changed nothing. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { filesUnder } from './rpm-files.js';

export function storeSnapshot(dir: string): string[] {
  return filesUnder(dir)
    .map((p) => `${relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
}
