/**
 * kill -9 at every filesystem event (not at random delays): `add --channel`, `gc`,
 * `reindex`, `rm` and `fsck --repair` (of a lost state file) run with BAZAAR_FAULT_AT=k, which makes the process
 * SIGKILL itself just before its kth change to the store (src/fs/fs-ops.ts), for every
 * k. After each kill: fsck is clean, the store reads as exactly the state before or the
 * state after, and (every few k, to bound the run time) when it reads as before, the same
 * command then succeeds with no recovery step.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('crash points');
const file = (nevra: string): string => sampleRpms().find((f) => f.endsWith(`/${nevra}.rpm`)) as string;

function cli(dir: string, args: string[], env: Record<string, string> = {}): { status: number | null; signal: string | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', dir], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** What a user sees: the builds and the channel's builds. */
async function seen(dir: string): Promise<string> {
  const store = await Store.open(dir);
  const channel = async (s: Parameters<typeof readChannel>[1]): Promise<string[] | null> => (s.head('channels/c') === null ? null : (await readChannel(store, s, 'c')).builds.map((b) => b.nevra));
  return store.read(async (s) => JSON.stringify([(await store.list(s)).map((b) => b.nevra), await channel(s)]));
}

/** `env`: what every command runs with (BAZAAR_HISTORY_PACK_AT=1: each commit packs its git objects). */
function base(env: Record<string, string> = {}): string {
  const dir = freshStore('crash-base');
  for (const args of [['add', file('filesystem-2.3.21-alt1.x86_64'), file('setup-2.2.9-alt1.noarch'), file('etcskel-5.0-alt1.noarch')], ['channel', 'create', 'c'],
  ['channel', 'add', 'c', 'setup', 'etcskel'], ['channel', 'remove', 'c', 'etcskel'], ['rm', 'etcskel'],
  // a deleted channel: its trash branch expires in a gc with a window of 0
  ['channel', 'create', 'old'], ['channel', 'add', 'old', 'filesystem'], ['channel', 'delete', 'old']]) {
    const r = cli(dir, args, env);
    assert.is(r.status, 0, r.stderr);
  }
  return dir;
}

/**
 * `then`: a command that must succeed on whatever a kill left (gc with the default window
 * after one with a window of 0 must not mistake what that one collected for damage).
 */
const PACK_EVERY_COMMIT = { BAZAAR_HISTORY_PACK_AT: '1' };
const COMMANDS: Array<{ name: string; args: string[]; then?: string[]; fresh?: boolean; env?: Record<string, string> }> = [
  // a fresh store: state 1's predecessor is the empty state, which has no file
  { name: 'the first add into a fresh store', args: ['add', file('filesystem-2.3.21-alt1.x86_64'), file('setup-2.2.9-alt1.noarch'), file('etcskel-5.0-alt1.noarch')], fresh: true },
  { name: 'add --channel', args: ['add', file('sed-4.9-alt1.x86_64'), '--channel', 'c'] },
  { name: 'gc --retention-days 0', args: ['gc', '--retention-days', '0'], then: ['gc'] },
  { name: 'reindex', args: ['reindex'] },
  { name: 'rm', args: ['rm', 'filesystem'] },
  // its commit packs the history's loose objects and, past 8 packs, merges the small ones
  { name: 'add --channel packing and merging the history', args: ['add', file('sed-4.9-alt1.x86_64'), '--channel', 'c'], env: PACK_EVERY_COMMIT },
];

