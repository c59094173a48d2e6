/**
 * One error base class for everything the library reports to a user.
 *
 * `code` is stable (scripts and the HTTP layer match on it), `message` is written for a
 * packager and names the digest, path or NEVRA involved, `data` carries the structured
 * facts, and `cause` keeps the underlying error. Programmer errors stay plain `Error`.
 */
export type ErrorCode =
  | 'ERR_BAD_INPUT'
  | 'ERR_USAGE'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STORE_LAYOUT'
  | 'ERR_STORE_OBJECT_NOT_FOUND'
  | 'ERR_STORE_DIGEST_MISMATCH'
  | 'ERR_STORE_OBJECT_CORRUPT'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_REF'
  | 'ERR_STORE_DAMAGED'
  | 'ERR_NO_SPACE'
  | 'ERR_RPM_NOT_RPM'
  | 'ERR_RPM_TRUNCATED'
  | 'ERR_RPM_HEADER_CORRUPT'
  | 'ERR_RPM_DIGEST_MISMATCH'
  | 'ERR_RPM_SIGNATURE_CORRUPT'
  | 'ERR_RPM_PAYLOAD'
  | 'ERR_RPM_UNSUPPORTED'
  | 'ERR_PACKAGE_NOT_FOUND'
  | 'ERR_PACKAGE_AMBIGUOUS'
  | 'ERR_NEVRA_CONFLICT'
  | 'ERR_PACKAGE_IN_USE'
  | 'ERR_CHANNEL'
  | 'ERR_VERSION'
  | 'ERR_REPO'
  | 'ERR_NO_SOLUTION'
  | 'ERR_FILE_CONFLICT'
  | 'ERR_IMAGE'
  | 'ERR_LAYER'
  | 'ERR_POLICY_VIOLATION'
  | 'ERR_NOT_FOUND'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN'
  | 'ERR_TOO_LARGE'
  | 'ERR_TOKEN';

export class BazaarError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BazaarError';
    this.code = code;
    this.data = options.data ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isBazaarError(err: unknown, code?: ErrorCode): err is BazaarError {
  return err instanceof BazaarError && (code === undefined || err.code === code);
}

/** Errors that mean "the input was bad" map to exit code 2; the rest found a problem (1). */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_BAD_INPUT', 'ERR_USAGE', 'ERR_RPM_NOT_RPM', 'ERR_RPM_TRUNCATED', 'ERR_RPM_HEADER_CORRUPT',
  'ERR_RPM_DIGEST_MISMATCH', 'ERR_RPM_SIGNATURE_CORRUPT', 'ERR_RPM_PAYLOAD', 'ERR_RPM_UNSUPPORTED',
  'ERR_PACKAGE_NOT_FOUND', 'ERR_PACKAGE_AMBIGUOUS', 'ERR_NEVRA_CONFLICT', 'ERR_STORE_NOT_FOUND',
  'ERR_VERSION', 'ERR_REPO', 'ERR_CHANNEL', 'ERR_PACKAGE_IN_USE', 'ERR_IMAGE', 'ERR_LAYER',
  'ERR_NOT_FOUND', 'ERR_UNAUTHORIZED', 'ERR_FORBIDDEN', 'ERR_TOO_LARGE', 'ERR_TOKEN',
]);

export function isInputError(err: unknown): boolean {
  return err instanceof BazaarError && INPUT_CODES.has(err.code);
}

/** Narrow errno match, pnpm style: anything else is rethrown by the caller. */
export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).code === code;
}
