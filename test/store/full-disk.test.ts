/**
 * A full disk (issue 16, item 6). Every writer is run with the disk "filling up" at each
 * of its filesystem changes in turn (src/fs/fs-ops.ts: from the kth change on, every
 * change that needs space fails with ENOSPC, as a disk that fills would): it either
 * finishes (the failure hit only derived data) or exits 1 with one line saying the disk
 * is full, and then the store reads exactly as before, keeps every object it had and no
 * temp file. Readers on a full disk (after `reindex` dropped the caches) read without
 * writing. Then the same on a real full tmpfs, and over HTTP (503).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failWritesFrom, fsEventCount } from '../../src/fs/fs-ops.js';
import { Store, internals } from '../../src/store/store.js';
import { createApp } from '../../src/server/app.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { misbehaviour, runInProcess } from '../helpers/in-process.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { storedIds } from '../helpers/stored-objects.js';
import { testWith } from '../helpers/tools.js';

const t = suite('full disk');
const file = (nevra: string): string => sampleRpms().find((f) => f.endsWith(`/${nevra}.rpm`)) as string;
const NO_SPACE = /^bazaar [a-z-]+: cannot write to \S+: (no space is left on the device|the disk quota is used up); free some space and run the command again$/;

async function ok(dir: string, args: string[]): Promise<string> {
  const r = await runInProcess([...args, '--store', dir]);
  assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

let base = '';
/** Packages, a channel, a pin, a layer and an image on it, a group, a token: built once, copied per run. */
async function baseStore(): Promise<string> {
  if (base) return base;
  base = join(tempDir('full-base'), 'store');
  await ok(base, ['init']);
  await ok(base, ['add', file('filesystem-2.3.21-alt1.x86_64'), file('setup-2.2.9-alt1.noarch'), file('etcskel-5.0-alt1.noarch'), file('sed-4.9-alt1.x86_64')]);
  await ok(base, ['channel', 'create', 'c']);
  await ok(base, ['channel', 'add', 'c', 'filesystem', 'setup', 'etcskel']);
  await ok(base, ['pin', 'setup']);
  await ok(base, ['layer', 'create', 'q@1.0.0', '--nodeps', '--package', 'etcskel']);
  await ok(base, ['image', 'create', 'q@1.0.0', '--nodeps', '--layer', 'q@1']);
  await ok(base, ['token', 'create', '--scope', 'read', '--name', 'r']);
  return base;
}

/**
 * Where the runs' copies live: a tmpfs when there is one (/dev/shm), since each commit
 * syncs its filesystem and on a busy disk those syncs were most of this file's run time.
 */
const scratch = (label: string): string => (existsSync('/dev/shm') ? mkdtempSync('/dev/shm/bazaar-full-') : tempDir(label));

let copies = 0;
/** A copy of `from` under `parent` (deleting a store costs more than copying one here: deleted once at the end). */
function copy(from: string, parent = tempDir('full')): string {
  const dir = join(parent, `store-${copies++}`);
  cpSync(from, dir, { recursive: true });
  return dir;
}

/** Fields that carry the time of a change (records, commits, tokens): two runs of one command differ there. */
const TIMED = new Set(['record', 'created', 'updated', 'head', 'commit', 'time', 'id', 'pinned']);
const timeless = (v: unknown): unknown => (Array.isArray(v) ? v.map(timeless)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !TIMED.has(k)).map(([k, x]) => [k, timeless(x)])) : v);

/** What a user sees of the store (without times), and which branches it has. */
async function seen(dir: string): Promise<string> {
  const out: unknown[] = [];
  for (const args of [['ls', '--json'], ['channel', 'ls', '--json'], ['pin', '--json'], ['image', 'ls', '--json'], ['layer', 'ls', '--json'], ['group', 'ls', '--json'], ['token', 'ls', '--json']]) {
    out.push(timeless(JSON.parse(await ok(dir, args))));
  }
  const store = await Store.open(dir);
  const heads = (await internals(store).states.latest()).heads;
  out.push(Object.keys(heads).sort());
  // the builds of every channel, by name
  for (const c of Object.keys(heads).filter((b) => b.startsWith('channels/'))) out.push(timeless(JSON.parse(await ok(dir, ['channel', 'ls', c.slice(9), '--json']))));
  out.push(await storedBuildIds(dir));
  return JSON.stringify(out, null, 1);
}

/**
 * The store's content exactly: the heads of its newest state (every branch) and the files
 * beside the state (tokens, settings). Equal fingerprints read the same; cheap, so every
 * run is checked by it first.
 */
