/** Servers for tests: the hono app in-process, or on a real socket, on a sample store. */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { createApp } from '../../src/server/app.js';
import type { AppOptions } from '../../src/server/app.js';
import { serve } from '../../src/server/serve.js';
import type { RunningServer } from '../../src/server/serve.js';
import { Store } from '../../src/store/store.js';
import { bazaar, freshStore } from './cli.js';
import { sampleRpms } from './rpm-files.js';

export const binaryRpms = (): string[] => sampleRpms().filter((f) => /\/(x86_64|noarch)\//.test(f));
export const nevraOf = (file: string): string => basename(file, '.rpm');

export function cli(args: string[], store: string): string {
  const r = bazaar([...args, '--store', store]);
  if (r.status !== 0) throw new Error(`bazaar ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A store holding `files` (default: every x86_64 and noarch sample package), all in channel `sample`. */
export function sampleStore(files: string[] = binaryRpms(), prefix = 'server'): string {
  const store = freshStore(prefix);
  cli(['add', ...files], store);
  cli(['channel', 'create', 'sample'], store);
  cli(['channel', 'add', 'sample', ...files.map(nevraOf)], store);
  return store;
}

export async function appFor(dir: string, options: AppOptions = {}): Promise<{ store: Store; app: ReturnType<typeof createApp>; log: string[] }> {
  const log: string[] = [];
  const store = await Store.open(dir);
  return { store, app: createApp(store, { log: (l) => log.push(l), ...options }), log };
}

/** The server on 127.0.0.1, a free port; request lines collected in `requests`. */
export async function listening(dir: string, options: AppOptions = {}): Promise<RunningServer & { requests: string[]; log: string[] }> {
  const requests: string[] = [];
  const log: string[] = [];
  const store = await Store.open(dir);
  const running = await serve(store, { port: 0, logRequest: (l) => requests.push(l), log: (l) => log.push(l), ...options });
  return { ...running, requests, log };
}

/** A child process run without blocking the event loop (the server may be in this process). */
export function runAsync(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: Buffer } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input);
  });
}
