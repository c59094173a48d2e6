/**
 * Nothing a client sends names a file on the server. Every route that takes a string from
 * the client (path parameters, query parameters, JSON fields) is sent absolute paths,
 * `..`, encoded and double-encoded slashes, NUL, overlong names and the names of symlinks
 * in the server's working directory (one to a real .rpm outside the store, one to
 * itself), on a real `bazaar serve` run under `strace -f -e trace=%file` (open, stat,
 * readlink, access...: the existence oracle of issue 16 was a stat), in the default and
 * the --private mode. Each request is a 4xx and the store is unchanged; and after each
 * route, every path the server's syscalls named is checked: inside the store, or the
 * server's own code (a module loaded late) and time zone data; nothing else, nothing
 * relative. One test per route.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { binaryRpms, cli, rawHttp, sampleStore } from '../helpers/server.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { hasTool, projectRoot, testWith } from '../helpers/tools.js';

const t = suite('server: hostile references, under strace');

/** A server under strace: its URL's port, the trace file and how far the checks have read it. */
interface Traced { name: string; port: number; log: string; offset: number; child: ChildProcess; token: string; admin: string }

const store = sampleStore(binaryRpms(), 'server-hostile');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'], store);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
cli(['image', 'create', 'va@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);
const reader = cli(['token', 'create', '--scope', 'read'], store).trim();
const admin = cli(['token', 'create', '--scope', 'admin'], store).trim();

// Outside the store: a real .rpm and a text file, and a working directory for the server
// holding symlinks to them, to a directory, and to itself.
const bait = realpathSync(tempDir('bait'));
copyFileSync(binaryRpms().find((f) => f.includes('/webserver-')) as string, join(bait, 'secret.rpm'));
writeFileSync(join(bait, 'secret.txt'), 'secret\n');
const cwd = realpathSync(tempDir('cwd'));
symlinkSync(join(bait, 'secret.rpm'), join(cwd, 'evil.rpm'));
symlinkSync('loop.rpm', join(cwd, 'loop.rpm'));
symlinkSync(bait, join(cwd, 'baitdir'));
mkdirSync(join(cwd, 'sub'));

/** The references tried in every string a route takes. */
const HOSTILE: string[] = [
  '/etc/passwd', '/etc/shadow', join(bait, 'secret.rpm'), join(bait, 'secret.txt'), join(bait, 'nosuch.rpm'), '/proc/self/environ', '/sys/kernel/mm/transparent_hugepage/enabled',
  '../../../../../../../etc/passwd', '..', '.', '../', `../${basename(bait)}/secret.rpm`, '..\\..\\etc\\passwd',
  'evil.rpm', './evil.rpm', 'loop.rpm', 'baitdir/secret.rpm', 'sub/../evil.rpm', 'baitdir', 'evil.rpm/',
  'a\0b', 'evil.rpm\0', '/etc/passwd\0.rpm', 'a/\0b',
  join(store, 'tokens.json'), 'tokens.json', `${store}/../${basename(bait)}/secret.rpm`,
  '%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', `${'x'.repeat(4000)}.rpm`, 'sha256:../../../../etc/passwd',
];

/** A value as a URL path segment: encoded whole; with its slashes raw (dot segments reach the server); double-encoded. */
function segments(v: string): string[] {
  const once = encodeURIComponent(v);
  const out = [once, encodeURIComponent(once)];
  if (v.includes('/')) out.push(v.split('/').map(encodeURIComponent).join('/'));
  return out;
}
const query = (params: Record<string, string>): string => new URLSearchParams(params).toString();

interface Probe { method: string; path: string; json?: unknown; body?: Buffer; ok?: (status: number, body: string) => boolean }
const get = (path: string, ok?: Probe['ok']): Probe => ({ method: 'GET', path, ...(ok ? { ok } : {}) });
const send = (method: string, path: string, json: unknown): Probe => ({ method, path, json });
/** A filter that matches names in memory may find nothing: an empty page is a fine answer to it. */
const emptyPage = (status: number, body: string): boolean => status === 200 && (JSON.parse(body) as { total: number }).total === 0;
/**
 * `image remove` of a name that is not installed is a no-op today (issue 16 item 7 makes
 * it an error, another part of the work): either is fine here, as long as nothing changed.
 */
const noChange = (status: number, body: string): boolean => status === 200 && (JSON.parse(body) as { removed: string[] }).removed.length === 0;
/** A channel may be called `evil.rpm`: only the names that cannot be channels are hostile to POST /v1/channels. */
const notChannelName = (v: string): boolean => !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/.test(v) || v.includes('..');
/** A hostile value that is also a fine image name (`evil.rpm`) is a rename that may succeed. */
const notImageName = (v: string): boolean => !/^[a-z0-9][a-z0-9._-]*$/.test(v);

/** Every route that takes a string from the client, with the probes that put a hostile value in each string. */
const ROUTES: Array<[string, (v: string) => Probe[]]> = [
  ['GET /repo/:channel/repodata/:file', (v) => segments(v).flatMap((s) => [get(`/repo/${s}/repodata/repomd.xml`), get(`/repo/sample/repodata/${s}`)])],
  ['GET /repo/:channel/Packages/:file', (v) => segments(v).flatMap((s) => [get(`/repo/${s}/Packages/sed-4.9-alt1.x86_64.rpm`), get(`/repo/sample/Packages/${s}`)])],
  ['GET /v1/channels/:name', (v) => segments(v).map((s) => get(`/v1/channels/${s}`))],
  ['GET /v1/channels/:name/log', (v) => segments(v).map((s) => get(`/v1/channels/${s}/log`))],
  ['GET /v1/channels/:name/diff', (v) => [...segments(v).map((s) => get(`/v1/channels/${s}/diff`)), get(`/v1/channels/sample/diff?${query({ from: v })}`), get(`/v1/channels/sample/diff?${query({ to: v })}`)]],
  ['GET /v1/packages?filters', (v) => [get(`/v1/packages?${query({ channel: v })}`), get(`/v1/packages?${query({ name: v })}`, emptyPage), get(`/v1/packages?${query({ cursor: v })}`),
  get(`/v1/packages?${query({ limit: v })}`), get(`/v1/packages?${query({ offset: v })}`), get(`/v1/packages?${query({ glob: v })}`, emptyPage), get(`/v1/packages?${query({ provides: v })}`, emptyPage)]],
  ['GET /v1/packages/:ref', (v) => segments(v).map((s) => get(`/v1/packages/${s}`))],
  ['GET /v1/packages/:name/versions', (v) => [...segments(v).map((s) => get(`/v1/packages/${s}/versions`)), get(`/v1/packages/bash/versions?${query({ channel: v })}`)]],
  ['GET /v1/objects/:id', (v) => segments(v).map((s) => get(`/v1/objects/${s}`))],
  ['GET /v1/images/:name', (v) => segments(v).map((s) => get(`/v1/images/${s}`))],
  ['GET /v1/images/:name/versions', (v) => segments(v).map((s) => get(`/v1/images/${s}/versions`))],
  ['GET /v1/images/:name/versions/:version', (v) => segments(v).flatMap((s) => [get(`/v1/images/${s}/versions/1.0.0`), get(`/v1/images/web/versions/${s}`)])],
  ['GET /v1/images/:name/history', (v) => segments(v).map((s) => get(`/v1/images/${s}/history`))],
  ['GET /v1/images/:name/children', (v) => segments(v).map((s) => get(`/v1/images/${s}/children`))],
  ['GET /v1/images/:name/archive.tar.zst', (v) => segments(v).map((s) => get(`/v1/images/${s}/archive.tar.zst`))],
  ['GET /v1/images/:name/versions/:version/archive.tar.zst', (v) => segments(v).flatMap((s) => [get(`/v1/images/${s}/versions/1.0.0/archive.tar.zst`), get(`/v1/images/web/versions/${s}/archive.tar.zst`)])],
  ['GET /v1/layers/:name', (v) => segments(v).map((s) => get(`/v1/layers/${s}`))],
  ['GET /v1/layers/:name/:version', (v) => segments(v).flatMap((s) => [get(`/v1/layers/${s}/1.0.0`), get(`/v1/layers/base/${s}`)])],
  ['GET /v1/layers/:name/:version/archive.tar.zst', (v) => segments(v).flatMap((s) => [get(`/v1/layers/${s}/1.0.0/archive.tar.zst`), get(`/v1/layers/base/${s}/archive.tar.zst`)])],
  ['GET /v1/layers/by-id/:id/archive.tar.zst', (v) => segments(v).map((s) => get(`/v1/layers/by-id/${s}/archive.tar.zst`))],
  ['GET /v1/jobs/:id', (v) => segments(v).map((s) => get(`/v1/jobs/${s}`))],
  ['GET /ui/channels/:name', (v) => segments(v).map((s) => get(`/ui/channels/${s}`))],
  ['GET /ui/packages/:name', (v) => segments(v).map((s) => get(`/ui/packages/${s}`))],
  ['GET /ui/packages/:name/:ref', (v) => segments(v).flatMap((s) => [get(`/ui/packages/${s}/sed`), get(`/ui/packages/sed/${s}`)])],
  ['GET /ui/images/:name', (v) => segments(v).map((s) => get(`/ui/images/${s}`))],
  ['POST /v1/packages?channel', (v) => [{ method: 'POST', path: `/v1/packages?${query({ channel: v })}`, body: Buffer.from('not an rpm') }]],
  ['POST /v1/channels', (v) => [...(notChannelName(v) ? [send('POST', '/v1/channels', { name: v })] : []), send('POST', '/v1/channels', { name: 'fresh', order: v })]],
  ['POST /v1/channels/:name/add', (v) => [...segments(v).map((s) => send('POST', `/v1/channels/${s}/add`, { packages: ['sed'] })), send('POST', '/v1/channels/sample/add', { packages: [v] }), send('POST', '/v1/channels/sample/add', { packages: ['sed', v] })]],
  ['POST /v1/channels/:name/remove', (v) => [...segments(v).map((s) => send('POST', `/v1/channels/${s}/remove`, { packages: ['sed'] })), send('POST', '/v1/channels/sample/remove', { packages: [v] })]],
  ['PUT /v1/channels/:name', (v) => [...segments(v).map((s) => send('PUT', `/v1/channels/${s}`, { packages: ['sed'] })), send('PUT', '/v1/channels/sample', { packages: ['sed', v] })]],
  ['DELETE /v1/channels/:name', (v) => segments(v).map((s) => ({ method: 'DELETE', path: `/v1/channels/${s}` }))],
  ['POST /v1/images', (v) => [send('POST', '/v1/images', { ref: v, layers: ['base@^1.0'] }), send('POST', '/v1/images', { ref: 'fresh@1.0.0', layers: [v] }), send('POST', '/v1/images', { ref: 'fresh@1.0.0', layers: ['base@^1.0'], channel: v })]],
  ['POST /v1/images/:name/install', (v) => [...segments(v).map((s) => send('POST', `/v1/images/${s}/install`, { packages: ['sed'] })), send('POST', '/v1/images/web/install', { packages: [v] }), send('POST', '/v1/images/web/install', { packages: ['sed'], channel: v })]],
  ['POST /v1/images/:name/remove', (v) => [...segments(v).map((s) => send('POST', `/v1/images/${s}/remove`, { packages: ['bash'] })), { ...send('POST', '/v1/images/web/remove', { packages: [v] }), ok: noChange }]],
  ['PUT /v1/images/:name/link', (v) => [...segments(v).map((s) => send('PUT', `/v1/images/${s}/link`, { parent: 'web', policy: 'sync:minimal' })), send('PUT', '/v1/images/va/link', { parent: v, policy: 'sync:minimal' }), send('PUT', '/v1/images/va/link', { parent: 'web', policy: v })]],
  ['DELETE /v1/images/:name/link', (v) => segments(v).map((s) => ({ method: 'DELETE', path: `/v1/images/${s}/link` }))],
  ['DELETE /v1/images/:name', (v) => segments(v).map((s) => ({ method: 'DELETE', path: `/v1/images/${s}` }))],
  ['POST /v1/images/:name/rename', (v) => [...segments(v).map((s) => send('POST', `/v1/images/${s}/rename`, { to: 'fresh' })), ...(notImageName(v) ? [send('POST', '/v1/images/va/rename', { to: v })] : [])]],
  ['DELETE /v1/layers/:name', (v) => segments(v).map((s) => ({ method: 'DELETE', path: `/v1/layers/${s}` }))],
  ['POST /v1/images/:name/overlay', (v) => [...segments(v).map((s) => ({ method: 'POST', path: `/v1/images/${s}/overlay`, body: Buffer.from('not a tar') })), { method: 'POST', path: `/v1/images/web/overlay?${query({ layer: v })}`, body: Buffer.from('not a tar') }]],
];

const servers: Traced[] = [];
let requests = 0;

async function start(name: string, extra: string[], token: string): Promise<Traced> {
  const log = join(tempDir(`strace-${name}`), 'trace.log');
  const child = spawn('strace', ['-f', '-qq', '-s', '8192', '-e', 'trace=%file', '-o', log, process.execPath, CLI, 'serve', '--port', '0', '--store', store, ...extra], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /at http:\/\/127\.0\.0\.1:(\d+)\/\n/.exec(out); if (m) resolve(Number(m[1])); });
    child.on('close', () => reject(new Error(`strace bazaar serve exited: ${out}`)));
  });
  return { name, port, log, offset: 0, child, token, admin };
}

