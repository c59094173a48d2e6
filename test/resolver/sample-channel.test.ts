/**
 * The resolver on the real packages of repos/sample, through a store channel
 * (`bazaar resolve --channel`): rich dependencies, alternatives, file dependencies,
 * epochs, exact incorporation requirements, and the packages broken on purpose.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { loadUniverseCache } from '../../src/resolver/universe-cache.js';
import { sameUniverse } from './universe-compare.js';

const t = suite('resolve --channel on repos/sample');
let store = '';

function resolve(...install: string[]): { status: number; out: { ok: boolean; install?: string[]; problems?: string[] } | null; stderr: string } {
  const r = bazaar(['resolve', '--json', '--store', store, '--channel', 'sample', ...install.flatMap((n) => ['--install', n])]);
  return { status: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

t.before(() => {
  store = freshStore('resolve-sample');
  assert.is(bazaar(['channel', 'create', 'sample', '--store', store]).status, 0);
  const add = bazaar(['add', '--channel', 'sample', '--store', store, ...sampleRpms()]);
  assert.is(add.status, 0, add.stderr);
});

t('webapp: the rich (pyrt >= 3.11 with pyrt < 3.13) picks 3.12 over the newer 3.13', () => {
  const r = resolve('webapp');
  assert.is(r.status, 0, r.stderr);
  const names = r.out!.install!;
  assert.ok(names.includes('pyrt-0:3.12.4-alt1.x86_64'));
  assert.not.ok(names.some((n) => n.startsWith('pyrt-0:3.13')));
  assert.ok(names.some((n) => n.startsWith('webserver-') || n.startsWith('lighttpd-')), '(webserver or lighttpd) is met');
  assert.not.ok(names.some((n) => n.startsWith('webserver-')) && names.some((n) => n.startsWith('lighttpd-')), 'never both: they conflict');
});

t('core-os: the incorporation\'s exact requirements, epochs included', () => {
  const r = resolve('core-os');
  assert.is(r.status, 0, r.stderr);
  const names = r.out!.install!;
  assert.ok(names.includes('core-os-0:11.1-alt1.noarch'), 'the newest incorporation');
  assert.ok(names.includes('bash-0:5.2.26-alt2.x86_64'), 'core-os 11.1 pins bash alt2');
  assert.ok(names.includes('sed-1:4.9-alt1.x86_64'));
  assert.ok(names.includes('libc6-6:2.38-alt2.x86_64'));
});

t('a missing library is explained: who requires what that nothing provides', () => {
  const r = resolve('legacy-reporter');
  assert.is(r.status, 1);
  assert.is(r.out!.ok, false);
  assert.match(r.out!.problems!.join('\n'), 'requires libmissing.so.1()(64bit), but nothing provides it');
});

t('a conflict is explained: the chain and the conflicting pair', () => {
  const r = resolve('proxy-bridge');
  assert.is(r.status, 1);
  const text = r.out!.problems!.join('\n');
  assert.match(text, 'lighttpd');
  assert.match(text, 'conflicts with webserver');
});

t('a damaged universe cache is rebuilt, and the answer is the same', () => {
  const before = resolve('webapp');
  assert.is(before.status, 0, before.stderr);
  const root = join(store, 'cache', 'universe');
  const caches = readdirSync(root).map((c) => join(root, c, 'universe.v6.bin'));
  assert.ok(caches.length > 0, 'a resolve leaves a cache behind');
  const good = caches.map((f) => readFileSync(f));
  caches.forEach((f, i) => { const bad = Buffer.from(good[i]); bad[bad.length >> 1] ^= 0xff; writeFileSync(f, bad); });
  const after = resolve('webapp');
  assert.is(after.status, 0, after.stderr);
  assert.equal(after.out, before.out);
  assert.match(after.stderr, 'rebuilding it');
  caches.forEach((f, i) => assert.ok(readFileSync(f).equals(good[i]), 'rewritten as it was'));
});

t('a commit makes its universe from its parent\'s (an update), which answers as one built afresh', async () => {
  const root = join(store, 'cache', 'universe');
  assert.is(resolve('webapp').status, 0);
  const removed = bazaar(['channel', 'remove', 'sample', 'pyrt-3.12.4-alt1.x86_64', '--store', store]);
  assert.is(removed.status, 0, removed.stderr);
  const headOf = (): string => (JSON.parse(bazaar(['channel', 'log', 'sample', '--json', '--store', store]).stdout) as Array<{ to: string }>)[0].to;
  assert.ok(existsSync(join(root, headOf(), 'universe.v6.bin')), 'the commit made its universe, before any resolve');
  const without = resolve('webapp');
  assert.is(without.status, 1, 'webapp needs pyrt 3.12, now gone');
  assert.match(without.out!.problems!.join('\n'), 'pyrt');
  const added = bazaar(['channel', 'add', 'sample', 'pyrt-3.12.4-alt1.x86_64', '--store', store]);
  assert.is(added.status, 0, added.stderr);
  const back = resolve('webapp', 'core-os', 'legacy-reporter');
  const commit = headOf();
  const updatedFile = join(root, commit, 'universe.v6.bin');
  const updated = readFileSync(updatedFile);
  rmSync(root, { recursive: true, force: true });
  const afresh = resolve('webapp', 'core-os', 'legacy-reporter');
  assert.equal(afresh, back, 'the same answer from a universe built afresh');
  assert.not.ok(readFileSync(updatedFile).equals(updated), 'the first was an update (its strings appended), not a full save');
  mkdirSync(join(root, 'updated'));
  writeFileSync(join(root, 'updated', 'universe.v6.bin'), updated);
  sameUniverse(await loadUniverseCache(join(root, 'updated')), await loadUniverseCache(join(root, commit)), 'sample');
});

t('an unknown channel is bad input', () => {
  const r = bazaar(['resolve', '--store', store, '--channel', 'nope', '--install', 'bash']);
  assert.is(r.status, 2);
  assert.match(r.stderr, 'no channel nope');
});

t.run();
