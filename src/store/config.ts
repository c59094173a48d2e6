/**
 * The store's settings: `<store>/config.json`, edited by hand (it is not history, so it is
 * not in the refs repository). Absent means defaults; a malformed file is an error, never
 * silently ignored, since a wrong retention window makes gc delete what it should keep.
 *
 *   { "retention": { "days": 180 }, "server": { "privateReads": true } }
 *
 * `server.privateReads`: `bazaar serve` asks a token with scope `read` for reads too.
 */
import { readFile } from 'node:fs/promises';
import { BazaarError, isErrno } from '../errors.js';
import { DEFAULT_RETENTION_DAYS, checkRetentionDays } from '../policy/index.js';
import { configPath } from './layout.js';

export interface StoreConfig { retention: { days: number }; server: { privateReads: boolean } }

export async function readStoreConfig(root: string): Promise<StoreConfig> {
  let text: string;
  try {
    text = await readFile(configPath(root), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { retention: { days: DEFAULT_RETENTION_DAYS }, server: { privateReads: false } };
    throw err;
  }
  let value: { retention?: { days?: unknown }; server?: { privateReads?: unknown } };
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${configPath(root)} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const days = value.retention?.days ?? DEFAULT_RETENTION_DAYS;
  const privateReads = value.server?.privateReads ?? false;
  if (typeof privateReads !== 'boolean') throw new BazaarError('ERR_BAD_INPUT', `${configPath(root)}: server.privateReads must be true or false`);
  try {
    return { retention: { days: checkRetentionDays(days) }, server: { privateReads } };
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${configPath(root)}: retention.days: ${(err as Error).message}`, { cause: err });
  }
}
