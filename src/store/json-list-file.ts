/**
 * The store's small JSON list documents (`tokens.json`, `mirrors.json`): `{"<key>": [...]}`,
 * each entry checked by its owner. A missing one is an empty list; one that cannot be
 * read or parsed, or has no such list, is damage naming it (a file's path, or the
 * document's path in the database of an attached store: store-documents.ts).
 */
import { BazaarError } from '../errors.js';
import type { DocumentView } from './store-documents.js';

export function readJsonList<T>(view: DocumentView, path: string, key: string, what: string, check: (entry: unknown, index: number, file: string) => T): T[] {
  const file = view.name(path);
  const bytes = view.read(path);
  if (bytes === null) return [];
  let value: unknown;
  try { value = JSON.parse(bytes.toString('utf8')); } catch (err) {
    throw new BazaarError('ERR_STORE_DAMAGED', `${file} is not JSON: ${(err as Error).message}`, { cause: err, data: { file } });
  }
  const list = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(list)) throw new BazaarError('ERR_STORE_DAMAGED', `${file} has no ${what} list ({"${key}": [...]})`, { data: { file } });
  return list.map((entry, i) => check(entry, i, file));
}

/** The changes that write `list` as the document at `path`: `{"<key>": [...]}`, one entry a line. */
export function jsonListChange(path: string, key: string, list: unknown[], mode: number): { path: string; bytes: Buffer; mode: number } {
  return { path, bytes: Buffer.from(`${JSON.stringify({ [key]: list }, null, 1)}\n`), mode };
}
