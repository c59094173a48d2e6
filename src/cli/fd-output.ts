/**
 * The `bazaar` executable's stdout and stderr written with fs.writeSync on fds 1 and 2,
 * never through process.stdout/stderr: creating those loads net and stream for a pipe,
 * and tty and net for a terminal, a few ms of a cold `bazaar show`
 * (docs/architecture.md#start-up). Node's own stdio writes synchronously on Linux too
 * (files, pipes and terminals), so the order and the bytes are the same.
 */
import { writeSync } from 'node:fs';
import { tty } from '../lazy-builtins.js';
import type { Output } from './command.js';

/** What to do when a write fails for good (not EAGAIN): stdout's is the executable's policy (main.ts). */
export type WriteFailure = (err: NodeJS.ErrnoException) => void;

// an fd someone else made non-blocking (a parent's shared pipe) refuses a write while full: wait, then retry
const pause = new Int32Array(new SharedArrayBuffer(4));
const WAIT_MS = 0.2;

export class FdOutput implements Output {
  private tty: boolean | undefined;

  constructor(readonly fd: number, private readonly failed: WriteFailure) {}

  /** Writes all of `chunk` before returning (partial writes continue where they stopped). */
  write(chunk: string | Uint8Array): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let at = 0;
    while (at < bytes.length) {
      try {
        at += writeSync(this.fd, bytes, at, bytes.length - at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(pause, 0, 0, WAIT_MS); continue; }
        this.failed(err as NodeJS.ErrnoException);
        return true; // the failure handler decided; nothing is queued
      }
    }
    return true;
  }

  once(_event: 'drain', _listener: () => void): this { return this; }

  /** Asked only by what draws on a terminal (progress): node:tty loads net. */
  get isTTY(): boolean {
    this.tty ??= tty().isatty(this.fd);
    return this.tty;
  }
}
