/**
 * The store's own files in its directory: what makes the store what it is but lives
 * beside the objects, state and history rather than in them, whatever the backends
 * (docs/engines.md#migrate). `bazaar migrate` copies these and nothing else of the
 * directory: the marker is the destination's own, and the lock, readers' leases, tmp/
 * and cache/ belong to a host (or are derived) and are never copied.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { createFile, fsyncPath, makeDir, removeFile, renameFile } from '../fs/index.js';
import { trustedKeysDir } from './keyring.js';
import { configPath, tmpPath } from './layout.js';
import { mirrorsPath } from './mirrors.js';
import { signingKeysDir } from './signing-keys.js';
import { tokensPath } from './tokens.js';

/** A store file: its path relative to the store's directory, its bytes and its mode. */
export interface StoreFile { path: string; bytes: Buffer; mode: number }

/** The settings, mirrors, tokens and keys (trusted package keys, repository signing keys), relative to `root`. */
function storeFilePaths(root: string): string[] {
  const rel = (abs: string): string => abs.slice(root.length + 1);
  const inDir = (dir: string): string[] => {
    try {
      return readdirSync(dir).filter((n) => n.endsWith('.asc')).sort().map((n) => rel(join(dir, n)));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
      throw err;
    }
  };
  return [configPath(root), mirrorsPath(root), tokensPath(root)].map(rel).concat(inDir(trustedKeysDir(root)), inDir(signingKeysDir(root)));
}

/** The store files present in `root`, read whole (they are small). */
export function readStoreFiles(root: string): StoreFile[] {
  const out: StoreFile[] = [];
  for (const path of storeFilePaths(root)) {
    const abs = join(root, path);
    try {
      const st = statSync(abs);
      if (!st.isFile()) throw new BazaarError('ERR_STORE_DAMAGED', `${abs} is not a file`, { data: { file: abs } });
      out.push({ path, bytes: readFileSync(abs), mode: st.mode & 0o777 });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      if (err instanceof BazaarError) throw err;
      throw new BazaarError('ERR_STORE_DAMAGED', `cannot read ${abs}: ${(err as Error).message}`, { cause: err, data: { file: abs } });
    }
  }
  return out;
}

/** The bytes of the file at `path`, null when there is none. */
function bytesAt(path: string): Buffer | null {
  try { return readFileSync(path); } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/** The files of `files` that `root` holds with other bytes (a destination's own settings or keys, never overwritten). */
export function conflictingStoreFiles(root: string, files: readonly StoreFile[]): string[] {
  return files.filter((f) => { const had = bytesAt(join(root, f.path)); return had !== null && !had.equals(f.bytes); }).map((f) => f.path);
}

/** Writes `files` into `root` (each durable, then renamed into place, its mode kept); one already there with the same bytes is left. */
export function writeStoreFiles(root: string, files: readonly StoreFile[]): void {
  for (const f of files) {
    const abs = join(root, f.path);
    if (bytesAt(abs)?.equals(f.bytes)) continue;
    makeDir(dirname(abs));
    const tmp = tmpPath(root);
    try {
      createFile(tmp, f.bytes, { sync: true, mode: f.mode });
      renameFile(tmp, abs);
    } finally {
      removeFile(tmp);
    }
    fsyncPath(dirname(abs));
  }
}
