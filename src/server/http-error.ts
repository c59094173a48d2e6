/**
 * BazaarError → HTTP: one status per error code (never the message's words) and a JSON
 * body `{"error": {"code", "message"}}` with the message's first line. ERR_CHANNEL,
 * ERR_IMAGE and ERR_LAYER cover both a bad request and a thing named that does not exist;
 * the error's reason (errors.ts: isMissing) tells them apart. A store the server
 * cannot read (locked, damaged, missing) is a 503: the operator has something to fix
 * (`bazaar fsck` names it), the request was fine. Anything that is not a BazaarError is a
 * bug: 500 with a generic message (the details go to the server's log, not the client).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BazaarError, isMissing, oneLine } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/** Every code's status (a new code must be given one); `named`: 404 when the reason is a missing thing, else 400. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode | 'named'>> = {
  ERR_BAD_INPUT: 400, ERR_USAGE: 400, ERR_WRONG_KIND: 400, ERR_REPO: 400, ERR_VERSION: 400, ERR_TOKEN: 400,
  ERR_RPM_NOT_RPM: 400, ERR_RPM_TRUNCATED: 400, ERR_RPM_HEADER_CORRUPT: 400, ERR_RPM_DIGEST_MISMATCH: 400,
  ERR_RPM_SIGNATURE_CORRUPT: 400, ERR_RPM_PAYLOAD: 400, ERR_RPM_UNSUPPORTED: 400,
  ERR_UNAUTHORIZED: 401, ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404, ERR_PACKAGE_NOT_FOUND: 404, ERR_STORE_OBJECT_NOT_FOUND: 404,
  ERR_CHANNEL: 'named', ERR_IMAGE: 'named', ERR_LAYER: 'named', ERR_KEY: 'named',
  ERR_SIGNATURE: 422,
  ERR_PACKAGE_AMBIGUOUS: 409, ERR_NEVRA_CONFLICT: 409, ERR_PACKAGE_IN_USE: 409, ERR_POLICY_VIOLATION: 409,
  ERR_NO_SOLUTION: 409, ERR_FILE_CONFLICT: 409,
  ERR_TOO_LARGE: 413,
  ERR_UPSTREAM: 502,
  ERR_STORE_LOCKED: 503, ERR_NO_SPACE: 503, ERR_STORE_NOT_FOUND: 503, ERR_STORE_LAYOUT: 503, ERR_STORE_REF: 503, ERR_STORE_DAMAGED: 503, ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_OBJECT_CORRUPT: 503, ERR_STORE_DIGEST_MISMATCH: 503,
};

export function statusOf(err: BazaarError): ContentfulStatusCode {
  const status = HTTP_STATUS[err.code] ?? 500;
  if (status === 'named') return isMissing(err) ? 404 : 400;
  return status;
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message: oneLine(message) } };
}

export function notFound(what: string): BazaarError {
  return new BazaarError('ERR_NOT_FOUND', what);
}

/** hono's onError: typed errors as their status, the rest as 500 (logged). */
export function errorResponse(err: Error, c: Context, log: (line: string) => void): Response {
  if (err instanceof BazaarError) {
    const status = statusOf(err);
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="bazaar"');
    return c.json(errorBody(err.code, err.message), status);
  }
  log(`internal error on ${c.req.method} ${new URL(c.req.url).pathname}: ${err.stack ?? err.message}`);
  return c.json(errorBody('ERR_INTERNAL', 'internal server error'), 500);
}
