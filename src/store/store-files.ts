/**
 * The store's own files: what makes the store what it is but lives beside the objects,
 * state and history rather than in them (store-documents.ts: files in a local store's
 * directory, rows of an attached store's database). `bazaar migrate` copies these and
 * nothing else of the directory (docs/engines.md#migrate): the marker is the
 * destination's own, and the lock, readers' leases, tmp/ and cache/ belong to a host (or
 * are derived) and are never copied.
 */
import { configPath } from './layout.js';
import { trustedKeysDir } from './keyring.js';
import { mirrorsPath } from './mirrors.js';
import { signingKeysDir } from './signing-keys.js';
import { documentsOf, fileDocuments, updateDocuments } from './store-documents.js';
import type { DocumentView, StoreDocument } from './store-documents.js';
import { tokensPath } from './tokens.js';

/** A store file: its path relative to the store's directory, its bytes and its mode. */
export type StoreFile = StoreDocument;

/** The settings, mirrors, tokens and keys (trusted package keys, repository signing keys), relative to the store's directory. */
function storeFilePaths(view: DocumentView): string[] {
  // each module's path joined onto '' is the path relative to the directory ('keys/trusted')
  const inDir = (dir: string): string[] => view.list(dir).filter((n) => n.endsWith('.asc')).map((n) => `${dir}/${n}`);
  return [configPath(''), mirrorsPath(''), tokensPath('')].concat(inDir(trustedKeysDir('')), inDir(signingKeysDir('')));
}

function filesOf(view: DocumentView): StoreFile[] {
  const out: StoreFile[] = [];
  for (const path of storeFilePaths(view)) {
    const bytes = view.read(path);
    if (bytes !== null) out.push({ path, bytes, mode: view.mode(path) });
  }
  return out;
}

/** The store files the store in `root` holds, read whole (they are small). */
export function readStoreFiles(root: string): StoreFile[] { return filesOf(documentsOf(root)); }

/** The files of `files` that the store in `root` holds with other bytes (a destination's own settings or keys, never overwritten). */
export function conflictingStoreFiles(root: string, files: readonly StoreFile[]): string[] {
  const view = documentsOf(root);
  return files.filter((f) => { const had = view.read(f.path); return had !== null && !had.equals(f.bytes); }).map((f) => f.path);
}

/** Writes `files` into the store in `root`, whose lock the caller holds (their modes kept); one already there with the same bytes is left. */
export async function writeStoreFiles(root: string, files: readonly StoreFile[]): Promise<void> {
  await updateDocuments(root, async (view) => ({
    changes: files.filter((f) => !view.read(f.path)?.equals(f.bytes)).map((f) => ({ path: f.path, bytes: f.bytes, mode: f.mode })),
    result: undefined,
  }), { lockHeld: true });
}

/**
 * An attached store's directory that holds such files of its own (written before the
 * store kept them as rows) gives them to a store that has none yet; returns how many.
 * Once the store has any, the directory's files are not read again.
 */
export async function adoptDirectoryFiles(root: string): Promise<number> {
  if (filesOf(documentsOf(root)).length > 0) return 0;
  const files = filesOf(fileDocuments(root));
  if (files.length === 0) return 0;
  return updateDocuments(root, async (view) => {
    if (filesOf(view).length > 0) return { changes: [], result: 0 };
    return { changes: files.map((f) => ({ path: f.path, bytes: f.bytes, mode: f.mode })), result: files.length };
  });
}
