/**
 * One store, many readers (the issue "one store, many readers"): readers never take the
 * lock, never wait for a writer, and always see one whole state.
 *
 * - While the test holds the writers' lock, every read command answers (a writer waits).
 * - 8 reader processes loop `show`, `ls --json`, `cat` and `resolve --channel` while one
 *   process adds the corpus in batches, another republishes a channel back and forth and
 *   another runs `gc --retention-days 0`: every read exits 0 and returns a state that
 *   existed (ls: the base plus whole batches, in order; the channel: one set or the
 *   other), never a mixture; fsck is clean after.
 * - A long-lived library reader holding a snapshot does not stop other processes from
 *   adding, listing, showing or changing channels, and gc keeps what it reads.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nevraKey } from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { lockPath, objectIdOf } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import { CLI, bazaar, freshStore } from '../helpers/cli.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { testWith } from '../helpers/tools.js';

const t = suite('concurrency');

interface Run { status: number | null; stdout: Buffer; stderr: string }

function run(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }); });
  });
}

const BASE = ['filesystem-2.3.21-alt1.x86_64', 'etcskel-5.0-alt1.noarch', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'bash-5.2.26-alt2.x86_64', 'setup-2.2.9-alt1.noarch'];
const SET_A = ['filesystem-2.3.21-alt1.x86_64', 'etcskel-5.0-alt1.noarch', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64'];
const SET_B = ['filesystem-2.3.21-alt1.x86_64', 'etcskel-5.0-alt1.noarch', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'];
const fileOf = (nevra: string): string => sampleRpms().find((f) => f.endsWith(`/${nevra}.rpm`)) as string;

/** Files that add together without a NEVRA conflict, outside the base. */
async function addable(): Promise<string[]> {
  const byKey = new Map<string, string>();
  const out: string[] = [];
  for (const f of [...sampleRpms(), ...corpusRpms()]) {
    if (BASE.some((b) => f.endsWith(`/${b}.rpm`))) continue;
    let r;
    try { r = await readRpmFile(f); } catch { continue; }
    const key = nevraKey(packageMeta(r.header, f));
    const id = objectIdOf(r.header.bytes);
    if ((byKey.get(key) ?? id) !== id) continue;
    byKey.set(key, id);
    out.push(f);
  }
  return out;
}

async function seeded(): Promise<string> {
  const dir = freshStore('many-readers');
  assert.is(bazaar(['add', '--unpack', '--store', dir, ...BASE.map(fileOf)]).status, 0); // file objects a reader keeps
  assert.is(bazaar(['channel', 'create', '--store', dir, 'pub']).status, 0);
  assert.is(bazaar(['channel', 'publish', '--store', dir, 'pub', ...SET_A]).status, 0);
  return dir;
}

t('while a writer holds the lock, every read answers (and a writer waits)', async () => {
  const dir = await seeded();
  writeFileSync(lockPath(dir), `${process.pid} ${hostname()} 0 ${new Date().toISOString()}\n`);
  try {
    const writer = run(['channel', 'add', '--store', dir, 'pub', 'setup'], 120_000);
    let writerDone = false;
    void writer.then(() => { writerDone = true; });
    const shown = JSON.parse(bazaar(['show', '--json', '--store', dir, 'bash-5.2.26-alt1.x86_64']).stdout);
    for (const args of [['ls', '--json'], ['show', 'bash-5.2.26-alt1.x86_64'], ['cat', shown.rpm], ['resolve', '--channel', 'pub', '--install', 'bash'],
    ['channel', 'ls', 'pub'], ['channel', 'log', 'pub'], ['versions', 'bash'], ['fsck']]) {
      const r = await run([...args, '--store', dir], 30_000);
      assert.is(r.status, 0, `${args.join(' ')} answered under a held lock: ${r.stderr}`);
    }
    assert.is(writerDone, false, 'the writer is still waiting for the lock');
    writeFileSync(lockPath(dir), ''); // garbage content, not ours: removed below
  } finally {
    const { rmSync } = await import('node:fs');
    rmSync(lockPath(dir), { force: true });
  }
});

