/**
 * The CLI run in this process (src/cli/dispatch.ts's `main`), for tests that make
 * hundreds of invocations: no node start-up per run (a few ms instead of ~300), its own
 * streams, and arguments a real process cannot be given (NUL bytes, lone surrogates).
 * What the executable would do with an exception is `threw` here (exit 70 there).
 */
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/dispatch.js';
import { rpmMain } from '../../src/cli/rpm-main.js';

export interface InProcessRun {
  /** The exit code, `threw` (the executable's internal error, exit 70) or `timeout` (a hang). */
  status: number | 'threw' | 'timeout';
  stdout: string;
  /** stdout as the bytes written (`bazaar cat`). */
  stdoutBytes?: Buffer;
  stderr: string;
  error?: unknown;
}

class Collector extends Writable {
  readonly isTTY = false;
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  bytes(): Buffer { return Buffer.concat(this.chunks); }
  text(): string { return this.bytes().toString('utf8'); }
}

/**
 * Runs `bazaar ARGS` in-process with `stdin` as its input; gives up after `timeoutMs`.
 * `stopWhen`: once stdout matches it (a server's "bazaar serving ..."), the run is sent
 * SIGTERM as `serve` expects (the listeners are called; this process is not signalled).
 */
export async function runInProcess(args: string[], options: { stdin?: string; timeoutMs?: number; stopWhen?: RegExp; program?: 'bazaar' | 'bazaar-rpm' } = {}): Promise<InProcessRun> {
  const stdout = new Collector();
  const stderr = new Collector();
  const stdin = Readable.from([Buffer.from(options.stdin ?? '')]);
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  const timeout = new Promise<Pick<InProcessRun, 'status'>>((resolve) => { timer = setTimeout(() => resolve({ status: 'timeout' }), options.timeoutMs ?? 30_000); });
  if (options.stopWhen) {
    const stop = options.stopWhen;
    poll = setInterval(() => { if (stop.test(stdout.text())) { clearInterval(poll); process.emit('SIGTERM'); } }, 20);
  }
  const entry = options.program === 'bazaar-rpm' ? rpmMain : main;
  const run = entry(args, { stdin, stdout, stderr }).then(
    (status): Pick<InProcessRun, 'status' | 'error'> => ({ status }),
    (error: unknown): Pick<InProcessRun, 'status' | 'error'> => ({ status: 'threw', error }),
  );
  const r = await Promise.race([run, timeout]);
  clearTimeout(timer);
  clearInterval(poll);
  return { ...r, stdout: stdout.text(), stdoutBytes: stdout.bytes(), stderr: stderr.text() };
}

/** Notices a command may print before its answer (not errors). */
const NOTICE = /: (building the package index|the package index of \S+ was damaged|the universe cache of channel .* was unreadable|waiting for another writer)/;

/** What is wrong with a run that should end as a user error would: null when it did. */
export function misbehaviour(r: InProcessRun, exits: readonly number[] = [0, 1, 2]): string | null {
  if (r.status === 'threw') return `threw (exit 70): ${(r.error as Error)?.stack ?? String(r.error)}`;
  if (r.status === 'timeout') return 'did not finish (a hang)';
  if (!exits.includes(r.status)) return `exit ${r.status}`;
  if (/\n\s+at |internal error/.test(r.stderr)) return `a stack trace: ${r.stderr.slice(0, 500)}`;
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !NOTICE.test(l));
  if (r.status !== 0 && lines.length > 1) return `more than one line of error: ${r.stderr.slice(0, 500)}`;
  const long = lines.find((l) => l.length > 2000);
  if (long) return `an error line of ${long.length} characters: ${long.slice(0, 200)}`;
  return null;
}
