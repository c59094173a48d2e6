/**
 * The worker side of cli-fast.ts: runs `bazaar ARGS` with the CLI's own dispatch in this
 * thread and posts the result, then wakes the caller blocked on the shared flag.
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { runInProcess } from './in-process.js';

interface Ask { args: string[]; env: Record<string, string | undefined>; stdin?: string; program?: 'bazaar' | 'bazaar-rpm'; bytes?: boolean; flag: Int32Array }

let reply: MessagePort | null = null;

parentPort!.on('message', (ask: Ask | { port: MessagePort }) => {
  if ('port' in ask) { reply = ask.port; return; }
  void (async () => {
    const saved = { ...process.env };
    for (const [k, v] of Object.entries(ask.env)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    try {
      const r = await runInProcess(ask.args, { stdin: ask.stdin, timeoutMs: 300_000, program: ask.program });
      reply!.postMessage({ status: r.status, stdout: r.stdout, stdoutBytes: ask.bytes ? r.stdoutBytes : undefined, stderr: r.stderr, error: r.error === undefined ? undefined : String((r.error as Error)?.stack ?? r.error) });
    } finally {
      process.env = saved;
      Atomics.store(ask.flag, 0, 1);
      Atomics.notify(ask.flag, 0);
    }
  })();
});
