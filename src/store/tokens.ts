/**
 * API tokens: the store's document `tokens.json` (store-documents.ts: a file written under
 * the store lock as a temp file, fsynced and renamed; a row of an attached store's
 * database, so that every host honours it). A token is shown once when created; the
 * document keeps only its sha256, so reading it (or a backup of it) grants nothing.
 *
 *   {"tokens":[{"id":"3f2a9c1b","name":"ci","scopes":["publish:sisyphus"],"sha256":"...","created":"2026-..."}]}
 *
 * Scopes: `read` (reads, when the server requires a token for them), `publish:<channel>`
 * (upload packages into that channel, and read it; `publish:*` any channel, or none),
 * `admin` (all).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { checkChannelName } from '../policy/index.js';
import { jsonListChange, readJsonList } from './json-list-file.js';
import { documentsOf, updateDocuments } from './store-documents.js';
import type { DocumentView } from './store-documents.js';

export interface TokenRecord { id: string; name: string; scopes: string[]; sha256: string; created: string }

export const TOKEN_PREFIX = 'bzr_';

export function tokensPath(root: string): string { return join(root, 'tokens.json'); }
const TOKENS = tokensPath('');

/** Refuses a scope that is not `read`, `admin`, `publish:*` or `publish:<channel name>`. */
export function checkScope(scope: string): string {
  if (scope === 'read' || scope === 'admin' || scope === 'publish:*') return scope;
  if (scope.startsWith('publish:')) {
    try { checkChannelName(scope.slice('publish:'.length)); return scope; } catch { /* refused below */ }
  }
  throw new BazaarError('ERR_TOKEN', `'${scope}' is not a scope: use read, admin, publish:* or publish:CHANNEL`, { data: { scope } });
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** What `tokens.json` may hold: a malformed file is damage, named, never half-read. */
function checkRecord(value: unknown, index: number, file: string): TokenRecord {
  const bad = (what: string): BazaarError => new BazaarError('ERR_STORE_DAMAGED', `${file}: token ${index + 1} ${what}; fix or remove that entry (a token whose entry is lost is revoked)`, { data: { file, token: index + 1 } });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('is not an object');
  const r = value as Record<string, unknown>;
  if (typeof r.id !== 'string' || !/^[0-9a-f]{8}$/.test(r.id)) throw bad('has no id (8 hex digits)');
  if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) throw bad('has no sha256 (64 hex digits)');
  if (!Array.isArray(r.scopes) || r.scopes.some((x) => typeof x !== 'string')) throw bad('has no list of scopes');
  if (r.name !== undefined && typeof r.name !== 'string') throw bad('has a name that is not a string');
  if (r.created !== undefined && typeof r.created !== 'string') throw bad('has a creation time that is not a string');
  return { id: r.id, name: (r.name as string | undefined) ?? '', scopes: r.scopes as string[], sha256: r.sha256, created: (r.created as string | undefined) ?? '' };
}

const tokensOf = (view: DocumentView): TokenRecord[] => readJsonList(view, TOKENS, 'tokens', 'token', checkRecord);

export function readTokens(root: string): TokenRecord[] { return tokensOf(documentsOf(root)); }

async function updateTokens<T>(root: string, fn: (tokens: TokenRecord[]) => T): Promise<T> {
  return updateDocuments(root, async (view) => {
    const tokens = tokensOf(view);
    const result = fn(tokens);
    return { changes: [jsonListChange(TOKENS, 'tokens', tokens, 0o600)], result };
  });
}

/** Token names: printable, one line (they are shown in `token ls` columns), at most 100 characters. */
function checkName(name: string): string {
  if (name.length <= 100 && !/[\x00-\x1f\x7f]/.test(name)) return name;
  throw new BazaarError('ERR_TOKEN', 'a token name is at most 100 printable characters, on one line', { data: { name: name.slice(0, 100) } });
}

/**
 * Creates a token; the returned `token` is the only time its secret exists outside the
 * caller. A name is unique (it is what `revoke` takes), and no other token's id.
 */
export async function createToken(root: string, scopes: string[], name = ''): Promise<{ token: string; record: TokenRecord }> {
  if (scopes.length === 0) throw new BazaarError('ERR_TOKEN', 'a token needs at least one scope: --scope read|admin|publish:CHANNEL');
  const clean = [...new Set(scopes.map(checkScope))].sort();
  checkName(name);
  return updateTokens(root, (tokens) => {
    const taken = name === '' ? undefined : tokens.find((t) => t.name === name || t.id === name);
    if (taken) throw new BazaarError('ERR_TOKEN', `a token named ${name} exists (${taken.id}); choose another name or revoke it first`, { data: { name, token: taken.id } });
    let id: string;
    do id = randomBytes(4).toString('hex'); while (tokens.some((t) => t.id === id || t.name === id));
    const token = `${TOKEN_PREFIX}${id}_${randomBytes(24).toString('base64url')}`;
    const record: TokenRecord = { id, name, scopes: clean, sha256: hashOf(token), created: new Date().toISOString() };
    tokens.push(record);
    return { token, record };
  });
}

/**
 * Revokes the token whose id is `which`, else the one named `which`; ERR_TOKEN when none
 * is, or when several share that name (a file written before names were unique): then
 * revoke each by id.
 */
export async function revokeToken(root: string, which: string): Promise<TokenRecord[]> {
  return updateTokens(root, (tokens) => {
    const byId = tokens.filter((t) => t.id === which);
    const gone = byId.length ? byId : tokens.filter((t) => t.name !== '' && t.name === which);
    if (gone.length === 0) throw new BazaarError('ERR_TOKEN', `no token with id or name '${which}'`, { data: { token: which }, reason: 'no-token' });
    if (gone.length > 1) throw new BazaarError('ERR_TOKEN', `${gone.length} tokens are named ${which} (${gone.map((t) => t.id).join(', ')}); revoke each by its id`, { data: { token: which, ids: gone.map((t) => t.id) } });
    tokens.splice(tokens.indexOf(gone[0]), 1);
    return gone;
  });
}

/** The record of a presented token, or null (compared by hash, in constant time). */
export function findToken(tokens: readonly TokenRecord[], presented: string): TokenRecord | null {
  const want = Buffer.from(hashOf(presented), 'hex');
  for (const t of tokens) {
    const have = Buffer.from(t.sha256, 'hex');
    if (have.length === want.length && timingSafeEqual(have, want)) return t;
  }
  return null;
}

/**
 * Whether `scopes` grant `need`: `admin` grants everything, `publish:*` every publish,
 * `read` every read. Reading one channel (`read:<channel>`: its rpm-md repository and its
 * `/v1/channels/<channel>` routes) is also granted by `publish:<channel>` and `publish:*`,
 * so a CI token can check what it published; nothing else is.
 */
export function grants(scopes: readonly string[], need: string): boolean {
  if (scopes.includes('admin') || scopes.includes(need)) return true;
  if (need.startsWith('publish:')) return scopes.includes('publish:*');
  if (need.startsWith('read:')) return scopes.includes('read') || scopes.includes('publish:*') || scopes.includes(`publish:${need.slice('read:'.length)}`);
  return false;
}

/** A need as the scopes that grant it, for messages: `read or publish:sample`. */
export function describeNeed(need: string): string {
  return need.startsWith('read:') ? `read or publish:${need.slice('read:'.length)}` : need;
}
