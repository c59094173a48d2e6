/**
 * `bazaar migrate SRC --to DEST` (docs/engines.md#migrate) as a user runs it: the sample
 * store with a layer and an image copied into a new directory and into a store made by
 * `bazaar init` gives the same `ls --json` and `image ls --json`, both fsck-clean; a
 * `kill -9` at any moment and a second run finish the copy; a damaged source object, the
 * source as DEST and a written DEST are refused with one line and the right exit code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, bazaarAsync, freshStore, tempDir } from '../helpers/cli.js';
import { attachedStoreFlags, testWithEngine } from '../helpers/engines.js';
import { binaryRpms, cli, sampleStore } from '../helpers/server.js';
import { flipStoredBit } from '../helpers/stored-objects.js';

const t = suite('cli: bazaar migrate');

const src = sampleStore(binaryRpms(), 'cli-migrate');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'], src);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], src);
cli(['image', 'install', 'web', 'sed'], src);
const big = randomBytes(6 << 20);
const tree = tempDir('cli-migrate-tree');
writeFileSync(join(tree, 'big.bin'), big);
cli(['import-tree', tree, '--name', 'big'], src);

const listings = (dir: string): { ls: unknown; images: unknown } => ({ ls: JSON.parse(cli(['ls', '--json'], dir)), images: JSON.parse(cli(['image', 'ls', '--json'], dir)) });
const expected = listings(src);
/** The same, each command in its own process: one that has the S3 keys attachedStoreFlags() put into this process's environment (the in-process CLI's worker was started before). */
const spawnedListings = (dir: string): { ls: unknown; images: unknown } => {
  const json = (args: string[]): unknown => { const r = bazaar([...args, '--json', '--store', dir]); assert.is(r.status, 0, r.stderr); return JSON.parse(r.stdout); };
  return { ls: json(['ls']), images: json(['image', 'ls']) };
};
const newDir = (label: string): string => join(tempDir(label), 'store');

