/**
 * Damage never costs data (the issue "damage never costs data"): a scripted suite, one
 * case per kind of damage a disk, a crash or a hand can leave. For each:
 *
 * - every command meets the damaged store with exit 0, 1 or 2 and at most one line on
 *   stderr (never 70, never a stack trace);
 * - fsck exits 1 naming the damage (0 where nothing is damaged);
 * - gc deletes nothing that the store reached before the damage (and refuses outright
 *   where the damage hides what the store holds: a lost state);
 * - after `fsck --repair` (with the step it names: re-adding the original .rpm, or
 *   --reset-ref) fsck is clean, and the store equals its pristine copy: `ls --json`,
 *   the channel, the pins, `image ls --json`, `layer ls --json` and the set of objects.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stateSeqOf } from '../../src/store/layout.js';
import { flipStoredBit, removeStored, storedIds } from '../helpers/stored-objects.js';
import type { ObjectId } from '../../src/store/layout.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('damage');

const PKGS = ['filesystem-2.3.21-alt1.x86_64', 'etcskel-5.0-alt1.noarch', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64', 'sed-4.9-alt1.x86_64', 'setup-2.2.9-alt1.noarch'];
const file = (nevra: string): string => sampleRpms().find((f) => f.endsWith(`/${nevra}.rpm`)) as string;

interface Run { status: number | null; stdout: string; stderr: string }
const cli = (dir: string, args: string[]): Run => {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', dir], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

let base = '';
/** A store with packages, a channel with history, a pin: built once, copied per case. */
function baseStore(): string {
  if (base) return base;
  base = freshStore('damage-base');
  const ok = (args: string[]): void => { const r = cli(base, args); assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`); };
  ok(['add', '--unpack', ...PKGS.slice(0, 5).map(file)]); // a file of bash is damaged below
  ok(['channel', 'create', 'c']);
  ok(['channel', 'add', 'c', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64']);
  ok(['add', file(PKGS[5])]);
  ok(['channel', 'add', 'c', 'bash-5.2.26-alt2.x86_64']);
  ok(['pin', 'bash-5.2.26-alt1.x86_64', '--reason', 'kept for a VA']);
  ok(['add', file(PKGS[6])]);
  ok(['channel', 'add', 'c', 'setup']);
  ok(['layer', 'create', 'base@1.0.0', '--resolve', 'bash', '--channel', 'c']);
  ok(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'c']);
  return base;
}

function copy(): string {
  const dir = join(tempDir('damage'), 'store');
  cpSync(baseStore(), dir, { recursive: true });
  return dir;
}

/** What the user sees: listing, the channel, the pins, images and layers. */
function view(dir: string): string[] {
  // in the test worker, each run a fresh open of the store (as the sweep below)
  return [['ls', '--json'], ['channel', 'ls', 'c'], ['pin'], ['image', 'ls', '--json'], ['layer', 'ls', '--json']].map((args) => bazaarFast([...args, '--store', dir]).stdout);
}

function state(dir: string): { seq: number; heads: Record<string, string> } {
  const seqs = readdirSync(join(dir, 'state')).map(stateSeqOf).filter((n): n is number => n !== null).sort((a, b) => a - b);
  const seq = seqs[seqs.length - 1];
  return { seq, heads: JSON.parse(readFileSync(join(dir, 'state', String(seq).padStart(12, '0')), 'utf8')).heads };
}

const gitPath = (dir: string, oid: string): string => join(dir, 'refs.git', 'objects', oid.slice(0, 2), oid.slice(2));
function gitRead(dir: string, oid: string): string { return inflateSync(readFileSync(gitPath(dir, oid))).toString('latin1'); }
function treeOf(dir: string, commit: string): string { return /^.*?tree ([0-9a-f]{40})/s.exec(gitRead(dir, commit))?.[1] as string; }
function parentOf(dir: string, commit: string): string { return /parent ([0-9a-f]{40})/.exec(gitRead(dir, commit))?.[1] as string; }

async function allObjects(dir: string): Promise<Set<string>> { return new Set(await storedIds(dir)); }

const READS = (rpmId: string): string[][] => [
  ['ls'], ['ls', '--json'], ['show', 'bash-5.2.26-alt1.x86_64'], ['versions', 'bash'], ['channel', 'ls', 'c'], ['channel', 'log', 'c'],
  ['channel', 'diff', 'c'], ['pin'], ['fsck'], ['fsck', '--json'], ['cat', rpmId], ['resolve', '--channel', 'c', '--install', 'bash'],
];
const WRITES: string[][] = [['gc'], ['reindex'], ['add', 'SED'], ['pin', 'sed'], ['rm', 'etcskel'], ['channel', 'add', 'c', 'sed']];

/** Every command on the damaged store: exit 0/1/2, at most one line, never a stack trace. */
function walk(dir: string, label: string, readsOnly = false): void {
  const rpmId = JSON.parse(cli(baseStore(), ['show', '--json', 'bash-5.2.26-alt1.x86_64']).stdout).rpm as string;
  const scratch = join(tempDir('damage-walk'), 'store');
  cpSync(dir, scratch, { recursive: true });
  for (const args of [...READS(rpmId), ...(readsOnly ? [] : WRITES)]) {
    const real = args.map((a) => (a === 'SED' ? file(PKGS[5]) : a));
    // the sweep runs the CLI's dispatch in the test worker (cli-fast.ts): each run opens the
    // store afresh, with caches of its own (StoreMemory), as a new process would
    const r = bazaarFast([...real, '--store', scratch]);
    assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `${label}: ${args.join(' ')} exits ${r.status}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l && !/building the package index|rebuilding it/.test(l));
    assert.ok(lines.length <= 1, `${label}: ${args.join(' ')}: one line, got:\n${r.stderr}`);
    assert.not.match(r.stderr, /internal error|\n\s+at /, `${label}: ${args.join(' ')}`);
  }
}