async function fingerprint(dir: string): Promise<string> {
  const store = await Store.open(dir);
  const beside = ['tokens.json', 'config.json'].map((f) => { try { return readFileSync(join(dir, f), 'utf8'); } catch { return null; } });
  return JSON.stringify([(await internals(store).states.latest()).heads, beside]);
}

/** The package ids (header digests) the store lists: time-free, unlike their records. */
async function storedBuildIds(dir: string): Promise<string[]> {
  return (JSON.parse(await ok(dir, ['ls', '--json'])) as Array<{ id: string }>).map((b) => b.id);
}

const WRITERS: Array<{ name: string; args: string[] }> = [
  { name: 'add --channel', args: ['add', file('bash-5.2.26-alt1.x86_64'), '--channel', 'c'] },
  { name: 'add --unpack', args: ['add', '--unpack', file('zlib-1.3.1-alt1.x86_64')] },
  { name: 'channel create', args: ['channel', 'create', 'd'] },
  { name: 'channel add', args: ['channel', 'add', 'c', 'sed'] },
  { name: 'channel remove', args: ['channel', 'remove', 'c', 'setup'] },
  { name: 'channel publish', args: ['channel', 'publish', 'c', 'filesystem', 'sed'] },
  { name: 'channel rename', args: ['channel', 'rename', 'c', 'e'] },
  { name: 'pin', args: ['pin', 'sed'] },
  { name: 'rm', args: ['rm', 'sed'] },
  { name: 'layer create', args: ['layer', 'create', 'z@1.0.0', '--nodeps', '--package', 'sed'] },
  { name: 'image create', args: ['image', 'create', 'z@1.0.0', '--nodeps', '--layer', 'q@1'] },
  { name: 'group set', args: ['group', 'set', 'g', 'sed', 'lib*'] },
  { name: 'token create', args: ['token', 'create', '--scope', 'admin'] },
  { name: 'import-tree', args: ['import-tree', 'TREE', '--name', 'src'] },
  { name: 'gc --retention-days 0', args: ['gc', '--retention-days', '0'] },
  { name: 'fsck --repair', args: ['fsck', '--repair'] },
  { name: 'reindex', args: ['reindex'] },
];

/** A small tree for import-tree. */
function tree(): string {
  const dir = tempDir('full-tree');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'motd'), 'hello\n');
  writeFileSync(join(dir, 'big'), Buffer.alloc(200_000, 7));
  return dir;
}

/** The lines of `now` that differ from `want` (for a short failure message). */
function changed(want: string, now: string): string {
  const a = want.split('\n');
  const b = now.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 6; i++) if (a[i] !== b[i]) out.push(`line ${i}: ${a[i]} -> ${b[i]}`);
  return out.join('; ');
}

let runs = 0;
for (const w of WRITERS) {
  t(`${w.name}: with the disk full from any of its changes on, it finishes or says so in one line and changes nothing`, async () => {
    const start = await baseStore();
    const args = w.args.map((a) => (a === 'TREE' ? tree() : a));
    const before = await fingerprint(start);
    const objectsBefore = await storedIds(start);
    const parent = scratch('full-runs');
    const probe = copy(start, parent);
    const from = fsEventCount();
    await ok(probe, args);
    const events = fsEventCount() - from;
    const after = await seen(probe);
    assert.ok(events > 0, `${w.name} changes the store`);
    for (let k = 1; k <= events + 1; k++) {
      const dir = copy(start, parent);
      failWritesFrom(k);
      const r = await runInProcess([...args, '--store', dir]);
      failWritesFrom(0);
      runs++;
      const what = `${w.name}, disk full from change ${k}/${events}`;
      assert.is(misbehaviour(r), null, what);
      const unchanged = await fingerprint(dir) === before;
      if (r.status === 0) {
        const now = await seen(dir);
        assert.ok(now === after, `${what}: it finished, so the store reads as after: ${changed(after, now)}`);
      } else {
        assert.is(r.status, 1, `${what}: ${r.stderr}`);
        assert.match(r.stderr.trim().split('\n').pop() as string, NO_SPACE, what);
        assert.ok(unchanged, `${what}: refused, so the store is as before`);
        const objects = new Set(await storedIds(dir));
        assert.ok(objectsBefore.every((id) => objects.has(id)), `${what}: no object is lost`);
        assert.equal(readdirSync(join(dir, 'tmp')), [], `${what}: no temp file is left`);
      }
      if (k % 8 === 0 || k === events) {
        const fsck = await (await Store.open(dir)).fsck();
        assert.ok(fsck.ok, `${what}: fsck is clean: ${JSON.stringify([fsck.problems, fsck.history, fsck.state])}`);
      }
    }
    void rm(parent, { recursive: true, force: true }); // meanwhile, on the thread pool
  });
}

