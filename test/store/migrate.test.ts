/**
 * `migrateStore` (docs/engines.md#migrate): a store copied into a new one gives the same
 * listings and fsck-clean stores on both sides, locally and through the engines (local
 * to S3 and PostgreSQL and back); a run stopped midway goes on or finishes; a damaged
 * source object stops it, naming the object, with the destination holding no state; a
 * destination that is the source, holds a state or has settings of its own is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { listImages } from '../../src/library/index.js';
import { FsObjectBackend } from '../../src/store/fs-object-backend.js';
import { migrateStore } from '../../src/store/migrate-store.js';
import { readStoreFiles } from '../../src/store/store-files.js';
import type { MigrateReport } from '../../src/store/migrate-store.js';
import { Store } from '../../src/store/store.js';
import { freshStore, tempDir } from '../helpers/cli.js';
import { engineBackends, testWithEngine } from '../helpers/engines.js';
import { binaryRpms, cli, sampleStore } from '../helpers/server.js';
import { flipStoredBit, storedIds } from '../helpers/stored-objects.js';

const t = suite('migrate: a store copied into a new one');

/** The sample store with a layer, an image with history, a large object, settings, a token and a signing key. */
const src = sampleStore(binaryRpms(), 'migrate-src');
cli(['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'], src);
cli(['image', 'create', 'web@1.0.0', '--layer', 'base@^1.0', '--channel', 'sample'], src);
cli(['image', 'install', 'web', 'sed'], src);
// incompressible and larger than any whole read: copied as a stream
const big = randomBytes(6 << 20);
const bigId = `sha256:${createHash('sha256').update(big).digest('hex')}` as const;
const tree = tempDir('migrate-tree');
writeFileSync(join(tree, 'big.bin'), big);
cli(['import-tree', tree, '--name', 'big'], src);
cli(['token', 'create', '--scope', 'read', '--name', 'ci'], src);
cli(['key', 'generate', 'repo'], src);
writeFileSync(join(src, 'config.json'), '{"retention":{"days":90}}\n');
const trustedFile = join(tempDir('migrate-key'), 'repo.asc');
writeFileSync(trustedFile, cli(['key', 'export', 'repo'], src));
cli(['key', 'import', trustedFile], src);
cli(['channel', 'create', 'upstream'], src);
cli(['mirror', 'add', 'up', 'http://127.0.0.1:1/up/', '--channel', 'upstream'], src);

const STORE_FILES = ['config.json', ...readdirSync(join(src, 'keys/trusted')).map((n) => `keys/trusted/${n}`), 'keys/signing/repo.asc', 'keys/signing/repo.pub.asc', 'mirrors.json', 'tokens.json'].sort();
/** The store files of `dir` as its store holds them (files, or an attached store's rows), with their modes. */
const filesOf = (dir: string): Array<{ path: string; bytes: string; mode: number }> => readStoreFiles(dir).map((f) => ({ path: f.path, bytes: f.bytes.toString('base64'), mode: f.mode }));

/** What the CLI lists of a store (as JSON). */
function listings(dir: string): Record<string, unknown> {
  const json = (args: string[]): unknown => JSON.parse(cli([...args, '--json'], dir));
  return { ls: json(['ls']), images: json(['image', 'ls']), layers: json(['layer', 'ls']), channels: json(['channel', 'ls']) };
}

/** sha256 of every file of a store but its scratch and derived areas: what "unchanged" means. */
function contentOf(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    if (prefix === '' && ['cache', 'readers', 'tmp', 'lock'].includes(e.name)) continue;
    if (e.isDirectory()) Object.assign(out, contentOf(dir, rel));
    else out[rel] = createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex');
  }
  return out;
}

const newDir = (label: string): string => join(tempDir(label), 'store');

async function refusal(p: Promise<unknown>): Promise<BazaarError> {
  try { await p; } catch (err) { if (err instanceof BazaarError) return err; throw err; }
  throw new Error('not refused');
}

