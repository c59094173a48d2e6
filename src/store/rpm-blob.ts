/**
 * Reading stored .rpm files: the head (its signature header) without decompressing the
 * whole object (the first zstd frame holds the first MiB, which always covers it), and
 * the files of one that was added without unpacking.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
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
 * Stages the files of a stored .rpm that the store does not hold yet (see ingest-rpm.ts,
 * `unpack`). The .rpm is streamed to a private temp file (verified as it is read), read
 * from there and removed.
 */
export async function unpackStoredRpm(objects: ObjectStore, rpm: ObjectId): Promise<StagedObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-unpack-'));
  try {
    const path = join(dir, 'package.rpm');
    const out = createWriteStream(path);
    for await (const chunk of objects.stream(rpm)) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'close');
    return await unpackRpm(objects, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