t('reindex on a full disk says so; reads after it build their indexes in memory and write nothing', async () => {
  const dir = copy(await baseStore());
  const listing = await ok(dir, ['ls', '--json']);
  failWritesFrom(1);
  try {
    const r = await runInProcess(['reindex', '--store', dir]);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr.trim().split('\n').pop() as string, NO_SPACE);
    for (const args of [['ls', '--json'], ['show', 'sed'], ['versions', 'sed'], ['channel', 'ls', 'c'], ['image', 'ls'], ['fsck'], ['resolve', '--channel', 'c', '--install', 'etcskel']]) {
      const read = await runInProcess([...args, '--store', dir]);
      assert.is(misbehaviour(read), null, `${args.join(' ')} on a full disk`);
      assert.is(read.status, 0, `${args.join(' ')} on a full disk: ${read.stderr}`);
      if (args[0] === 'ls') assert.is(read.stdout, listing, 'the same listing as before');
    }
  } finally {
    failWritesFrom(0);
  }
  assert.equal(readdirSync(join(dir, 'tmp')), [], 'no temp file is left');
});

t('over HTTP a full disk is 503 with a one-line JSON reason, and the store unchanged', async () => {
  const dir = copy(await baseStore());
  const token = (await ok(dir, ['token', 'create', '--scope', 'admin'])).trim();
  const store = await Store.open(dir);
  const app = createApp(store);
  const before = await seen(dir);
  const body = readFileSync(file('bash-5.2.26-alt1.x86_64'));
  failWritesFrom(1);
  try {
    const res = await app.request('/v1/packages?channel=c', { method: 'POST', body, headers: { Authorization: `Bearer ${token}` } });
    const json = await res.json() as { error: { code: string; message: string } };
    assert.is(res.status, 503, JSON.stringify(json));
    assert.is(json.error.code, 'ERR_NO_SPACE');
    assert.not.match(json.error.message, '\n');
    const read = await app.request('/v1/channels/c');
    assert.is(read.status, 200, 'reads still answer');
  } finally {
    failWritesFrom(0);
  }
  assert.is(await seen(dir), before);
});

/** Runs the built CLI in a child (a real process on a real full disk). */
function cli(dir: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', dir], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

/** A small tmpfs (root only; a container may refuse even root: then skipped by name). */
function tmpfs(): string | null {
  const dir = tempDir('tmpfs');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
  return r.status === 0 ? dir : null;
}
const mounted = process.getuid?.() === 0 ? tmpfs() : null;

testWith(t, 'a real full tmpfs: every writer exits 1 in one line and the store reads as before; reads work', mounted ? ['mount', 'umount'] : ['mount-tmpfs'], async () => {
  const mnt = mounted as string;
  try {
    const dir = join(mnt, 'store');
    cpSync(await baseStore(), dir, { recursive: true });
    const before = await seen(dir);
    const filler = join(mnt, 'filler');
    // fill what is left (dd stops at ENOSPC); before each command, since one may free a little
    const fill = (): void => { rmSync(filler, { force: true }); spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']); };
    for (const w of WRITERS) {
      fill();
      const args = w.args.map((a) => (a === 'TREE' ? tree() : a));
      const r = cli(dir, args);
      assert.ok(r.status === 0 || r.status === 1, `${w.name} on a full disk: exit ${r.status}: ${r.stderr}`);
      assert.not.match(r.stderr, /\n\s+at |internal error/);
      if (r.status === 1) assert.match(r.stderr.trim().split('\n').pop() as string, NO_SPACE, w.name);
      if (r.status === 1) assert.is(await seen(dir), before, `${w.name}: the store reads as before`);
    }
    fill();
    for (const args of [['ls'], ['fsck'], ['show', 'sed']]) {
      const r = cli(dir, args);
      assert.is(r.status, 0, `${args.join(' ')} on a full disk: ${r.stderr}`);
    }
    fill();
    const out = cli(dir, ['image', 'export', 'q', join(mnt, 'q.tar.zst'), '--format', 'tar.zst']);
    assert.is(out.status, 1, out.stderr);
    assert.match(out.stderr.trim(), NO_SPACE);
  } finally {
    execFileSync('umount', [mnt]);
  }
});

t.after(() => { console.log(`full disk: ${runs} runs with the disk filling up`); });

t.run();
