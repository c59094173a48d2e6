/**
 * Bearer tokens (src/store/tokens.ts) for the routes that need them: 401 when no token or
 * an unknown one is presented, 403 when the token lacks the scope. The tokens are re-read
 * when they change (the file, or an attached store's rows, changed by any host), so
 * `bazaar token revoke` takes effect on the next request; a
 * malformed one refuses every token (503, its details in the server's log only).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { BazaarError } from '../errors.js';
import { describeNeed, documentStamp, findToken, grants, readTokens } from '../store/index.js';
import type { TokenRecord } from '../store/index.js';
import { checkedForBatch } from './batch-checks.js';

export class TokenCheck {
  private cached: { stamp: string; tokens: TokenRecord[] | BazaarError } | null = null;

  constructor(private readonly root: string, private readonly log: (line: string) => void = () => {}) {}

  /** The tokens' stat, read once for a batch of requests (batch-checks.ts). */
  private readonly stamp = (): string => documentStamp(this.root, 'tokens.json');

  private tokens(): TokenRecord[] {
    // the file's stat, or an attached store's rows as last loaded (another host's change reloads them)
    const stamp = checkedForBatch(this.stamp);
    if (this.cached?.stamp !== stamp) {
      let tokens: TokenRecord[] | BazaarError;
      try { tokens = readTokens(this.root); } catch (err) {
        if (!(err instanceof BazaarError)) throw err;
        // Logged once per version of the file; clients are not told the store's paths.
        this.log(`no token can be checked: ${err.message}`);
        tokens = new BazaarError('ERR_STORE_DAMAGED', "the server's token file is damaged, so no token can be checked; its operator sees why in the server's log", { cause: err });
      }
      this.cached = { stamp, tokens };
    }
    if (this.cached.tokens instanceof BazaarError) throw this.cached.tokens;
    return this.cached.tokens;
  }

  /** The token record allowed `need`, or a 401/403 error. */
  check(authorization: string | undefined, need: string): TokenRecord {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw new BazaarError('ERR_UNAUTHORIZED', `this needs a bearer token with scope ${describeNeed(need)} (Authorization: Bearer TOKEN; the server's operator makes tokens)`);
    const record = findToken(this.tokens(), m[1]);
    if (!record) throw new BazaarError('ERR_UNAUTHORIZED', 'the bearer token is unknown or revoked');
    if (!grants(record.scopes, need)) throw new BazaarError('ERR_FORBIDDEN', `token ${record.id}${record.name ? ` (${record.name})` : ''} lacks scope ${describeNeed(need)}`, { data: { token: record.id, need } });
    return record;
  }

  /** Middleware requiring the scope `need(c)` names. */
  require(need: (c: Context) => string): MiddlewareHandler {
    return async (c, next) => {
      const record = this.check(c.req.header('Authorization'), need(c));
      c.set('token' as never, record.id as never);
      await next();
    };
  }
}
