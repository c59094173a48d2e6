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
 *
 * What is read in one turn of the event loop is answered at the end of that turn's reads,
 * all together (`answeringBatch`): the stats that say whether an answer in memory is still
 * current are made once for the batch, after every read in it (batch-checks.ts).
 */
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { QuickPath } from './app.js';
import type { Answer, RequestView } from './send.js';
import { answeringBatch } from './batch-checks.js';

/** A request head larger than this goes to Node (whose limit is 16 KiB: its 431). */
const MAX_HEAD = 8 << 10;
/**
 * Answer bytes queued on a connection: past this, the rest of a read goes to Node, which
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

/** Header names as asked for (`If-None-Match`), lower-cased: a few constants, lowered once each. */
const lowered = new Map<string, string>();
function lower(name: string): string {
  let l = lowered.get(name);
  if (l === undefined) { l = name.toLowerCase(); if (lowered.size < 256) lowered.set(name, l); }
  return l;
}

/** Heads parsed, by their text (a client asks the same way each time), up to this many characters in all. */
const PARSED_MAX = 1 << 20;
const parsed = new Map<string, Head | null>();
let parsedChars = 0;

/** parseHead's answer for `text`, parsed once while it is kept (a Head is immutable: shared by the requests that send the same head). */
function headOf(text: string): Head | null {
  let head = parsed.get(text);
  if (head === undefined) {
    head = parseHead(text);
    for (const [k] of parsed) { if (parsedChars + text.length <= PARSED_MAX) break; parsed.delete(k); parsedChars -= k.length; }
    parsed.set(text, head);
    parsedChars += text.length;
  }
  return head;
}

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
  return { method: line[1], url: line[2], close: connection === 'close', header: (name) => headers.get(lower(name)) };
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

/** Bodies up to this size are written with their head in one buffer (`Serialized.whole`). */
const WHOLE_MAX = 16 << 10;

/**
 * What is written for an answer whose headers object is reused (a plain GET's, kept by
 * RepoDownloads): its head, serialized once, and once it is seen again with a small body,
 * head, connection lines and body in one buffer, made again when the lines change (each
 * second: `Date`). One buffer is one plain socket write; three go through the stream's
 * cork, writev and their callbacks.
 */
interface Serialized { head: Buffer | null; whole: Buffer | null; lines: Buffer | null; body: Buffer | null }
const serialized = new WeakMap<Record<string, string>, Serialized>();

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

  /**
   * The chunks read in this turn of the event loop, answered together once all are read
   * (a check phase callback: after the poll phase's reads), so that the freshness checks
   * of their answers are made once for all of them (batch-checks.ts).
   */
  let pending: Array<{ buf: Buffer; answer: (buf: Buffer) => void }> = [];
  const answerPending = (): void => {
    const batch = pending;
    pending = [];
    answeringBatch(() => { for (const p of batch) p.answer(p.buf); });
  };

  server.on('connection', (socket: Socket) => {
    if (closing) { socket.destroy(); return; }
    held.add(socket);
    /** Set once the connection is Node's (handed off, or ended by this layer): chunks still pending go to Node, or nowhere. */
    let mine = true;
    /** The head last read on this connection, with its text: a client asking again the same way costs a comparison, not a hash. */
    let lastText = '';
    let lastHead: Head | null = null;
    const onTimeout = (): void => { socket.destroy(); };
    const onError = (): void => { /* the client went away: 'close' follows */ };
    const onClose = (): void => { held.delete(socket); };
    const handOff = (rest: Buffer | null): void => {
      mine = false;
      held.delete(socket);
      socket.off('data', onData);
      socket.off('timeout', onTimeout);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.setTimeout(0);
      nodeConnection.call(server, socket);
      if (rest !== null && rest.length > 0) socket.emit('data', rest);
    };
    const answer = (buf: Buffer): void => {
      if (!mine) {
        // read in the same turn as a request that handed the connection over: Node's, in order
        if (!socket.destroyed && socket.listenerCount('data') > 0) socket.emit('data', buf);
        return;
      }
      if (socket.destroyed || !held.has(socket)) return; // gone, or the server stopping ended it
      let at = 0;
      const out: Buffer[] = [];
      // what earlier reads of this turn left unwritten counts too (Node's socket paces what it is given)
      let queued = socket.writableLength;
      let end = false;
      while (at < buf.length && !end && queued < MAX_QUEUED) {
        // a head not whole in this chunk (or too large) goes to Node, which waits for the rest under its timeouts
        const stop = buf.indexOf('\r\n\r\n', at, 'latin1');
        if (stop < 0 || stop - at > MAX_HEAD) break;
        const started = performance.now();
        const text = buf.toString('latin1', at, stop);
        if (text !== lastText) { lastHead = headOf(text); lastText = text; }
        const head = lastHead;
        const a = head === null ? null : quick(head, head.url);
        if (head === null || a === null || (a.body !== null && !Buffer.isBuffer(a.body))) break;
        let ser = serialized.get(a.headers);
        const again = ser !== undefined;
        if (ser === undefined) {
          const text = headText(a);
          ser = { head: text === null ? null : Buffer.from(text, 'latin1'), whole: null, lines: null, body: null };
          serialized.set(a.headers, ser);
        }
        if (ser.head === null) break;
        const body = a.body as Buffer | null;
        const lines = connectionLines(head.close, server.keepAliveTimeout);
        if (again && !head.close && body !== null && body.length <= WHOLE_MAX) {
          if (ser.lines !== lines || ser.body !== body) { ser.whole = Buffer.concat([ser.head, lines, body]); ser.lines = lines; ser.body = body; }
          out.push(ser.whole as Buffer);
        } else {
          out.push(ser.head, lines);
          if (body !== null && body.length > 0) out.push(body);
        }
        queued += ser.head.length + (body?.length ?? 0);
        at = stop + 4;
        end = head.close;
        const q = head.url.indexOf('?');
        logRequest(`${head.method} ${q < 0 ? head.url : head.url.slice(0, q)} ${a.status} ${body?.length ?? 0} ${(performance.now() - started).toFixed(1)}ms`);
      }
      if (out.length === 1) socket.write(out[0]);
      else if (out.length > 0) {
        socket.cork();
        for (const b of out) socket.write(b);
        socket.uncork();
      }
      if (end) { mine = false; held.delete(socket); socket.off('data', onData); socket.end(); return; }
      if (at < buf.length) { handOff(buf.subarray(at)); return; }
      // the client is not reading what it asked for: read no more of its requests until it does
      if (socket.writableNeedDrain) { socket.pause(); socket.once('drain', () => socket.resume()); }
    };
    const onData = (buf: Buffer): void => {
      if (pending.length === 0) setImmediate(answerPending);
      pending.push({ buf, answer });
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
