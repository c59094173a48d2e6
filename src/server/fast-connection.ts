/**
 * Downloads answered on the connection, ahead of Node's HTTP server: a static file
 * server's path. Node's ServerResponse costs about three times nginx's CPU per small
 * answer (header objects, validation, its state machine); a download whose answer is in
 * memory (`QuickPath`: a hot .rpm, repodata) needs none of it, only its bytes written.
 *
 * Each new connection starts here. While every request on it is a plain one this layer
 * reads with certainty (a complete head of GET or HEAD, HTTP/1.1, an origin-form target,
 * well-formed headers each present once, a Host, no body, no Expect, no Upgrade) and
 * `quick` has its answer with the body in memory, the answer's head and body go out in
 * one write and one log line is written, as serve.ts writes for Node's requests. At the
 * first request that is anything else (a file to stream, an upload, a partial head, a
 * malformed one) the connection is handed to Node's server for good, with the bytes not
 * yet answered, before anything of that request is written: Node parses them from the
 * start, so its limits, errors and timeouts apply exactly as without this layer. Answers
 * keep their order (earlier answers are written first; the socket is one stream).
 */
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { QuickPath } from './app.js';
import type { Answer, RequestView } from './send.js';

/** A request head larger than this goes to Node (whose limit is 16 KiB: its 431). */
const MAX_HEAD = 8 << 10;
/**
 * Answer bytes queued from one read: past this, the rest of the read goes to Node, which
 * paces pipelined requests by the socket's buffer. A client that pipelines thousands of
 * GETs of a hot file and reads nothing would otherwise have them all queued in memory.
 */
const MAX_QUEUED = 4 << 20;

const REQUEST_LINE = /^(GET|HEAD) (\/[!-~]*) HTTP\/1\.1$/;
/** A header line: a token, a colon, a value of visible ASCII, spaces and tabs (Node refuses less; what it would refuse goes to it). */
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\t\x20-\x7e]*?)[ \t]*$/;
/** Header values Node would refuse to send (its checkInvalidHeaderChar). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** One parsed request head: its method, target and headers (lower-cased names). */
interface Head extends RequestView { url: string; close: boolean }

/** The request head in `text` (without its blank line), or null when this layer does not read it with certainty. */
function parseHead(text: string): Head | null {
  const lines = text.split('\r\n');
  const line = REQUEST_LINE.exec(lines[0]);
  if (!line) return null;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const m = HEADER_LINE.exec(lines[i]);
    if (!m) return null;
    const name = m[1].toLowerCase();
    if (headers.has(name)) return null;
    headers.set(name, m[2]);
  }
  if (!headers.has('host') || headers.has('transfer-encoding') || headers.has('expect') || headers.has('upgrade')) return null;
  const length = headers.get('content-length');
  if (length !== undefined && length !== '0') return null;
  const connection = headers.get('connection')?.toLowerCase();
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') return null;
  return { method: line[1], url: line[2], close: connection === 'close', header: (name) => headers.get(name.toLowerCase()) };
}

