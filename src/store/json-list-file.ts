/**
 * The store's small JSON list files (`tokens.json`, `mirrors.json`): `{"<key>": [...]}`,
 * each entry checked by its owner. A missing file is an empty list; one that cannot be
 * read or parsed, or has no such list, is damage naming the file.
 */
import { readFileSync } from 'node:fs';
import { BazaarError, isErrno } from '../errors.js';

export function readJsonList<T>(file: string, key: string, what: string, check: (entry: unknown, index: number, file: string) => T): T[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw new BazaarError('ERR_STORE_DAMAGED', `cannot read ${file}: ${(err as Error).message}`, { cause: err, data: { file } });
  }
  let value: unknown;
  try { value = JSON.parse(text); } catch (err) {
    throw new BazaarError('ERR_STORE_DAMAGED', `${file} is not JSON: ${(err as Error).message}`, { cause: err, data: { file } });
  }
  const list = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(list)) throw new BazaarError('ERR_STORE_DAMAGED', `${file} has no ${what} list ({"${key}": [...]})`, { data: { file } });
  return list.map((entry, i) => check(entry, i, file));
}