/** The node process strace runs (the first pid of the trace): stopping it stops strace. */
function stop(s: Traced): Promise<void> {
  const pid = Number(/^(\d+) /.exec(readFileSync(s.log, 'latin1'))?.[1]);
  const closed = new Promise<void>((resolve) => s.child.on('close', () => resolve()));
  process.kill(pid, 'SIGTERM');
  return closed;
}

/**
 * The paths the server named in syscalls since the last check, up to a sentinel request
 * whose path (a repodata file name, looked up under the store's cache) marks the end.
 */
async function namedPaths(s: Traced): Promise<string[]> {
  const mark = `sentinel-${s.name}-${s.offset}-${Date.now()}.xml`;
  await rawHttp(s.port, 'GET', `/repo/sample/repodata/${mark}`, { headers: [['Authorization', `Bearer ${s.token}`]] });
  let text = '';
  for (let i = 0; i < 200 && !text.includes(mark); i++) {
    await new Promise((r) => setTimeout(r, 25));
    text = readFileSync(s.log).subarray(s.offset).toString('latin1');
  }
  assert.ok(text.includes(mark), `the sentinel ${mark} reached the trace`);
  const end = text.indexOf('\n', text.indexOf(mark));
  const segment = text.slice(0, end);
  s.offset += Buffer.byteLength(segment, 'latin1') + 1;
  const paths: string[] = [];
  for (const line of segment.split('\n')) {
    const args = line.replace(/\) += .*$/, '');
    for (const m of args.matchAll(/"((?:[^"\\]|\\.)*)"/g)) paths.push(m[1] as string);
  }
  return paths.filter((p) => !p.includes(mark));
}

