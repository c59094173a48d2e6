/**
 * `bazaar ARGS` synchronously, without a node start per run: the CLI's own dispatch
 * (src/cli/dispatch.ts `main`) in one worker thread kept for the whole test file, the
 * caller blocked on a shared flag until the answer is posted. For tests of what a
 * command does to a store (images, layers, links), where the process boundary is not
 * what is tested; a run per process stays with cli.ts's `bazaar` (exit codes of the
 * executable, signals, damage read by a fresh process).
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { CliResult } from './cli.js';

let worker: Worker | null = null;
let port: MessageChannel['port2'] | null = null;

function start(): { worker: Worker; port: MessageChannel['port2'] } {
  if (worker && port) return { worker, port };
  const channel = new MessageChannel();
  worker = new Worker(new URL('./cli-thread.js', import.meta.url), { workerData: null, transferList: [] });
  worker.unref();
  // answers come over the worker's own port; read them with receiveMessageOnPort
  worker.postMessage({ port: channel.port1 }, [channel.port1]);
  port = channel.port2;
  return { worker, port };
}

/** Runs `bazaar args` (env: variables to set for the run, e.g. BAZAAR_STORE) and waits for it. */
export function bazaarFast(args: string[], options: { env?: Record<string, string | undefined>; input?: string; program?: 'bazaar' | 'bazaar-rpm' } = {}): CliResult {
  const r = ask(args, options, false);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `bazaar args` with stdout as the bytes written (`bazaar cat`). */
export function bazaarFastBytes(args: string[]): { status: number; stdout: Buffer; stderr: string } {
  const r = ask(args, {}, true);
  return { status: r.status, stdout: Buffer.from(r.stdoutBytes ?? new Uint8Array()), stderr: r.stderr };
}

function ask(args: string[], options: { env?: Record<string, string | undefined>; input?: string; program?: 'bazaar' | 'bazaar-rpm' }, bytes: boolean): { status: number; stdout: string; stdoutBytes?: Uint8Array; stderr: string } {
  const { worker: w, port: p } = start();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  w.postMessage({ args, env: options.env ?? {}, stdin: options.input, program: options.program, bytes, flag });
  if (Atomics.wait(flag, 0, 0, 600_000) === 'timed-out') throw new Error(`bazaar ${args.join(' ')}: no answer in 10 minutes`);
  const got = receiveMessageOnPort(p);
  if (!got) throw new Error(`bazaar ${args.join(' ')}: the worker posted no answer`);
  const r = got.message as { status: number | 'threw' | 'timeout'; stdout: string; stdoutBytes?: Uint8Array; stderr: string; error?: string };
  if (r.status === 'threw') return { status: 70, stdout: r.stdout, stderr: `${r.stderr}${r.error ?? ''}` };
  if (r.status === 'timeout') throw new Error(`bazaar ${args.join(' ')}: did not finish`);
  return { status: r.status, stdout: r.stdout, ...(r.stdoutBytes ? { stdoutBytes: r.stdoutBytes } : {}), stderr: r.stderr };
}

/** `bazaar-rpm args` the same way (src/cli/rpm-main.ts in the worker). */
export function bazaarRpmFast(args: string[], options: { env?: Record<string, string | undefined> } = {}): CliResult {
  return bazaarFast(args, { ...options, program: 'bazaar-rpm' });
}
