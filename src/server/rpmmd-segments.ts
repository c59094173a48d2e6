/**
 * A generation's packages cut into runs for the segmented writer (rpmmd/write/
 * segmented-documents.ts): each run is one gzip member of each document, and a run
 * whose builds are those of a run of the previous generation is copied from its files,
 * not read and compressed again; a republish after one package changed reads and
 * compresses about one run.
 *
 * A run ends after a build whose id's last byte is a multiple of RUN (about RUN builds
 * a run), or at MAX_RUN builds: where runs end depends on the builds only, so adding or
 * removing one changes the run it falls in and (rarely) the next, no other. A run's key
 * is the sha256 of the fragments' version and its builds' ids and hrefs: the same key,
 * the same text.
 */
import { createHash } from 'node:crypto';
import type { Formatted, FormattedBytes, Segment } from '../rpmmd/index.js';
import type { ObjectId } from '../store/index.js';
import { FRAGMENTS_KIND } from '../rpmmd/index.js';

const RUN = 64;
const MAX_RUN = 512;

export function cutSegments<T extends { id: ObjectId; href: string }>(items: readonly T[], read: (item: T) => Promise<Formatted | FormattedBytes>): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  for (let i = 0; i < items.length; i++) {
    const last = i === items.length - 1 || i - start + 1 >= MAX_RUN || parseInt(items[i].id.slice(-2), 16) % RUN === 0;
    if (!last) continue;
    const run = items.slice(start, i + 1);
    const h = createHash('sha256').update(`${FRAGMENTS_KIND}\n`);
    for (const item of run) h.update(`${item.id} ${item.href}\n`);
    segments.push({
      key: h.digest('hex'),
      packages: async () => { const out: Array<Formatted | FormattedBytes> = []; for (const item of run) out.push(await read(item)); return out; },
    });
    start = i + 1;
  }
  return segments;
}
