/**
 * A fuzz pass over every HTTP route of a real `bazaar serve` (default and --private):
 * random methods, malformed, huge, NUL and non-UTF-8 paths and parameters, query strings,
 * headers (tokens, ranges, digests, lengths, hosts), and bodies (truncated, huge, wrong
 * JSON types, corrupted .rpm and tar uploads), written byte for byte on raw sockets.
 * Whatever comes, no 500 (the server's own request log is read too, for answers the
 * client never saw), no stack trace in a body, an answer within a bounded time, the
 * server alive at the end and the store whole (`bazaar fsck` exits 0). The count of
 * requests is printed; BAZAAR_FUZZ_REQUESTS sets it, BAZAAR_SEED replays a run,
 * BAZAAR_FUZZ_DEBUG prints each bad request whole. Bit flips in an uploaded .rpm's
 * payload, of every compressor, are tried in test/rpm/payload-damage.test.ts.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, bazaar, tempDir } from '../helpers/cli.js';
import { binaryRpms, cli, rawHttp, sampleStore } from '../helpers/server.js';
import type { RawResponse } from '../helpers/server.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { archive, file as tarFile, symlink as tarSymlink } from '../helpers/tar-craft.js';

const t = suite('server: fuzz');

const TOTAL = Number(process.env.BAZAAR_FUZZ_REQUESTS ?? 4000);
/** Longer than any request needs here (an upload of a sample .rpm takes milliseconds). */
const BOUND_MS = 15_000;

const store = sampleStore(binaryRpms(), 'server-fuzz');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'], store);
cli(['layer', 'import', 'web-rw@1.0.0', tempDir('fuzz-rw')], store);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--layer', 'web-rw@^1.0', '--channel', 'sample'], store);
cli(['image', 'create', 'va@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
const tokens = {
  admin: cli(['token', 'create', '--scope', 'admin'], store).trim(),
  read: cli(['token', 'create', '--scope', 'read'], store).trim(),
  publish: cli(['token', 'create', '--scope', 'publish:sample'], store).trim(),
};
const shown = JSON.parse(cli(['show', '--json', 'sed'], store)) as { id: string; rpm: string; manifest: string };
const layerId = (JSON.parse(cli(['image', 'show', '--json', 'web'], store)) as { layers: Array<{ id: string }> }).layers[0]?.id as string;
const rpms = binaryRpms().slice(0, 8).map((f) => readFileSync(f));

const random = seededRandom('server fuzz');
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
const chance = (p: number): boolean => random() < p;
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));

