/**
 * A kill -9 at any moment of an image operation leaves the previous version intact (or
 * the new one whole) and fsck clean: `image install`, `layer upgrade` (several images in
 * one transaction), `image rollback`, and a parent's install carrying a linked child and
 * grandchild along (the family all or nothing), killed at every filesystem event.
 */
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listImages } from '../../src/api/image-ops.js';
import { Store } from '../../src/store/store.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('image crash points');

function cli(dir: string, args: string[], env: Record<string, string> = {}): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', dir], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The images as a user sees them: versions, layers, packages (not ids: an install's
 * snippets record the install time, so two runs of one install differ in ids).
 */
async function seen(dir: string): Promise<string> {
  const store = await Store.open(dir);
  const images = await store.read((s) => listImages(store, s));
  return JSON.stringify(images.map((i) => [i.name, i.version, i.layers.map((l) => `${l.name}@${l.version}`), i.packages]));
}

function base(family = false): string {
  const dir = freshStore('image-crash');
  for (const args of [
    ['add', ...sampleRpms().filter((f) => /\/(filesystem|libc6-2.38-alt2.x86_64|bash-5.2.26-alt[12]|sed)/.test(f))],
    ['channel', 'create', 's'], ['channel', 'add', 's', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'sed'],
    ['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64'],
    ['image', 'create', 'a@1.0.0', '--layer', 'base@^1.0', '--channel', 's'],
    ['image', 'create', 'b@1.0.0', '--layer', 'base@^1.0', '--channel', 's'],
    ['image', 'install', 'b', 'sed'],
    ['layer', 'create', 'base@1.0.1', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'],
    ...(family ? [
      ['image', 'create', 'c@1.0.0', '--layer', 'base@^1.0', '--channel', 's'],
      ['link', 'b', 'a', '--policy', 'mirror:all'], ['link', 'c', 'b', '--policy', 'mirror:all'],
    ] : []),
  ]) {
    const r = cli(dir, args);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  return dir;
}

const COMMANDS: Array<{ args: string[]; family?: boolean }> = [
  { args: ['image', 'install', 'a', 'sed'] }, { args: ['layer', 'upgrade', 'base@1.0.0', '--to', 'base@1.0.1'] }, { args: ['image', 'rollback', 'b'] },
  { args: ['image', 'install', 'a', 'sed'], family: true },
];

for (const { args, family } of COMMANDS) {
  t(`kill -9 at every filesystem event of ${args.slice(0, 2).join(' ')}${family ? ' on a parent with a linked child and grandchild' : ''}`, async () => {
    const start = base(family);
    const before = await seen(start);
    const probe = join(tempDir('image-crash-probe'), 'store');
    cpSync(start, probe, { recursive: true });
    const counted = cli(probe, args, { BAZAAR_FAULT_COUNT: '1' });
    assert.is(counted.status, 0, counted.stderr);
    const events = Number(/fs-events: (\d+)/.exec(counted.stderr)?.[1]);
    const after = await seen(probe);
    assert.not.equal(after, before);
    if (family) {
      const sedIn = (state: string): string[] => (JSON.parse(state) as Array<[string, string, string[], string[]]>).filter((i) => i[3].some((p) => p.startsWith('sed-'))).map((i) => i[0]);
      assert.equal(sedIn(before), [], 'linking made the mirror children drop sed');
      assert.equal(sedIn(after), ['a', 'b', 'c'], 'the install carried the child and grandchild along');
    }
    for (let k = 1; k <= events; k++) {
      const dir = join(tempDir('image-crash'), 'store');
      cpSync(start, dir, { recursive: true });
      const killed = cli(dir, args, { BAZAAR_FAULT_AT: String(k), BAZAAR_FAULT_COUNT: '1' });
      // object and commit ids carry the time, so whether a fan-out directory must be made
      // first varies: a run may finish in fewer events than the counted one (and says so)
      const ran = Number(/fs-events: (\d+)/.exec(killed.stderr)?.[1] ?? Infinity);
      if (killed.signal !== 'SIGKILL' && ran < k) assert.is(killed.status, 0, killed.stderr);
      else assert.is(killed.signal, 'SIGKILL', `killed at event ${k}/${events}: ${killed.stderr}`);
      const now = await seen(dir);
      assert.ok(now === before || now === after, `after a kill at event ${k} of ${args.join(' ')}: the images before or after, not a mix`);
      const fsck = await (await Store.open(dir)).fsck();
      assert.ok(fsck.ok, `fsck after a kill at event ${k}: ${JSON.stringify([fsck.problems, fsck.history, fsck.state])}`);
    }
  });
}

t.run();
