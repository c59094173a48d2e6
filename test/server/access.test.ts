/**
 * Who reads what, and what the server believes: `/repo/` never builds a URL from the
 * client's Host header (`--public-url`, else paths from the root); under private reads
 * a `publish:<channel>` token reads that channel and nothing else; token names are
 * unique, so `token revoke NAME` removes one token; a malformed tokens.json is a clear
 * refusal (503, one line, no path, no trace), never a 500 or a half-read file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI } from '../helpers/cli.js';
import { appFor, binaryRpms, cli, nevraOf, sampleStore } from '../helpers/server.js';

const t = suite('server: access');

const base = binaryRpms().filter((f) => /\/(bash|filesystem|setup|sed|grep)-/.test(f));
const sed = binaryRpms().find((f) => f.includes('/sed-')) as string;
const grep = binaryRpms().find((f) => f.includes('/grep-')) as string;

/** A CLI run that must fail with `status` and one line on stderr, no stack trace. */
function cliFails(args: string[], store: string, status: number, match: string | RegExp): void {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', store], { encoding: 'utf8', timeout: 20_000 });
  assert.is(r.status, status, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.match(r.stderr, match);
}

t('GET /repo/: baseurls are paths from the root, or under --public-url; never from the Host header', async () => {
  const store = sampleStore(base, 'server-baseurl');
  const hostile = { headers: { Host: 'evil.example:666', 'X-Forwarded-Host': 'evil.example' } };
  const plain = await (await (await appFor(store)).app.request('http://evil.example:666/repo/', hostile)).json();
  assert.equal(plain, { repositories: [{ channel: 'sample', baseurl: '/repo/sample/' }] });
  const { app } = await appFor(store, { publicUrl: 'https://pkgs.example.org/mirror' });
  const pub = await (await app.request('http://evil.example:666/repo/', hostile)).json();
  assert.equal(pub, { repositories: [{ channel: 'sample', baseurl: 'https://pkgs.example.org/mirror/repo/sample/' }] });

  // bazaar serve --public-url, as a user runs it; a URL that cannot be one is refused
  cliFails(['serve', '--port', '0', '--public-url', 'ftp://x/'], store, 2, '--public-url is the http(s) URL');
  cliFails(['serve', '--port', '0', '--public-url', 'https://u:p@x/'], store, 2, '--public-url is the http(s) URL');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store, '--public-url', 'https://pkgs.example.org/'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); }));
    const live = await (await fetch(`${url}repo/`, { headers: { Host: 'evil.example' } })).json();
    assert.equal(live, { repositories: [{ channel: 'sample', baseurl: 'https://pkgs.example.org/repo/sample/' }] });
  } finally {
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  }
});

