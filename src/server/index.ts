/** The server folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { serve } from './serve.js';
export { prepareAddedFragments } from './rpmmd-fragments.js';
