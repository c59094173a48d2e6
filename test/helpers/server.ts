/** Servers for tests: the hono app in-process, or on a real socket, on a sample store. */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { basename } from 'node:path';
import { createApp } from '../../src/server/app.js';
import type { AppOptions } from '../../src/server/app.js';
import { serve } from '../../src/server/serve.js';
import type { RunningServer } from '../../src/server/serve.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from './cli.js';
import { bazaarFast } from './cli-fast.js';
import { sampleRpms } from './rpm-files.js';

export const binaryRpms = (): string[] => sampleRpms().filter((f) => /\/(x86_64|noarch)\//.test(f));
export const nevraOf = (file: string): string => basename(file, '.rpm');

export function cli(args: string[], store: string): string {
  const r = bazaarFast([...args, '--store', store]);
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

/** The answer in `all` (interim 100s skipped), and whether it is complete (by its Content-Length or last chunk). */
function parseAnswer(all: Buffer, headRequest: boolean): { status: number; head: string; body: Buffer; complete: boolean } {
  while (/^HTTP\/1\.[01] 1\d\d /.test(all.subarray(0, 16).toString('latin1')) && all.includes('\r\n\r\n')) all = all.subarray(all.indexOf('\r\n\r\n') + 4);
  const split = all.indexOf('\r\n\r\n');
  const head = (split < 0 ? all : all.subarray(0, split)).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const body = split < 0 ? Buffer.alloc(0) : all.subarray(split + 4);
  if (split < 0 || status === 0) return { status, head, body, complete: false };
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (headRequest || status === 204 || status === 304) return { status, head, body, complete: true };
  if (length) return { status, head, body, complete: body.length >= Number(length[1]) };
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return { status, head, body, complete: body.subarray(-5).toString('latin1') === '0\r\n\r\n' };
  return { status, head, body, complete: false };
}

/**
 * One request written byte for byte on a fresh connection: the path, method and headers
 * exactly as given — dot segments, NUL, bytes that are not UTF-8 — which fetch and
 * http.request would normalise or refuse. It resolves when the answer is complete (its
 * Content-Length, its last chunk) or the server closes. `keepAlive` leaves out
 * `Connection: close`, so a server answering before reading a large body does not close
 * on unread bytes (a TCP reset can drop its answer). Status 0: the server closed without
 * a status line; a request still unanswered after `timeoutMs` rejects.
 */
export function rawHttp(port: number, method: string | Buffer, path: string | Buffer, options: { headers?: Array<[string, string | Buffer]>; body?: Buffer; end?: boolean; keepAlive?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
  const started = Date.now();
  const given = options.headers ?? [];
  const has = (name: string): boolean => given.some(([k]) => k.toLowerCase() === name);
  const headers: Array<[string, string | Buffer]> = [...(has('host') ? [] : [['Host', `127.0.0.1:${port}`] as [string, string]]), ...(options.keepAlive ? [] : [['Connection', 'close'] as [string, string]]), ...given];
  if (options.body && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) headers.push(['Content-Length', String(options.body.length)]);
  const head = Buffer.concat([Buffer.from(method), Buffer.from(' '), Buffer.from(path), Buffer.from(' HTTP/1.1\r\n'),
  ...headers.map(([k, v]) => Buffer.concat([Buffer.from(`${k}: `), Buffer.from(v), Buffer.from('\r\n')])), Buffer.from('\r\n')]);
  const headRequest = Buffer.from(method).toString('latin1') === 'HEAD';
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ port, host: '127.0.0.1' });
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const { status, head: text, body } = parseAnswer(Buffer.concat(chunks), headRequest);
      resolve({ status, head: text, body, ms: Date.now() - started });
    };
    const timer = setTimeout(() => { done = true; socket.destroy(); reject(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms: ${String(method)} ${String(path).slice(0, 200)}`)); }, options.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => { chunks.push(d); if (parseAnswer(Buffer.concat(chunks), headRequest).complete) finish(); });
    // The server may answer (413, 400) and close before reading a whole body: that is an answer.
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(head);
    if (options.body) socket.write(options.body);
    // Ending the sending side says no more bytes come: a short body is then seen as truncated.
    if (options.end) socket.end();
  });
}
