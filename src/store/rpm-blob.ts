/**
 * Reading stored .rpm files: the head (its signature header) without decompressing the
 * whole object (the first zstd frame holds the first MiB, which always covers it), and
 * the files of one that was added without unpacking.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackRpm } from './ingest-rpm.js';
import type { StagedObject } from './objects.js';
import { HEADER_INTRO_SIZE, headerSize } from '../rpm/header.js';
import { LEAD_SIZE } from '../rpm/read-rpm.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore } from './objects.js';

/** The signature header bytes of a stored .rpm (verified as the object is read). */
export async function signatureHeaderOf(objects: ObjectStore, rpm: ObjectId): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  let need = LEAD_SIZE + HEADER_INTRO_SIZE;
  let sized = false;
  for await (const chunk of objects.stream(rpm)) {
    parts.push(chunk);
    have += chunk.length;
    if (!sized && have >= need) {
      const head = Buffer.concat(parts);
      need = LEAD_SIZE + headerSize(head.subarray(LEAD_SIZE, LEAD_SIZE + HEADER_INTRO_SIZE), `${rpm}: signature header`);
      sized = true;
    }
    if (sized && have >= need) break;
  }
  return Buffer.concat(parts).subarray(LEAD_SIZE, need);
}

/**
 * Runs `use` on a copy of a stored object (an .rpm: the readers take a file) written to
 * `path`, streamed and verified as it is read; the copy is removed afterwards.
 */
export async function withStoredCopy<T>(objects: ObjectStore, id: ObjectId, path: string, use: (path: string) => Promise<T>): Promise<T> {
  try {
    const out = await open(path, 'wx');
    try {
      for await (const chunk of objects.stream(id)) await out.write(chunk);
    } finally {
      await out.close();
    }
    return await use(path);
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * Stages the files of a stored .rpm that the store does not hold yet (see ingest-rpm.ts,
 * `unpack`), read from a private temp copy.
 */
export async function unpackStoredRpm(objects: ObjectStore, rpm: ObjectId): Promise<StagedObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-unpack-'));
  try {
    return await withStoredCopy(objects, rpm, join(dir, 'package.rpm'), (path) => unpackRpm(objects, path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
