/**
 * `bazaar serve` as a user runs it, on a real socket: --port 0 prints the URL it chose;
 * the CLI adds and publishes into the same store while the server runs, and the next
 * request sees it; `bazaar push` uploads with $BAZAAR_TOKEN; one log line per request,
 * never a token; SIGTERM stops it cleanly (exit 0).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { binaryRpms, cli, nevraOf, runAsync, sampleStore } from '../helpers/server.js';

const t = suite('server: bazaar serve');

const base = binaryRpms().filter((f) => /\/(bash|filesystem|setup)-/.test(f));
const sed = binaryRpms().find((f) => f.includes('/sed-')) as string;
const grep = binaryRpms().find((f) => f.includes('/grep-')) as string;

t('serve --port 0: CLI writes while it serves are seen by the next request; push; request log; SIGTERM', async () => {
  const store = sampleStore(base, 'server-serve');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      const m = /at (http:\/\/127\.0\.0\.1:(\d+)\/)\n/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.on('close', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  try {
    assert.match(stdout, `bazaar serving ${store} at ${url}`);
    assert.not.match(url, ':0/', 'a real port was chosen');
    const names = async (): Promise<string[]> => ((await (await fetch(`${url}v1/channels/sample`)).json()) as { packages: Array<{ nevra: string }> }).packages.map((p) => p.nevra);
    assert.not.ok((await names()).some((n) => n.startsWith('sed-')));
    const repomd1 = await (await fetch(`${url}repo/sample/repodata/repomd.xml`)).text();

    // the CLI writes to the same store while the server holds its readers open
    const add = await runAsync(process.execPath, [CLI, 'add', sed, '--channel', 'sample', '--store', store]);
    assert.is(add.status, 0, add.stderr);
    assert.ok((await names()).includes('sed-1:4.9-alt1.x86_64'), 'the next request sees the package');
    const repomd2 = await (await fetch(`${url}repo/sample/repodata/repomd.xml`)).text();
    assert.is.not(repomd2, repomd1, 'the repository was regenerated');
    const rpm = await fetch(`${url}repo/sample/Packages/${nevraOf(sed)}.rpm`);
    assert.ok(Buffer.from(await rpm.arrayBuffer()).equals(readFileSync(sed)));

    // bazaar push with a token from the environment; without it, refused with the server's reason
    const token = cli(['token', 'create', '--scope', 'publish:sample', '--name', 'ci'], store).trim();
    const refused = await runAsync(process.execPath, [CLI, 'push', url, grep, '--channel', 'sample'], { env: { ...process.env, BAZAAR_TOKEN: '' } });
    assert.is(refused.status, 2);
    assert.match(refused.stderr, /needs a bearer token .*\(HTTP 401\)/);
    const pushed = await runAsync(process.execPath, [CLI, 'push', url, grep, '--channel', 'sample'], { env: { ...process.env, BAZAAR_TOKEN: token } });
    assert.is(pushed.status, 0, pushed.stderr);
    assert.match(pushed.stdout, /^grep-3\.11-alt1\.1\.x86_64\tsha256:[0-9a-f]{64}$/m);
    assert.ok((await names()).includes('grep-3.11-alt1.1.x86_64'));
    const bad = await runAsync(process.execPath, [CLI, 'push', url, `${store}/bazaar-store.json`, '--channel', 'sample'], { env: { ...process.env, BAZAAR_TOKEN: token } });
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /bazaar-store\.json: .*\(HTTP 400\)/);

    child.kill('SIGTERM');
    assert.is(await exited, 0, stderr);
    assert.match(stderr, 'SIGTERM: finishing the requests in flight, then stopping');
    const leases = existsSync(join(store, 'readers')) ? readdirSync(join(store, 'readers')) : [];
    assert.not.ok(leases.some((l) => l.startsWith(`${child.pid}-`)), `the server dropped its reader lease: ${leases.join(' ')}`);
    const lines = stderr.split('\n').filter((l) => /^(GET|POST|HEAD) /.test(l));
    assert.ok(lines.some((l) => /^GET \/v1\/channels\/sample 200 \d+ \d+\.\dms$/.test(l)), stderr);
    assert.ok(lines.some((l) => /^POST \/v1\/packages 201 \d+ \d+\.\dms$/.test(l)), 'the query string is not logged');
    assert.ok(lines.some((l) => /^POST \/v1\/packages 401 /.test(l)));
    const rpmLine = lines.find((l) => l.startsWith(`GET /repo/sample/Packages/${nevraOf(sed)}.rpm 200 `));
    assert.is(rpmLine?.split(' ')[3], String(readFileSync(sed).length), 'the body bytes are counted');
    assert.not.match(stderr, token.slice(4), 'no token in the log');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

t('bazaar demo --serve seeds a store from repos/sample, publishes channel sample and serves it', async () => {
  const store = join(tempDir('demo-serve'), 'store');
  const child = spawn(process.execPath, [CLI, 'demo', '--serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); }));
    assert.match(out, /package builds of \d+ names from repos\/sample/, 'the summary comes first');
    const channel = await (await fetch(`${url}v1/channels/sample`)).json() as { packages: unknown[] };
    assert.is(channel.packages.length, sampleRpms().length, 'every sample package is in channel sample');
    assert.is((await fetch(`${url}repo/sample/repodata/repomd.xml`)).status, 200);
  } finally {
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  }
});

t('serve refuses a bad port and a store that is not one, with one line and exit 2', async () => {
  const port = await runAsync(process.execPath, [CLI, 'serve', '--port', 'http', '--store', '/nonexistent']);
  assert.is(port.status, 2);
  assert.match(port.stderr, /--port is a number/);
  const none = await runAsync(process.execPath, [CLI, 'serve', '--port', '0', '--store', '/nonexistent']);
  assert.is(none.status, 2);
  assert.match(none.stderr, /is not a bazaar store/);
});

t('the store\'s config.json {"server": {"privateReads": true}} makes reads need a token', async () => {
  const store = sampleStore(base, 'server-config');
  writeFileSync(join(store, 'config.json'), JSON.stringify({ server: { privateReads: true } }));
  const reader = cli(['token', 'create', '--scope', 'read'], store).trim();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); }));
    assert.is((await fetch(`${url}v1/channels`)).status, 401);
    assert.is((await fetch(`${url}repo/sample/repodata/repomd.xml`)).status, 401);
    assert.is((await fetch(`${url}v1/channels`, { headers: { Authorization: `Bearer ${reader}` } })).status, 200);
  } finally {
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  }
});

t.run();
