/**
 * The CLI at its edges, tried as a new user would: impossible store paths, extra
 * arguments, every spelling of a package, `--json` everywhere, one exit-code rule for
 * "not there", option errors in bazaar's words, common options before the command,
 * channel names that differ only in case, FIFOs and sockets given to `add`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const t = suite('cli edges');

/** A command that must fail with `status`, one line on stderr and no stack trace. */
function fails(args: string[], status: number, match?: string | RegExp): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.is(r.error, undefined, `${args.join(' ')} finished (${String(r.error)})`);
  assert.is(r.status, status, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at |internal error|Error:/);
  if (match) assert.match(r.stderr, match);
  return r.stderr;
}

let store = '';
const sample = (): string => {
  if (!store) {
    store = freshStore('edges');
    const r = bazaar(['add', '--store', store, ...sampleRpms()]);
    assert.is(r.status, 0, r.stderr);
  }
  return store;
};

t('init refuses impossible places in one line, exit 2, without hanging', () => {
  fails(['init', '--store', '/proc/x'], 2, 'cannot create a store at /proc/x');
  fails(['init', '--store', '/etc/passwd'], 2, 'cannot create a store at /etc/passwd');
  fails(['init', '--store', '/etc/passwd/sub'], 2, /not a directory/);
  const deep = join(tempDir('init'), 'a', 'b', 'c');
  assert.is(bazaar(['init', '--store', deep]).status, 0, 'missing parents are created');
  assert.is(bazaar(['init', '--store', deep]).status, 0, 'init again changes nothing');
});

t('extra arguments are refused, or honoured as rpm -qa honours patterns', () => {
  const dir = sample();
  fails(['fsck', '--store', dir, 'extra'], 2, 'unexpected argument extra');
  fails(['show', '--store', dir, 'bash-5.2.26-alt1.x86_64', 'more'], 2, 'unexpected argument more');
  fails(['gc', '--store', dir, 'x'], 2);
  const ls = bazaar(['ls', '--store', dir, 'openssl']);
  assert.is(ls.status, 0);
  assert.equal(ls.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['openssl-1.1.1w-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64']);
  const glob = bazaar(['ls', '--store', dir, 'pyrt*', '*-2.4.1-alt1.noarch']);
  assert.equal(glob.stdout.trim().split('\n').map((l) => l.split('\t')[0]).sort(),
    ['pyrt-3.12.4-alt1.x86_64', 'pyrt-3.13.1-alt1.x86_64', 'pyrt-libs-3.12.4-alt1.x86_64', 'pyrt-libs-3.13.1-alt1.x86_64', 'webapp-2.4.1-alt1.noarch', 'webapp-doc-2.4.1-alt1.noarch'].sort());
  assert.is(bazaar(['ls', '--store', dir, 'no-such*']).stdout, '', 'no match lists nothing (exit 0, as rpm -qa)');
});

t('show accepts the id ls prints, N-V-R, N-V, N.A and an .rpm path', () => {
  const dir = sample();
  const [line] = bazaar(['ls', '--store', dir, 'webserver']).stdout.trim().split('\n');
  const [nevra, id] = line.split('\t');
  const want = JSON.parse(bazaar(['show', '--json', '--store', dir, nevra]).stdout);
  assert.is(want.id, id);
  const file = sampleRpms().find((f) => f.endsWith('webserver-1.24.0-alt1.x86_64.rpm')) as string;
  for (const ref of [id, 'webserver-1.24.0-alt1', 'webserver-1.24.0', 'webserver.x86_64', 'webserver', file]) {
    const r = bazaar(['show', '--json', '--store', dir, ref]);
    assert.is(r.status, 0, `${ref}: ${r.stderr}`);
    assert.is(JSON.parse(r.stdout).id, id, ref);
  }
  fails(['show', '--store', dir, 'bash-5.2.26'], 2, 'bash-5.2.26-alt1.x86_64, bash-5.2.26-alt2.x86_64');
  const other = sampleRpms().find((f) => f.endsWith('.src.rpm')) as string;
  assert.is(bazaar(['show', '--store', dir, other]).status, 0, 'a source rpm path names its stored source build');
  // The CLI reads the file (the library's references have no paths): a relative path
  // works, a missing one or an unreadable one is one line, exit 2, and a stored-nowhere
  // .rpm is named by its path and build id.
  const relative = spawnSync(process.execPath, [CLI, 'show', '--json', '--store', dir, `./${file.split('/').pop() as string}`], { cwd: file.slice(0, file.lastIndexOf('/')), encoding: 'utf8' });
  assert.is(relative.status, 0, relative.stderr);
  assert.is(JSON.parse(relative.stdout).id, id);
  fails(['show', '--store', dir, join(dir, 'no-such.rpm')], 2, 'no-such.rpm: no such .rpm file');
  fails(['show', '--store', dir, 'a/b'], 2, 'a/b: no such .rpm file');
  const loop = join(tempDir('loop'), 'loop.rpm');
  symlinkSync(loop, loop);
  fails(['show', '--store', dir, loop], 2, /loop\.rpm: cannot read it as an \.rpm file \(ELOOP\)/);
  fails(['show', '--store', dir, 'a\u0001b'], 2, 'is not a package reference');
  const alone = freshStore('show-file');
  fails(['show', '--store', alone, file], 2, new RegExp(`no package ${file.replace(/[.+]/g, '\\$&')} \\(build ${id}\\) in the store`));
});

