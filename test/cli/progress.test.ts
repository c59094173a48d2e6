/**
 * Progress on a terminal: add, image checkout and image export draw a bar (or a count)
 * on stderr when it is a terminal, and print nothing of it into a pipe or with --json.
 * The terminal is a real pty made by util-linux `script`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { binaryRpms, cli, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';

const t = suite('cli progress');
const store = sampleStore(binaryRpms(), 'progress');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup'], store);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], store);

/** Runs bazaar with stdout and stderr on a pty; what the terminal showed. */
function onTerminal(args: string[]): { status: number | null; screen: string } {
  const cmd = [process.execPath, CLI, ...args].map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, screen: r.stdout };
}

const cases: [string, (out: string) => string[], RegExp][] = [
  ['image checkout', (out) => ['image', 'checkout', 'web', out, '--store', store], /checking out web \d+/],
  ['image export dir', (out) => ['image', 'export', 'web', out, '--format', 'dir', '--store', store], /exporting web \d+/],
  ['image export tar.zst', (out) => ['image', 'export', 'web', `${out}.tar.zst`, '--store', store], /exporting web \d+/],
  ['image export overlay', (out) => ['image', 'export', 'web', out, '--format', 'overlay', '--store', store], /exporting web \d+/],
];

for (const [name, args, bar] of cases) {
  testWith(t, `${name} shows progress on a terminal, none in a pipe or with --json`, ['script'], () => {
    const shown = onTerminal(args(join(tempDir('progress'), 'out')));
    assert.is(shown.status, 0, shown.screen);
    assert.match(shown.screen, bar);
    assert.match(shown.screen, /\r\x1b\[K/, 'the bar is drawn and cleared in place');
    const piped = bazaar(args(join(tempDir('progress'), 'out')));
    assert.is(piped.status, 0, piped.stderr);
    assert.is(piped.stderr, '', 'nothing of the bar in a pipe');
    const json = onTerminal([...args(join(tempDir('progress'), 'out')), '--json']);
    assert.is(json.status, 0, json.screen);
    assert.not.match(json.screen, bar, 'no bar around --json');
    JSON.parse(json.screen);
  });
}

testWith(t, 'add shows a bar with the count of files on a terminal', ['script'], () => {
  const fresh = freshStore('progress-add');
  const files = binaryRpms().slice(0, 5);
  const shown = onTerminal(['add', '--store', fresh, ...files]);
  assert.is(shown.status, 0, shown.screen);
  assert.match(shown.screen, /\[[#-]+\] \d+\/5/);
});

t.run();