function assertClean(report: MigrateReport): void {
  assert.ok(report.ok, JSON.stringify({ source: report.fsck.source, destination: report.fsck.destination }));
  assert.ok(report.fsck.source.ok && report.fsck.destination.ok);
  assert.equal(report.fsck.destination.notes, [], 'no note: the state and its git record agree');
}

const expected = listings(src);

t('a local store copied into a new local one lists the same, both fsck-clean; its files come along, the source is unchanged', async () => {
  const before = contentOf(src);
  const dst = newDir('migrate-local');
  const phases: string[] = [];
  const report = await migrateStore(await Store.open(src), await Store.init(dst), { onProgress: (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); } });
  assertClean(report);
  assert.equal(phases, ['objects', 'history', 'files', 'state', 'check source', 'check destination']);
  const ids = await storedIds(src);
  assert.is(report.objects.copied, ids.length, 'every object');
  assert.equal((await storedIds(dst)).sort(), ids.sort());
  assert.ok(report.objects.bytes > big.length, 'the large object was copied');
  assert.ok(report.history > 20, `${report.history} history objects`);
  assert.is(report.state.sourceSeq, await (await Store.open(src)).latestSeq());
  assert.is(await (await Store.open(dst)).latestSeq(), 1, 'the newest state is the copy\'s first');
  assert.equal(listings(dst), expected);
  assert.equal(report.files.sort(), STORE_FILES);
  for (const f of STORE_FILES) assert.ok(readFileSync(join(dst, f)).equals(readFileSync(join(src, f))), f);
  assert.is(statSync(join(dst, 'keys/signing/repo.asc')).mode & 0o777, 0o600, 'the secret key stays private');
  assert.equal(contentOf(src), before, 'the source is unchanged');
});

t('a run stopped midway through the objects goes on where it stopped; one stopped after its commit point is finished', async () => {
  const stop = new Error('killed');
  const dst = newDir('migrate-resume');
  const first = migrateStore(await Store.open(src), await Store.init(dst), { onProgress: (p) => { if (p.phase === 'objects' && p.done >= 300) throw stop; } });
  assert.is(await first.then(() => null, (err: unknown) => err), stop);
  const kept = (await storedIds(dst)).length;
  assert.ok(kept > 0, 'a batch was committed before the stop');
  assert.is(await (await Store.open(dst)).latestSeq(), 0, 'no state: not a copy');
  assert.equal(JSON.parse(cli(['ls', '--json'], dst)), [], 'it lists nothing');
  const again = await migrateStore(await Store.open(src), await Store.open(dst));
  assertClean(again);
  assert.is(again.objects.present, kept, 'what the stopped run committed is not copied again');
  assert.is(again.objects.copied + again.objects.present, (await storedIds(src)).length);
  assert.equal(listings(dst), expected);

  const after = newDir('migrate-after-commit');
  const killed = migrateStore(await Store.open(src), await Store.init(after), { onProgress: (p) => { if (p.phase === 'state') throw stop; } });
  assert.is(await killed.then(() => null, (err: unknown) => err), stop);
  const finished = await migrateStore(await Store.open(src), await Store.open(after));
  assertClean(finished);
  assert.is(finished.alreadyCopied, true);
  assert.is(finished.objects.copied, 0);
  assert.equal(listings(after), expected);
});

t('a damaged object of the source stops the copy, naming it; the destination holds no state, and the source is unchanged', async () => {
  const scratch = newDir('migrate-scratch');
  assertClean(await migrateStore(await Store.open(src), await Store.init(scratch)));
  const packs = new FsObjectBackend(scratch);
  const small = (await storedIds(scratch)).find((id) => packs.locate(id)?.path.includes('/objects/pack/'));
  assert.ok(small, 'a packed object');
  for (const id of [bigId, small]) {
    const undo = flipStoredBit(scratch, id, 0.5);
    const before = contentOf(scratch);
    const dst = newDir('migrate-damaged');
    const err = await refusal(migrateStore(await Store.open(scratch), await Store.init(dst)));
    assert.is(err.code, 'ERR_STORE_OBJECT_CORRUPT', err.message);
    assert.match(err.message, id);
    assert.match(err.message, 'migrate stopped');
    assert.match(err.message, `${dst} holds no state`);
    assert.is(await (await Store.open(dst)).latestSeq(), 0);
    assert.equal(JSON.parse(cli(['ls', '--json'], dst)), []);
    assert.equal(contentOf(scratch), before, 'the source is unchanged');
    undo();
  }
});

