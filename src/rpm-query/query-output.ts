/**
 * Where the engine's answers go, with rpm's logging rules (rpmio/rpmlog.c): query output
 * and "not installed" notes are NOTICE messages on stdout, shown unless `--quiet`;
 * errors and warnings go to stderr prefixed `error: ` / `warning: `.
 */
import { toBytes } from './tag-data.js';

/** The caller's streams. stdout gets bytes (header strings are printed as stored). */
export interface QueryOutput {
  stdout(chunk: string | Uint8Array): void;
  stderr(text: string): void;
}

/** rpm's log levels (rpmlog.h): a message shows when its level is at most the verbosity. */
export const LogLevel = { ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 } as const;

export class RpmLog {
  constructor(private readonly out: QueryOutput, public verbosity: number) {}

  /** rpmIsVerbose(): -v given. */
  get verbose(): boolean { return this.verbosity >= LogLevel.INFO; }

  /** A NOTICE: `bstr` is a byte string, written as the bytes it stands for. */
  notice(bstr: string): void {
    if (bstr !== '' && this.verbosity >= LogLevel.NOTICE) this.out.stdout(toBytes(bstr));
  }

  /** An error: `error: ` + text on stderr (text is a byte string, decoded as UTF-8 for the caller). */
  error(bstr: string): void {
    this.out.stderr(`error: ${Buffer.from(bstr, 'latin1').toString('utf8')}`);
  }

  warning(bstr: string): void {
    if (this.verbosity >= LogLevel.WARNING) this.out.stderr(`warning: ${Buffer.from(bstr, 'latin1').toString('utf8')}`);
  }

  /** Unprefixed text on stderr (usage errors, which rpm prints with fprintf). */
  raw(text: string): void {
    this.out.stderr(text);
  }
}
