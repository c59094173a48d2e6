/** The server folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
import type { serve as serveNow } from './serve.js';

export { prepareAddedFragments } from './rpmmd-fragments.js';

/**
 * `serve` (serve.ts), loaded when called: `bazaar add` comes through this door for its
 * rpm-md fragments and must not pay for hono and every route.
 */
export async function serve(...args: Parameters<typeof serveNow>): ReturnType<typeof serveNow> {
  return (await import('./serve.js')).serve(...args);
}
