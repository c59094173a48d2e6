import { canonicalJson } from './canonical-json.js';
import { objectIdOf } from './layout.js';
import type { ObjectId } from './layout.js';
import type { ObjectStager } from './object-reader.js';
import type { StagedObject } from './objects.js';
import type { TaskPool } from './task-pool.js';

/**
 * Stages a manifest or tree as canonical JSON in the background. Its id is known at
 * once (the hash of its bytes), so a parent tree need not wait for the write. Ids in
 * `rewrite` are written even if they exist (a repair replaces damaged copies).
 */
export async function stageJson(objects: ObjectStager, pool: TaskPool, staged: StagedObject[], value: unknown, rewrite?: ReadonlySet<ObjectId>, options: { readBack?: boolean } = {}): Promise<ObjectId> {
  const bytes = Buffer.from(canonicalJson(value));
  const id = objectIdOf(bytes);
  await pool.add(async () => { staged.push(await objects.stageBytes(bytes, { rewrite: rewrite?.has(id) ?? false, ...options })); });
  return id;
}