const allowed = [realpathSync(store), realpathSync(projectRoot), realpathSync(join(projectRoot, 'node_modules'))];
/**
 * Inside the store; the server's code (a module loaded on first use); time zone data; a
 * lock owner's start time (`/proc/<pid>/stat`, process-id.ts); glibc's malloc asking
 * whether it may give memory back (`/proc/sys/vm/overcommit_memory`, read by
 * check_may_shrink_heap whenever a heap shrinks: a large download's buffers freed). Nothing else.
 */
function outside(path: string): boolean {
  if (path === '') return false;
  if (allowed.some((root) => path === root || path.startsWith(`${root}/`))) return false;
  return !(path === '/etc/localtime' || path.startsWith('/usr/share/zoneinfo/') || /^\/proc\/\d+\/stat$/.test(path) || path === '/proc/sys/vm/overcommit_memory');
}

/** Whether the server sees another path than the one sent: dot segments (`.`, `%2e%2e`) are resolved by URL parsing first. */
const normalised = (path: string): boolean => new URL(path, 'http://h').pathname !== path.split('?')[0];

const STACK = /\n\s+at |Error: |ERR_INTERNAL/;

async function tryRoute(route: string, probes: (v: string) => Probe[]): Promise<void> {
  for (const s of servers) {
    const before = storeSnapshot(store);
    const wrong: string[] = [];
    let sent = 0;
    for (const v of HOSTILE) {
      for (const p of probes(v)) {
        const write = p.method !== 'GET';
        const body = p.json === undefined ? p.body : Buffer.from(JSON.stringify(p.json));
        const res = await rawHttp(s.port, p.method, p.path, { headers: [['Authorization', `Bearer ${write ? s.admin : s.token}`], ...(p.json === undefined ? [] : [['Content-Type', 'application/json'] as [string, string]])], ...(body ? { body } : {}) });
        const text = res.body.toString('utf8');
        // A path whose dot segments URL parsing resolves is a request for another route (`/v1/channels/..` is `/v1/`): any answer but a 5xx.
        const fine = normalised(p.path) ? res.status > 0 && res.status < 500 : (res.status >= 400 && res.status < 500) || p.ok?.(res.status, text);
        if (!fine || STACK.test(text)) wrong.push(`${p.method} ${p.path.slice(0, 160)} ${p.json === undefined ? '' : JSON.stringify(p.json).slice(0, 120)}: ${res.status} ${text.slice(0, 200)}`);
        sent++;
      }
    }
    requests += sent;
    // The trace is read whatever the answers were, so a failure here does not spill into the next route's check.
    const bad = [...new Set((await namedPaths(s)).filter(outside))];
    assert.ok(sent >= HOSTILE.length, `${route}: ${sent} requests`);
    assert.equal(wrong, [], `${s.name}, ${route}: every answer a 4xx without a trace`);
    assert.equal(bad, [], `${s.name}, ${route}: the server named paths outside the store`);
    assert.equal(storeSnapshot(store), before, `${s.name}, ${route}: the store is unchanged`);
  }
}

