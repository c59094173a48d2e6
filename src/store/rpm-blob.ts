/**
 * Reading the head of a stored .rpm file: its signature header, without decompressing
 * the whole object (the first zstd frame holds the first MiB, which always covers it).
 */
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
