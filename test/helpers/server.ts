/** Servers for tests: the hono app in-process, or on a real socket, on a sample store. */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
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

export interface RawResponse { status: number; head: string; body: Buffer; ms: number }

/**
 * One request written byte for byte on a fresh connection (`Connection: close`): the
 * path, method and headers exactly as given — dot segments, NUL, bytes that are not
 * UTF-8 — which fetch and http.request would normalise or refuse. Status 0: the server
 * closed without a status line; a request still unanswered after `timeoutMs` rejects.
 */
export function rawHttp(port: number, method: string | Buffer, path: string | Buffer, options: { headers?: Array<[string, string | Buffer]>; body?: Buffer; end?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
  const started = Date.now();
  const headers: Array<[string, string | Buffer]> = [['Host', `127.0.0.1:${port}`], ['Connection', 'close'], ...(options.headers ?? [])];
  if (options.body && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) headers.push(['Content-Length', String(options.body.length)]);
  const head = Buffer.concat([Buffer.from(method), Buffer.from(' '), Buffer.from(path), Buffer.from(' HTTP/1.1\r\n'),
    ...headers.map(([k, v]) => Buffer.concat([Buffer.from(`${k}: `), Buffer.from(v), Buffer.from('\r\n')])), Buffer.from('\r\n')]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms: ${String(method)} ${String(path).slice(0, 200)}`)); }, options.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    // The server may answer (413, 400) and close before reading a whole body: that is an answer.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const headText = (split < 0 ? all : all.subarray(0, split)).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(headText);
      resolve({ status: m ? Number(m[1]) : 0, head: headText, body: split < 0 ? Buffer.alloc(0) : all.subarray(split + 4), ms: Date.now() - started });
    });
    socket.write(head);
    if (options.body) socket.write(options.body);
    // Ending the sending side says no more bytes come: a short body is then seen as truncated.
    if (options.end) socket.end();
  });
}