t('cat --json prints JSON; a missing object and a missing package are both "not there", exit 2', () => {
  const dir = sample();
  const shown = JSON.parse(bazaar(['show', '--json', '--store', dir, 'webapp-2.4.1-alt1.noarch']).stdout);
  const manifest = JSON.parse(bazaar(['cat', '--json', '--store', dir, shown.manifest]).stdout);
  assert.is(manifest.json.kind, 'package');
  assert.is(manifest.json.nevra, 'webapp-2.4.1-alt1.noarch');
  const rpm = JSON.parse(bazaar(['cat', '--json', '--store', dir, shown.rpm]).stdout);
  assert.is(rpm.size, shown.rpmSize);
  assert.ok(Buffer.from(rpm.base64, 'base64').equals(readFileSync(sampleRpms().find((f) => f.endsWith('webapp-2.4.1-alt1.noarch.rpm')) as string)));
  fails(['cat', '--store', dir, `sha256:${'1'.repeat(64)}`], 2, 'no object');
  fails(['show', '--store', dir, 'nothing-here'], 2, 'no package nothing-here');
  const json = spawnSync(process.execPath, [CLI, 'show', '--json', '--store', dir, 'nothing-here'], { encoding: 'utf8' });
  assert.is(JSON.parse(json.stdout).error.code, 'ERR_PACKAGE_NOT_FOUND', '--json failures are JSON too');
});

t('option errors in bazaar\'s words; --version, help CMD, and common options before the command', () => {
  const dir = sample();
  const unknown = fails(['channel', 'create', 'x', '--order', 'alt', '--store', dir], 2, "unknown option --order; 'bazaar channel --help' lists the options");
  assert.not.match(unknown, 'positional argument');
  fails(['gc', '--retention-days'], 2, '--retention-days needs a value');
  const v = bazaar(['--version']);
  assert.is(v.status, 0);
  assert.match(v.stdout, /^bazaar \d+\.\d+\.\d+\n$/);
  const help = bazaar(['help', 'add']);
  assert.is(help.status, 0);
  assert.match(help.stdout, 'Usage: bazaar add');
  fails(['help', 'nope'], 2, "unknown command 'nope'");
  const before = bazaar(['--store', dir, '--json', 'ls', 'sed']);
  assert.is(before.status, 0, before.stderr);
  assert.is(JSON.parse(before.stdout)[0].nevra, 'sed-1:4.9-alt1.x86_64');
  const frob = fails(['--frobnicate'], 2, "bazaar: unknown option --frobnicate; 'bazaar --help' lists the commands and options");
  assert.not.match(frob, 'Usage');
  fails(['--store', dir, '--frobnicate'], 2, 'unknown option --frobnicate');
  // a negative value is no unknown option: the message says how to give one, and the setting refuses it
  fails(['config', 'set', 'retention.days', '-1', '--store', dir], 2, "-1 is read as an option; a value that starts with '-' goes after '--'");
  fails(['config', 'set', '--store', dir, 'retention.days', '--', '-1'], 2, 'retention.days is a whole number of days, not "-1"');
  assert.match(bazaar(['config', 'show', '--store', dir]).stdout, /retention\.days\t180/, 'unchanged');
});

t('demo without --serve makes the channel sample the README names', () => {
  const dir = join(tempDir('demo'), 'store');
  const r = bazaar(['demo', '--json', '--store', dir]);
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { packages: number; channel: string };
  assert.is(summary.channel, 'sample');
  const channel = bazaar(['channel', 'ls', '--json', '--store', dir, 'sample']);
  assert.is(channel.status, 0, channel.stderr);
  assert.is((JSON.parse(channel.stdout) as { packages: unknown[] }).packages.length, summary.packages, 'every sample package');
});

t('channel names differing only in case are refused; delete and rename keep history', () => {
  const dir = freshStore('names');
  assert.is(bazaar(['add', '--store', dir, ...sampleRpms().slice(0, 3)]).status, 0);
  assert.is(bazaar(['channel', 'create', '--store', dir, 'P11']).status, 0);
  fails(['channel', 'create', '--store', dir, 'p11'], 2, 'differ from channel P11 only in case');
  assert.is(bazaar(['channel', 'add', '--store', dir, 'P11', 'zlib-1.3.1-alt1.i586']).status, 0);
  const renamed = bazaar(['channel', 'rename', '--store', dir, 'P11', 'p11']);
  assert.is(renamed.status, 0, renamed.stderr);
  const log = bazaar(['channel', 'log', '--store', dir, 'p11']).stdout;
  assert.match(log, 'rename channel P11 to p11');
  assert.match(log, 'create channel P11', 'the history came along');
  fails(['channel', 'ls', '--store', dir, 'P11'], 2, 'no channel P11');
  const del = bazaar(['channel', 'delete', '--store', dir, 'p11']);
  assert.is(del.status, 0, del.stderr);
  assert.is(bazaar(['channel', 'ls', '--store', dir]).stdout, '');
  assert.is(bazaar(['channel', 'create', '--store', dir, 'p11']).status, 0, 'the name is free again');
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
});

t('a FIFO, a socket or a directory given to add is refused before it is opened; nothing is staged', async () => {
  const dir = sample();
  const work = tempDir('fifo');
  const fifo = join(work, 'pipe.rpm');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const sock = join(work, 'sock.rpm');
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    const before = storeSnapshot(dir);
    const good = sampleRpms()[0] as string;
    fails(['add', '--store', dir, good, fifo], 2, 'a FIFO, not an .rpm file');
    fails(['add', '--store', dir, sock], 2, 'a socket, not an .rpm file');
    mkdirSync(join(work, 'd.rpm'));
    fails(['add', '--store', dir, join(work, 'd.rpm')], 2, 'a directory');
    symlinkSync('/dev/null', join(work, 'null.rpm'));
    fails(['add', '--store', dir, join(work, 'null.rpm')], 2, 'a device');
    assert.equal(storeSnapshot(dir), before, 'nothing staged or written');
  } finally {
    server.close();
  }
});

t.run();