t('private reads: publish:C reads channel C (its repository and /v1/channels/C) and nothing else; publish:* every channel; read everything', async () => {
  const store = sampleStore(base, 'server-scoped');
  cli(['channel', 'create', 'other'], store);
  cli(['channel', 'add', 'other', nevraOf(grep)], store);
  const token = (scope: string): string => cli(['token', 'create', '--scope', scope], store).trim();
  const who = { sample: token('publish:sample'), any: token('publish:*'), read: token('read'), admin: token('admin'), none: '' };
  const { app } = await appFor(store, { privateReads: true });
  const rpmId = (JSON.parse(cli(['show', '--json', nevraOf(sed)], store)) as { rpm: string }).rpm;
  const sampleRoutes = ['/repo/sample/repodata/repomd.xml', `/repo/sample/Packages/${nevraOf(sed)}.rpm`, '/repo/sampl%65/repodata/repomd.xml',
    '/v1/channels/sample', '/v1/channels/sample/log', '/v1/channels/sample/diff?from=HEAD~1'];
  const otherRoutes = ['/repo/other/repodata/repomd.xml', '/v1/channels/other', '/v1/channels/other/log', '/repo/sample%2F..%2Fother/repodata/repomd.xml'];
  const storeRoutes = ['/', '/repo/', '/v1/channels', '/v1/packages', '/v1/packages/sed', `/v1/objects/${rpmId}`, '/v1/images', '/v1/layers', '/ui/', '/ui/channels/sample'];
  const want: Record<keyof typeof who, [number, number, number]> = {
    sample: [200, 403, 403], any: [200, 200, 403], read: [200, 200, 200], admin: [200, 200, 200], none: [401, 401, 401],
  };
  for (const [name, secret] of Object.entries(who) as Array<[keyof typeof who, string]>) {
    for (const [i, routes] of [sampleRoutes, otherRoutes, storeRoutes].entries()) {
      for (const route of routes) {
        const res = await app.request(route, { headers: secret ? { Authorization: `Bearer ${secret}` } : {} });
        // /repo/sample%2F..%2Fother is no channel at all: a 400 to whoever may read it
        const expected = route.includes('%2F') && want[name][i] === 200 ? 400 : want[name][i];
        assert.is(res.status, expected, `${name} GET ${route}: ${await res.clone().text()}`);
        if (res.status === 403) assert.match(await res.text(), name === 'sample' && route.startsWith('/v1/channels/other') ? /lacks scope read or publish:other"/ : /lacks scope read/);
      }
    }
  }
  // reading stays open without --private
  const open = await appFor(store);
  assert.is((await open.app.request('/v1/channels/other')).status, 200);
});

t('token names are unique: a second "ci" is refused, and revoke NAME never removes two tokens', () => {
  const store = sampleStore(base, 'server-token-names');
  cli(['token', 'create', '--scope', 'read', '--name', 'ci'], store);
  const before = readFileSync(join(store, 'tokens.json'), 'utf8');
  cliFails(['token', 'create', '--scope', 'admin', '--name', 'ci'], store, 2, /a token named ci exists \([0-9a-f]{8}\)/);
  assert.is(readFileSync(join(store, 'tokens.json'), 'utf8'), before, 'tokens.json unchanged');
  const [first] = JSON.parse(cli(['token', 'ls', '--json'], store)) as Array<{ id: string }>;
  cliFails(['token', 'create', '--scope', 'read', '--name', first.id], store, 2, `a token named ${first.id} exists`);
  cliFails(['token', 'create', '--scope', 'read', '--name', 'two\nlines'], store, 2, 'one line');
  cli(['token', 'create', '--scope', 'read'], store);
  cli(['token', 'create', '--scope', 'read'], store);
  assert.is((JSON.parse(cli(['token', 'ls', '--json'], store)) as unknown[]).length, 3, 'unnamed tokens may be many');

  // A file written before names were unique: revoke by the name is refused, by id works.
  const file = JSON.parse(readFileSync(join(store, 'tokens.json'), 'utf8')) as { tokens: Array<{ id: string; name: string }> };
  file.tokens[1].name = 'ci';
  writeFileSync(join(store, 'tokens.json'), JSON.stringify(file));
  cliFails(['token', 'revoke', 'ci'], store, 2, new RegExp(`2 tokens are named ci \\(${file.tokens[0].id}, ${file.tokens[1].id}\\); revoke each by its id`));
  assert.is((JSON.parse(cli(['token', 'ls', '--json'], store)) as unknown[]).length, 3, 'nothing revoked');
  assert.match(cli(['token', 'revoke', file.tokens[1].id], store), `revoked ${file.tokens[1].id} (ci)`);
  assert.match(cli(['token', 'revoke', 'ci'], store), `revoked ${file.tokens[0].id} (ci)`);
});

t('a malformed tokens.json: every token refused with a 503 and one line (no trace, no path); token ls names the entry', async () => {
  const store = sampleStore(base, 'server-token-file');
  const good = cli(['token', 'create', '--scope', 'admin', '--name', 'ok'], store).trim();
  const record = (JSON.parse(readFileSync(join(store, 'tokens.json'), 'utf8')) as { tokens: Array<Record<string, unknown>> }).tokens[0] as Record<string, unknown>;
  const { sha256: _drop, ...noHash } = record;
  const cases: Array<[string, string, RegExp]> = [
    ['an entry without sha256', JSON.stringify({ tokens: [noHash] }), /token 1 has no sha256/],
    ['a sha256 that is a number', JSON.stringify({ tokens: [{ ...record, sha256: 7 }] }), /token 1 has no sha256/],
    ['a second entry that is null', JSON.stringify({ tokens: [record, null] }), /token 2 is not an object/],
    ['scopes that are not a list', JSON.stringify({ tokens: [{ ...record, scopes: 'admin' }] }), /token 1 has no list of scopes/],
    ['no token list', JSON.stringify({ tokens: {} }), /has no token list/],
    ['null', 'null', /has no token list/],
    ['not JSON', '{"tokens": [', /is not JSON/],
  ];
  for (const [what, text, why] of cases) {
    writeFileSync(join(store, 'tokens.json'), text);
    const { app, log } = await appFor(store, { privateReads: true });
    for (const [method, route] of [['GET', '/v1/channels'], ['POST', '/v1/packages?channel=sample'], ['DELETE', '/v1/channels/sample']]) {
      const res = await app.request(route as string, { method, headers: { Authorization: `Bearer ${good}` }, ...(method === 'POST' ? { body: readFileSync(sed) } : {}) });
      const body = await res.text();
      assert.is(res.status, 503, `${what}: ${method} ${route}: ${body}`);
      assert.equal(Object.keys(JSON.parse(body)), ['error'], body);
      assert.match(body, "the server's token file is damaged");
      assert.not.match(body, store, 'the store path is not told to clients');
      assert.not.match(body, /\n|\bat /, 'one line, no trace');
    }
    assert.is(log.length, 1, `${what}: logged once, not per request: ${log.join('\n')}`);
    assert.match(log[0] as string, why);
    cliFails(['token', 'ls'], store, 1, why);
    cliFails(['token', 'create', '--scope', 'read'], store, 1, why);
    assert.is(readFileSync(join(store, 'tokens.json'), 'utf8'), text, `${what}: the file is left for its owner to fix`);
  }
  // reads stay open without --private: no token is needed, so the file is not read
  const { app } = await appFor(store);
  assert.is((await app.request('/v1/channels/sample')).status, 200);
});

t.run();
