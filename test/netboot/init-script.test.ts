/**
 * bazaar's /init (src/boot/init.sh) off the VM: its pieces that read boot.json, the kernel
 * command line and the cache, run in the host's sh (and busybox sh where installed) with
 * BAZAAR_INIT_FUNCTIONS=1 so only its functions are defined; `die` is replaced so nothing
 * here can power anything off. The boots themselves are test/netboot/*boot*.test.ts. The
 * VA probe is only syntax-checked: run on a host it would power the host off.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/cli.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('netboot /init script');
const INIT = join(projectRoot, 'src/boot/init.sh');
const PROBE = join(projectRoot, 'test/netboot/va-probe-init.sh');
/** busybox on PATH, or BAZAAR_BUSYBOX (e.g. the static one of the Debian fixture): /init's own shell and applets. */
const BUSYBOX = process.env.BAZAAR_BUSYBOX ?? 'busybox';
const SHELLS: Array<{ name: string; argv: string[]; needs: string[] }> = [
  { name: 'sh', argv: ['sh'], needs: ['sh'] },
  { name: 'busybox sh', argv: [BUSYBOX, 'sh'], needs: [BUSYBOX] },
];

/** `body` run after init.sh's functions are defined, with a `die` that only prints and exits 3. */
function script(body: string): string {
  return `. '${INIT}'\ndie() { echo "bazaar-init: error: $*"; exit 3; }\n${body}`;
}
const env = { ...process.env, BAZAAR_INIT_FUNCTIONS: '1' };

function run(shell: string[], body: string): { status: number | null; stdout: string } {
  const r = spawnSync(shell[0] as string, [...shell.slice(1), '-c', script(body)], { env, encoding: 'utf8', timeout: 30_000 });
  assert.is(r.stderr, '', `stderr of:\n${body}`);
  return { status: r.status, stdout: r.stdout };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A boot.json as the contract writes it: JSON.stringify(x, null, 2). */
function bootJson(layers: string[]): string {
  return JSON.stringify({
    kernel: 'vmlinuz', initrd: 'initrd.img', cmdline: 'console=ttyS0 panic=10', layers,
    sha256: Object.fromEntries(['vmlinuz', 'initrd.img', ...layers].map((p) => [p, sha(p)])),
    image: { name: 'va1', version: '1.0.1', id: 'c0ffee' },
  }, null, 2);
}

for (const shell of SHELLS) {
  testWith(t, `${shell.name} parses init.sh and the VA probe`, shell.needs, () => {
    for (const file of [INIT, PROBE]) {
      const r = spawnSync(shell.argv[0] as string, [...shell.argv.slice(1), '-n', file], { encoding: 'utf8' });
      assert.is(r.status, 0, `${file}: ${r.stderr}`);
    }
    assert.is(readFileSync(INIT, 'utf8').split('\n')[0], '#!/bin/busybox sh', 'the kernel runs /init by its #! line');
  });

  testWith(t, `${shell.name}: the layers of a boot.json, in its order, each with its own sha256`, shell.needs, () => {
    const layers = ['layers/00-base@1.0.0.squashfs', 'layers/01-va1-rw@1.0.1+build.2.squashfs', 'layers/02-base@1.0.0.squashfs.old'];
    const file = join(tempDir('init-json'), 'boot.json');
    writeFileSync(file, bootJson(layers));
    assert.equal(run(shell.argv, `layer_paths '${file}'`).stdout.split('\n').filter(Boolean), layers);
    for (const l of layers) assert.is(run(shell.argv, `layer_sha '${file}' '${l}'`).stdout, `${sha(l)}\n`, l);
    assert.is(run(shell.argv, `layer_sha '${file}' 'layers/00-base@1.0.0'`).stdout, '', 'a prefix of a listed path has no digest');
  });

  testWith(t, `${shell.name}: a layer entry /init cannot read is "?", never left out; an empty list is empty`, shell.needs, () => {
    const dir = tempDir('init-json');
    const odd = join(dir, 'odd.json');
    writeFileSync(odd, bootJson(['layers/00-base@1.squashfs', 'layers/01 two words.squashfs', 'layers/02-"q".squashfs', '../03-up.squashfs']));
    assert.equal(run(shell.argv, `layer_paths '${odd}'`).stdout.split('\n').filter(Boolean), ['layers/00-base@1.squashfs', '?', '?', '?']);
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, bootJson([]));
    assert.is(run(shell.argv, `layer_paths '${empty}'`).stdout, '');
    const compact = join(dir, 'compact.json');
    writeFileSync(compact, JSON.stringify(JSON.parse(bootJson(['layers/00-base@1.squashfs']))));
    assert.is(run(shell.argv, `layer_paths '${compact}'`).stdout, '', 'one-line JSON is not the contract\'s form: no layers, so /init stops');
  });

  testWith(t, `${shell.name}: the kernel command line sets bazaar.url, bazaar.cache, bazaar.timeout and init=`, shell.needs, () => {
    const show = 'echo "$url|$cache|$timeout|$init"';
    assert.is(run(shell.argv, `read_cmdline 'console=ttyS0 panic=10'; ${show}`).stdout, '||20|/sbin/init\n', 'the defaults');
    assert.is(run(shell.argv, `read_cmdline 'console=ttyS0 bazaar.url=http://10.0.2.100/boot/va1/latest/ bazaar.cache=vdc bazaar.timeout=7 init=/bin/va quiet *'; ${show}`).stdout,
      'http://10.0.2.100/boot/va1/latest/|/dev/vdc|7|/bin/va\n');
    assert.is(run(shell.argv, `read_cmdline 'bazaar.cache=/dev/disk/by-id/x'; ${show}`).stdout, '|/dev/disk/by-id/x|20|/sbin/init\n');
    for (const bad of ['x', '0', '-1', '']) {
      const r = run(shell.argv, `read_cmdline 'bazaar.timeout=${bad}'; echo went on`);
      assert.is(r.status, 3, `bazaar.timeout=${bad}`);
      assert.match(r.stdout, /^bazaar-init: error: bazaar\.timeout=.*: give whole seconds.*\n$/);
    }
  });

  testWith(t, `${shell.name}: only a blank disk is taken for one /init may format`, shell.needs, () => {
    const dir = tempDir('init-blank');
    const blank = join(dir, 'blank.img'), used = join(dir, 'used.img');
    writeFileSync(blank, Buffer.alloc(1 << 20));
    const b = Buffer.alloc(1 << 20);
    b.write('_BHRfS_M', 65600); // where btrfs keeps its magic
    writeFileSync(used, b);
    assert.is(run(shell.argv, `blank '${blank}' && echo blank`).stdout, 'blank\n');
    assert.is(run(shell.argv, `blank '${used}' || echo used`).stdout, 'used\n');
  });

  testWith(t, `${shell.name}: the cache keeps the last boot.json and its layers only; sha_ok checks a layer`, shell.needs, () => {
    const dir = tempDir('init-cache');
    const layers = ['layers/00-base@1.squashfs', 'layers/01-top@2.squashfs'];
    const json = join(dir, 'new.json');
    writeFileSync(json, bootJson(layers));
    const cache = join(dir, 'cache');
    spawnSync('mkdir', [cache]);
    const keep = layers.map((l) => `${sha(l)}.squashfs`);
    const stale = `${sha('layers/01-top@1.squashfs')}.squashfs`;
    for (const f of [...keep, stale, `${sha('x')}.squashfs.part`]) writeFileSync(join(cache, f), f);
    writeFileSync(join(cache, 'boot.json'), 'the old one');
    const r = run(shell.argv, `cachedir='${cache}' json='${json}'; keep_in_cache; echo done`);
    assert.is(r.stdout, 'done\n');
    assert.equal(readdirSync(cache).sort(), ['boot.json', ...keep].sort());
    assert.is(readFileSync(join(cache, 'boot.json'), 'utf8'), readFileSync(json, 'utf8'));
    const f = join(cache, keep[0] as string);
    assert.is(run(shell.argv, `sha_ok '${f}' ${sha(keep[0] as string)} && echo ok`).stdout, 'ok\n');
    assert.is(run(shell.argv, `sha_ok '${f}' ${sha('other')} || echo bad`).stdout, 'bad\n');
    assert.is(run(shell.argv, `sha_ok '${f}.absent' ${sha(keep[0] as string)} || echo bad`).stdout, 'bad\n');
  });
}

