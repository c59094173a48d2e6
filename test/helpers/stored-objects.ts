/**
 * Where a store keeps an object's bytes, for tests that damage or remove one: a loose
 * file or a stretch of a pack (src/store/object-packs.ts). Damage is done to those
 * bytes in place, as a disk would do it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FsObjectBackend } from '../../src/store/fs-object-backend.js';
import { objectPath } from '../../src/store/layout.js';
import type { ObjectId } from '../../src/store/layout.js';

/** Every object id in the store's object area. */
export async function storedIds(dir: string): Promise<ObjectId[]> {
  const out: ObjectId[] = [];
  for await (const e of new FsObjectBackend(dir).list()) if ('id' in e) out.push(e.id);
  return out;
}

function located(dir: string, id: ObjectId): { path: string; offset: number; length: number } {
  const at = new FsObjectBackend(dir).locate(id);
  if (at === null) throw new Error(`test setup: ${id} is not stored in ${dir}`);
  return at;
}

/** The object's stored (encoded) bytes. */
export function storedBytes(dir: string, id: ObjectId): Buffer {
  const at = located(dir, id);
  return readFileSync(at.path).subarray(at.offset, at.offset + at.length);
}

/** Applies `change` to the object's stored bytes where they lie; returns an undo. */
export function damageStored(dir: string, id: ObjectId, change: (bytes: Buffer) => void): () => void {
  const at = located(dir, id);
  const original = readFileSync(at.path);
  const file = Buffer.from(original);
  change(file.subarray(at.offset, at.offset + at.length));
  writeFileSync(at.path, file);
  return () => writeFileSync(at.path, original);
}

/** Flips one bit of the object's stored bytes at `fraction` of its length. */
export function flipStoredBit(dir: string, id: ObjectId, fraction: number, bit = 0): () => void {
  return damageStored(dir, id, (b) => { b[Math.min(b.length - 1, Math.floor(b.length * fraction))] ^= 1 << bit; });
}

/** Puts other stored bytes under `id` (a loose file, which reads prefer to a packed copy). */
export function replaceStored(dir: string, id: ObjectId, bytes: Buffer): void {
  const path = objectPath(dir, id);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Loses the object, wherever it lies. */
export async function removeStored(dir: string, id: ObjectId): Promise<void> {
  await new FsObjectBackend(dir).deleteAll([id]);
}
