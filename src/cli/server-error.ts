/** What a bazaar server's error answer means, for the CLI's client commands (push, pull, upload-overlay). */
import { BazaarError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/** The server's `{"error": {"code", "message"}}` as a BazaarError; any other answer by its status and first line. */
export async function serverError(res: Response, what: string): Promise<BazaarError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code && body.error.message) return new BazaarError(body.error.code as ErrorCode, `${what}: ${body.error.message} (HTTP ${res.status})`);
  } catch { /* not a bazaar server's answer */ }
  const first = text.slice(0, 200).split('\n')[0];
  return new BazaarError('ERR_BAD_INPUT', `${what}: the server answered HTTP ${res.status}${first ? `: ${first}` : ''}`);
}
