/** A bazaar server's address as the CLI's client commands (push, pull, upload-overlay) take it. */
import { BazaarError, shownPath } from '../errors.js';

/** The server's base URL: http or https, ending in `/` so that API paths resolve below it. */
export function serverUrl(text: string): URL {
  let url: URL;
  try { url = new URL(text.endsWith('/') ? text : `${text}/`); } catch { throw new BazaarError('ERR_USAGE', `'${shownPath(text)}' is not a URL`); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BazaarError('ERR_USAGE', `'${shownPath(text)}' is not an http:// or https:// URL`);
  return url;
}

/** One path segment of an API URL (an image name); text no URL can carry (a lone surrogate) is refused. */
export function urlSegment(text: string, what: string): string {
  try { return encodeURIComponent(text); } catch { throw new BazaarError('ERR_USAGE', `the ${what} ${JSON.stringify(shownPath(text))} is not valid text`); }
}
