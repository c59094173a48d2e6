/**
 * The contract between the CLI's dispatcher and one command. A command parses nothing and
 * prints nothing itself: it receives parsed options, calls the library, and returns data;
 * `main.ts` prints it (text or `--json`) and maps errors to exit codes.
 */
import { BazaarError } from '../errors.js';
import type { Store } from '../store/index.js';

/** Where the CLI writes: the executable's fds 1 and 2 (fd-output.ts) or, in-process, a test's streams. */
export interface Output {
  write(chunk: string | Uint8Array): boolean;
  /** Called once a write that returned false has drained (a stream's back-pressure); an fd's write never does. */
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; describe: string }>;

export interface CommandInput {
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Options as node's util.parseArgs returns them. */
  options: Record<string, string | boolean | string[] | undefined>;
  /** `--store DIR`, else `$BAZAAR_STORE`, else `./bazaar-store`. */
  storeDir: string;
  json: boolean;
  /** Progress reporting for long work; a no-op when stderr is not a terminal or with --json. */
  progress: Progress;
  stdin: NodeJS.ReadableStream;
  /** Where raw output goes (`bazaar cat`); absent in-process. */
  stdout?: Output;
  /** Opens the store at `storeDir`, its notices going to stderr; closed when the command ends. */
  openStore(): Promise<Store>;
  /** Hands a store the command made itself (init) to the dispatcher, which closes it when the command ends. */
  opened?(store: Store): void;
  /** Prints one notice line to stderr (`bazaar CMD: ...`). */
  notice(line: string): void;
  /**
   * Streams a chunk of text output to stdout as it is produced, for outputs too large or
   * too long-running to return at once (`vercmp --batch`). Absent when the caller wants
   * everything returned (in-process tests): the command then collects into `text`.
   */
  emit?: (chunk: string) => void;
}

export interface CommandOutput {
  /** 0 ok, 1 the operation found a problem, 2 bad usage or input. */
  exitCode: number;
  /** Printed with --json (one JSON document), else `text` is printed. */
  json?: unknown;
  text?: string;
  /** One-line reports for stderr (each prefixed with the command's name), with or without --json. */
  stderr?: string[];
  /** Lines already streamed to stdout by the command through `emit` (large outputs). */
}

export interface Command {
  name: string;
  /** The usage line, e.g. `bazaar add FILE.rpm... [--channel NAME]`. */
  usage: string;
  /** What it does, with an example; printed by `bazaar CMD --help`. */
  help: string;
  options: OptionSpec;
  /**
   * A lookup that reads a few objects: it runs with V8's default flags, not the larger
   * young generation the CLI sets for the rest (setting a flag costs a start: v8-flags.ts).
   */
  quick?: boolean;
  /** A server: a write's derived data (a channel's universe) is made after its answer, not before (Store.onChannelCommit). */
  serves?: boolean;
  run(input: CommandInput): Promise<CommandOutput>;
}

export interface Progress {
  start(label: string, total: number): void;
  tick(n?: number, detail?: string): void;
  /** Sets the count reached, for work that reports a running total (a checkout's entries). */
  reach(count: number): void;
  done(): void;
}

/** Refuses a wrong number of positional arguments with the command's usage (ERR_USAGE). */
export function expectArgs(positionals: readonly string[], min: number, max: number, usage: string): void {
  if (positionals.length < min || positionals.length > max) {
    const extra = positionals.length > max ? `unexpected argument${positionals.length - max === 1 ? '' : 's'} ${positionals.slice(max).join(' ')}: ` : '';
    throw new BazaarError('ERR_USAGE', `${extra}usage: ${usage}`);
  }
}
