/**
 * API tokens: `<store>/tokens.json`, written under the store lock as a temp file, fsynced
 * and renamed, like every other store file. A token is shown once when created; the file
 * keeps only its sha256, so reading the file (or a backup of it) grants nothing.
 *
 *   {"tokens":[{"id":"3f2a9c1b","name":"ci","scopes":["publish:sisyphus"],"sha256":"...","created":"2026-..."}]}
 *
 * Scopes: `read` (reads, when the server requires a token for them), `publish:<channel>`
 * (upload packages into that channel; `publish:*` any channel, or none), `admin` (all).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { checkChannelName } from '../policy/channel-name.js';
import { createFile, removeFile, renameFile } from './fs-ops.js';
import { tmpPath } from './layout.js';
import { withLock } from './lock.js';

export interface TokenRecord { id: string; name: string; scopes: string[]; sha256: string; created: string }

export const TOKEN_PREFIX = 'bzr_';

export function tokensPath(root: string): string { return join(root, 'tokens.json'); }

/** Refuses a scope that is not `read`, `admin`, `publish:*` or `publish:<channel name>`. */
export function checkScope(scope: string): string {
  if (scope === 'read' || scope === 'admin' || scope === 'publish:*') return scope;
  if (scope.startsWith('publish:')) {
    try { checkChannelName(scope.slice('publish:'.length)); return scope; } catch { /* refused below */ }
  }
  throw new BazaarError('ERR_TOKEN', `'${scope}' is not a scope: use read, admin, publish:* or publish:CHANNEL`, { data: { scope } });
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export function readTokens(root: string): TokenRecord[] {
  let text: string;
  try { text = readFileSync(tokensPath(root), 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  let value: { tokens?: unknown };
  try { value = JSON.parse(text); } catch (err) {
    throw new BazaarError('ERR_STORE_DAMAGED', `${tokensPath(root)} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(value.tokens)) throw new BazaarError('ERR_STORE_DAMAGED', `${tokensPath(root)} has no token list`);
  return value.tokens as TokenRecord[];
}

async function updateTokens<T>(root: string, fn: (tokens: TokenRecord[]) => T): Promise<T> {
  return withLock(root, async () => {
    const tokens = readTokens(root);
    const result = fn(tokens);
    const tmp = tmpPath(root);
    createFile(tmp, `${JSON.stringify({ tokens }, null, 1)}\n`, { sync: true, mode: 0o600 });
    try { renameFile(tmp, tokensPath(root)); } catch (err) { removeFile(tmp); throw err; }
    return result;
  });
}

/** Creates a token; the returned `token` is the only time its secret exists outside the caller. */
export async function createToken(root: string, scopes: string[], name = ''): Promise<{ token: string; record: TokenRecord }> {
  if (scopes.length === 0) throw new BazaarError('ERR_TOKEN', 'a token needs at least one scope: --scope read|admin|publish:CHANNEL');
  const clean = [...new Set(scopes.map(checkScope))].sort();
  const id = randomBytes(4).toString('hex');
  const token = `${TOKEN_PREFIX}${id}_${randomBytes(24).toString('base64url')}`;
  const record: TokenRecord = { id, name, scopes: clean, sha256: hashOf(token), created: new Date().toISOString() };
  await updateTokens(root, (tokens) => { tokens.push(record); });
  return { token, record };
}

/** Revokes the tokens whose id or name is `which`; ERR_TOKEN when none is. */
export async function revokeToken(root: string, which: string): Promise<TokenRecord[]> {
  return updateTokens(root, (tokens) => {
    const gone = tokens.filter((t) => t.id === which || (t.name !== '' && t.name === which));
    if (gone.length === 0) throw new BazaarError('ERR_TOKEN', `no token with id or name '${which}'; 'bazaar token ls' lists them`, { data: { token: which } });
    for (const g of gone) tokens.splice(tokens.indexOf(g), 1);
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

/** Whether `scopes` grant `need` (`admin` grants everything, `publish:*` every publish). */
export function grants(scopes: readonly string[], need: string): boolean {
  if (scopes.includes('admin') || scopes.includes(need)) return true;
  if (need.startsWith('publish:') && scopes.includes('publish:*')) return true;
  return need === 'read' && scopes.some((s) => s.startsWith('publish:'));
}
