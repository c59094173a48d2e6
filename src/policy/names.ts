/**
 * The policy folder's narrow door for the names a channel may take (docs/architecture.md#front-doors):
 * the store's branch paths check them without the version ordering and retention that index.ts brings.
 */
export { checkChannelName } from './channel-name.js';
