/**
 * The boot-set cache in the store (`cache/boot/v1`, store/caches/paths.ts): derived files,
 * each beside a `.json` record of its sha256 and size. A file is written to a temp name
 * and renamed into place, then its record; a file without a record, or whose bytes do not
 * match it, is absent (and rebuilt), never served. Checking a file's bytes costs a read of
 * it, so a process checks each file once (by inode, size and time) and trusts its record
 * after; gc prunes what no kept image version names.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { isErrno } from '../errors.js';
import { bootCacheDir, CACHE_TMP_PREFIX } from '../store/index.js';

export interface CachedFile { path: string; sha256: string; size: number }

/** Files this process has read whole and found to match their record. */
const checked = new Map<string, string>();

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class BootCache {
  readonly dir: string;
  constructor(storeDir: string) { this.dir = bootCacheDir(storeDir); }

  /** The cached file `rel` (e.g. `layers/<tree>.squashfs`) if it is whole and matches its record. */
  async get(rel: string): Promise<CachedFile | null> {
    const path = join(this.dir, rel);
    let record: { sha256?: unknown; size?: unknown };
    try { record = JSON.parse(await readFile(`${path}.json`, 'utf8')) as typeof record; } catch { return null; }
    if (typeof record.sha256 !== 'string' || typeof record.size !== 'number') return null;
    const st = await stat(path).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return null; throw err; });
    if (!st || st.size !== record.size) return null;
    const key = `${path}\0${st.ino}\0${st.mtimeMs}\0${st.size}`;
    if (checked.get(key) !== record.sha256) {
      if (await sha256File(path) !== record.sha256) return null;
      checked.set(key, record.sha256);
    }
    return { path, sha256: record.sha256, size: record.size };
  }

  /** Makes `rel` by `write(tempPath)`, records its digest, and renames both into place. */
  async put(rel: string, write: (tmp: string) => Promise<void>): Promise<CachedFile> {
    const path = join(this.dir, rel);
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `${CACHE_TMP_PREFIX}${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`);
    try {
      await write(tmp);
      const [sha256, { size }] = await Promise.all([sha256File(tmp), stat(tmp)]);
      await rename(tmp, path);
      const st = await stat(path);
      checked.set(`${path}\0${st.ino}\0${st.mtimeMs}\0${st.size}`, sha256);
      await writeFile(`${tmp}.json`, JSON.stringify({ sha256, size }));
      await rename(`${tmp}.json`, `${path}.json`);
      return { path, sha256, size };
    } finally {
      await rm(tmp, { force: true });
      await rm(`${tmp}.json`, { force: true });
    }
  }

  /** Reads a small JSON record from the cache (null if absent or unreadable). */
  async readJson<T>(rel: string): Promise<T | null> {
    try { return JSON.parse(await readFile(join(this.dir, rel), 'utf8')) as T; } catch { return null; }
  }

  /** Writes a small JSON record atomically. */
  async writeJson(rel: string, value: unknown): Promise<void> {
    const path = join(this.dir, rel);
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `${CACHE_TMP_PREFIX}${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, `${JSON.stringify(value)}\n`);
    await rename(tmp, path);
  }
}