testWith(t, '8 readers loop while one process adds 150+ packages, one republishes and one collects garbage: whole states only', ['corpus'], async () => {
  const dir = await seeded();
  const files = await addable();
  assert.ok(files.length >= 150, `${files.length} packages to add`);
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += 15) batches.push(files.slice(i, i + 15));
  const batchKeys: string[][] = [];
  for (const b of batches) {
    const keys: string[] = [];
    for (const f of b) keys.push(packageMeta((await readRpmFile(f)).header, f).nevra);
    batchKeys.push([...new Set(keys)]);
  }
  const base = new Set(JSON.parse(bazaar(['ls', '--json', '--store', dir]).stdout).map((p: { nevra: string }) => p.nevra));
  const showRef = JSON.parse(bazaar(['show', '--json', '--store', dir, 'bash-5.2.26-alt1.x86_64']).stdout);
  const rpmBytes = readFileSync(fileOf('bash-5.2.26-alt1.x86_64'));
  const answers = new Set<string>();
  for (const set of [SET_A, SET_B]) {
    assert.is(bazaar(['channel', 'publish', '--store', dir, 'pub', ...set]).status, 0);
    answers.add(JSON.stringify(JSON.parse(bazaar(['resolve', '--json', '--store', dir, '--channel', 'pub', '--install', 'bash']).stdout).install));
  }
  assert.is(answers.size, 2, 'the two channel states resolve differently');

  let writing = true;
  const writers = Promise.all([
    (async () => { for (const b of batches) { const r = await run(['add', '--store', dir, ...b], 300_000); assert.is(r.status, 0, `add: ${r.stderr}`); } })(),
    (async () => { for (let i = 0; i < 12; i++) { const r = await run(['channel', 'publish', '--store', dir, 'pub', ...(i % 2 ? SET_A : SET_B)]); assert.is(r.status, 0, `publish: ${r.stderr}`); } })(),
    (async () => { for (let i = 0; i < 4; i++) { const r = await run(['gc', '--retention-days', '0', '--store', dir], 300_000); assert.is(r.status, 0, `gc: ${r.stderr}`); } })(),
  ]).finally(() => { writing = false; });

  const problems: string[] = [];
  let reads = 0;
  const reader = async (n: number): Promise<void> => {
    for (let i = 0; writing || i < 2; i++) {
      const which = (n + i) % 4;
      if (which === 0) {
        const r = await run(['show', '--json', '--store', dir, 'bash-5.2.26-alt1.x86_64']);
        if (r.status !== 0) problems.push(`show: ${r.stderr}`);
        else if (JSON.stringify(JSON.parse(r.stdout.toString())) !== JSON.stringify(showRef)) problems.push('show: another answer');
      } else if (which === 1) {
        const r = await run(['ls', '--json', '--store', dir]);
        if (r.status !== 0) { problems.push(`ls: ${r.stderr}`); continue; }
        const seen = new Set<string>(JSON.parse(r.stdout.toString()).map((p: { nevra: string }) => p.nevra));
        const present = batchKeys.map((keys) => keys.filter((k) => seen.has(k)).length);
        const whole = present.every((c, k) => c === 0 || c === batchKeys[k].length);
        const ordered = present.every((c, k) => k === 0 || c === 0 || present[k - 1] === batchKeys[k - 1].length);
        const extra = [...seen].filter((k) => !base.has(k) && !batchKeys.some((b) => b.includes(k)));
        if (!whole || !ordered || extra.length || [...base].some((b) => !seen.has(b as string))) problems.push(`ls: a mixture (${present.join(',')})`);
      } else if (which === 2) {
        const r = await run(['cat', '--store', dir, showRef.rpm]);
        if (r.status !== 0 || !r.stdout.equals(rpmBytes)) problems.push(`cat: ${r.status} ${r.stderr}`);
      } else {
        const r = await run(['resolve', '--json', '--store', dir, '--channel', 'pub', '--install', 'bash']);
        if (r.status !== 0) problems.push(`resolve: ${r.stderr}`);
        else if (!answers.has(JSON.stringify(JSON.parse(r.stdout.toString()).install))) problems.push(`resolve: an answer of no state: ${r.stdout}`);
      }
      reads++;
    }
  };
  await Promise.all([writers, ...Array.from({ length: 8 }, (_, n) => reader(n))]);
  assert.equal(problems, [], `${reads} reads`);
  assert.ok(reads >= 16, `${reads} reads ran`);
  const fsck = bazaar(['fsck', '--store', dir]);
  assert.is(fsck.status, 0, fsck.stdout);
  const finalList = JSON.parse(bazaar(['ls', '--json', '--store', dir]).stdout);
  assert.is(finalList.length, base.size + batchKeys.flat().length, 'every batch landed');
});

t('a long-lived reader holding a snapshot: other processes add, list, show and change channels; gc keeps what it reads', async () => {
  const dir = await seeded();
  const store = await Store.open(dir);
  const snap = await store.snapshot();
  try {
    const before = await store.index(snap);
    const bashAlt1 = await store.findPackage(snap, 'bash-5.2.26-alt1.x86_64');
    const more = sampleRpms().filter((f) => /\/(sed|grep|zlib)-/.test(f));
    for (const args of [['add', ...more], ['ls'], ['show', 'sed-4.9-alt1.x86_64'], ['channel', 'add', 'pub', 'sed-4.9-alt1.x86_64'], ['channel', 'remove', 'pub', 'sed-4.9-alt1.x86_64'],
    ['channel', 'remove', 'pub', 'bash-5.2.26-alt1.x86_64'], ['rm', 'bash-5.2.26-alt1.x86_64'], ['gc', '--retention-days', '0']]) {
      const r = await run([...args, '--store', dir], 60_000);
      assert.is(r.status, 0, `${args.join(' ')} while a reader holds a snapshot: ${r.stderr}`);
    }
    // the snapshot still reads its state in full, though gc ran with a window of 0
    assert.is((await store.index(snap)).builds.length, before.builds.length);
    const m = await store.manifest(bashAlt1.build.manifest);
    for (const f of m.files) if (f.id) assert.ok(await store.has(f.id), `${f.path} kept for the reader`);
  } finally {
    snap.close();
  }
  const gc = JSON.parse(bazaar(['gc', '--json', '--retention-days', '0', '--store', dir]).stdout);
  assert.ok(gc.deleted > 0, 'once the reader is gone, gc collects what only it kept');
  assert.is(bazaar(['fsck', '--store', dir]).status, 0);
});

t.run();