if (hasTool('strace')) {
  t.before(async () => {
    servers.push(await start('default', [], reader), await start('private', ['--private'], reader));
    // Every route once with good input first: the modules they load are loaded before the checks.
    for (const s of servers) {
      for (const path of ['/repo/sample/repodata/repomd.xml', '/v1/channels/sample/diff', '/v1/packages?glob=s*', '/v1/packages/sed', '/v1/packages/sed/versions', '/v1/images/web/history',
        '/v1/images/web/children', '/v1/layers/base/1.0.0', '/ui/packages/sed/sed', '/ui/images/web', '/ui/channels/sample', '/v1/images/web/versions/1.0.0/archive.tar.zst']) {
        const res = await rawHttp(s.port, 'GET', path, { headers: [['Authorization', `Bearer ${s.token}`]] });
        assert.is(res.status, 200, `${s.name}: ${path}: ${res.body.toString().slice(0, 200)}`);
      }
      // writes: the transaction and the lock are loaded at a store's first write (store.ts)
      for (const op of ['add', 'remove']) {
        await rawHttp(s.port, 'POST', `/v1/channels/sample/${op}`, { headers: [['Authorization', `Bearer ${s.admin}`], ['Content-Type', 'application/json']], body: Buffer.from('{"packages": ["nosuch"]}') });
      }
      await namedPaths(s);
    }
  });
  t.after(async () => {
    for (const s of servers) await stop(s);
    console.log(`hostile references: ${requests} requests over ${ROUTES.length} routes taking references and 6 taking none, ${HOSTILE.length} values, 2 modes`);
  });
}

