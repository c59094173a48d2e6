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
  | 'ERR_WRONG_KIND'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_REF'
  | 'ERR_STORE_DAMAGED'
  | 'ERR_STORE_UNAVAILABLE'
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
  | 'ERR_TOKEN'
  | 'ERR_KEY'
  | 'ERR_SIGNATURE'
  | 'ERR_UPSTREAM';

/**
 * What a refusal is about, where a code covers more than one case: `data.reason`, stable
 * like the codes. The HTTP status of ERR_CHANNEL, ERR_IMAGE and ERR_LAYER follows it
 * (404 for a `missing` reason, a thing named that does not exist; else 400), and so does
 * the hint the CLI adds (src/cli/error-hints.ts): the message says what is wrong, the CLI
 * what to run next.
 */
const REASONS = {
  'no-channel': 'missing', 'no-image': 'missing', 'no-image-commit': 'missing', 'no-layer': 'missing', 'no-layer-version': 'missing',
  'no-package': 'missing', 'no-provider': 'missing', 'no-package-db': 'missing', 'no-group': 'missing', 'no-token': 'missing', 'no-store': 'missing', 'no-key': 'missing', 'no-signing-key': 'missing',
  'not-fetched': 'missing',
  'bad-revision': 'refused', 'image-exists': 'refused', 'has-children': 'refused', 'not-linked': 'refused', 'in-use': 'refused', 'not-bootable': 'refused',
  'unsigned': 'refused', 'untrusted-key': 'refused', 'bad-signature': 'refused',
  'history-unreadable': 'damaged', 'root-damaged': 'damaged',
} as const satisfies Record<string, 'missing' | 'refused' | 'damaged'>;

export type ErrorReason = keyof typeof REASONS;

export class BazaarError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  /** `reason` is kept as `data.reason` (see ErrorReason), so it travels wherever `data` does. */
  constructor(code: ErrorCode, message: string, options: { data?: Record<string, unknown>; cause?: unknown; reason?: ErrorReason } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BazaarError';
    this.code = code;
    this.data = options.reason === undefined ? options.data ?? {} : { ...options.data, reason: options.reason };
  }

  /** The case within the code, when it has several (ErrorReason). */
  get reason(): ErrorReason | undefined {
    const r = this.data.reason;
    return typeof r === 'string' && Object.hasOwn(REASONS, r) ? r as ErrorReason : undefined;
  }

  toJSON(): { code: ErrorCode; message: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isBazaarError(err: unknown, code?: ErrorCode): err is BazaarError {
  return err instanceof BazaarError && (code === undefined || err.code === code);
}

/** Whether the error says a thing named does not exist (a `missing` reason: no channel X, no image X, ...). */
export function isMissing(err: unknown): boolean {
  const reason = err instanceof BazaarError ? err.reason : undefined;
  return reason !== undefined && REASONS[reason] === 'missing';
}

/** Errors that mean "the input was bad" map to exit code 2; the rest found a problem (1). */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_BAD_INPUT', 'ERR_USAGE', 'ERR_RPM_NOT_RPM', 'ERR_RPM_TRUNCATED', 'ERR_RPM_HEADER_CORRUPT',
  'ERR_RPM_DIGEST_MISMATCH', 'ERR_RPM_SIGNATURE_CORRUPT', 'ERR_RPM_PAYLOAD', 'ERR_RPM_UNSUPPORTED',
  'ERR_PACKAGE_NOT_FOUND', 'ERR_PACKAGE_AMBIGUOUS', 'ERR_NEVRA_CONFLICT', 'ERR_STORE_NOT_FOUND',
  'ERR_VERSION', 'ERR_REPO', 'ERR_CHANNEL', 'ERR_PACKAGE_IN_USE', 'ERR_IMAGE', 'ERR_LAYER',
  'ERR_NOT_FOUND', 'ERR_UNAUTHORIZED', 'ERR_FORBIDDEN', 'ERR_TOO_LARGE', 'ERR_TOKEN', 'ERR_WRONG_KIND',
  'ERR_KEY', 'ERR_SIGNATURE',
]);

export function isInputError(err: unknown): boolean {
  return err instanceof BazaarError && INPUT_CODES.has(err.code);
}

/** Codes that mean stored data is damaged or missing (what fsck reports), not a bad request. */
const DAMAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_STORE_DAMAGED', 'ERR_STORE_OBJECT_CORRUPT', 'ERR_STORE_OBJECT_NOT_FOUND', 'ERR_STORE_DIGEST_MISMATCH']);

export function isDamageError(err: unknown): err is BazaarError {
  return err instanceof BazaarError && DAMAGE_CODES.has(err.code);
}

/**
 * A message as one line for a terminal or an HTTP body: its first line, with any very long
 * unbroken run (a 100 KB argument echoed back) cut to its start and its length.
 */
export function oneLine(message: string): string {
  return message.split('\n')[0].replace(/\S{201,}/g, (run) => `${run.slice(0, 80)}... (${run.length} characters)`);
}

/** How a path is named in a one-line message: a very long one is cut. */
export function shownPath(path: string): string {
  if (path === '') return '""';
  return path.length > 200 ? `${path.slice(0, 200)}... (${path.length} characters)` : path;
}

const PATH_PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist', EISDIR: 'is a directory', ENOTDIR: 'is below something that is not a directory',
  EEXIST: 'exists and is not a directory', ELOOP: 'is a symlink loop', ENAMETOOLONG: 'is too long a name',
  EACCES: 'is not accessible (permission denied)', EPERM: 'is not accessible (operation not permitted)',
};

/**
 * A failure to reach a path the user named (missing, a directory where a file belongs,
 * a symlink loop, a name too long, not permitted) as ERR_BAD_INPUT in one line naming it,
 * `what` saying what it was for ("jobs file"); any other error as it is.
 */
export function pathError(err: unknown, path: string, what?: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const problem = typeof code === 'string' ? PATH_PROBLEMS[code] : undefined;
  if (problem === undefined) return err;
  return new BazaarError('ERR_BAD_INPUT', `${what ? `${what} ` : ''}${shownPath(path)} ${problem}`, { cause: err, data: { path } });
}

/** Narrow errno match, pnpm style: anything else is rethrown by the caller. */
export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).code === code;
}
