/**
 * Damage never costs data (the issue "damage never costs data"): a scripted suite, one
 * case per kind of damage a disk, a crash or a hand can leave. For each:
 *
 * - every command meets the damaged store with exit 0, 1 or 2 and at most one line on
 *   stderr (never 70, never a stack trace);
 * - fsck exits 1 naming the damage (0 where nothing is damaged);
 * - gc deletes nothing that the store reached before the damage;
 * - after `fsck --repair` (with the step it names: re-adding the original .rpm, or
 *   --reset-ref) fsck is clean and ls, the channel and the pins read as before.
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
  return base;
}

function copy(): string {
  const dir = join(tempDir('damage'), 'store');
  cpSync(baseStore(), dir, { recursive: true });
  return dir;
}

/** What the user sees: listing, the channel, the pins. */
function view(dir: string): string[] {
  return [cli(dir, ['ls']).stdout, cli(dir, ['channel', 'ls', 'c']).stdout, cli(dir, ['pin']).stdout];
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
    const r = cli(scratch, real);
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
  /** Steps after the damage: extra args for the repair, and re-adding files. */
  repair?: { resetRef?: string; readd?: string[] };
}

const CASES: Case[] = [
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

for (const c of CASES) {
  t(c.name, async () => {
    const dir = copy();
    const before = view(dir);
    const objectsBefore = await allObjects(dir);
    await c.damage(dir);
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
    for (const nevra of c.repair?.readd ?? []) {
      const r = cli(dir, ['add', file(nevra)]);
      assert.is(r.status, 0, `re-adding ${nevra}: ${r.stderr}`);
    }
    const repair = cli(dir, ['fsck', '--repair', ...(c.repair?.resetRef ? ['--reset-ref', c.repair.resetRef] : [])]);
    assert.is(repair.status, 0, `fsck --repair:\n${repair.stdout}${repair.stderr}`);
    const after = cli(dir, ['fsck']);
    assert.is(after.status, 0, `fsck after repair: ${after.stdout}`);
    assert.equal(view(dir), before, 'ls, the channel and the pins read as before the damage');
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

t.run();
