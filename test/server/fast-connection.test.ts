/**
 * Downloads answered on the connection ahead of Node's HTTP server (fast-connection.ts):
 * plain GET and HEAD requests whose answer is in memory are written at once, one log line
 * each, and never reach Node ('request' is not emitted); anything else hands the
 * connection to Node with its unanswered bytes, answered there as without the layer.
 * Raw sockets, so that which connection carries which request is the test's choice.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { answerDownloadsFirst } from '../../src/server/fast-connection.js';
import type { Answer } from '../../src/server/send.js';
import { cli, listening, sampleStore } from '../helpers/server.js';

const t = suite('fast connection');

interface Reply { status: number; headers: Record<string, string>; body: Buffer }

/**
 * Sends `text` on one new connection (in `parts`, a pause between them) and reads
 * `count` answers (`heads`: which of them answer a HEAD, so carry no body), then closes.
 */
function exchange(port: number, parts: string[], count: number, heads: Set<number> = new Set()): Promise<{ replies: Reply[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const replies: Reply[] = [];
    let closedByServer = false;
    const finish = (): void => { socket.destroy(); resolve({ replies, closedByServer }); };
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`${replies.length} of ${count} answers; unread: ${buf.toString('latin1').slice(0, 300)}`)); }, 10_000);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (; ;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [line, ...fields] = buf.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const f of fields) { const c = f.indexOf(':'); headers[f.slice(0, c).toLowerCase()] = f.slice(c + 1).trim(); }
        const status = Number(line.split(' ')[1]);
        const length = heads.has(replies.length) || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
        if (buf.length < end + 4 + length) return;
        replies.push({ status, headers, body: buf.subarray(end + 4, end + 4 + length) });
        buf = buf.subarray(end + 4 + length);
        if (replies.length === count) { clearTimeout(timer); setTimeout(finish, 50); return; }
      }
    });
    socket.on('end', () => { closedByServer = true; if (replies.length === count) { clearTimeout(timer); finish(); } });
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, 30));
        socket.write(p);
      }
    });
  });
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

/** A Node server answering `node <path>`, with the layer in front answering `/fast...` from memory; counts who answered what. */
async function layered(): Promise<{ server: Server; port: number; node: string[]; quick: string[]; log: string[] }> {
  const node: string[] = [];
  const quick: string[] = [];
  const log: string[] = [];
  const server = createServer((req, res) => { node.push(req.url ?? ''); res.end(`node ${req.url}`); });
  answerDownloadsFirst(server, (req, url) => {
    quick.push(url);
    if (!url.startsWith('/fast')) return null;
    const body = url === '/fast-big' ? Buffer.alloc(1 << 20, 'b') : Buffer.from(`fast ${url}`);
    return { status: 200, headers: { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) }, body: req.method === 'HEAD' ? null : body } satisfies Answer;
  }, (l) => log.push(l));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, node, quick, log };
}

t('pipelined plain requests are answered on the connection, in order; the first it does not answer hands the rest to Node for good', async () => {
  const s = await layered();
  try {
    const { replies } = await exchange(s.port, [get('/fast1') + `HEAD /fast2 HTTP/1.1\r\nHost: x\r\n\r\n` + get('/slow') + get('/fast3')], 4, new Set([1]));
    assert.equal(replies.map((r) => [r.status, r.body.toString()]), [[200, 'fast /fast1'], [200, ''], [200, 'node /slow'], [200, 'node /fast3']]);
    assert.is(replies[1].headers['content-length'], String('fast /fast2'.length), 'HEAD: the length of the body it would get');
    assert.ok(replies.every((r) => r.headers.date !== undefined && r.headers.connection === 'keep-alive'), 'Date and Connection as Node sends them');
    assert.equal(s.node, ['/slow', '/fast3'], 'Node saw only what the layer handed over');
    assert.equal(s.log.map((l) => l.replace(/ [\d.]+ms$/, '')), ['GET /fast1 200 11', 'HEAD /fast2 200 0'], 'one log line per answer, as serve.ts writes');
  } finally { s.server.close(); }
});

t('heads the layer cannot read with certainty go to Node unanswered by it: malformed, duplicate, with a body, HTTP/1.0, split across packets', async () => {
  const s = await layered();
  try {
    const cases: Array<[string, string[], number]> = [
      ['a folded header line', [`GET /fast HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n`], 1],
      ['a duplicate Host', [`GET /fast HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n`], 1],
      ['a chunked body', [`GET /fast HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`], 1],
      ['a Content-Length body', [`GET /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`], 1],
      ['HTTP/1.0', [`GET /fast HTTP/1.0\r\nHost: x\r\n\r\n`], 1],
      ['no Host', [`GET /fast HTTP/1.1\r\nX: y\r\n\r\n`], 1],
      ['an absolute-form target', [`GET http://x/fast HTTP/1.1\r\nHost: x\r\n\r\n`], 1],
      ['a head in two packets', [`GET /fast HTTP/1.1\r\nHo`, `st: x\r\n\r\n`], 1],
      ['a byte outside ASCII in a value', [`GET /fast HTTP/1.1\r\nHost: x\r\nX: \xe9\r\n\r\n`], 1],
    ];
    for (const [what, parts, count] of cases) {
      s.node.length = 0;
      const before = s.log.length;
      const { replies } = await exchange(s.port, parts, count);
      assert.ok(replies.length === count && !replies[0].body.toString().startsWith('fast'), `${what}: answered by Node (${replies[0]?.status})`);
      assert.is(s.log.length, before, `${what}: not logged by the layer`);
    }
  } finally { s.server.close(); }
});

