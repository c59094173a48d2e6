/**
 * The channel, versions, pin/unpin, rm and gc commands as a user runs them: output,
 * exit codes, one-line errors, and a store left unchanged by refused commands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, bazaarAsync, freshStore, tempDir } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { storeContentSnapshot } from '../helpers/store-snapshot.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('bazaar channel, versions, pin, rm, gc');
const RPMS = join(projectRoot, 'repos/sample/RPMS/x86_64');
const OPENSSL = ['openssl-1.1.1w-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64'];
const BASH = ['bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64'];

function ok(args: string[], store: string, input?: string): CliResult {
  const r = bazaarFast([...args, '--store', store], input === undefined ? {} : { input });
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A refused command: exit 2, one line on stderr naming `want`, and the store unchanged. */
function refused(args: string[], store: string, want: RegExp | string): void {
  const before = storeContentSnapshot(store);
  const r = bazaar([...args, '--store', store]);
  assert.is(r.status, 2, `bazaar ${args.join(' ')} exits 2 (${r.stderr})`);
  assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, want);
  assert.equal(storeContentSnapshot(store), before, `bazaar ${args.join(' ')} changed nothing`);
}

const json = <T>(r: CliResult): T => JSON.parse(r.stdout) as T;

function sampleStore(): string {
  const store = freshStore('cli-channel');
  ok(['add', ...[...OPENSSL, ...BASH].map((n) => join(RPMS, `${n}.rpm`))], store);
  return store;
}

