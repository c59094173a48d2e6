/**
 * The app on a socket (`@hono/node-server`): one log line per request (method, path
 * without the query, status — `-` when the client went away before an answer —, body
 * bytes, ms; headers, and so tokens, are never logged), requests Node cannot parse
 * answered and ended gracefully, and a graceful stop: no new connections, in-flight
 * requests finish (up to a grace period, then their connections are closed).
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { BazaarError } from '../errors.js';
import { exportSigningKey } from '../library/index.js';
import type { Store } from '../store/index.js';
import { buildApp } from './app.js';
import { errorBody } from './http-error.js';
import type { AppOptions } from './app.js';
import { SnapshotPool } from './snapshots.js';
import { writeAnswer } from './send.js';
import type { RequestView, Sent } from './send.js';
import { answerDownloadsFirst } from './fast-connection.js';

export interface ServeOptions extends AppOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** One line per request; default: standard error. */
  logRequest?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then resolves. */
  close(graceMs?: number): Promise<void>;
}

function nodeView(req: IncomingMessage): RequestView {
  return {
    method: req.method ?? 'GET',
    header: (name) => { const v = req.headers[name.toLowerCase()]; return Array.isArray(v) ? v.join(', ') : v; },
  };
}

/** Wraps `res.write`/`res.end` to count the body bytes the router's answer writes. */
function counted(res: ServerResponse, sent: Sent): void {
  const count = (chunk: unknown, encoding?: unknown): void => {
    if (typeof chunk === 'string') sent.bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : 'utf8');
    else if (chunk instanceof Uint8Array) sent.bytes += chunk.length;
  };
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => { count(chunk, rest[0]); return write(chunk, ...rest); }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => { if (chunk !== undefined && typeof chunk !== 'function') count(chunk, rest[0]); return end(chunk, ...rest); }) as typeof res.end;
}

/**
 * Lines written together once per turn of the event loop (and at once past 64 KiB): a
 * busy server pays one write for many requests instead of one each. `flush` writes what
 * is pending (the server stopping).
 */
export function batchedLines(write: (text: string) => void): { line: (line: string) => void; flush: () => void } {
  let pending = '';
  let scheduled = false;
  const flush = (): void => { scheduled = false; if (pending) { const text = pending; pending = ''; write(text); } };
  return {
    line: (line) => {
      pending += `${line}\n`;
      if (pending.length > 65_536) flush();
      else if (!scheduled) { scheduled = true; setImmediate(flush); }
    },
    flush,
  };
}

/** The request a connection is answering, for `answerClientError` (set on the socket, not kept after its answer ends). */
const CURRENT = Symbol('bazaar.current');
type WithCurrent = Duplex & { [CURRENT]?: { req: IncomingMessage; res: ServerResponse } };

/** How long a connection whose bytes could not be read is kept after its answer, to drain. */
const DRAIN_MS = 5_000;

const answered = new WeakSet<Duplex>();

/**
 * A request Node's parser refuses (a bad method, a NUL in the path, headers over 16 KiB, a
 * broken chunk) gets Node's own status with a one-line JSON body, and the connection is
 * ended gracefully, its unread bytes drained for a moment: Node's default resets it, and a
 * client still sending its body loses the answer. Bytes that are no request after a
 * complete one being answered (a Content-Length too short) wait for that answer; a request
 * whose body can never complete (the client stopped sending) is dropped, as Node does.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: WithCurrent): void {
  // Bytes still arriving on a connection being ended raise this again: it is answered once, then drained.
  if (answered.has(socket)) return;
  answered.add(socket);
  socket.on('error', () => undefined);
  const current = socket[CURRENT];
  if (!socket.writable || (current && !current.res.writableEnded && !current.req.complete)) { socket.destroy(); return; }
  if (current && !current.res.writableEnded) {
    current.res.once('close', () => socket.end());
  } else {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify(errorBody('ERR_BAD_INPUT', `the request is not one HTTP/1.1 allows (${err.code ?? 'a parse error'})`));
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.resume();
  socket.once('finish', () => setTimeout(() => socket.destroy(), DRAIN_MS).unref());
}

/** Why the socket could not be opened, in one line that says what to change (ERR_USAGE). */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): BazaarError {
  const why: Record<string, string> = {
    EADDRINUSE: `port ${port} is in use on ${host}; pick another with --port (0: any free port)`,
    EADDRNOTAVAIL: `${host} is not an address of this machine; use one of its addresses with --host (default 127.0.0.1)`,
    EACCES: `port ${port} needs privileges on ${host}; pick a port above 1023 with --port`,
    ENOTFOUND: `${host} is not an address or a name that resolves; give --host an address of this machine`,
    EAI_AGAIN: `${host} could not be resolved (no answer from DNS); give --host an address of this machine`,
  };
  return new BazaarError('ERR_USAGE', `cannot listen on ${host}:${port}: ${why[err.code ?? ''] ?? err.message}`, { cause: err, data: { host, port } });
}

export async function serve(store: Store, options: ServeOptions = {}): Promise<RunningServer> {
  // A signing key named but not in the store: refused before listening, not on the first request.
  if (options.signingKey !== undefined) await exportSigningKey(store, { name: options.signingKey });
  const log = options.log ?? ((line: string) => process.stderr.write(`bazaar serve: ${line}\n`));
  const batch = options.logRequest ? null : batchedLines((text) => process.stderr.write(text));
  const logRequest = options.logRequest ?? (batch as NonNullable<typeof batch>).line;
  const snapshots = new SnapshotPool(store);
  const { app, quick, jobs } = buildApp(store, { ...options, log, snapshots });
  /** A quick answer written on Node's response: true when answered (a file gone meanwhile is not: the router answers). */
  const quickly = (req: IncomingMessage, res: ServerResponse, sent: Sent): boolean => {
    const a = quick(nodeView(req), req.url ?? '/');
    if (a === null) return false;
    try { return writeAnswer(res, a, sent); } catch (err) {
      if (res.headersSent) throw err;
      return false;
    }
  };
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const router = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    (req.socket as WithCurrent)[CURRENT] = { req, res };
    const sent: Sent = { bytes: 0 };
    res.once('close', () => {
      const path = (req.url ?? '/').split('?')[0];
      logRequest(`${req.method} ${path} ${res.headersSent ? res.statusCode : '-'} ${sent.bytes} ${(performance.now() - started).toFixed(1)}ms${res.writableFinished ? '' : ' (aborted)'}`);
    });
    // downloads whose bytes are in memory (or a checked file) skip the router: a static file server's path
    // (those in memory on a connection fast-connection.ts still holds never reach here)
    if (quickly(req, res, sent)) return;
    counted(res, sent);
    router(req, res);
  });
  const fast = answerDownloadsFirst(server, quick, logRequest);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    await jobs.close?.();
    snapshots.close();
    throw listenError(err as NodeJS.ErrnoException, host, port);
  }
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    port: bound,
    server,
    close: (graceMs = 10_000) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.closeAllConnections(); fast.closeAll(); }, graceMs);
      timer.unref();
      // the job running finishes (shared jobs: one left unfinished is another server's to run again)
      server.close(() => { clearTimeout(timer); void (jobs.close?.() ?? Promise.resolve()).finally(() => { snapshots.close(); batch?.flush(); resolve(); }); });
      server.closeIdleConnections();
      fast.closeIdle();
    }),
  };
}