t('a pipelined flood of large answers is not all queued by the layer: past 4 MiB from one read, the rest goes to Node, which paces it', async () => {
  const s = await layered();
  try {
    const { replies } = await exchange(s.port, [get('/fast-big').repeat(10)], 10);
    const byLayer = replies.filter((r) => r.body.length === 1 << 20).length;
    assert.is(byLayer, 4, 'four 1 MiB answers reach the bound');
    assert.equal(replies.slice(4).map((r) => r.body.toString()), Array(6).fill('node /fast-big'), 'the rest answered by Node, in order');
  } finally { s.server.close(); }
});

t('Connection: close is answered, then the connection ends', async () => {
  const s = await layered();
  try {
    const { replies, closedByServer } = await exchange(s.port, [get('/fast', 'Connection: close\r\n') + get('/fast-never')], 1);
    assert.is(replies[0].body.toString(), 'fast /fast');
    assert.is(replies[0].headers.connection, 'close');
    assert.ok(closedByServer, 'the server ended the connection');
    assert.ok(!s.quick.includes('/fast-never') && s.node.length === 0, 'a request after close is not answered');
  } finally { s.server.close(); }
});

t('on a store: hot downloads on a new connection never reach Node; ETag, 304, Range, HEAD; a commit is seen by the next request on the same connection', async () => {
  const dir = sampleStore(undefined, 'fast-connection');
  const server = await listening(dir);
  let nodeRequests = 0;
  server.server.on('request', () => { nodeRequests++; });
  try {
    const rpm = '/repo/sample/Packages/webserver-1.24.0-alt1.x86_64.rpm';
    const repomd = '/repo/sample/repodata/repomd.xml';
    // warm: the first requests go through the router, which fills what the layer answers from
    const whole = Buffer.from(await (await fetch(`${server.url}${rpm.slice(1)}`)).arrayBuffer());
    await (await fetch(`${server.url}${repomd.slice(1)}`)).arrayBuffer();
    const counted = nodeRequests;
    const first = await exchange(server.port, [get(rpm) + `HEAD ${rpm} HTTP/1.1\r\nHost: x\r\n\r\n` + get(rpm, 'Range: bytes=100-199\r\n') + get(repomd)], 4, new Set([1]));
    const [full, head, part, md] = first.replies;
    assert.is(full.status, 200);
    assert.ok(full.body.equals(whole), 'the .rpm byte for byte');
    assert.match(full.headers.etag, /^"sha256:[0-9a-f]{64}"$/);
    assert.is(head.status, 200);
    assert.is(head.headers['content-length'], String(whole.length));
    assert.is(part.status, 206);
    assert.is(part.headers['content-range'], `bytes 100-199/${whole.length}`);
    assert.ok(part.body.equals(whole.subarray(100, 200)));
    assert.is(md.status, 200);
    // sent again (head and body as one buffer once the answer is seen twice): the same bytes, the same headers
    const again = await exchange(server.port, [get(rpm) + get(repomd) + get(rpm) + get(repomd)], 4);
    for (const [i, r] of again.replies.entries()) {
      const was = i % 2 === 0 ? full : md;
      assert.ok(r.status === 200 && r.body.equals(was.body), `answer ${i} again byte for byte`);
      // all but Date, which is the second each answer is sent in (a run may cross one)
      const { date, ...rest } = r.headers;
      const { date: wasDate, ...wasRest } = was.headers;
      assert.equal(rest, wasRest, `answer ${i} again: the same headers`);
      assert.ok(Math.abs(Date.parse(date as string) - Date.parse(wasDate as string)) <= 60_000, `answer ${i} again: a current Date (${date}, was ${wasDate})`);
    }
    const { replies: [notModified] } = await exchange(server.port, [get(rpm, `If-None-Match: ${full.headers.etag}\r\n`)], 1);
    assert.is(notModified.status, 304);
    assert.is(nodeRequests, counted, 'none of these reached Node');
    assert.ok(server.requests.filter((l) => l.startsWith(`GET ${rpm} 206 100 `)).length === 1, 'logged');
    // one connection: a download, a commit by another process, the same download
    const later = await new Promise<Reply[]>((resolve, reject) => {
      const replies: Reply[] = [];
      const socket = connect(server.port, '127.0.0.1');
      let buf = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = buf.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        replies.push({ status: Number(text.split(' ')[1]), headers: {}, body: buf.subarray(end + 4, end + 4 + length) });
        buf = buf.subarray(end + 4 + length);
        if (replies.length === 1) {
          cli(['channel', 'remove', 'sample', 'webserver-1.24.0-alt1.x86_64'], dir);
          socket.write(get(rpm));
        } else { socket.destroy(); resolve(replies); }
      });
      socket.write(get(rpm));
    });
    assert.equal(later.map((r) => r.status), [200, 404], 'the removal is seen by the next request on the connection');
  } finally {
    await server.close();
  }
});

t('the server stops promptly with keep-alive connections the layer holds', async () => {
  const dir = sampleStore(undefined, 'fast-connection-stop');
  const server = await listening(dir);
  const rpm = '/repo/sample/Packages/webserver-1.24.0-alt1.x86_64.rpm';
  await (await fetch(`${server.url}${rpm.slice(1)}`)).arrayBuffer();
  const socket = connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve) => { socket.once('data', () => resolve()); socket.write(get(rpm)); });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  const t0 = Date.now();
  await server.close(20_000);
  await ended;
  assert.ok(Date.now() - t0 < 5_000, `stopped in ${Date.now() - t0} ms, not after the grace period`);
});

t.run();