t('the source itself, a store holding a state, and a destination with settings of its own are refused, nothing written', async () => {
  const same = await refusal(migrateStore(await Store.open(src), await Store.open(src)));
  assert.is(same.code, 'ERR_USAGE');
  assert.match(same.message, 'are the same store');

  const used = freshStore('migrate-used');
  cli(['add', binaryRpms()[0]], used);
  const usedBefore = contentOf(used);
  const busy = await refusal(migrateStore(await Store.open(src), await Store.open(used)));
  assert.is(busy.code, 'ERR_BAD_INPUT');
  assert.match(busy.message, `${used} is not a new store (it holds state 1`);
  assert.equal(contentOf(used), usedBefore);

  const own = newDir('migrate-own');
  const ownStore = await Store.init(own);
  writeFileSync(join(own, 'config.json'), '{"retention":{"days":7}}\n');
  const conflict = await refusal(migrateStore(await Store.open(src), ownStore));
  assert.is(conflict.code, 'ERR_BAD_INPUT');
  assert.match(conflict.message, 'has its own config.json');
  assert.equal(await storedIds(own), [], 'no object copied');
  assert.is(readFileSync(join(own, 'config.json'), 'utf8'), '{"retention":{"days":7}}\n');
});

const closing: Array<{ close(): void | Promise<void> }> = [];

testWithEngine(t, 'the sample store to S3 and PostgreSQL and back: the same listings, fsck-clean on every side', ['postgres', 'ceph'], async () => {
  const name = `migrate${process.pid}`;
  const backends = await engineBackends(name);
  closing.push(backends.objectBackend, backends.stateBackend, backends.historyBackend);
  const attachedDir = newDir('migrate-attached');
  const attached = await Store.init(attachedDir, backends);
  const there = await migrateStore(await Store.open(src), attached);
  assertClean(there);
  assert.is(there.objects.copied, (await storedIds(src)).length);
  assert.is(there.to.objects.startsWith('s3://'), true, there.to.objects);

  // another host attached to the same engines reads what was copied
  const other = await engineBackends(name);
  closing.push(other.objectBackend, other.stateBackend, other.historyBackend);
  const host = await Store.init(newDir('migrate-host'), other);
  const local = await Store.open(src);
  assert.equal((await host.list()).map((b) => b.key), (await local.list()).map((b) => b.key));
  assert.equal(await listImages(host), await listImages(local));
  assert.ok((await host.fsck()).ok);
  // the files became rows: the other host has them, with their modes; neither directory holds them
  assert.equal(filesOf(host.dir), filesOf(src), 'settings, mirrors, tokens and keys as rows, byte for byte');
  for (const dir of [attachedDir, host.dir]) for (const f of STORE_FILES) assert.not.ok(existsSync(join(dir, f)), `${dir} holds no ${f}`);

  const backDir = newDir('migrate-back');
  const back = await migrateStore(attached, await Store.init(backDir));
  assertClean(back);
  assert.is(back.objects.copied, there.objects.copied);
  assert.equal(listings(backDir), expected);
  assert.equal(back.files.sort(), STORE_FILES);
  for (const f of STORE_FILES) assert.ok(readFileSync(join(backDir, f)).equals(readFileSync(join(src, f))), f);
  for (const f of STORE_FILES) assert.is(statSync(join(backDir, f)).mode & 0o777, statSync(join(src, f)).mode & 0o777, `${f}'s mode`);
});

t.after(async () => { await Promise.all(closing.splice(0).map(async (b) => { try { await b.close(); } catch { /* gone */ } })); });

t.run();
