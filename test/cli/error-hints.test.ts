/**
 * The CLI's hints: core messages say what is wrong, and the CLI appends what to run next
 * (src/cli/error-hints.ts). Each refusal below prints, word for word, the line the CLI
 * printed when the hint was still part of the core message, so moving the hints out of
 * the library changed nothing a user sees; one line changed on purpose: `layer create
 * --channel C` with a package C lacks named `bazaar ls` (the store's listing) and now
 * names C's, as `channel remove` always did.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { findBuild } from '../../src/store/builds.js';
import { projectRoot } from '../helpers/tools.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('cli error hints');

let store = '';
/** filesystem and sed in channel sample (sed pinned), layer base@1.0.0, images web and va (va linked to web). */
async function sampleStore(): Promise<string> {
  if (store) return store;
  store = freshStore('error-hints');
  const files = sampleRpms().filter((f) => /\/(filesystem-2|sed-4)/.test(f) && !f.endsWith('.src.rpm'));
  for (const args of [
    ['add', ...files], ['channel', 'create', 'sample'], ['channel', 'add', 'sample', 'filesystem', 'sed'], ['pin', 'sed'],
    ['layer', 'create', 'base@1.0.0', '--nodeps', '--package', 'filesystem', 'sed'],
    ['image', 'create', 'web@1.0.0', '--nodeps', '--layer', 'base@1', '--channel', 'sample'],
    ['image', 'create', 'va@1.0.0', '--nodeps', '--layer', 'base@1', '--channel', 'sample'],
    ['link', 'va', 'web', '--policy', 'sync:minimal'],
  ]) {
    const r = await runInProcess([...args, '--store', store]);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  return store;
}

/** Runs `bazaar ARGS --store STORE`: exit `status` and exactly the one line `line` on stderr. */
async function says(args: string[], status: number, line: string): Promise<void> {
  const r = await runInProcess([...args, '--store', await sampleStore()]);
  assert.is(r.stderr, `${line}\n`, args.join(' '));
  assert.is(r.status, status, `${args.join(' ')}: exit`);
}

t('a missing channel, package, build, image, layer, group or token: the CLI names the command that lists them', async () => {
  await says(['channel', 'ls', 'nosuch'], 2, "bazaar channel: no channel nosuch; 'bazaar channel ls' lists them, 'bazaar channel create nosuch' makes it");
  await says(['show', 'nosuch'], 2, "bazaar show: no package nosuch in the store; 'bazaar ls' lists what is there");
  await says(['unpin', 'filesystem'], 2, "bazaar unpin: no package filesystem in the pins; 'bazaar pin' lists them");
  await says(['channel', 'remove', 'sample', 'nosuch'], 2, "bazaar channel: no package nosuch in channel sample; 'bazaar channel ls sample' lists it");
  await says(['versions', 'nosuch'], 2, "bazaar versions: no build of nosuch in the store; 'bazaar ls' lists what is there");
  await says(['image', 'show', 'nosuch'], 2, "bazaar image: no image nosuch; 'bazaar image ls' lists them, 'bazaar image create nosuch@1.0.0 --layer ...' makes one");
  await says(['layer', 'show', 'nosuch'], 2, "bazaar layer: no layer nosuch; 'bazaar layer ls' lists them");
  await says(['layer', 'delete', 'nosuch'], 2, "bazaar layer: no layer nosuch; 'bazaar layer ls' lists them");
  await says(['link', 'set-policy', 'va', 'sync:nosuch'], 2, "bazaar link: no group nosuch; 'bazaar group ls' lists them, 'bazaar group set nosuch NAME|GLOB...' defines it");
  await says(['group', 'show', 'nosuch'], 2, "bazaar group: no group nosuch; 'bazaar group ls' lists them, 'bazaar group set nosuch NAME|GLOB...' defines it");
  await says(['token', 'revoke', 'nosuch'], 2, "bazaar token: no token with id or name 'nosuch'; 'bazaar token ls' lists them");
});

t('a package missing from a channel: the channel listing is the hint, for layer create --channel too', async () => {
  await says(['layer', 'create', 'l@1.0.0', '--package', 'nosuch', '--channel', 'sample'], 2, "bazaar layer: no package nosuch in channel sample; 'bazaar channel ls sample' lists it");
  await says(['layer', 'create', 'l@1.0.0', '--package', 'nosuch'], 2, "bazaar layer: no package nosuch in the store; 'bazaar ls' lists what is there");
});

t('bazaar-rpm appends its hint to a root without a package database', () => {
  const root = tempDir('error-hints-root');
  const r = spawnSync(process.execPath, [join(projectRoot, 'dist/bin/bazaar-rpm.js'), '--root', root, '-qa'], { encoding: 'utf8' });
  assert.is(r.stderr, `error: ${root} holds no bazaar package database (var/lib/bazaar/db); check an image out there with 'bazaar image checkout', or use --image NAME\n`);
  assert.is(r.status, 1);
});

t('the library says only what is wrong: no CLI command in its messages, the reason and facts in data', async () => {
  const dir = join(tempDir('error-hints-lib'), 'none');
  await Store.open(dir).then(() => assert.unreachable(), (err: BazaarError) => {
    assert.is(err.message, `${dir} is not a bazaar store`);
    assert.equal(err.data, { dir, reason: 'no-store' });
  });
  const store = await Store.open(await sampleStore());
  await store.read((view) => findBuild(view, 'channels/sample', 'nosuch', { channel: 'sample' })).then(() => assert.unreachable(), (err: BazaarError) => {
    assert.is(err.message, 'no package nosuch in channel sample');
    assert.equal(err.data, { ref: 'nosuch', where: 'channel sample', scope: 'channel', channel: 'sample', reason: 'no-package' });
  });
});

t('an unknown image install names what the store holds', async () => {
  await says(['image', 'install', 'web', 'nosuch'], 2, "bazaar image: image web: no package named or providing nosuch in its channel; 'bazaar ls' lists what the store holds");
});

t('a store that is not there: the CLI says how to make one', async () => {
  const dir = join(tempDir('error-hints-none'), 'none');
  const r = await runInProcess(['ls', '--store', dir]);
  assert.is(r.stderr, `bazaar ls: ${dir} is not a bazaar store; create one with 'bazaar init --store ${dir}'\n`);
  assert.is(r.status, 2);
});

t('revisions that name no state: the CLI names the log that lists them', async () => {
  await says(['channel', 'diff', 'sample', 'HEAD~9'], 2, "bazaar channel: 'HEAD~9' is not a state of channel sample (2 commits): give HEAD, HEAD~N or a commit id from 'bazaar channel log sample'");
  await says(['image', 'diff', 'web', '9.9.9', 'HEAD'], 2, "bazaar image: '9.9.9' is not a version (1.0.0), HEAD~N or commit of image web; 'bazaar image log web' lists them");
  await says(['image', 'cherry-pick', 'va', 'web:ffff'], 2, "bazaar image: no image commit 'web:ffff'; 'bazaar image log NAME' lists them");
});

t('refusals the CLI knows the next command for: an image that exists, one with children, one not linked, a package in use', async () => {
  await says(['image', 'create', 'web@1.0.0', '--nodeps', '--layer', 'base@1'], 2, "bazaar image: image web exists; change it with 'bazaar image install|remove|upgrade-layer web ...'");
  await says(['image', 'delete', 'web'], 2, "bazaar image: cannot delete image web: va is a child linked to it; 'bazaar unlink CHILD' first");
  await says(['link', 'set-policy', 'web', 'sync:all'], 2, "bazaar link: image web is not linked; 'bazaar link web PARENT --policy sync:all' links it");
  await says(['rm', 'sed'], 2, "bazaar rm: sed-1:4.9-alt1.x86_64 is held by channel sample, a pin; remove it from there first ('bazaar channel remove', 'bazaar unpin')");
});

t('--json: the error object carries the same message, hint included', async () => {
  const r = await runInProcess(['image', 'show', 'nosuch', '--json', '--store', await sampleStore()]);
  const body = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.is(body.error.code, 'ERR_IMAGE');
  assert.is(body.error.message, "no image nosuch; 'bazaar image ls' lists them, 'bazaar image create nosuch@1.0.0 --layer ...' makes one");
});

t.run();