interface Case {
  name: string;
  /** Only reading commands in the walk (writers rightly wait for a live lock). */
  readsOnly?: boolean;
  damage(dir: string): void | Promise<void>;
  /** fsck's exit code on the damaged store and what its output must name. */
  fsck: { status: number; names?: Array<string | RegExp> };
  /** gc must refuse (exit 1, nothing deleted), not only keep what was reached. */
  gcRefuses?: boolean;
  /** Reads answer from the witness that is ahead: the store reads as before the damage. */
  readsAsBefore?: boolean;
  /** Steps after the damage: extra args for the repair, and re-adding files. */
  repair?: { resetRef?: string; readd?: string[]; run?: string[][] };
}

const stateFile = (d: string, seq: number): string => join(d, 'state', String(seq).padStart(12, '0'));
const recordRef = (d: string): string => join(d, 'refs.git/refs/bazaar/state');

const CASES: Case[] = [
  {
    name: 'state/ deleted (the git record still names every branch)',
    damage: (d) => rmSync(join(d, 'state'), { recursive: true, force: true }),
    fsck: { status: 1, names: [/state: state \d+ is missing: no state file reads/] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'the newest state file deleted (the last commit must not roll back)',
    damage: (d) => rmSync(stateFile(d, state(d).seq), { force: true }),
    fsck: { status: 1, names: [/state: state \d+ is missing: the newest state file that reads is \d+/] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'the three newest state files deleted',
    damage: (d) => { const s = state(d).seq; for (const q of [s, s - 1, s - 2]) rmSync(stateFile(d, q), { force: true }); },
    fsck: { status: 1, names: [/state \d+ is missing/] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'every git ref deleted (the state files still hold the heads)',
    damage: (d) => rmSync(join(d, 'refs.git', 'refs'), { recursive: true, force: true }),
    fsck: { status: 1, names: ['the git record of the state is missing', 'git ref refs/heads/packages is missing'] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'the git record of the state moved two states back (a restored backup of the refs)',
    damage: (d) => {
      const grand = parentOf(d, parentOf(d, readFileSync(recordRef(d), 'utf8').trim()));
      writeFileSync(recordRef(d), `${grand}\n`);
    },
    fsck: { status: 1, names: [/the git record of the state is at state \d+, behind the state/] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'a garbage git record of the state',
    damage: (d) => writeFileSync(recordRef(d), 'garbage\n'),
    fsck: { status: 1, names: ['the git record of the state (refs/bazaar/state) cannot be read'] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'a garbage newest state file and a garbage git record (the branch refs are ahead)',
    damage: (d) => { writeFileSync(stateFile(d, state(d).seq), '{"seq": 9, garbage'); writeFileSync(recordRef(d), 'garbage\n'); },
    fsck: { status: 1, names: [/state \d+ is damaged/, /state \d+ is missing: .* the git refs are ahead of it/] },
    gcRefuses: true,
    readsAsBefore: true,
  },
  {
    name: 'a garbage branch ref (the git mirror of the state)',
    damage: (d) => writeFileSync(join(d, 'refs.git/refs/heads/packages'), 'garbage\n'),
    fsck: { status: 1, names: ['git ref refs/heads/packages is unreadable'] },
  },
  {
    name: 'an empty channel ref and a garbage pins ref',
    damage: (d) => { writeFileSync(join(d, 'refs.git/refs/heads/channels/c'), ''); writeFileSync(join(d, 'refs.git/refs/heads/pins'), 'xyz'); },
    fsck: { status: 1, names: ['refs/heads/channels/c', 'refs/heads/pins'] },
  },
  {
    name: 'a garbage newest state file',
    damage: (d) => { const s = state(d); writeFileSync(join(d, 'state', String(s.seq).padStart(12, '0')), '{"seq": 3, garbage'); },
    fsck: { status: 1, names: [/state \d+ .*is damaged/] },
  },
  {
    name: 'a bit-flipped head commit of packages',
    damage: (d) => { const c = state(d).heads.packages; const p = gitPath(d, c); const b = readFileSync(p); b[b.length - 3] ^= 0x10; rmSync(p, { force: true }); writeFileSync(p, b); },
    fsck: { status: 1, names: ['history: packages', state(baseStoreLazy()).heads.packages] },
  },
  {
    name: 'a deleted tree of the packages head',
    damage: (d) => rmSync(gitPath(d, treeOf(d, state(d).heads.packages)), { force: true }),
    fsck: { status: 1, names: ['history: packages', 'is missing'] },
  },
  {
    name: 'a deleted old commit of the channel',
    damage: (d) => { const c = state(d).heads['channels/c']; rmSync(gitPath(d, parentOf(d, parentOf(d, c))), { force: true }); },
    fsck: { status: 1, names: ['history: channels/c'] },
    repair: { resetRef: 'channels/c' },
  },
  {
    name: 'a rewritten value blob of the channel (another id)',
    damage: (d) => {
      const c = state(d).heads['channels/c'];
      const root = inflateSync(readFileSync(gitPath(d, treeOf(d, c))));
      // the .channel settings entry: its blob holds the settings object's id
      const at = root.indexOf(Buffer.from('.channel\u0000'));
      const oid = root.subarray(at + 9, at + 29).toString('hex');
      const p = gitPath(d, oid);
      rmSync(p, { force: true });
      writeFileSync(p, deflateSync(Buffer.from(`blob 72\u0000sha256:${'0'.repeat(64)}\n`)));
    },
    fsck: { status: 1, names: ['history: channels/c', 'does not hash to its id'] },
  },
  {
    name: 'a missing package manifest, and the derived index deleted',
    damage: async (d) => {
      const m = JSON.parse(cli(d, ['show', '--json', 'sed-4.9-alt1.x86_64']).stdout).manifest as ObjectId;
      await removeStored(d, m);
      rmSync(join(d, 'cache'), { recursive: true, force: true });
    },
    fsck: { status: 1, names: ['missing', 'manifest of package sed-1:4.9-alt1.x86_64'] },
  },
  {
    name: 'a flipped byte in a file of a package',
    damage: (d) => {
      const m = JSON.parse(cli(d, ['show', '--json', 'bash-5.2.26-alt1.x86_64']).stdout);
      const f = (m.files as Array<{ path: string; id?: string }>).find((x) => x.id && x.path === '/bin/bash') ?? (m.files as Array<{ id?: string }>).find((x) => x.id);
      flipStoredBit(d, f!.id as ObjectId, 0.5, 2);
    },
    fsck: { status: 1, names: ['damaged', 'of package bash-5.2.26-alt1.x86_64'] },
  },
  {
    name: 'a flipped byte in an .rpm file (only a re-add can heal it)',
    damage: (d) => {
      flipStoredBit(d, JSON.parse(cli(d, ['show', '--json', 'sed-4.9-alt1.x86_64']).stdout).rpm as ObjectId, 1 / 3);
    },
    fsck: { status: 1, names: ['.rpm file of package sed-1:4.9-alt1.x86_64'] },
    repair: { readd: ['sed-4.9-alt1.x86_64'] },
  },
  {
    name: 'a lost layer object and a lost snippet (healed by creating the layer again from the same packages)',
    damage: async (d) => {
      const layer = JSON.parse(cli(d, ['image', 'show', '--json', 'web']).stdout).layers[0].id as ObjectId;
      const tree = JSON.parse(cli(d, ['cat', '--json', layer]).stdout).json.tree as ObjectId;
      const root = JSON.parse(cli(d, ['cat', '--json', tree]).stdout).json.entries as Array<{ name: string; id: ObjectId }>;
      const snippet = await findSnippet(d, root.find((e) => e.name === 'var')?.id as ObjectId);
      await removeStored(d, layer);
      await removeStored(d, snippet);
    },
    // what only the lost layer object reached (its tree, the snippet) is out of sight until it is back
    fsck: { status: 1, names: [/missing sha256:[0-9a-f]{64} \(layer\): layer base@1\.0\.0 of image web@1\.0\.0/] },
    gcRefuses: true,
    repair: { run: [['layer', 'create', 'base@1.0.0', '--resolve', 'bash', '--channel', 'c']] },
  },
  {
    name: 'tmp/ deleted',
    damage: (d) => rmSync(join(d, 'tmp'), { recursive: true, force: true }),
    fsck: { status: 0 },
  },
  {
    name: 'a directory in tmp/ named like a temp file, and a stray file in objects/',
    damage: (d) => { mkdirSync(join(d, 'tmp', '999999-abcdef.tmp'), { recursive: true }); writeFileSync(join(d, 'objects', 'README'), 'not an object'); },
    fsck: { status: 0, names: ['stray: ', 'objects/README', '999999-abcdef.tmp'] },
  },
  {
    name: 'a lock naming another host',
    readsOnly: true,
    damage: (d) => writeFileSync(join(d, 'lock'), '12345 some-other-host 0 2026-01-01T00:00:00Z\n'),
    fsck: { status: 0 },
  },
];

function baseStoreLazy(): string { return baseStore(); }

/** The first snippet under a layer's var/ tree (var/lib/bazaar/db/*.json). */
async function findSnippet(dir: string, varTree: ObjectId): Promise<ObjectId> {
  let at = varTree;
  for (const name of ['lib', 'bazaar', 'db']) {
    const entries = JSON.parse(cli(dir, ['cat', '--json', at]).stdout).json.entries as Array<{ name: string; id: ObjectId }>;
    at = entries.find((e) => e.name === name)?.id as ObjectId;
  }
  const dbEntries = JSON.parse(cli(dir, ['cat', '--json', at]).stdout).json.entries as Array<{ name: string; id: ObjectId }>;
  return dbEntries[0].id;
}

for (const c of CASES) {
  t(c.name, async () => {
    const dir = copy();
    const before = view(dir);
    const objectsBefore = await allObjects(dir);
    await c.damage(dir);
    if (c.readsAsBefore) assert.equal(view(dir), before, 'reads answer as before the damage (from the witness ahead)');
    walk(dir, c.name, c.readsOnly);
    const fsck = cli(dir, ['fsck']);
    assert.is(fsck.status, c.fsck.status, `fsck: ${fsck.stdout}${fsck.stderr}`);
    for (const n of c.fsck.names ?? []) assert.match(fsck.stdout, n, `fsck names ${String(n)}:\n${fsck.stdout}`);
    assert.not.match(fsck.stdout, /run 'bazaar fsck'/, 'fsck never tells the user to run fsck');
    if (c.name.includes('lock')) rmSync(join(dir, 'lock'), { force: true }); // held by another host: an admin's call
    const damaged = await allObjects(dir);
    const gc = cli(dir, ['gc']);
    assert.ok(gc.status === 0 || gc.status === 1, `gc: ${gc.stderr}`);
    const objectsAfterGc = await allObjects(dir);
    const lost = [...objectsBefore].filter((id) => damaged.has(id) && !objectsAfterGc.has(id));
    assert.equal(lost, [], 'gc deleted nothing the store held before the damage');
    if (c.gcRefuses) {
      assert.is(gc.status, 1, `gc refuses: ${gc.stdout}${gc.stderr}`);
      assert.equal([...objectsAfterGc].sort(), [...damaged].sort(), 'gc deleted nothing at all');
    }
    for (const nevra of c.repair?.readd ?? []) {
      const r = cli(dir, ['add', file(nevra)]);
      assert.is(r.status, 0, `re-adding ${nevra}: ${r.stderr}`);
    }
    for (const args of c.repair?.run ?? []) {
      const r = cli(dir, args);
      assert.is(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const repair = cli(dir, ['fsck', '--repair', ...(c.repair?.resetRef ? ['--reset-ref', c.repair.resetRef] : [])]);
    assert.is(repair.status, 0, `fsck --repair:\n${repair.stdout}${repair.stderr}`);
    const after = cli(dir, ['fsck']);
    assert.is(after.status, 0, `fsck after repair: ${after.stdout}`);
    assert.equal(view(dir), before, 'ls, the channel, the pins, images and layers read as before the damage');
    const objectsAfter = await allObjects(dir);
    const extra = [...objectsAfter].filter((id) => !objectsBefore.has(id));
    const missing = [...objectsBefore].filter((id) => !objectsAfter.has(id));
    assert.equal({ extra, missing }, { extra: [], missing: [] }, `the object set equals the pristine store's: ${extra.map((id) => cli(dir, ['cat', id]).stdout.slice(0, 200)).join(' | ')}`);
  });
}

t('without its step, a repair that would drop something says so and drops nothing', () => {
  const dir = copy();
  const c = state(dir).heads['channels/c'];
  rmSync(gitPath(dir, parentOf(dir, parentOf(dir, c))), { force: true });
  const r = cli(dir, ['fsck', '--repair']);
  assert.is(r.status, 1);
  assert.match(r.stdout, "not repaired: channels/c: older history is damaged (the current state reads); 'bazaar fsck --repair --reset-ref channels/c'");
  assert.is(state(dir).heads['channels/c'], c, 'the branch was not moved');
});

t('a write on a store whose newest state file was lost refuses, and starts no new history', () => {
  const dir = copy();
  const s = state(dir);
  const ref = readFileSync(join(dir, 'refs.git/refs/heads/packages'), 'utf8');
  rmSync(stateFile(dir, s.seq), { force: true });
  for (const args of [['add', file(PKGS[5])], ['rm', 'etcskel'], ['channel', 'remove', 'c', 'setup'], ['pin', 'sed'], ['image', 'remove', 'web', 'bash']]) {
    const r = cli(dir, args);
    assert.is(r.status, 1, `${args.join(' ')} refuses: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /state \d+ is missing/);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.is(readFileSync(join(dir, 'refs.git/refs/heads/packages'), 'utf8'), ref, 'the packages branch did not start over');
  assert.equal(readdirSync(join(dir, 'state')).filter((n) => stateSeqOf(n) !== null).map(Number).sort((a, b) => a - b).pop(), s.seq - 1, 'no state was written');
  const repair = cli(dir, ['fsck', '--repair']);
  assert.is(repair.status, 0, repair.stdout + repair.stderr);
  assert.match(repair.stdout, `state ${s.seq} was missing (the newest state file was ${s.seq - 1}): restored from its git record`);
  assert.equal(state(dir), { seq: s.seq, heads: s.heads }, 'the lost state is back, byte for byte');
  assert.is(cli(dir, ['rm', 'etcskel']).status, 0, 'writes work again');
});

t('a state file and its git record that differ at the same seq: the state file stands, the commit only the record names is kept under trash/', async () => {
  const dir = copy();
  const s = state(dir);
  const { encodeState } = await import('../../src/store/state-backend.js');
  const raw = JSON.parse(readFileSync(stateFile(dir, s.seq), 'utf8'));
  const head = s.heads.packages;
  const older = parentOf(dir, head);
  rmSync(stateFile(dir, s.seq), { force: true });
  writeFileSync(stateFile(dir, s.seq), encodeState({ seq: raw.seq, time: raw.time, heads: { ...raw.heads, packages: older } }));
  const fsck = cli(dir, ['fsck']);
  assert.is(fsck.status, 1);
  assert.match(fsck.stdout, `state: state ${s.seq} differs from its git record`);
  const repair = cli(dir, ['fsck', '--repair']);
  assert.is(repair.status, 0, repair.stdout + repair.stderr);
  assert.match(repair.stdout, new RegExp(`packages: commit ${head.slice(0, 12)} named by the git record is not in state ${s.seq}; kept as trash/\\d+/recovered/packages`));
  const after = state(dir);
  assert.is(after.heads.packages, older);
  const trash = Object.entries(after.heads).find(([b]) => /^trash\/\d+\/recovered\/packages$/.test(b));
  assert.ok(trash, 'the commit is kept on a trash branch');
  assert.is(parentOf(dir, trash[1]), head, 'on top of the commit the record named');
  assert.is(cli(dir, ['fsck']).status, 0);
});

t('what gc collected on purpose is never missing: gc --retention-days 0, then gc with the default window, fsck and repair', () => {
  const dir = freshStore('gc-horizon');
  const ok = (args: string[]): Run => { const r = cli(dir, args); assert.is(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`); return r; };
  ok(['add', file(PKGS[5]), file(PKGS[0])]);
  ok(['channel', 'create', 'old']);
  ok(['channel', 'add', 'old', 'sed']);
  ok(['channel', 'delete', 'old']);
  ok(['rm', 'sed']);
  const gc0 = JSON.parse(ok(['gc', '--retention-days', '0', '--json']).stdout);
  assert.ok(gc0.deleted > 0, 'the window of 0 collected sed');
  assert.equal(gc0.expired.length, 1, 'and the deleted channel');
  const again = JSON.parse(ok(['gc', '--json']).stdout);
  assert.is(again.deleted, 0);
  const fsck = ok(['fsck']);
  assert.not.match(fsck.stdout, /missing/);
  ok(['gc', '--retention-days', '365']);
  const repair = ok(['fsck', '--repair']);
  assert.not.match(repair.stdout, /missing|not repaired/);
  assert.ok(JSON.parse(readFileSync(join(dir, 'bazaar-store.json'), 'utf8')).layout >= 4, 'the horizon raised the layout (the range records of the add raised it to 5 already)');
});

t('a missing object of history inside the retention window is damage to fsck and gc alike', async () => {
  const dir = copy();
  // etcskel was in the store only in an older state of packages (it is removed below)
  const r = cli(dir, ['rm', 'etcskel']);
  assert.is(r.status, 0, r.stderr);
  assert.is(cli(dir, ['gc']).status, 0, 'a first gc records the horizon');
  const manifest = JSON.parse(cli(baseStore(), ['show', '--json', 'etcskel']).stdout).manifest as ObjectId;
  await removeStored(dir, manifest);
  const fsck = cli(dir, ['fsck']);
  assert.is(fsck.status, 1, fsck.stdout);
  assert.match(fsck.stdout, `missing ${manifest}`);
  const gc = cli(dir, ['gc']);
  assert.is(gc.status, 1, 'gc refuses: what that manifest reaches is unknown');
  const repair = cli(dir, ['fsck', '--repair']);
  assert.is(repair.status, 0, repair.stdout);
  assert.is(cli(dir, ['fsck']).status, 0);
});

t.run();
