/**
 * Failures of the engines an attached store lives on (PostgreSQL, an S3 gateway) as one
 * typed line: ERR_STORE_UNAVAILABLE (HTTP 503) naming the engine by its label, which
 * never holds a credential, and what failed. The engine's own message is kept with every
 * secret the backend knows (a password, a secret key, a whole URL with them) cut out, and
 * the raw error is not attached as a cause: client libraries keep requests, headers and
 * configuration on their errors, and an error may be logged whole.
 */
import { BazaarError, oneLine } from '../errors.js';

/** `text` with every non-empty secret replaced by `***`. */
export function redacted(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** The error's own words: its message, else its name or code (an SDK's `NoSuchBucket`). */
function wordsOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function engineError(label: string, what: string, err: unknown, secrets: readonly (string | undefined)[] = []): BazaarError {
  const code = (err as { code?: unknown; name?: unknown } | null)?.code ?? (err as { name?: unknown } | null)?.name;
  const message = oneLine(redacted(`${label}: ${what}: ${wordsOf(err)}`, secrets));
  return new BazaarError('ERR_STORE_UNAVAILABLE', message, { data: { engine: label, ...(typeof code === 'string' ? { engineCode: redacted(code, secrets) } : {}) } });
}