/** Strings that go anywhere a client writes one. */
const NASTY: Array<string | Buffer> = [
  '', ' ', 'x'.repeat(300), 'x'.repeat(5000), 'x'.repeat(20_000), '%00', 'a%00b', '%FF%FE', '%C0%AF', '%', '%zz', '%E0%A4%A', '%2F', '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e', '..', '.', '-1', '0', '1e9', '9'.repeat(30), 'NaN', 'null', 'true', '[]', '{}', 'sha256:', `sha256:${'0'.repeat(64)}`, `sha256:${'G'.repeat(64)}`,
  'HEAD~99999', 'HEAD~-1', '^1.0', '*', '[z-a]', `${'*a'.repeat(40)}x`, '\\', '💥', 'é', '<script>', '"', "'", '\t', 'a b', '#frag', '?q=1',
  Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('a\x00b'), Buffer.from([0xc3, 0x28]), Buffer.from('\r\nX-Injected: 1'),
];
const encodeRaw = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v.replace(/[^A-Za-z0-9._~!$&'()*+,;=:@%-]/gu, (c) => encodeURIComponent(c))) : v);

/** A path parameter: mostly a good one for its name, else anything. */
function param(name: string): string | Buffer {
  const good: Record<string, string[]> = {
    channel: ['sample'], file: ['repomd.xml', 'sed-4.9-alt1.x86_64.rpm'], name: ['sample', 'web', 'va', 'base', 'sed', 'bash'], ref: ['sed', 'bash-5.2.26-alt2.x86_64', shown.id],
    id: [shown.rpm, shown.manifest, layerId], version: ['1.0.0', '^1.0', '2.0.0'], job: ['0123456789abcdef'],
  };
  return chance(0.45) ? pick(good[name] ?? ['x']) : pick(NASTY);
}

/** Every route: method, path template, what its body is. */
const ROUTES: Array<[string, string, 'none' | 'json' | 'rpm' | 'tar']> = [
  ['GET', '/', 'none'], ['GET', '/repo/', 'none'], ['GET', '/repo/:channel/repodata/:file', 'none'], ['GET', '/repo/:channel/Packages/:file', 'none'],
  ['GET', '/v1/channels', 'none'], ['GET', '/v1/channels/:name', 'none'], ['GET', '/v1/channels/:name/log', 'none'], ['GET', '/v1/channels/:name/diff', 'none'],
  ['GET', '/v1/packages', 'none'], ['GET', '/v1/packages/:ref', 'none'], ['GET', '/v1/packages/:name/versions', 'none'], ['GET', '/v1/objects/:id', 'none'],
  ['GET', '/v1/images', 'none'], ['GET', '/v1/images/:name', 'none'], ['GET', '/v1/images/:name/versions', 'none'], ['GET', '/v1/images/:name/versions/:version', 'none'],
  ['GET', '/v1/images/:name/history', 'none'], ['GET', '/v1/images/:name/children', 'none'], ['GET', '/v1/images/:name/archive.tar.zst', 'none'],
  ['GET', '/v1/images/:name/versions/:version/archive.tar.zst', 'none'], ['GET', '/v1/layers', 'none'], ['GET', '/v1/layers/:name', 'none'],
  ['GET', '/v1/layers/:name/:version', 'none'], ['GET', '/v1/layers/:name/:version/archive.tar.zst', 'none'], ['GET', '/v1/layers/by-id/:id/archive.tar.zst', 'none'],
  ['GET', '/v1/jobs/:job', 'none'], ['GET', '/ui/', 'none'], ['GET', '/ui/channels/:channel', 'none'], ['GET', '/ui/packages/:name', 'none'],
  ['GET', '/ui/packages/:name/:ref', 'none'], ['GET', '/ui/images/:name', 'none'],
  ['POST', '/v1/packages', 'rpm'], ['POST', '/v1/channels', 'json'], ['POST', '/v1/channels/:channel/add', 'json'], ['POST', '/v1/channels/:channel/remove', 'json'],
  ['PUT', '/v1/channels/:channel', 'json'], ['DELETE', '/v1/channels/:channel', 'none'], ['POST', '/v1/images', 'json'], ['POST', '/v1/images/:name/install', 'json'],
  ['POST', '/v1/images/:name/remove', 'json'], ['PUT', '/v1/images/:name/link', 'json'], ['DELETE', '/v1/images/:name/link', 'none'], ['POST', '/v1/images/:name/overlay', 'tar'],
  ['DELETE', '/v1/images/:name', 'none'], ['POST', '/v1/images/:name/rename', 'json'], ['DELETE', '/v1/layers/:name', 'none'],
];

const QUERY_KEYS = ['limit', 'offset', 'cursor', 'channel', 'name', 'glob', 'provides', 'from', 'to', 'layer', 'x'];

function queryString(): Buffer {
  if (chance(0.1)) return Buffer.concat([Buffer.from('?'), encodeRaw(pick(NASTY))]);
  const parts: Buffer[] = [];
  for (let i = int(4); i > 0; i--) {
    const key = chance(0.9) ? pick(QUERY_KEYS) : pick(NASTY);
    const value = chance(0.4) ? pick(['1', '5', 'sample', 'sed', 's*', 'HEAD~1', 'web-rw', 'webserver']) : pick(NASTY);
    parts.push(Buffer.concat([encodeRaw(key), Buffer.from('='), encodeRaw(value)]));
  }
  return parts.length ? Buffer.concat([Buffer.from('?'), ...parts.flatMap((p, i) => (i ? [Buffer.from('&'), p] : [p]))]) : Buffer.alloc(0);
}

/** A JSON value of a wrong type, or a right one. */
function value(): unknown {
  return pick<() => unknown>([
    () => 'sed', () => ['sed'], () => ['sed', 'bash-5.2.26-alt2.x86_64'], () => [], () => [1, 2], () => [null], () => [{}], () => null, () => 7, () => true, () => ({}),
    () => 'x'.repeat(int(3000)), () => 'a\u0000b', () => ['/etc/passwd'], () => 'web@1.0.0', () => ['base@^1.0'], () => 'sync:minimal', () => 'rpm', () => 'web', () => 'fz',
  ])();
}

function jsonBody(): Buffer {
  const shape = int(10);
  if (shape === 0) return Buffer.from(pick(['', 'null', '[]', '"x"', '1', '{', '{"packages": [', '{"a":1}x', '\ufeff{}', '{"__proto__": {"packages": ["sed"]}}']));
  if (shape === 1) return bytes(int(200));
  if (shape === 2) return Buffer.from(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
  if (shape === 3) return Buffer.from(JSON.stringify({ packages: ['x'.repeat(1_100_000)] }));
  const body: Record<string, unknown> = {};
  for (const key of ['name', 'order', 'message', 'packages', 'ref', 'layers', 'channel', 'parent', 'policy', 'to', 'constructor', '__proto__']) if (chance(0.4)) body[key] = value();
  const text = Buffer.from(JSON.stringify(body));
  return chance(0.15) ? text.subarray(0, int(text.length)) : text;
}

function rpmBody(): Buffer {
  const rpm = Buffer.from(pick(rpms));
  const shape = int(6);
  if (shape === 0) return bytes(int(4000));
  if (shape === 1) return rpm.subarray(0, int(rpm.length));
  if (shape === 2) return Buffer.alloc(0);
  if (shape === 3) {
    // bytes changed in the lead, signature and header (the payload is another part's: issue 16 item 6)
    for (let i = 1 + int(4); i > 0; i--) rpm[int(Math.min(rpm.length, 2048))] = int(256);
    return rpm;
  }
  return rpm;
}

function tarBody(): Buffer {
  const shape = int(6);
  if (shape === 0) return bytes(int(3000));
  if (shape === 1) return archive(tarFile(`srv/fuzz-${int(1000)}.txt`, 'hello\n'));
  if (shape === 2) return archive(tarFile('../escape.txt', 'x'));
  if (shape === 3) return archive(tarSymlink('srv/link', '/etc/passwd'), tarFile('/abs.txt', 'x'));
  const good = archive(tarFile('srv/a.txt', 'a'));
  return good.subarray(0, int(good.length));
}

/** Headers a client may send, well or badly. */
function headers(write: boolean, privateMode: boolean): Array<[string, string | Buffer]> {
  const out: Array<[string, string | Buffer]> = [];
  const auth = chance(0.8) ? `Bearer ${write ? tokens.admin : privateMode ? pick([tokens.read, tokens.publish]) : tokens.read}`
    : pick<string | Buffer>(['Bearer', 'Bearer bzr_0000_x', `Bearer ${'x'.repeat(9000)}`, 'Basic YTpi', `bearer  ${tokens.admin}  `, `Bearer ${tokens.admin} x`, Buffer.from([0x42, 0xff, 0x20, 0x41])]);
  out.push(['Authorization', auth]);
  const extra: Array<() => [string, string | Buffer]> = [
    () => ['Range', pick(['bytes=0-3', 'bytes=5-3', 'bytes=-0', 'bytes=0-', 'bytes=-5', `bytes=${'9'.repeat(25)}-`, 'bytes=0-0,2-3', 'items=0-1', 'bytes=x-y', ''])],
    () => ['If-None-Match', pick([`"${shown.rpm}"`, '*', 'W/"x"', '"'.repeat(3000), ''])],
    () => ['Accept-Encoding', pick(['zstd', 'gzip, zstd;q=0', 'zstd;q=1.5', '*', ''])],
    () => ['Accept', pick(['text/html', 'application/json', '*/*', 'text/html;q=0', ''])],
    () => ['Content-Type', pick(['application/json', 'application/x-rpm', 'text/plain; charset=latin1', 'multipart/form-data; boundary=x', ''])],
    () => ['Digest', pick(['sha-256=AAAA', 'sha-256=', 'md5=xyz', 'sha-256=!!!', ''])],
    () => ['Content-Digest', pick(['sha-256=:AAAA:', 'sha-256=::', 'sha-512=:x:', 'garbage', ''])],
    () => ['If-Range', pick(['"x"', 'Wed, 21 Oct 2015 07:28:00 GMT', ''])],
    () => ['X-Forwarded-Host', 'evil.example'],
    () => ['Cookie', 'x'.repeat(int(8000))],
    () => ['Expect', '100-continue'],
  ];
  for (let i = int(3); i > 0; i--) out.push(pick(extra)());
  if (chance(0.03)) out.push(['Host', pick(['', 'a b', 'evil.example:99999', '[::1', 'x'.repeat(300)])]);
  return out;
}

/** One random request: its method, raw path and options for rawHttp. */
function request(privateMode: boolean): { method: string | Buffer; path: Buffer; options: Parameters<typeof rawHttp>[3] } {
  const [routeMethod, template, kind] = pick(ROUTES);
  const method = chance(0.85) ? routeMethod : pick<string | Buffer>(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'FOO', 'get', 'M'.repeat(80), Buffer.from('G\xffT', 'latin1')]);
  const segments = template.split('/').map((s) => (s.startsWith(':') ? encodeRaw(param(s.slice(1))) : Buffer.from(s)));
  let path = Buffer.concat(segments.flatMap((s, i) => (i ? [Buffer.from('/'), s] : [s])));
  if (chance(0.3)) path = Buffer.concat([path, queryString()]);
  if (chance(0.03)) path = pick([Buffer.from('*'), Buffer.from('http://evil.example/v1/channels'), Buffer.from(`/${'a/'.repeat(3000)}`), Buffer.concat([Buffer.from('/v1/'), bytes(20)])]);
  const write = typeof method === 'string' && !['GET', 'HEAD'].includes(method);
  const body = kind === 'json' ? jsonBody() : kind === 'rpm' ? rpmBody() : kind === 'tar' ? tarBody() : chance(0.1) ? bytes(int(100)) : undefined;
  const hs = headers(write, privateMode);
  // The body as declared, or not: a Content-Length too long (and the sending side closed: truncated), too short, not a number; or chunked.
  let end = false;
  if (body && chance(0.15)) {
    const lie = pick(['long', 'short', 'nan', 'negative', 'chunked']);
    if (lie === 'long') { hs.push(['Content-Length', String(body.length + 1 + int(1000))]); end = true; }
    if (lie === 'short') hs.push(['Content-Length', String(int(body.length))]);
    if (lie === 'nan') hs.push(['Content-Length', 'ten']);
    if (lie === 'negative') hs.push(['Content-Length', '-1']);
    if (lie === 'chunked') {
      hs.push(['Transfer-Encoding', 'chunked']);
      const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(chance(0.5) ? '\r\n0\r\n\r\n' : '\r\nzz\r\n')]);
      return { method, path, options: { headers: hs, body: chunked, end: true, keepAlive: true, timeoutMs: BOUND_MS } };
    }
  }
  return { method, path, options: { headers: hs, ...(body ? { body } : {}), end, keepAlive: true, timeoutMs: BOUND_MS } };
}

