/**
 * The JSON API refuses query parameters it does not know, naming them: a filter that is
 * silently ignored (`/v1/packages?file=/bin/bash` listing everything) is a wrong answer.
 * Each route's parameters are listed here, by the shape of its path; every other /v1/
 * route takes none. (`/repo/` and `/ui/` ignore query strings: stock clients and browsers
 * may add their own.)
 */
import type { MiddlewareHandler } from 'hono';
import { BazaarError } from '../errors.js';

const PARAMETERS: Array<[RegExp, readonly string[]]> = [
  [/^\/v1\/packages\/?$/, ['channel', 'name', 'glob', 'provides', 'limit', 'offset', 'cursor']],
  [/^\/v1\/packages\/[^/]+\/versions\/?$/, ['channel']],
  [/^\/v1\/channels\/[^/]+\/diff\/?$/, ['from', 'to']],
  [/^\/v1\/images\/[^/]+\/overlay\/?$/, ['layer']],
];

export function queryGuard(): MiddlewareHandler {
  return async (c, next) => {
    const keys = [...new URL(c.req.url).searchParams.keys()];
    if (keys.length) {
      const allowed = PARAMETERS.find(([shape]) => shape.test(c.req.path))?.[1] ?? [];
      const unknown = [...new Set(keys.filter((k) => !allowed.includes(k)))];
      if (unknown.length) {
        const shown = unknown.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 40))).join(', ');
        throw new BazaarError('ERR_BAD_INPUT', `unknown query parameter${unknown.length === 1 ? '' : 's'} ${shown} for ${c.req.method} ${c.req.path.slice(0, 100)}; ${allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes none'}`, { data: { unknown: unknown.slice(0, 10) } });
      }
    }
    await next();
  };
}