for (const cmd of COMMANDS) {
  t(`kill -9 at every filesystem event of ${cmd.name}`, async () => {
    const env = cmd.env ?? {};
    const start = cmd.fresh ? freshStore('crash-fresh') : base(env);
    const before = await seen(start);
    const probe = join(tempDir('crash-probe'), 'store');
    cpSync(start, probe, { recursive: true });
    const counted = cli(probe, cmd.args, { ...env, BAZAAR_FAULT_COUNT: '1' });
    assert.is(counted.status, 0, counted.stderr);
    const events = Number(/fs-events: (\d+)/.exec(counted.stderr)?.[1]);
    assert.ok(events > 3, `${cmd.name} makes ${events} changes`);
    const after = await seen(probe);
    for (let k = 1; k <= events; k++) {
      const dir = join(tempDir('crash'), 'store');
      cpSync(start, dir, { recursive: true });
      const killed = cli(dir, cmd.args, { ...env, BAZAAR_FAULT_AT: String(k), BAZAAR_FAULT_COUNT: '1' });
      // git object ids carry the time, so whether a loose-object directory must be made
      // first varies: a run may finish in fewer events than the counted one (and says so)
      const ran = Number(/fs-events: (\d+)/.exec(killed.stderr)?.[1] ?? Infinity);
      if (killed.signal !== 'SIGKILL' && ran < k) assert.is(killed.status, 0, killed.stderr);
      else assert.is(killed.signal, 'SIGKILL', `${cmd.name} was killed at event ${k}/${events}: ${killed.stderr}`);
      const store = await Store.open(dir);
      const fsck = await store.fsck();
      assert.ok(fsck.ok, `fsck after a kill at event ${k}/${events} of ${cmd.name}: ${JSON.stringify([fsck.problems, fsck.history, fsck.state])}`);
      const now = await seen(dir);
      assert.ok(now === before || now === after, `after a kill at event ${k} of ${cmd.name}: the state before or after, got ${now}`);
      if (cmd.then && (k % 3 === 0 || k === events)) {
        const then = cli(dir, cmd.then);
        assert.is(then.status, 0, `${cmd.then.join(' ')} after a kill at event ${k} of ${cmd.name}: ${then.stderr}`);
        const clean = await store.fsck();
        assert.ok(clean.ok && clean.problems.length === 0, `fsck after ${cmd.then.join(' ')}: ${JSON.stringify(clean.problems)}`);
        assert.is(await seen(dir), now);
        continue;
      }
      if ((k % 4 === 0 || k === events) && now === before) {
        const again = cli(dir, cmd.args, env);
        assert.is(again.status, 0, `${cmd.name} again after a kill at event ${k}: ${again.stderr}`);
        assert.is(await seen(dir), after);
        assert.ok((await store.fsck()).ok);
      }
    }
  });
}

t('kill -9 at every filesystem event of fsck --repair restoring a lost newest state file', async () => {
  const start = base();
  assert.is(cli(start, ['add', file('sed-4.9-alt1.x86_64'), '--channel', 'c']).status, 0);
  const pristine = await seen(start);
  const states = readdirSync(join(start, 'state')).sort();
  rmSync(join(start, 'state', states[states.length - 1]));
  const probe = join(tempDir('crash-probe'), 'store');
  cpSync(start, probe, { recursive: true });
  const counted = cli(probe, ['fsck', '--repair'], { BAZAAR_FAULT_COUNT: '1' });
  assert.is(counted.status, 0, counted.stderr);
  const events = Number(/fs-events: (\d+)/.exec(counted.stderr)?.[1]);
  for (let k = 1; k <= events; k++) {
    const dir = join(tempDir('crash'), 'store');
    cpSync(start, dir, { recursive: true });
    cli(dir, ['fsck', '--repair'], { BAZAAR_FAULT_AT: String(k) });
    assert.is(await seen(dir), pristine, `reads give the state ahead after a kill at event ${k}/${events}`);
    const store = await Store.open(dir);
    const fsck = await store.fsck();
    if (!fsck.ok) {
      assert.equal(fsck.problems, [], 'only the state is damaged');
      const again = cli(dir, ['fsck', '--repair']);
      assert.is(again.status, 0, `repair again after a kill at event ${k}: ${again.stderr}`);
      assert.ok((await (await Store.open(dir)).fsck()).ok);
    }
    assert.is(await seen(dir), pristine, `nothing lost after a kill at event ${k}/${events} and a repair`);
    assert.is(cli(dir, ['gc']).status, 0);
    assert.is(await seen(dir), pristine);
  }
});

t.run();
