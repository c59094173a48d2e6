/**
 * The store's settings: `<store>/config.json`, edited by hand (it is not history, so it is
 * not in the refs repository) in a local store; an attached store keeps it as a row
 * (store-documents.ts), so that every host has the same settings, set with
 * `setStoreConfig` (`bazaar config set`). Absent means defaults; a malformed file is an error, never
 * silently ignored, since a wrong retention window makes gc delete what it should keep.
 *
 *   { "retention": { "days": 180 }, "server": { "privateReads": true } }
 *
 * `server.privateReads`: `bazaar serve` asks a token with scope `read` for reads too.
 */
import { BazaarError } from '../errors.js';
import { DEFAULT_RETENTION_DAYS, checkRetentionDays } from '../policy/index.js';
import { configPath } from './layout.js';
import { documentsOf, updateDocuments } from './store-documents.js';

export interface StoreConfig { retention: { days: number }; server: { privateReads: boolean } }

const CONFIG = configPath('');
const DEFAULTS: StoreConfig = { retention: { days: DEFAULT_RETENTION_DAYS }, server: { privateReads: false } };

/** The settings in `bytes` (null: the defaults), checked; `name` says where they are. */
function parseConfig(bytes: Buffer | null, name: string): { settings: StoreConfig; value: Record<string, unknown> } {
  if (bytes === null) return { settings: DEFAULTS, value: {} };
  let value: { retention?: { days?: unknown }; server?: { privateReads?: unknown } };
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${name} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BazaarError('ERR_BAD_INPUT', `${name} is not a JSON object`);
  const days = value.retention?.days ?? DEFAULT_RETENTION_DAYS;
  const privateReads = value.server?.privateReads ?? false;
  if (typeof privateReads !== 'boolean') throw new BazaarError('ERR_BAD_INPUT', `${name}: server.privateReads must be true or false`);
  try {
    return { settings: { retention: { days: checkRetentionDays(days) }, server: { privateReads } }, value: value as Record<string, unknown> };
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${name}: retention.days: ${(err as Error).message}`, { cause: err });
  }
}

export async function readStoreConfig(root: string): Promise<StoreConfig> {
  const view = documentsOf(root);
  return parseConfig(view.read(CONFIG), view.name(CONFIG)).settings;
}

/** The settings `setStoreConfig` takes, by their dotted names. */
export const CONFIG_KEYS = ['retention.days', 'server.privateReads'] as const;
export type ConfigKey = typeof CONFIG_KEYS[number];

/**
 * Sets one setting (`retention.days` to a number of days, `server.privateReads` to true or
 * false), keeping the rest of the document as it is; checked before it is written, so a
 * bad value never reaches the store. Returns the settings now in force.
 */
export async function setStoreConfig(root: string, key: string, text: string): Promise<StoreConfig> {
  if (!(CONFIG_KEYS as readonly string[]).includes(key)) throw new BazaarError('ERR_BAD_INPUT', `${JSON.stringify(key.slice(0, 80))} is not a setting: use ${CONFIG_KEYS.join(' or ')}`);
  let value: number | boolean;
  if (key === 'retention.days') {
    if (!/^\d{1,9}$/.test(text)) throw new BazaarError('ERR_BAD_INPUT', `retention.days is a whole number of days, not ${JSON.stringify(text.slice(0, 80))}`);
    value = Number(text);
  } else {
    if (text !== 'true' && text !== 'false') throw new BazaarError('ERR_BAD_INPUT', `server.privateReads is true or false, not ${JSON.stringify(text.slice(0, 80))}`);
    value = text === 'true';
  }
  return updateDocuments(root, async (view) => {
    const { value: doc } = parseConfig(view.read(CONFIG), view.name(CONFIG));
    const [section, field] = key.split('.');
    const old = doc[section];
    const next = { ...doc, [section]: { ...(old !== null && typeof old === 'object' && !Array.isArray(old) ? old : {}), [field]: value } };
    const bytes = Buffer.from(`${JSON.stringify(next, null, 2)}\n`);
    const { settings } = parseConfig(bytes, view.name(CONFIG));
    return { changes: [{ path: CONFIG, bytes, mode: view.mode(CONFIG) || 0o644 }], result: settings };
  });
}