/** An answer's status line and headers, without the connection's headers and the blank line; null when Node would refuse a value. */
function headText(a: Answer): string | null {
  let text = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}\r\n`;
  for (const name in a.headers) {
    const value = a.headers[name];
    if (INVALID_VALUE.test(value)) return null;
    text += `${name}: ${value}\r\n`;
  }
  // a body-less answer says so (Node would send an empty chunked body); a 304 has none by definition
  if (a.headers['Content-Length'] === undefined && a.status !== 304) text += 'Content-Length: 0\r\n';
  return text;
}

/** Heads of answers whose headers object is reused (a plain GET's, kept by RepoDownloads): serialized once. */
const heads = new WeakMap<Record<string, string>, Buffer | null>();

function headBytes(a: Answer): Buffer | null {
  let b = heads.get(a.headers);
  if (b === undefined) {
    const text = headText(a);
    b = text === null ? null : Buffer.from(text, 'latin1');
    heads.set(a.headers, b);
  }
  return b;
}

/** The answer's last lines: `Date` as Node sends it, and the connection's headers; made once a second. */
const ending = { at: 0, keepAliveMs: -1, open: Buffer.alloc(0), close: Buffer.alloc(0) };
function connectionLines(close: boolean, keepAliveMs: number): Buffer {
  const now = Date.now();
  if (now - ending.at >= 1000 || keepAliveMs !== ending.keepAliveMs) {
    ending.at = now - (now % 1000);
    ending.keepAliveMs = keepAliveMs;
    const date = `Date: ${new Date(now).toUTCString()}\r\n`;
    const keepAlive = keepAliveMs > 0 ? `Keep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n` : '';
    ending.open = Buffer.from(`${date}Connection: keep-alive\r\n${keepAlive}\r\n`, 'latin1');
    ending.close = Buffer.from(`${date}Connection: close\r\n\r\n`, 'latin1');
  }
  return close ? ending.close : ending.open;
}

export interface FastConnections {
  /** Ends the connections this layer holds (between answers, all of them): the server stopping. */
  closeIdle(): void;
  /** Destroys them. */
  closeAll(): void;
}

/**
 * Puts the layer in front of `server`'s own connection handler. `logRequest` gets the
 * same line serve.ts writes for Node's requests.
 */
export function answerDownloadsFirst(server: Server, quick: QuickPath, logRequest: (line: string) => void): FastConnections {
  const nodeConnection = server.listeners('connection')[0] as (socket: Socket) => void;
  server.removeAllListeners('connection');
  const held = new Set<Socket>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    if (closing) { socket.destroy(); return; }
    held.add(socket);
    const onTimeout = (): void => { socket.destroy(); };
    const onError = (): void => { /* the client went away: 'close' follows */ };
    const onClose = (): void => { held.delete(socket); };
    const handOff = (rest: Buffer | null): void => {
      held.delete(socket);
      socket.off('data', onData);
      socket.off('timeout', onTimeout);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.setTimeout(0);
      nodeConnection.call(server, socket);
      if (rest !== null && rest.length > 0) socket.emit('data', rest);
    };
    const onData = (buf: Buffer): void => {
      let at = 0;
      const out: Buffer[] = [];
      let queued = 0;
      let end = false;
      while (at < buf.length && !end && queued < MAX_QUEUED) {
        // a head not whole in this chunk (or too large) goes to Node, which waits for the rest under its timeouts
        const stop = buf.indexOf('\r\n\r\n', at, 'latin1');
        if (stop < 0 || stop - at > MAX_HEAD) break;
        const started = performance.now();
        const head = parseHead(buf.toString('latin1', at, stop));
        const a = head === null ? null : quick(head, head.url);
        if (head === null || a === null || (a.body !== null && !Buffer.isBuffer(a.body))) break;
        const bytes = headBytes(a);
        if (bytes === null) break;
        const body = a.body as Buffer | null;
        out.push(bytes, connectionLines(head.close, server.keepAliveTimeout));
        if (body !== null && body.length > 0) out.push(body);
        queued += bytes.length + (body?.length ?? 0);
        at = stop + 4;
        end = head.close;
        const q = head.url.indexOf('?');
        logRequest(`${head.method} ${q < 0 ? head.url : head.url.slice(0, q)} ${a.status} ${body?.length ?? 0} ${(performance.now() - started).toFixed(1)}ms`);
      }
      if (out.length > 0) {
        socket.cork();
        for (const b of out) socket.write(b);
        socket.uncork();
      }
      if (end) { held.delete(socket); socket.off('data', onData); socket.end(); return; }
      if (at < buf.length) { handOff(buf.subarray(at)); return; }
      // the client is not reading what it asked for: read no more of its requests until it does
      if (socket.writableNeedDrain) { socket.pause(); socket.once('drain', () => socket.resume()); }
    };
    socket.setNoDelay(true);
    if (server.keepAliveTimeout > 0) socket.setTimeout(server.keepAliveTimeout);
    socket.on('timeout', onTimeout);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
  });

  return {
    closeIdle: () => {
      closing = true;
      // a request whose head is partly here is not answered: as Node does with an idle connection
      for (const s of held) s.end();
      held.clear();
    },
    closeAll: () => { for (const s of held) s.destroy(); held.clear(); },
  };
}