/** One line of error on stderr, and nothing that looks like a stack. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => !l.includes('building the package index'));
  assert.is(lines.length, 1, stderr);
  assert.not.match(stderr, /\n\s+at /);
  return lines[0];
}

t('into a new directory and back into a store made by bazaar init: the same ls and image ls, fsck clean, a --json summary', () => {
  const copy = newDir('cli-migrate-copy');
  const r = bazaar(['migrate', src, '--to', copy]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^copied \d+ objects \(\d+ bytes stored\), \d+ history objects, state \d+ \(\d+ branches\) as state 1/);
  assert.match(r.stdout, `fsck of the source ${src}: `);
  assert.match(r.stdout, `fsck of the copy ${copy}: `);
  assert.not.match(r.stdout, 'problem');
  assert.equal(listings(copy), expected);
  assert.is(bazaar(['fsck', '--store', copy]).status, 0);

  const back = freshStore('cli-migrate-back');
  const j = bazaar(['migrate', copy, '--to', back, '--json']);
  assert.is(j.status, 0, j.stderr);
  const summary = JSON.parse(j.stdout) as { ok: boolean; objects: { copied: number; bytes: number }; states: number; fsck: { source: { ok: boolean; objects: number }; destination: { ok: boolean; objects: number } } };
  assert.is(summary.ok, true);
  assert.is(summary.states, 1);
  assert.ok(summary.objects.bytes > big.length, 'the large object came along');
  assert.is(summary.fsck.source.ok && summary.fsck.destination.ok, true);
  assert.is(summary.fsck.destination.objects, summary.objects.copied);
  assert.equal(listings(back), expected);
});

testWithEngine(t, 'onto S3 and PostgreSQL with bazaar init\'s flags and back: the same ls and image ls, fsck clean on every side', ['postgres', 'ceph'], () => {
  const attached = newDir('cli-migrate-attached');
  const up = bazaar(['migrate', src, '--to', attached, ...attachedStoreFlags()]);
  assert.is(up.status, 0, up.stderr);
  assert.not.match(up.stdout, 'problem');
  assert.ok(!existsSync(join(attached, 'objects')) || readdirSync(join(attached, 'objects')).length === 0, 'the objects went to S3, not into the directory');
  assert.equal(spawnedListings(attached), expected);
  const back = newDir('cli-migrate-from-attached');
  const down = bazaar(['migrate', attached, '--to', back]);
  assert.is(down.status, 0, down.stderr);
  assert.equal(listings(back), expected);
  assert.is(bazaar(['fsck', '--store', back]).status, 0);
  assert.is(bazaar(['fsck', '--store', attached]).status, 0);
});

t('kill -9 at any moment, then a second run: the copy is finished and the same', async () => {
  let midway = 0;
  // after fixed delays, and as soon as the first batch of objects is in DEST
  for (const when of [150, 600, 1000, 1500, 'first pack'] as const) {
    const dest = newDir('cli-migrate-kill');
    const child = bazaarAsync(['migrate', src, '--to', dest]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    if (when === 'first pack') {
      for (let i = 0; i < 5000 && !existsSync(join(dest, 'objects', 'pack')); i++) await new Promise((r) => setTimeout(r, 2));
    } else {
      await new Promise((r) => setTimeout(r, when));
    }
    child.kill('SIGKILL');
    await exited;
    const stateFiles = existsSync(join(dest, 'state')) ? readdirSync(join(dest, 'state')) : [];
    if (existsSync(join(dest, 'objects', 'pack')) && stateFiles.length === 0) midway++;
    const again = bazaar(['migrate', src, '--to', dest]);
    assert.is(again.status, 0, `killed at ${when}: ${again.stderr}`);
    assert.equal(listings(dest), expected, `killed at ${when}`);
    assert.is(bazaar(['fsck', '--store', dest]).status, 0);
  }
  assert.ok(midway >= 1, 'a kill landed with objects copied and no state yet');
});

t('a damaged source object: exit 1 naming it, DEST lists nothing; the source as DEST, a written DEST, no --to: exit 2, one line', () => {
  const scratch = newDir('cli-migrate-scratch');
  assert.is(bazaar(['migrate', src, '--to', scratch]).status, 0);
  const bigId = `sha256:${createHash('sha256').update(big).digest('hex')}` as const;
  flipStoredBit(scratch, bigId, 0.7);
  const dest = newDir('cli-migrate-damaged');
  const r = bazaar(['migrate', scratch, '--to', dest]);
  assert.is(r.status, 1);
  const line = oneLine(r.stderr);
  assert.match(line, `object ${bigId} is damaged`);
  assert.match(line, `${dest} holds no state`);
  assert.equal(JSON.parse(cli(['ls', '--json'], dest)), []);

  const same = bazaar(['migrate', src, '--to', src]);
  assert.is(same.status, 2);
  assert.match(oneLine(same.stderr), 'are the same store');
  const used = bazaar(['migrate', scratch, '--to', src]);
  assert.is(used.status, 2);
  assert.match(oneLine(used.stderr), `${src} is not a new store`);
  const missing = newDir('cli-migrate-none');
  const noTo = bazaar(['migrate', src]);
  assert.is(noTo.status, 2);
  assert.match(oneLine(noTo.stderr), 'migrate needs --to DEST');
  const noSrc = bazaar(['migrate', join(missing, 'nosuch'), '--to', missing]);
  assert.is(noSrc.status, 2);
  assert.is(existsSync(missing), false, 'DEST is not made when SRC is not a store');
  assert.equal(listings(src), expected, 'the source is unchanged');
});

t('--help says what is copied and gives an example', () => {
  const r = bazaar(['migrate', '--help']);
  assert.is(r.status, 0);
  assert.match(r.stdout, 'bazaar migrate SRC --to DEST');
  assert.match(r.stdout, 'Example:');
  assert.match(r.stdout, 'fsck');
  assert.ok(readdirSync(src).includes('bazaar-store.json'));
});

t.run();
