/** An rpm-md repository directory as a `PackageSource`. */
import type { PackageRecord, PackageSource } from '../resolver/index.js';
import { MemorySource } from '../resolver/index.js';
import { readPrimary } from './primary-reader.js';
import { primaryPath } from './repomd.js';

/** Reads `DIR/repodata/repomd.xml` and the primary it points at (streamed). */
export async function readRepository(dir: string): Promise<PackageSource> {
  const file = await primaryPath(dir);
  const list: PackageRecord[] = [];
  await readPrimary(file, (p) => { list.push(p); });
  return new MemorySource(list, dir);
}