interface Server { name: string; port: number; child: ChildProcess; stderr: () => string }

async function start(name: string, extra: string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /at http:\/\/127\.0\.0\.1:(\d+)\/\n/.exec(out); if (m) resolve(Number(m[1])); });
    child.on('close', () => reject(new Error(`bazaar serve exited: ${err}`)));
  });
  return { name, port, child, stderr: () => err };
}

const STACK = /\n\s+at |TypeError|RangeError|SyntaxError|ReferenceError|ERR_INTERNAL|node:internal/;

t('what the fuzz found, one request each: no hang on a backtracking glob, no 500 for a cut body or a non-layer id, a 400 that reaches a client still sending', async () => {
  const server = await start('findings', []);
  try {
    const admin: [string, string] = ['Authorization', `Bearer ${tokens.admin}`];
    const glob = await rawHttp(server.port, 'GET', `/v1/packages?glob=${'*a'.repeat(40)}x`, { timeoutMs: 5000 });
    assert.is(glob.status, 200);
    assert.ok(glob.ms < 3000, `${glob.ms} ms for a glob of 40 stars`);
    assert.is((JSON.parse(glob.body.toString()) as { total: number }).total, 0);
    assert.is((await rawHttp(server.port, 'GET', '/v1/packages?glob=%5Bz-a%5D')).status, 200, '[z-a] matches nothing');
    const notLayer = await rawHttp(server.port, 'GET', `/v1/layers/by-id/${shown.manifest}/archive.tar.zst`);
    assert.is(notLayer.status, 404, notLayer.body.toString());
    assert.match(notLayer.body.toString(), 'is not a layer');
    // A JSON body cut short: the client stops sending (the server cannot answer it, but it must not call that its own fault)
    await rawHttp(server.port, 'POST', '/v1/channels/sample/add', { headers: [admin, ['Content-Length', '100']], body: Buffer.from('{"packages'), end: true, keepAlive: true });
    for (let i = 0; i < 20; i++) {
      const bad = await rawHttp(server.port, 'POST', '/v1/channels', { headers: [admin, ['Content-Length', '-1']], body: Buffer.alloc(1 << 20, 120), keepAlive: true });
      assert.is(bad.status, 400, `a bad Content-Length, try ${i}: the answer arrives while the body is still being sent`);
      assert.match(bad.body.toString(), /^\{"error":\{"code":"ERR_BAD_INPUT","message":"the request is not one HTTP\/1\.1 allows \(HPE_INVALID_CONTENT_LENGTH\)"\}\}$/);
    }
    const nul = await rawHttp(server.port, 'GET', Buffer.from('/v1/packages/a\0b'));
    assert.is(nul.status, 400);
    assert.match(nul.body.toString(), '"code":"ERR_BAD_INPUT"');
  } finally {
    const closed = new Promise((resolve) => server.child.on('close', resolve));
    server.child.kill('SIGTERM');
    await closed;
  }
  assert.not.match(server.stderr(), /internal error| 5\d\d \d/, server.stderr());
});

