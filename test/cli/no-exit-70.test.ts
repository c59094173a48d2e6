/**
 * Issue 16, item 6: inputs that were exit 70 (an internal error and its stack trace) are
 * one line, exit 1 or 2, and leave the store as it was. A symlink loop or a NUL byte in a
 * reference; `image export` or `pull` into a missing directory, into /proc or below a file; `serve`
 * on an address that is none; the store's scratch directories (tmp/, readers/, cache/)
 * replaced by a file and its lock by a directory or a FIFO; output to a full device or to
 * a reader that went away.
 * (Damaged payloads: test/rpm/payload-damage.test.ts; a 40 KB glob: test/policy/glob.test.ts;
 * a full disk: test/store/full-disk.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { misbehaviour, runInProcess } from '../helpers/in-process.js';
import type { InProcessRun } from '../helpers/in-process.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { appFor, listening } from '../helpers/server.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';
import { hasTool } from '../helpers/tools.js';

const t = suite('no exit 70');
const file = (nevra: string): string => sampleRpms().find((f) => f.endsWith(`/${nevra}.rpm`)) as string;

/** A run that must fail with `status` in one line matching `message`. */
function refused(r: InProcessRun, status: number, message: RegExp | string, what: string): void {
  assert.is(misbehaviour(r), null, what);
  assert.is(r.status, status, `${what}: ${r.stderr}`);
  assert.is(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
  assert.match(r.stderr, message, what);
}

let base = '';
/** Two packages, an image q on a layer: built once, copied where a case changes the store. */
async function baseStore(): Promise<string> {
  if (base) return base;
  base = join(tempDir('no70'), 'store');
  for (const args of [['init'], ['add', file('etcskel-5.0-alt1.noarch'), file('setup-2.2.9-alt1.noarch')], ['layer', 'create', 'q@1.0.0', '--nodeps', '--package', 'etcskel'], ['image', 'create', 'q@1.0.0', '--nodeps', '--layer', 'q@1']]) {
    const r = await runInProcess([...args, '--store', base]);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  return base;
}

function copy(from: string): string {
  const dir = join(tempDir('no70-copy'), 'store');
  cpSync(from, dir, { recursive: true });
  return dir;
}

t('a reference that is a symlink loop: one line, exit 2', async () => {
  const store = await baseStore();
  const dir = tempDir('loop');
  symlinkSync('LOOP', join(dir, 'LOOP'));
  symlinkSync('LOOP.rpm', join(dir, 'LOOP.rpm'));
  for (const ref of [join(dir, 'LOOP'), join(dir, 'LOOP.rpm'), `${join(dir, 'LOOP')}/x.rpm`]) {
    for (const args of [['show', ref], ['versions', ref], ['pin', ref], ['rm', ref], ['add', ref]]) {
      refused(await runInProcess([...args, '--store', store]), 2, /ELOOP|too many symbolic links|cannot read it|no package|no build|is not a package reference/, `${args.join(' ')}`);
    }
  }
  const child = spawnSync(process.execPath, [CLI, 'show', join(dir, 'LOOP.rpm'), '--store', store], { encoding: 'utf8' });
  assert.is(child.status, 2, child.stderr);
  assert.is(child.stderr, `bazaar show: ${join(dir, 'LOOP.rpm')}: cannot read it as an .rpm file (ELOOP)\n`);
});

t('a NUL byte in any argument (possible in-process only: execve cannot pass one): one line, exit 2', async () => {
  const store = await baseStore();
  const before = storeSnapshot(store);
  for (const args of [['channel', 'publish', 'c', '--from', 'a\0b'], ['show', 'a/\0b'], ['add', 'a\0b.rpm'], ['image', 'export', 'q', '/tmp/a\0b'], ['ls', 'a\0*']]) {
    refused(await runInProcess([...args, '--store', store]), 2, 'holds a NUL byte', args.join(' '));
  }
  refused(await runInProcess(['ls', '--store', `${store}\0x`]), 2, 'holds a NUL byte', 'a NUL in --store');
  assert.equal(storeSnapshot(store), before);
});

t('GET /v1/packages/a%2F%00b and other NUL references over HTTP: 4xx with one line, never 500', async () => {
  const { app } = await appFor(await baseStore());
  for (const path of ['/v1/packages/a%2F%00b', '/v1/packages/%00', '/v1/packages/x%00.rpm', '/v1/packages/a%2F%00b/files', '/v1/channels/a%00b', '/v1/images/a%00b', '/v1/layers/a%00b']) {
    const res = await app.request(path);
    assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status} ${await res.clone().text()}`);
    const body = await res.json() as { error: { message: string } };
    assert.not.match(body.error.message, '\n', path);
  }
});

t('image export into a missing directory, /proc, a directory or below a file: one line, exit 2, nothing left', async () => {
  const store = await baseStore();
  const formats = ['dir', 'tar.zst', 'overlay', ...(hasTool('mksquashfs') ? ['squashfs'] : [])];
  for (const format of formats) {
    for (const [out, message] of [
      [join(tempDir('exp-missing'), 'no', 'out'), /does not exist/],
      ['/proc/out', /cannot (write|check out into) \/proc\/out/],
      ['/etc/passwd/out', /not a directory/i],
      ...(format === 'tar.zst' || format === 'squashfs' ? [['/proc', /cannot write \/proc: it is a directory/], [tempDir('exp-dir'), /it is a directory/]] : []),
    ] as Array<[string, RegExp]>) {
      refused(await runInProcess(['image', 'export', 'q', out, '--format', format, '--store', store]), 2, message, `export --format ${format} to ${out}`);
    }
  }
  const parent = tempDir('exp-none');
  refused(await runInProcess(['image', 'export', 'q', join(parent, 'no', 'q.tar.zst'), '--format', 'tar.zst', '--store', store]), 2, /does not exist/, 'a missing parent');
  assert.not.ok(existsSync(join(parent, 'no')), 'nothing was made');
});

t('pull into a missing directory, /proc or below a file: one line, exit 2, before downloading', async () => {
  const server = await listening(await baseStore());
  try {
    const missing = join(tempDir('pull-missing'), 'no');
    for (const [out, message] of [[join(missing, 'q.tar.zst'), /its directory \S+\/no does not exist/], ['/proc/q.tar.zst', /cannot write \/proc\/q\.tar\.zst/], ['/etc/passwd/q', /\/etc\/passwd\/q is below something that is not a directory/]] as Array<[string, RegExp]>) {
      refused(await runInProcess(['pull', server.url, 'q', out]), 2, message, `pull to ${out}`);
    }
  } finally {
    await server.close();
  }
});

t('serve on an address that is none, a port in use, an empty host: one line, exit 2, at once', async () => {
  const store = await baseStore();
  const serve = (args: string[]): { status: number | null; stderr: string; error?: Error } => {
    const r = spawnSync(process.execPath, [CLI, 'serve', ...args, '--store', store], { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, stderr: r.stderr, error: r.error };
  };
  for (const [args, message] of [
    [['--host', '999.1.1.1', '--port', '0'], /cannot listen on 999\.1\.1\.1:0: 999\.1\.1\.1 is not an address or a name that resolves/],
    [['--host', '192.0.2.7', '--port', '0'], /192\.0\.2\.7 is not an address of this machine/],
    [['--host', '', '--port', '0'], /--host needs an address/],
  ] as Array<[string[], RegExp]>) {
    const r = serve(args);
    assert.is(r.error, undefined, `${args.join(' ')} finished`);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
  const { createServer } = await import('node:net');
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const r = serve(['--port', String(port)]); // bound, so in use, even while this process waits
  taken.close();
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, `port ${port} is in use on 127.0.0.1; pick another with --port`);
});

t('tmp/, readers/ or cache/ replaced by a file, the lock by a directory or a FIFO: one line, exit 1, the store unchanged; moved away, all works', async () => {
  const damage: Array<[string, (dir: string) => void, string[][]]> = [
    ['tmp/ is a file', (d) => { rmSync(join(d, 'tmp'), { recursive: true, force: true }); writeFileSync(join(d, 'tmp'), 'x'); }, [['ls'], ['add', file('sed-4.9-alt1.x86_64')], ['gc'], ['fsck', '--repair']]],
    ['readers/ is a file', (d) => { rmSync(join(d, 'readers'), { recursive: true, force: true }); writeFileSync(join(d, 'readers'), 'x'); }, [['ls'], ['show', 'setup'], ['add', file('sed-4.9-alt1.x86_64')], ['gc'], ['channel', 'create', 'z']]],
    ['cache/ is a file', (d) => { rmSync(join(d, 'cache'), { recursive: true, force: true }); writeFileSync(join(d, 'cache'), 'x'); }, [['ls'], ['add', file('sed-4.9-alt1.x86_64')], ['gc'], ['reindex'], ['image', 'ls']]],
    ['lock is a directory', (d) => { mkdirSync(join(d, 'lock')); }, [['add', file('sed-4.9-alt1.x86_64')], ['gc'], ['fsck', '--repair'], ['pin', 'setup']]],
    ['lock is a FIFO', (d) => { spawnSync('mkfifo', [join(d, 'lock')]); }, [['add', file('sed-4.9-alt1.x86_64')], ['gc']]],
  ];
  for (const [what, apply, commands] of damage) {
    const dir = copy(await baseStore());
    apply(dir);
    const before = storeSnapshot(dir);
    const path = join(dir, what.split(/[/ ]/)[0]);
    for (const args of commands) {
      refused(await runInProcess([...args, '--store', dir], { timeoutMs: 20_000 }), 1, `${path} is not a`, `${what}: ${args[0]} ${args[1] ?? ''}`);
      assert.equal(storeSnapshot(dir), before, `${what}: ${args.join(' ')} changed nothing`);
    }
    // reads never take the lock: they answer whatever the lock is
    if (what.startsWith('lock')) assert.is((await runInProcess(['ls', '--store', dir])).status, 0, `${what}: ls reads`);
    renameSync(path, `${path}.moved`);
    for (const args of commands) assert.is((await runInProcess([...args, '--store', dir])).status, 0, `${what}, moved away: ${args.join(' ')}`);
  }
});

t('output to a full device (> /dev/full): one line, exit 1, no stack trace', async () => {
  const store = await baseStore();
  for (const args of [['ls'], ['--help'], ['image', 'ls', '--json'], ['show', 'setup']]) {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" "$@" > /dev/full`, 'sh', ...args, ...(args[0] === '--help' ? [] : ['--store', store])], { encoding: 'utf8' });
    assert.is(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr, 'bazaar: cannot write the output: ENOSPC: no space left on device\n', args.join(' '));
  }
});

t('output to a reader that went away (| true, | head -c1): exit 0, nothing on stderr', async () => {
  const store = await baseStore();
  // `true` exits long before node has started, so the write meets a closed pipe (EPIPE)
  for (const [args, reader] of [[['show', 'setup'], 'true'], [['ls'], 'true'], [['--help'], 'true'], [['show', 'setup'], 'head -c1 >/dev/null']] as Array<[string[], string]>) {
    const r = spawnSync('sh', ['-c', `("${process.execPath}" "${CLI}" "$@"; echo "exit $?" >&2) | ${reader}`, 'sh', ...args, ...(args[0] === '--help' ? [] : ['--store', store])], { encoding: 'utf8' });
    assert.is(r.stderr, 'exit 0\n', `${args.join(' ')} | ${reader}`);
  }
});

t.run();
