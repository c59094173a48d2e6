/**
 * Images and layers (the issue "images and layers"), on repos/sample: layers of packages
 * with one snippet each; images on shared layers whose installs go to their private
 * layer; a shared layer upgraded alone (private layers identical before and after);
 * rollback to identical ids; cherry-pick equal to a direct install; semver checked, not
 * trusted; `image show --json` as the contract says.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, freshStore } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('images');
const RPM = join(projectRoot, 'dist/bin/bazaar-rpm.js');

interface Run { status: number | null; stdout: string; stderr: string }
function run(bin: string, args: string[], store: string): Run {
  // bazaar itself in a worker thread (cli-fast.ts): what is tested is what it does to the store
  if (bin === CLI) return bazaarFast(args, { env: { BAZAAR_STORE: store } });
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, BAZAAR_STORE: store } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ok = (store: string, args: string[]): string => {
  const r = run(CLI, args, store);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = <T>(store: string, args: string[]): T => JSON.parse(ok(store, [...args, '--json'])) as T;

interface Shown { name: string; version: string; id: string; layers: Array<{ name: string; version: string; id: string; private?: boolean }>; packages: string[]; parent: string | null; policy: string | null }

/** The sample store, a channel of current builds, base@1.0.0 (bash alt1) and base@1.0.1 (bash alt2). */
function setup(): string {
  const store = freshStore('images');
  ok(store, ['add', ...sampleRpms().filter((f) => !f.endsWith('.src.rpm'))]);
  ok(store, ['channel', 'create', 'sample']);
  const current = sampleRpms().filter((f) => !f.endsWith('.src.rpm') && !/bash-5.2.26-alt1|openssl-1\.1|pyrt(-libs)?-3\.12|std-def-6\.6\.60|core-os-11\.0|\.i586\./.test(f));
  ok(store, ['channel', 'add', 'sample', ...current.map((f) => f.slice(f.lastIndexOf('/') + 1, -4))]);
  ok(store, ['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64']);
  ok(store, ['layer', 'create', 'base@1.0.1', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64']);
  return store;
}

t('a layer holds its packages\' files and one snippet each; show --json names them', () => {
  const store = setup();
  const layer = json<{ name: string; version: string; id: string; packages: string[]; tree: string }>(store, ['layer', 'show', 'base@1.0.0']);
  assert.equal(layer.packages, ['bash-5.2.26-alt1.x86_64', 'filesystem-2.3.21-alt1.x86_64', 'libc6-6:2.38-alt2.x86_64']);
  assert.is(json<Shown>(store, ['layer', 'show', 'base']).version, '1.0.1', 'a bare name picks the highest version');
  const tree = JSON.parse(ok(store, ['cat', '--json', layer.tree])).json as { entries: Array<{ name: string }> };
  assert.ok(tree.entries.some((e) => e.name === 'var'), 'the snippet folder is in the layer');
  const ls = json<Array<{ name: string; versions: string[] }>>(store, ['layer', 'ls']);
  assert.equal(ls, [{ name: 'base', versions: ['1.0.1', '1.0.0'] }]);
});

t('semver is checked: an understated version is refused with the reason; --force records it; check-version says why', () => {
  const store = setup();
  const r = run(CLI, ['layer', 'create', 'base@1.0.2', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'sed'], store);
  assert.is(r.status, 1);
  assert.match(r.stderr, 'a minor bump is required: capability sed was added');
  const check = run(CLI, ['layer', 'check-version', 'base@1.0.2', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'sed'], store);
  assert.is(check.status, 1);
  assert.match(check.stdout, 'needs a minor bump, makes patch bump: understated');
  assert.match(check.stdout, 'added sed');
  const dropped = run(CLI, ['layer', 'check-version', 'base@1.1.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64'], store);
  assert.match(dropped.stdout, 'needs a major bump', 'a removed package is a major change');
  const forced = json<{ check: { ok: boolean } }>(store, ['layer', 'create', 'base@1.0.2', '--force', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'sed']);
  assert.is(forced.check.ok, false);
  assert.equal(json<{ forced: { required: string } }>(store, ['layer', 'show', 'base@1.0.2']).forced.required, 'minor', 'the forced publish is recorded');
  const again = run(CLI, ['layer', 'create', 'base@1.0.2', '--package', 'filesystem'], store);
  assert.is(again.status, 2);
  assert.match(again.stderr, 'already published');
});

t('install goes into the private layer, show --json is the contract, a package is never installed twice', () => {
  const store = setup();
  const created = json<Shown>(store, ['image', 'create', 'web@1.0.0', '--layer', 'base@~1.0.0', '--channel', 'sample']);
  assert.is(created.layers[0].version, '1.0.1', 'the range picks the highest version it admits');
  const change = json<{ installed: string[]; version: string }>(store, ['image', 'install', 'web', 'lighttpd']);
  assert.ok(change.installed.includes('lighttpd-1.4.76-alt1.x86_64'));
  const shown = json<Shown>(store, ['image', 'show', 'web']);
  assert.equal(Object.keys(shown).filter((k) => ['name', 'version', 'id', 'layers', 'packages', 'parent', 'policy'].includes(k)).length, 7);
  assert.is(shown.version, change.version);
  assert.is(shown.layers.length, 2);
  assert.is(shown.layers[0].id, created.layers[0].id, 'the shared layer is untouched');
  assert.is(shown.layers[1].private, true);
  assert.not.equal(shown.layers[1].id, created.layers[1].id, 'the private layer changed');
  assert.ok(shown.packages.includes('lighttpd-1.4.76-alt1.x86_64') && shown.packages.includes('bash-5.2.26-alt2.x86_64'));
  assert.equal(json<Shown>(store, ['image', 'show', 'web@1.0.0']).packages.length, 3, 'an earlier version stays readable');
  const dup = run(CLI, ['image', 'create', 'twice@1.0.0', '--layer', 'base@1.0.0', '--layer', 'base@1.0.1'], store);
  assert.is(dup.status, 2);
  assert.match(dup.stderr, 'would be installed twice');
});

t('removing a shared package hides it with whiteouts in the private layer; the shared layer stays', () => {
  const store = setup();
  json(store, ['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample']);
  json(store, ['image', 'install', 'web', 'sed']);
  const before = json<Shown>(store, ['image', 'show', 'web']);
  const r = json<{ removed: string[]; version: string }>(store, ['image', 'remove', 'web', 'sed']);
  assert.equal(r.removed, ['sed-1:4.9-alt1.x86_64']);
  assert.is(r.version, '2.0.0', 'a removed package is a major change of the image');
  const diff = json<{ removed: string[]; files: { removed: string[] } }>(store, ['image', 'diff', 'web', before.version, 'HEAD']);
  assert.equal(diff.removed, ['sed-1:4.9-alt1.x86_64']);
  assert.ok(diff.files.removed.some((f) => f.endsWith('/sed')), 'its files left the image');
  const refused = run(RPM, ['--image', 'web', '-e', 'libc6'], store);
  assert.is(refused.status, 1, 'rpm -e refuses what others need');
  assert.match(refused.stderr, /^error: Failed dependencies:\n\tlibc6 is needed by \(installed\) bash-5\.2\.26-alt2\.x86_64/);
  assert.is(run(RPM, ['--image', 'web', '-e', 'bash'], store).status, 0);
  assert.not.match(run(RPM, ['--image', 'web', '-qa'], store).stdout, 'bash-', 'bash, a package of the shared layer, is gone from the image');
  assert.match(ok(store, ['layer', 'show', 'base@1.0.1']), 'bash-5.2.26-alt2.x86_64', 'and still in the shared layer');
  assert.is(run(CLI, ['fsck'], store).status, 0);
});

t('two images on base@1.0.0 with their own private layers: the base upgrades alone, rollback restores exact ids', () => {
  const store = setup();
  ok(store, ['image', 'create', 'a@1.0.0', '--layer', 'base@1.0.0', '--channel', 'sample']);
  ok(store, ['image', 'create', 'b@1.0.0', '--layer', 'base@1.0.0', '--channel', 'sample']);
  ok(store, ['image', 'install', 'a', 'lighttpd']);
  ok(store, ['image', 'install', 'b', 'sed']);
  // the images must follow a range that admits the new version: they were created on 1.0.0 exactly
  const exact = json<{ moved: unknown[]; skipped: Array<{ image: string }> }>(store, ['layer', 'upgrade', 'base@1.0.0', '--to', 'base@1.0.1']);
  assert.equal([exact.moved.length, exact.skipped.map((s) => s.image)], [0, ['a', 'b']], 'an exact range does not admit another version');
  ok(store, ['image', 'create', 'c@1.0.0', '--layer', 'base@^1.0.0', '--channel', 'sample']);
  ok(store, ['image', 'create', 'd@1.0.0', '--layer', 'base@^1.0.0', '--channel', 'sample']);
  ok(store, ['image', 'upgrade-layer', 'c', 'base@1.0.0']);
  ok(store, ['image', 'upgrade-layer', 'd', 'base@1.0.0']);
  ok(store, ['image', 'install', 'c', 'lighttpd']);
  ok(store, ['image', 'install', 'd', 'sed']);
  const before = { c: json<Shown>(store, ['image', 'show', 'c']), d: json<Shown>(store, ['image', 'show', 'd']) };
  assert.is(before.c.layers[0].version, '1.0.0');
  const up = json<{ moved: Array<{ image: string; private: string }> }>(store, ['layer', 'upgrade', 'base@1.0.0', '--to', 'base@1.0.1']);
  assert.equal(up.moved.map((m) => m.image).sort(), ['c', 'd']);
  for (const name of ['c', 'd'] as const) {
    const after = json<Shown>(store, ['image', 'show', name]);
    assert.is(after.layers[0].version, '1.0.1');
    assert.is(after.layers[1].id, before[name].layers[1].id, `${name}: the private layer is the identical object`);
    assert.ok(after.packages.includes('bash-5.2.26-alt2.x86_64'));
    assert.match(run(RPM, ['--image', name, '-qa'], store).stdout, 'bash-5.2.26-alt2.x86_64', `${name}: bazaar-rpm -qa shows the new base build`);
    ok(store, ['image', 'rollback', name]);
    const back = json<Shown>(store, ['image', 'show', name]);
    assert.equal(back, before[name], `${name}: rollback returns exactly the previous image (ids equal)`);
  }
  assert.is(run(CLI, ['fsck'], store).status, 0);
});

t('cherry-picking an install from one image gives the package set a direct install gives', () => {
  const store = setup();
  for (const n of ['src', 'picked', 'direct']) ok(store, ['image', 'create', `${n}@1.0.0`, '--layer', 'base@1.0.1', '--channel', 'sample']);
  ok(store, ['image', 'install', 'src', 'lighttpd']);
  const log = json<Array<{ commit: string }>>(store, ['image', 'log', 'src']);
  ok(store, ['image', 'cherry-pick', 'picked', `src:${log[0].commit.slice(0, 10)}`]);
  ok(store, ['image', 'install', 'direct', 'lighttpd']);
  assert.equal(json<Shown>(store, ['image', 'show', 'picked']).packages, json<Shown>(store, ['image', 'show', 'direct']).packages);
  const create = run(CLI, ['image', 'cherry-pick', 'direct', `src:${log[1].commit}`], store);
  assert.is(create.status, 2, 'the creation of an image is not a package change');
  assert.match(create.stderr, 'not a package change');
});

t.run();