t(`${TOTAL} random requests over ${ROUTES.length} routes, default and --private: no 500, no trace, no hang; the store whole after`, async () => {
  const servers = [await start('default', []), await start('private', ['--private'])];
  const statuses = new Map<number, number>();
  const wrong: string[] = [];
  let slowest: RawResponse & { what: string } = { status: 0, head: '', body: Buffer.alloc(0), ms: 0, what: '' };
  try {
    for (let n = 0; n < TOTAL; n++) {
      const server = servers[n % 2] as Server;
      const r = request(server.name === 'private');
      const what = `${server.name}: ${String(r.method)} ${r.path.toString('latin1').slice(0, 200)}`;
      let res: RawResponse;
      try { res = await rawHttp(server.port, r.method, r.path, r.options); } catch (err) {
        // A hang seen once in CI and never here: whether it lasts (the same request again) and what the server logged (a line is written when an answer ends).
        const again = await rawHttp(server.port, r.method, r.path, r.options).then((a) => `${a.status} in ${a.ms} ms`, (e: Error) => e.message);
        wrong.push(`${what}: ${(err as Error).message}; the same request again: ${again}; the server's log ends: ${server.stderr().split('\n').slice(-6).join(' | ')}`);
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.ms > slowest.ms) slowest = { ...res, what };
      const text = res.body.toString('utf8');
      // 0: the connection closed without an answer, which only a truncated request (we closed first) may get, or one
      // whose request line a CR LF cut short (HTTP/0.9 to the parser: no headers, no body, the rest unread)
      const unanswerable = r.options?.end === true || r.path.includes('\r') || r.path.includes('\n');
      if ((res.status >= 500 && res.status !== 503) || (res.status === 0 && !unanswerable) || STACK.test(text)) {
        wrong.push(`${what}: ${res.status} ${res.head.split('\r\n')[0]} ${text.slice(0, 300)}`);
        // The whole request, to replay it by hand (with BAZAAR_SEED, the run is the same up to it).
        if (process.env.BAZAAR_FUZZ_DEBUG) console.log('BAD', what, JSON.stringify(r.options?.headers).slice(0, 300), r.options?.body?.length, r.options?.body?.subarray(0, 80).toString('latin1'));
      }
    }
    // Alive, and answering as before.
    for (const s of servers) {
      const ok = await rawHttp(s.port, 'GET', '/v1/channels', { headers: [['Authorization', `Bearer ${tokens.read}`]] });
      assert.is(ok.status, 200, `${s.name} still answers: ${ok.body?.toString?.().slice(0, 300) ?? ''} ${s.stderr().slice(-1500)}`);
    }
  } finally {
    for (const s of servers) {
      const closed = new Promise((resolve) => s.child.on('close', resolve));
      s.child.kill('SIGTERM');
      await closed;
    }
  }
  console.log(`server fuzz: ${TOTAL} requests; statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(' ')}; slowest ${slowest.ms} ms (${slowest.what.slice(0, 120)})`);
  assert.equal(wrong.slice(0, 20), [], `${wrong.length} bad answers`);
  for (const s of servers) {
    const log = s.stderr();
    const fives = log.split('\n').filter((l) => /^\S+ \S* 5(?!03)\d\d /.test(l) || l.includes('internal error'));
    assert.equal(fives.slice(0, 10), [], `${s.name}: the server's log shows no 500 and no internal error`);
  }
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, `the store is whole after the fuzz: ${fsck.stdout}${fsck.stderr}`);
});

t.run();