for (const [route, probes] of ROUTES) testWith(t, route, ['strace'], () => tryRoute(route, probes));

testWith(t, 'the routes that take no reference (/, /repo/, lists, /ui/): a hostile query string is ignored (/, /repo/, /ui/) or refused as unknown (/v1/), and names no path outside the store', ['strace'], async () => {
  for (const s of servers) {
    for (const route of ['/', '/repo/', '/v1/channels', '/v1/images', '/v1/layers', '/ui/']) {
      for (const v of HOSTILE) {
        const res = await rawHttp(s.port, 'GET', `${route}?${query({ name: v, ref: v, channel: v, file: v })}`, { headers: [['Authorization', `Bearer ${s.token}`]] });
        assert.is(res.status, route.startsWith('/v1/') ? 400 : 200, `${s.name}: ${route} ?${v.slice(0, 60)}`);
        requests++;
      }
    }
    assert.equal([...new Set((await namedPaths(s)).filter(outside))], [], `${s.name}: the server named paths outside the store`);
  }
});

testWith(t, 'under --private, no token: every route is a 401 before anything is looked up', ['strace'], async () => {
  const s = servers.find((x) => x.name === 'private') as Traced;
  for (const [, probes] of ROUTES) {
    for (const p of probes(HOSTILE[0] as string).filter((x) => x.method === 'GET')) {
      assert.is((await rawHttp(s.port, 'GET', p.path)).status, 401, p.path);
      requests++;
    }
  }
  assert.equal([...new Set((await namedPaths(s)).filter(outside))], []);
});

t.run();
