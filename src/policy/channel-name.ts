/**
 * Channel names. A channel is the git branch `channels/<name>`, and names appear in URLs
 * of the repository server, so they are kept to a plain, portable alphabet.
 * See docs/versioning-policy.md#rule-channels.
 */
import { BazaarError } from '../errors.js';

/** Letters, digits, `.`, `_`, `+`, `-`; starting with a letter or digit; no `..`, no `.lock` ending (git refuses those). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

/**
 * Returns the name or throws ERR_CHANNEL saying what a channel name may be.
 *
 * @example
 * checkChannelName('p11');     // 'p11'
 * checkChannelName('../main'); // throws ERR_CHANNEL
 */
export function checkChannelName(name: string): string {
  if (!NAME.test(name) || name.includes('..') || name.endsWith('.lock')) {
    throw new BazaarError('ERR_CHANNEL', `'${name}' is not a channel name: use letters, digits, '.', '_', '+', '-', starting with a letter or digit (e.g. sisyphus, p11)`, { data: { name } });
  }
  return name;
}