t('rule-channels: bazaar channel create, add, ls, log, diff', () => {
  const store = sampleStore();
  assert.match(ok(['channel', 'create', 'sample', '--mode', 'alt'], store).stdout, 'created channel sample (order alt)');
  const add = ok(['channel', 'add', 'sample', ...OPENSSL, ...BASH, '-m', 'seed the sample channel'], store);
  assert.match(add.stdout, '+ openssl-1.1.1w-alt1.x86_64');
  const ls = ok(['channel', 'ls', 'sample'], store).stdout.trim().split('\n').map((l) => l.split('\t')[0]);
  assert.equal(ls, ['bash-5.2.26-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'openssl-3.1.4-alt1.x86_64', 'openssl-1.1.1w-alt1.x86_64'], 'both versions, newest first within a name');
  assert.match(ok(['channel', 'ls'], store).stdout, /^sample\talt\t4 packages\t/);
  ok(['channel', 'remove', 'sample', 'openssl-1.1.1w-alt1.x86_64'], store);
  const log = json<Array<{ message: string; added: string[]; removed: string[] }>>(ok(['channel', 'log', 'sample', '--json'], store));
  assert.equal(log.map((e) => e.message.split('\n')[0]), ['remove 1 package from sample', 'add 4 packages to sample', 'create channel sample (order alt)']);
  assert.match(log[1]?.message ?? '', 'seed the sample channel');
  const logText = ok(['channel', 'log', 'sample'], store).stdout;
  assert.match(logText, '    - openssl-1.1.1w-alt1.x86_64');
  assert.match(logText, '    seed the sample channel', 'the why is shown');
  assert.is(ok(['channel', 'diff', 'sample'], store).stdout.trim(), '- openssl-1.1.1w-alt1.x86_64');
  assert.equal(json<{ added: string[] }>(ok(['channel', 'diff', 'sample', 'HEAD~2', '--json'], store)).added, ['bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64', 'openssl-3.1.4-alt1.x86_64']);
});

t('rule-channels: bad input exits 2 with one line and changes nothing', () => {
  const store = sampleStore();
  ok(['channel', 'create', 'sample'], store);
  refused(['channel', 'add', 'nope', OPENSSL[0] as string], store, 'no channel nope');
  refused(['channel', 'add', 'sample', 'no-such-1.0-alt1.x86_64'], store, 'no package no-such-1.0-alt1.x86_64');
  refused(['channel', 'add', 'sample', OPENSSL[0] as string, 'openssl'], store, 'openssl names 2 builds');
  refused(['channel', 'create', 'bad/name'], store, 'not a channel name');
  refused(['channel', 'create', 'sample'], store, 'already exists');
  refused(['channel', 'create', 'x', '--mode', 'debian'], store, '--mode is rpm or alt');
  refused(['channel', 'remove', 'sample', 'bash'], store, 'no package bash in channel sample');
  refused(['channel', 'diff', 'sample', 'HEAD~9'], store, 'not a state of channel sample');
  refused(['channel', 'frobnicate'], store, 'unknown subcommand');
  refused(['versions', 'nope'], store, 'no build of nope');
  refused(['gc', '--retention-days', 'soon'], store, 'whole number of days');
});

t('rule-channel-atomic-publish: bazaar channel publish --from replaces the set in one commit, or nothing', () => {
  const store = sampleStore();
  ok(['channel', 'create', 'p11'], store);
  ok(['channel', 'add', 'p11', OPENSSL[0] as string, BASH[0] as string], store);
  const list = join(tempDir('publish'), 'p11.list');
  writeFileSync(list, `# p11 as of today\n${OPENSSL[1]}\n${BASH[1]}\nmissing-1-alt1.x86_64\n`);
  refused(['channel', 'publish', 'p11', '--from', list], store, 'no package missing-1-alt1.x86_64');
  writeFileSync(list, `# p11 as of today\n${OPENSSL[1]}\n${BASH[1]}\n`);
  ok(['channel', 'publish', 'p11', '--from', list, '-m', 'p11 update 2026-11'], store);
  const ls = ok(['channel', 'ls', 'p11'], store).stdout.trim().split('\n').map((l) => l.split('\t')[0]);
  assert.equal(ls, [BASH[1], OPENSSL[1]]);
  const log = json<unknown[]>(ok(['channel', 'log', 'p11', '--json'], store));
  assert.is(log.length, 3, 'create, add, one publish');
  ok(['channel', 'publish', 'p11', '--from', '-'], store, `${OPENSSL[0]}\n`);
  assert.is(ok(['channel', 'ls', 'p11'], store).stdout.split('\t')[0], OPENSSL[0], 'publish reads stdin with --from -');
  refused(['channel', 'publish', 'p11'], store, '--empty');
  ok(['channel', 'restore', 'p11', 'HEAD~1'], store);
  assert.is(ok(['channel', 'ls', 'p11'], store).stdout.trim().split('\n').length, 2, 'restored the two-build state');
});

t('rule-coexistence: bazaar versions lists every build newest first with its channels and pins', () => {
  const store = sampleStore();
  ok(['channel', 'create', 'sisyphus', '--mode', 'alt'], store);
  ok(['channel', 'create', 'p11'], store);
  ok(['channel', 'add', 'sisyphus', ...BASH], store);
  ok(['channel', 'add', 'p11', BASH[0] as string], store);
  ok(['pin', BASH[0] as string, '--reason', 'core-os 11.0'], store);
  const rows = ok(['versions', 'bash'], store).stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.equal(rows.map((r) => [r[0], r[2], r[3]]), [[BASH[1], 'sisyphus', undefined], [BASH[0], 'p11,sisyphus', 'pinned']]);
  const j = json<Array<{ nevra: string; channels: string[]; pinned: boolean; pinReason?: string }>>(ok(['versions', 'openssl', '--json', '--channel', 'sisyphus'], store));
  assert.equal(j.map((r) => [r.nevra, r.channels, r.pinned]), [[OPENSSL[1], [], false], [OPENSSL[0], [], false]]);
  assert.match(ok(['pin'], store).stdout, `${BASH[0]}\t`);
});

t('rule-image-pins: bazaar rm refuses pinned and channel-held builds; unpin and channel remove free them', () => {
  const store = sampleStore();
  ok(['channel', 'create', 'sample'], store);
  ok(['channel', 'add', 'sample', BASH[0] as string], store);
  ok(['pin', BASH[0] as string], store);
  refused(['rm', BASH[0] as string], store, 'held by channel sample, a pin');
  ok(['unpin', 'bash'], store);
  refused(['unpin', 'bash'], store, 'no package bash in the pins');
  ok(['channel', 'remove', 'sample', 'bash'], store);
  assert.match(ok(['rm', BASH[0] as string], store).stdout, `removed ${BASH[0]}`);
  assert.not.match(ok(['ls'], store).stdout, BASH[0] as string);
});

t('rule-retention: bazaar gc keeps a removed build inside the window and deletes it with --retention-days 0', () => {
  const store = sampleStore();
  ok(['channel', 'create', 'sample'], store);
  ok(['channel', 'add', 'sample', ...OPENSSL], store);
  ok(['channel', 'remove', 'sample', OPENSSL[0] as string], store);
  ok(['rm', OPENSSL[0] as string], store);
  const kept = json<{ deleted: number; retentionDays: number }>(ok(['gc', '--json'], store));
  assert.equal([kept.deleted, kept.retentionDays], [0, 180], 'inside the default window nothing goes');
  const gone = json<{ deleted: number }>(ok(['gc', '--retention-days', '0', '--json'], store));
  assert.ok(gone.deleted > 0, 'outside the window the removed build goes');
  const fsck = bazaar(['fsck', '--store', store]);
  assert.is(fsck.status, 0, fsck.stdout);
  assert.match(fsck.stdout, 'pruned by gc (not damage)');
  assert.match(ok(['show', OPENSSL[1] as string], store).stdout, OPENSSL[1] as string);
});

t('rule-identity: bazaar add of a rebuild under a taken NEVRA exits 2 and changes nothing, --channel included', () => {
  const store = freshStore('cli-identity');
  ok(['add', join(projectRoot, 'repos/sample/RPMS/noarch/va-watchdog-1.5-alt3.noarch.rpm')], store);
  ok(['channel', 'create', 'sample'], store);
  const rebuild = join(projectRoot, 'test/fixtures/rebuild/va-watchdog-1.5-alt3.noarch.rpm');
  refused(['add', rebuild], store, /va-watchdog-1\.5-alt3\.noarch is already in the store as build sha256:/);
  refused(['add', join(RPMS, `${BASH[0]}.rpm`), rebuild, '--channel', 'sample'], store, 'bump the release');
  refused(['add', join(RPMS, `${BASH[0]}.rpm`), '--channel', 'nope'], store, 'no channel nope');
  ok(['add', join(RPMS, `${BASH[0]}.rpm`), '--channel', 'sample'], store);
  assert.is(ok(['channel', 'ls', 'sample'], store).stdout.split('\t')[0], BASH[0], 'add --channel put it in the channel');
});

t('rule-channels: concurrent channel adds are serialised by the store lock, none is lost', async () => {
  const store = sampleStore();
  ok(['channel', 'create', 'sample'], store);
  const run = (nevra: string): Promise<number> => new Promise((resolve) => {
    bazaarAsync(['channel', 'add', 'sample', nevra, '--store', store]).on('exit', (code) => resolve(code ?? -1));
  });
  const codes = await Promise.all([...OPENSSL, ...BASH].map(run));
  assert.equal(codes, [0, 0, 0, 0]);
  assert.is(ok(['channel', 'ls', 'sample'], store).stdout.trim().split('\n').length, 4, 'every add landed');
  assert.is(json<unknown[]>(ok(['channel', 'log', 'sample', '--json'], store)).length, 5, 'create + four add commits');
});

t.run();
