/**
 * Reading stored .rpm files: the head (its signature header) without decompressing the
 * whole object (the first zstd frame holds the first MiB, which always covers it), and
 * the files of one that was added without unpacking.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { HEADER_INTRO_SIZE, headerSize, LEAD_SIZE, packageMeta, readRpmFile, walkPayload } from '../rpm/index.js';
import { unpackRpm } from './ingest-rpm.js';
import type { ObjectReader, ObjectStager } from './object-reader.js';
import type { StagedObject } from './objects.js';
import type { ObjectId } from './layout.js';

/** The signature header bytes of a stored .rpm (verified as the object is read). */
export async function signatureHeaderOf(objects: ObjectReader, rpm: ObjectId): Promise<Buffer> {
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
export async function withStoredCopy<T>(objects: ObjectReader, id: ObjectId, path: string, use: (path: string) => Promise<T>): Promise<T> {
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
export async function unpackStoredRpm(objects: ObjectStager, rpm: ObjectId): Promise<StagedObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-unpack-'));
  try {
    return await withStoredCopy(objects, rpm, join(dir, 'package.rpm'), (path) => unpackRpm(objects, path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Streams one file of a stored .rpm whose content is `id` and size `size` (a package added
 * without unpacking: its files are named in its manifest but stay in the .rpm). The .rpm
 * is copied to a private temp directory and its whole payload walked and checked; files
 * of that size are kept in temp files and hashed, and only bytes that hash to `id` are given.
 */
export async function* streamFileOfRpm(objects: ObjectReader, rpm: ObjectId, id: ObjectId, size: number): AsyncGenerator<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-file-'));
  try {
    let found: string | null = null;
    await withStoredCopy(objects, rpm, join(dir, 'package.rpm'), async (path) => {
      const file = await readRpmFile(path);
      const meta = packageMeta(file.header, `${rpm} (stored .rpm)`);
      const none = { write: (): void => {}, end: async (): Promise<void> => {} };
      await walkPayload(file, meta, {
        file: async (index, f) => {
          if (found !== null || f.size !== size) return none;
          const candidate = join(dir, `file-${index}`);
          const fh = await open(candidate, 'wx');
          const h = createHash('sha256');
          return {
            write: async (chunk: Buffer) => { h.update(chunk); await fh.write(chunk); },
            end: async () => {
              await fh.close();
              if (found === null && `sha256:${h.digest('hex')}` === id) found = candidate; else rmSync(candidate, { force: true });
            },
          };
        },
      });
    });
    if (found === null) throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${id} is not in the store, nor in the .rpm ${rpm} whose manifest names it`, { data: { id } });
    const check = createHash('sha256');
    for await (const chunk of createReadStream(found, { highWaterMark: 1 << 20 })) { check.update(chunk as Buffer); yield chunk as Buffer; }
    if (`sha256:${check.digest('hex')}` !== id) throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `file ${id} changed while it was read from ${rpm}`, { data: { id } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
