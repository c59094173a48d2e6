/**
 * Reading the history costs memory by the bytes read, not by the number of objects: a
 * small loose git object's body used to stay in the 16 KiB buffer zlib inflated it into,
 * and the read cache (and gc's packing of loose objects) held one such buffer per object.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FsHistoryBackend } from '../../src/store/history/fs-history-backend.js';
import { GitRepo } from '../../src/store/history/git-repo.js';
import { tempDir } from '../helpers/cli.js';

const t = suite('history-memory');

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
/**
 * External memory in use after a full collection. V8 frees the backing stores of dead
 * ArrayBuffers on a background sweep after the collection: read at once, the figure
 * sometimes still held the loop's garbage (26-34 MB, one run in four). A second
 * collection after a pause lets the sweep finish first.
 */
const buffers = async (): Promise<number> => {
  collect();
  await new Promise((r) => setTimeout(r, 20));
  collect();
  return process.memoryUsage().arrayBuffers;
};

/**
 * 4,000 small blobs written to a new history, flushed every `flushEvery`. The writer is out
 * of reach when this returns: what it held must not blur the reader's figure.
 */
async function written4000(label: string, flushEvery: number): Promise<{ dir: string; gitdir: string; oids: string[] }> {
  const dir = tempDir(label);
  const gitdir = join(dir, 'refs.git');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const writer = new GitRepo(new FsHistoryBackend(gitdir, dir));
  await writer.init();
  const oids: string[] = [];
  for (let i = 0; i < 4000; i++) {
    oids.push(writer.write('blob', Buffer.from(`value ${i} ${'x'.repeat(200)}`)));
    if (i % flushEvery === flushEvery - 1) await writer.flush();
  }
  return { dir, gitdir, oids };
}

t('4,000 small history objects read (and cached) hold about their own size, not 16 KiB each', async () => {
  // flushed 100 at a time: a flush of few objects writes them loose (many would be one pack)
  const { dir, gitdir, oids } = await written4000('history-memory', 100);
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const before = await buffers();
  for (const oid of oids) assert.ok((await reader.read(oid)).body.toString().startsWith('value '));
  const held = (await buffers()) - before;
  // 4,000 x 16 KiB would be 64 MB; the bodies themselves are under 1 MB (a gc of the
  // writer's own buffers may land inside the count: up to about 12 MB was seen)
  assert.ok(held < 24 << 20, `${(held / 1e6).toFixed(1)} MB held for 4,000 objects of ~210 bytes`);
});

t('4,000 small history objects read from a pack hold about their own size, not 16 KiB each', async () => {
  const { dir, gitdir, oids } = await written4000('history-memory-pack', 4000); // many objects at once: one pack
  assert.is(readdirSync(join(gitdir, 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length, 1);
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const before = await buffers();
  for (const oid of oids) assert.ok((await reader.read(oid)).body.toString().startsWith('value '));
  const held = (await buffers()) - before;
  assert.ok(held < 24 << 20, `${(held / 1e6).toFixed(1)} MB held for 4,000 packed objects of ~210 bytes`);
});

/** 12,000 blobs of 2 KB and 800 trees of 200 entries, written by a writer out of reach when this returns. */
async function writtenHistory(): Promise<{ dir: string; gitdir: string; blobs: string[]; trees: string[] }> {
  const dir = tempDir('history-memory-walk');
  const gitdir = join(dir, 'refs.git');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const writer = new GitRepo(new FsHistoryBackend(gitdir, dir));
  await writer.init();
  const blobs: string[] = [];
  for (let i = 0; i < 12_000; i++) blobs.push(writer.write('blob', Buffer.from(`${i} ${'y'.repeat(2000)}`)));
  const trees: string[] = [];
  for (let i = 0; i < 800; i++) trees.push(writer.writeTree(Array.from({ length: 200 }, (_, k) => ({ mode: '100644', name: `v${i}-${k}`, oid: blobs[(i * 200 + k) % blobs.length] }))));
  await writer.flush();
  return { dir, gitdir, blobs, trees };
}

t('a reader that reads all history once (a walk) holds its caches\' bound in bytes, not 50,000 objects and 20,000 trees', async () => {
  // 24 MB of bodies and 160,000 parsed tree entries (~19 MB of heap): under the old
  // bounds (50,000 objects, 20,000 trees) all of it stayed
  const { dir, gitdir, blobs, trees } = await writtenHistory();
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const held = async (): Promise<number> => { const b = await buffers(); return process.memoryUsage().heapUsed + b; };
  const before = await held();
  for (const oid of blobs) assert.ok((await reader.readBlob(oid)).length > 2000);
  for (const oid of trees) assert.is((await reader.readTree(oid)).length, 200);
  const after = (await held()) - before;
  // the bounds: 8 MiB of bodies, 32,768 parsed entries (~4 MB); the old ones held ~45 MB here
  assert.ok(after < 24 << 20, `${(after / 1e6).toFixed(1)} MB held after reading 24 MB of blobs and 160,000 tree entries once`);
  assert.ok(after > 2 << 20, `${(after / 1e6).toFixed(1)} MB held: the caches keep something (else this measures nothing)`);
  assert.ok(reader); // in reach until here
});

t.run();