t('every error /init can print is listed in docs/netboot.md', () => {
  const doc = readFileSync(join(projectRoot, 'docs/netboot.md'), 'utf8');
  const listed = doc.slice(doc.indexOf('### When it stops'), doc.indexOf('### Booting a boot set by hand'));
  const messages = [...readFileSync(INIT, 'utf8').matchAll(/\bdie "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] as string).replaceAll('\\"', '"'));
  assert.ok(messages.length >= 15, `${messages.length} die calls found`);
  for (const message of messages) {
    // the fixed text between the shell's substitutions must be in the list as written
    for (const piece of message.split(/\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\$\d/).filter((p) => p.length >= 4)) {
      assert.ok(listed.includes(piece), `docs/netboot.md does not list: bazaar-init: error: ${message}  (missing "${piece}")`);
    }
  }
});

/** A server whose /stall sends half a body and then nothing; /whole sends it all. */
async function stallingServer(body: Buffer): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': String(body.length) });
    if (req.url === '/whole') res.end(body);
    else res.write(body.subarray(0, body.length / 2)); // and never more
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

function runAsync(body: string): Promise<{ status: number | null; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script(body)], { env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.on('close', (status) => resolve({ status, stdout, ms: Date.now() - started }));
  });
}

// GNU wget stands in for busybox's here: the stall guard around it is what is tried
testWith(t, 'fetch gives up once no byte has come for bazaar.timeout seconds, and fetches a whole file', ['sh', 'wget', 'stat'], async () => {
  const body = Buffer.alloc(256 << 10, 7);
  const server = await stallingServer(body);
  try {
    const dir = tempDir('init-fetch');
    const whole = await runAsync(`timeout=2; fetch '${server.url}/whole' '${dir}/whole' && echo fetched`);
    assert.is(whole.stdout, 'fetched\n');
    assert.ok(readFileSync(join(dir, 'whole')).equals(body));
    const stalled = await runAsync(`timeout=2; fetch '${server.url}/stall' '${dir}/stall' || echo gave up`);
    assert.is(stalled.stdout, 'gave up\n');
    assert.ok(stalled.ms >= 2000 && stalled.ms < 10_000, `gave up after ${stalled.ms} ms`);
    assert.ok(existsSync(join(dir, 'stall')), 'the part fetched is left for the caller to remove');
  } finally {
    server.close();
  }
});

t.run();
