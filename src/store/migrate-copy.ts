/**
 * The two copies `migrateStore` makes (migrate-store.ts): every object, its stored bytes
 * as they are (the same framing on every backend, so nothing is compressed again),
 * verified as they pass; and the history every head reaches, each git object verified
 * on read and written through the destination's history backend.
 */
import { BazaarError } from '../errors.js';
import type { GitRepo } from './history/git-repo.js';
import type { ObjectId } from './layout.js';
import type { ObjectBackend, StagedObject, WriteSlot } from './object-backend.js';
import { verifiedContent } from './objects.js';
import type { ObjectStore } from './objects.js';
import { TaskPool } from './task-pool.js';

/** Stored bytes up to this are read whole and written with their id known (so they can be packed); larger ones stream. */
const WHOLE_MAX = 1 << 20;
/** Objects copied at once (S3 pays a round trip each). */
const PARALLEL = 8;
/** Objects staged before the destination commits them: bounds what waits in memory (small objects) or in tmp/. */
const BATCH_OBJECTS = 256;
const BATCH_BYTES = 64 << 20;
/** History objects written before the destination flushes them (a database holds them in memory until then). */
const HISTORY_FLUSH = 2000;

export interface ObjectCopyCount { copied: number; present: number; bytes: number }

async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }

/** Reads `stored` through to its end, checking it is object `id`; returns its content's size. */
async function verify(id: ObjectId, stored: AsyncIterable<Buffer>): Promise<number> {
  let size = 0;
  for await (const chunk of verifiedContent(id, stored)) size += chunk.length;
  return size;
}

/**
 * Copies one object's stored bytes into a slot of `to`, verified on the way (a large one
 * streamed: never whole in memory); null when `from` no longer has it (a gc took it).
 */
async function copyOne(from: ObjectBackend, to: ObjectBackend, id: ObjectId): Promise<{ staged: StagedObject; bytes: number } | null> {
  const storedSize = await from.storedSize(id);
  if (storedSize === null) return null;
  if (storedSize <= WHOLE_MAX) {
    const bytes = await from.readWhole(id);
    if (bytes === null) return null;
    const size = await verify(id, once(bytes));
    const slot = await to.createSlot({ id });
    slot.writeWhole(bytes);
    return { staged: { id, slot: slot.token, size }, bytes: bytes.length };
  }
  const source = await from.readStream(id);
  if (source === null) return null;
  const slot: WriteSlot = await to.createSlot();
  let bytes = 0;
  // A failure to write is the destination's, not damage of the source object.
  let writeFailure: { err: unknown } | null = null;
  const passing = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      try { await slot.append(chunk); } catch (err) { writeFailure = { err }; throw err; }
      bytes += chunk.length;
      yield chunk;
    }
  };
  try {
    const size = await verify(id, passing());
    await slot.close();
    return { staged: { id, slot: slot.token, size }, bytes };
  } catch (err) {
    await slot.abort();
    throw writeFailure === null ? err : (writeFailure as { err: unknown }).err;
  } finally {
    (source as { destroy?: () => void }).destroy?.();
  }
}

/**
 * Copies every object `from` lists that `to` lacks, committing them in batches (each
 * durable before it is visible). One that `to` has is not read again: objects are named
 * by their content, so a run after a killed one goes on where it stopped. The first
 * damaged object stops the copy (ERR_STORE_OBJECT_CORRUPT naming it).
 */
export async function copyObjects(from: ObjectStore, to: ObjectStore, onObject: (count: ObjectCopyCount) => void): Promise<ObjectCopyCount> {
  const count: ObjectCopyCount = { copied: 0, present: 0, bytes: 0 };
  let batch: StagedObject[] = [];
  let batchBytes = 0;
  const pool = new TaskPool(PARALLEL);
  const commit = async (): Promise<void> => {
    await pool.drain();
    const staged = batch;
    batch = [];
    batchBytes = 0;
    await to.commit(staged);
  };
  try {
    for await (const entry of from.list()) {
      if (!('id' in entry)) continue; // strays and damaged packs: fsck of the source reports them
      const id = entry.id;
      await pool.add(async () => {
        if (await to.has(id)) { count.present++; onObject(count); return; }
        const copied = await copyOne(from.backend, to.backend, id);
        if (copied === null) return;
        batch.push(copied.staged);
        batchBytes += copied.bytes;
        count.copied++;
        count.bytes += copied.bytes;
        onObject(count);
      });
      if (batch.length >= BATCH_OBJECTS || batchBytes >= BATCH_BYTES) await commit();
    }
    await commit();
  } catch (err) {
    await pool.settle();
    await to.discard(batch);
    throw err;
  }
  return count;
}

/**
 * Copies the history the `heads` reach (commits, their parents, trees and value blobs)
 * from one repository to another, each object verified on read (a missing or damaged
 * one stops it: ERR_STORE_DAMAGED naming it) and written under the same id; flushed
 * as it goes and at the end. Returns the number of objects.
 */
export async function copyHistory(from: GitRepo, to: GitRepo, heads: readonly string[], onObject: (count: number) => void): Promise<number> {
  const seen = new Set<string>();
  const todo = [...heads];
  while (todo.length) {
    const oid = todo.pop() as string;
    if (seen.has(oid)) continue;
    seen.add(oid);
    const obj = await from.read(oid);
    const written = to.write(obj.type, obj.body);
    if (written !== oid) throw new BazaarError('ERR_STORE_DAMAGED', `history object ${oid} was written as ${written}`, { data: { git: oid } });
    if (obj.type === 'commit') {
      const c = await from.readCommit(oid);
      todo.push(...c.parents, c.tree);
    } else if (obj.type === 'tree') {
      const entries = (await from.readTree(oid)).filter((e) => e.mode !== '160000' && !seen.has(e.oid));
      await from.prefetch(entries.map((e) => e.oid));
      todo.push(...entries.map((e) => e.oid));
    }
    if (seen.size % HISTORY_FLUSH === 0) await to.flush();
    onObject(seen.size);
  }
  await to.flush();
  return seen.size;
}
